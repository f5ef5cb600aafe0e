"""Issue 13 kind 4: a record edit changes only what it adds.

Line endings (CRLF from Windows editors), a byte-order mark, the file's permission bits and
comments that open the next section all stay as they were; the proof that only lines were added
works on the bytes written. A property-based test (Hypothesis) covers any valid record layout and
any appended events.
"""

from __future__ import annotations

import codecs
import stat
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casebook.store import yamledit
from casebook.store.yamlio import load_text

CASE = "MC-2026-0001"
AS_OF = ("--as-of", "2026-04-01")
CONTACT = (
    "--date", "2026-03-20", "--time", "09:30", "--channel", "email", "--to", "mgr-basil",
    "--summary", "Asked about the complaint",
)  # fmt: skip

BLOCK_TAIL = """\
  - date: 2026-03-17
    type: contact
    time: "10:15"
    channel: email
    to: mgr-basil
    summary: Block style
  # chased by the SPOC

# ---- Retention ------------------------------------------------
retention_flags: []
"""


def log_contact(cli, root):
    res = cli("--root", root, "log", "contact", CASE, *CONTACT, *AS_OF)
    assert res.code == 0, res.err
    return res


def inserted(before: bytes, after: bytes) -> list[bytes]:
    """The lines of ``after`` not in ``before``, asserting ``before``'s lines are all kept in
    order (a subsequence) and byte-identical, line breaks included."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    out, i = [], 0
    for line in new:
        if i < len(old) and line == old[i]:
            i += 1
        else:
            out.append(line)
    assert i == len(old), f"line {i + 1} changed or was removed: {old[i]!r}"
    return out


def test_crlf_bom_and_mode_are_kept(cli, mini):
    path = mini / "cases" / f"{CASE}.yaml"
    text = path.read_text() + BLOCK_TAIL
    before = codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode()
    path.write_bytes(before)
    path.chmod(0o644)
    log_contact(cli, mini)
    after = path.read_bytes()
    assert after.startswith(codecs.BOM_UTF8)
    added = inserted(before, after)
    assert added[0] == b"  - date: 2026-03-20\r\n" and len(added) == 6
    assert all(line.endswith(b"\r\n") for line in after.splitlines(keepends=True))
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_new_event_goes_before_the_next_sections_heading(cli, mini):
    """The heading comment describes the section after it; the comment at the list's indent
    directly under the last event stays with that event."""
    path = mini / "cases" / f"{CASE}.yaml"
    path.write_text(path.read_text() + BLOCK_TAIL)
    log_contact(cli, mini)
    text = path.read_text()
    assert text.index("  # chased by the SPOC") < text.index("  - date: 2026-03-20")
    assert text.index("  - date: 2026-03-20") < text.index("# ---- Retention")
    assert text.endswith(
        "summary: Asked about the complaint\n\n# ---- Retention "
        "------------------------------------------------\nretention_flags: []\n"
    )


def test_fmt_keeps_mode_line_breaks_and_bom(cli, mini):
    path = mini / "cases" / f"{CASE}.yaml"
    text = path.read_text().replace("service: Planning", "service:    Planning")
    path.write_bytes(codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode())
    path.chmod(0o640)
    res = cli("--root", mini, "fmt", path)
    assert res.code == 0, res.err
    after = path.read_bytes()
    assert after.startswith(codecs.BOM_UTF8) and b"service: Planning\r\n" in after
    assert b"\n" not in after.replace(b"\r\n", b"")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_the_proof_is_on_bytes():
    """A CRLF file re-emitted with LF is not "lines added only"."""
    before = b"a: 1\r\nb: 2\r\n"
    assert yamledit.only_inserted(before, b"a: 1\r\nb: 2\r\nc: 3\r\n")
    assert not yamledit.only_inserted(before, b"a: 1\nb: 2\nc: 3\n")
    assert not yamledit.only_inserted(codecs.BOM_UTF8 + before, before + b"c: 3\r\n")
    assert yamledit.only_inserted(b"a: 1", b"a: 1\nb: 2\n")  # a missing final break is added


# --- property: any record layout, any appended events ---------------------------------------

_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=30
).filter(lambda s: s.strip() == s)


@st.composite
def records(draw):
    """A record-like YAML text: a header, an events list in block or flow items, with comments,
    blank lines, optional trailing sections, any of LF / CRLF line breaks."""
    dash = draw(st.sampled_from([0, 2, 4]))
    key_gap = draw(st.sampled_from([1, 3]))  # "- date" or "-   date"
    pad = " " * dash
    lines = ["# a header comment", "id: MC-2026-0001", "person:", "  name: Alex Example"]
    lines.append("events:")
    n = draw(st.integers(1, 6))
    for i in range(n):
        day = date(2026, 1, 1) + timedelta(days=i)
        if draw(st.booleans()):
            lines.append(f'{pad}- {{date: {day}, type: contact, summary: "n{i}"}}')
        else:
            col = " " * (dash + 1 + key_gap)
            lines.append(f"{pad}-{' ' * key_gap}date: {day}")
            lines.append(f"{col}type: contact")
            if draw(st.booleans()):
                lines.append(f"{col}notes: |")
                lines.append(f"{col}  first line")
                lines.append(f"{col}  # not a comment")
            summary = draw(st.sampled_from(["plain", '"q: x"']))
            lines.append(f"{col}summary: {summary}")
        if draw(st.booleans()):
            lines.append(f"{pad}  # about item {i}")
    tail = draw(
        st.sampled_from(
            ["", "\n# ---- Next ----\nretention_flags: []", "\nofficers: [a]", "  # end"]
        )
    )
    body = "\n".join(lines) + ("\n" + tail if tail else "")
    final = draw(st.sampled_from(["\n", ""]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return (body + final).replace("\n", newline)


@st.composite
def events(draw):
    n = draw(st.integers(1, 3))
    return [
        {"date": date(2027, 1, 1) + timedelta(days=i), "type": "contact", "summary": draw(_text)}
        | ({"notes": "line one\nline two\n"} if draw(st.booleans()) else {})
        for i in range(n)
    ]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(), events())
def test_appending_keeps_every_byte_outside_the_new_lines(text, new):
    """For any valid record and any appended events: the old bytes are all there, in order;
    the file reads back as the old data plus exactly the new events; the new lines use the
    file's line break."""
    out = yamledit.append_block_items(text, "events", new)
    assert out is not None
    assert yamledit.only_inserted(text.encode(), out.encode())
    old_data, new_data = load_text(text), load_text(out)
    assert new_data["events"] == old_data["events"] + new
    assert {k: v for k, v in new_data.items() if k != "events"} == {
        k: v for k, v in old_data.items() if k != "events"
    }
    if "\r\n" in text:
        assert "\n" not in out.replace("\r\n", "")


@pytest.mark.parametrize("text", ["events: []\n", "events:\n", "id: x\n", "events: [{a: 1}]\n"])
def test_nothing_to_splice_into_falls_back(text):
    assert yamledit.append_block_items(text, "events", [{"a": 2}]) is None
