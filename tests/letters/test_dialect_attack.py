"""Record text against the letter dialect (ADR 32), attacked: what ``test_dialect`` did not try.

CommonMark and GitHub's tables start blocks at places ``mdtext.escape`` must also cover: a line
break Python sees but the escape did not (``str.splitlines`` breaks at U+2028, U+0085, \\v ...,
and the template layer tidies letters with it), and a table's delimiter row, which a line
starting with a colon can be (":--"). Each attack is shown to fail as a letter a council prints.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casebook.publish.letters import render_letters
from casebook.publish.letters.mdtext import escape, to_html

from .helpers import ALLITEMS_CASE, copy_fixture, edit, load
from .test_dialect import shown, tags, typed

# Every character at which ``str.splitlines`` breaks a line, besides "\n" and "\r".
_PY_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"


_REASONS = (
    "reasons: >-\n      The number of e-mails and calls about one closed complaint is stopping"
    " the planning team\n      from dealing with other residents."
)


@pytest.mark.parametrize("brk", list(_PY_BREAKS))
def test_escaped_text_has_no_line_break_but_newline(brk: str) -> None:
    """Code after ``escape`` may split lines with ``splitlines`` (``templates._tidy``,
    ``case_page.letter_body``): each line it can make must be a line ``escape`` escaped."""
    out = escape(f"a{brk}# heading{brk}{brk}- item{brk}1. first")
    assert out.splitlines() == out.split("\n"), repr(out)
    assert to_html(out) == to_html("\n".join(out.splitlines()))


@pytest.mark.parametrize(
    "value",
    ["Name\n:--", "Name\n:-:", "Name\n:---|", "Name\n\v---", "Name\n\f:-", "Name\n \v-"],
)
def test_record_text_makes_no_table(value: str) -> None:
    """GitHub's tables: a paragraph line followed by a delimiter row (hyphens, colons, pipes,
    spaces, \\v, \\f) is a table head. ``-`` and ``|`` were escaped; a leading ``:`` was not."""
    out = to_html("Dear " + escape(value) + "\n")
    assert "<table" not in out, out
    assert shown(out) == typed("Dear " + value)


def test_record_text_in_a_table_cell_keeps_its_backslash() -> None:
    """A record ending in a backslash printed just before a template's cell pipe: cmark-gfm's
    table reads ``\\\\|`` as an escaped pipe, so the cells merged and the backslash was lost."""
    md = "| Field | Value | Note |\n| --- | --- | --- |\n| Name |" + escape("Sam\\") + "| x |\n"
    out = to_html(md)
    assert "<td>Sam\\</td>" in out, out
    assert "<td>x</td>" in out


# Characters that start or end CommonMark and table blocks, and line breaks of every kind.
_BLOCKY = st.text(st.sampled_from(list(":-|#>*+=_`~ \t\n\r1.)\\[]!<&ab") + list(_PY_BREAKS)))


@given(_BLOCKY)
@settings(max_examples=1500, deadline=None)
def test_any_blocky_record_text_renders_as_typed(value: str) -> None:
    md = "Text: " + escape(value) + " end\n"
    for text in (md, "\n".join(md.splitlines())):  # as converted, and after a tidy
        out = to_html(text)
        assert shown(out) == typed("Text: " + value + " end"), out
        assert tags(out) <= {"p", "br"}, out


@pytest.fixture
def allitems(tmp_path):
    return copy_fixture("allitems", tmp_path)


def test_a_line_separator_in_a_record_starts_no_heading_or_list(allitems):
    """End to end: U+2028 (which YAML and ``casebook check`` accept) in a decision's reasons,
    through the template, its tidy and the converter, in the HTML letter."""
    edit(
        allitems / "cases" / f"{ALLITEMS_CASE}.yaml",
        _REASONS,
        'reasons: "Too many calls.\\L# Big heading\\L\\L- listed\\L\\L    coded\\nName\\n:--"',
    )
    page = render_letters(load(allitems), ALLITEMS_CASE, "html")[0].content.decode()
    assert "<h1>Big heading" not in page and "# Big heading" in page
    assert "<li>listed" not in page and "- listed" in page
    assert "<table" not in page and ":--" in page


_SURROGATE = '{{ "\\ud800" }}'
_BODY_END = "{% endcall %}\n{% endblock %}"


@pytest.mark.parametrize(
    ("path", "old", "new", "fmt"),
    [
        ("policy/letters/allitems/thank-you-letter.md.j2", _BODY_END, _SURROGATE + _BODY_END, "md"),
        (
            "policy/letters/allitems/thank-you-letter.md.j2",
            _BODY_END,
            _SURROGATE + _BODY_END,
            "html",
        ),
        ("policy/letterhead/letter.html.j2", "<main>", "<main>" + _SURROGATE, "html"),
    ],
    ids=["letter-md", "letter-html", "letterhead"],
)
def test_a_lone_surrogate_from_a_template_is_a_clear_error(cli, allitems, path, old, new, fmt):
    """Jinja decodes the escapes of a template's string literals, so a template can print a
    lone surrogate, which UTF-8 (a letter file, cmark-gfm's input) cannot encode: it was an
    internal error that named no file, and it stopped a governance build's every letter."""
    edit(allitems / path, old, new)
    res = cli("--root", allitems, "letters", "--format", fmt, "--out", allitems / "out")
    assert res.code in (1, 2), res.err
    assert "internal error" not in res.err
    assert path in res.err and "U+D800" in res.err, res.err
