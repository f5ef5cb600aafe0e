"""The record commands: each change adds lines only, keeps comments, passes `check`, and a
refused change leaves the file byte-for-byte as it was."""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from tests.conftest import run_process

CASE = "MC-2026-0001"
AS_OF = ("--as-of", "2026-04-01")


def case_file(root: Path, case_id: str = CASE) -> Path:
    return root / "cases" / f"{case_id}.yaml"


def commented(root: Path) -> Path:
    """The fixture case with comments in awkward places, to prove they survive."""
    path = case_file(root)
    text = path.read_text()
    text = text.replace("service: Planning", "service: Planning   # moved from Housing in 2025")
    text = text.replace("events:\n", "events:\n  # Decisions are approved in pull requests.\n")
    text += "  # last contact chased by the SPOC\n"
    path.write_text(text)
    return path


def added_lines(before: str, after: str) -> list[str]:
    """The diff, asserting it only adds lines."""
    out = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        assert line.startswith("+"), f"an existing line changed: {line!r}"
        out.append(line[1:])
    return out


def check_ok(cli, root: Path) -> dict:
    res = cli("--root", root, "check", *AS_OF, "--format", "json")
    report = json.loads(res.out)
    assert res.code == 0, report
    return report


def test_full_journey_from_the_command_line(cli, mini):
    """Referral, contacts, decision, letter, review, close: check passes after every step."""
    path = commented(mini)
    proc = mini / "policy/procedures/mini.yaml"
    proc.write_text(proc.read_text().replace("title: Mini", "case_prefix: MC\ntitle: Mini"))

    res = cli(
        "--root", mini, "new", "--procedure", "mini", "--service", "Housing",
        "--name", "Sam Sample", "--email", "sam@example.org", "--referred-on", "2026-03-03",
        "--referred-by", "mgr-basil", "--capacity", "staff", "--behaviour", "high-volume",
        "--account", "Twenty calls in a week about repairs", *AS_OF,
    )  # fmt: skip
    assert res.code == 0, res.err
    new = case_file(mini, "MC-2026-0002")
    assert "cases/MC-2026-0002.yaml" in res.out
    assert new.read_text().startswith(
        "# yaml-language-server: $schema=../schema/case.schema.json\nid: MC-2026-0002\n"
    )
    check_ok(cli, mini)

    steps = [
        ("log", "contact", CASE, "--date", "2026-03-20", "--time", "09:30", "--channel", "phone",
         "--to", "mgr-basil", "--summary", "Asked about: the complaint"),
        ("log", "decision", CASE, "--date", "2026-03-25", "--to", "stage-2", "--decided-by",
         "dir-dev", "--reasons", "Contact continued at the same volume", "--keep-restrictions",
         "--restriction", "email-diverted to=mgr-basil"),
        ("log", "letter", CASE, "--date", "2026-03-26", "--letter", "stage-2-letter", "--by",
         "dir-dev", "--via", "post"),
        ("log", "review", CASE, "--date", "2026-03-28", "--by", "dir-dev,sigo-cora",
         "--outcome", "continue", "--notes", "Fewer calls"),
        ("close", CASE, "--date", "2026-03-30", "--decided-by", "dir-eve", "--reasons",
         "Behaviour improved"),
    ]  # fmt: skip
    for step in steps:
        before = path.read_text()
        res = cli("--root", mini, *step, *AS_OF)
        assert res.code == 0, (step, res.err)
        added = added_lines(before, path.read_text())
        assert added and all(line.startswith("    ") or line.startswith("  - ") for line in added)
        check_ok(cli, mini)

    text = path.read_text()
    for comment in ("# moved from Housing in 2025", "# Decisions are approved", "# last contact"):
        assert comment in text
    assert '    time: "09:30"\n' in text
    assert "    summary: 'Asked about: the complaint'\n" in text
    assert "      - type: email-diverted\n        to: mgr-basil\n" in text
    assert text.rstrip().endswith("reasons: Behaviour improved")


def test_first_event_of_a_new_case_adds_the_events_list(cli, mini):
    res = cli(
        "--root", mini, "new", "--procedure", "mini", "--service", "Housing", "--name",
        "Sam Sample", "--referred-on", "2026-03-03", "--referred-by", "mgr-basil",
        "--capacity", "staff", "--behaviour", "high-volume", "--account", "Calls", *AS_OF,
    )  # fmt: skip
    assert res.code == 0, res.err
    path = case_file(mini, "MI-2026-0001")  # prefix from the id: mini -> MI
    before = path.read_text()
    res = cli(
        "--root", mini, "log", "contact", "MI-2026-0001", "--date", "2026-03-04",
        "--channel", "email", "--to", "mgr-basil", "--summary", "E-mail about repairs", *AS_OF,
    )  # fmt: skip
    assert res.code == 0, res.err
    assert added_lines(before, path.read_text())[0] == "events:"
    check_ok(cli, mini)


def test_next_id_skips_ids_in_the_deletion_log(cli, mini):
    (mini / "policy/deletion-log.yaml").write_text(
        "deleted:\n  - {case: MI-2026-0001, on: 2026-01-05}\n"
    )
    res = cli(
        "--root", mini, "new", "--procedure", "mini", "--service", "Housing", "--name", "Sam",
        "--referred-on", "2026-03-03", "--referred-by", "mgr-basil", "--capacity", "staff",
        "--behaviour", "high-volume", "--account", "Calls", "--dry-run", *AS_OF,
    )  # fmt: skip
    assert res.code == 0, res.err
    assert "id: MI-2026-0002" in res.out
    assert not (mini / "cases/MI-2026-0002.yaml").exists()


BAD = [
    ("unknown case id", ("log", "contact", "MC-2026-0042", "--date", "2026-03-20",
     "--channel", "phone", "--to", "x", "--summary", "s"), 2, "unknown case id"),
    ("malformed case id", ("log", "contact", "mc42", "--date", "2026-03-20",
     "--channel", "phone", "--to", "x", "--summary", "s"), 2, "not a case id"),
    ("date format", ("log", "contact", CASE, "--date", "20/03/2026", "--channel", "phone",
     "--to", "x", "--summary", "s"), 2, "YYYY-MM-DD"),
    ("impossible date", ("log", "letter", CASE, "--date", "2026-02-30", "--letter",
     "stage-1-letter", "--by", "mgr-amber", "--via", "post"), 2, "YYYY-MM-DD"),
    ("unknown channel", ("log", "contact", CASE, "--date", "2026-03-20", "--channel", "fax",
     "--to", "x", "--summary", "s"), 1, "unknown channel 'fax'"),
    ("decider without the role", ("log", "decision", CASE, "--date", "2026-03-25", "--to",
     "stage-2", "--decided-by", "mgr-basil", "--reasons", "r"), 1,
     "not decided by the right people"),
    ("decider not independent", ("log", "decision", CASE, "--date", "2026-03-25", "--to",
     "stage-2", "--decided-by", "mo-fay", "--reasons", "r", "--restriction",
     "spoc officer=mo-fay"), 0, None),
    ("unknown state", ("log", "decision", CASE, "--date", "2026-03-25", "--to", "stage-3",
     "--decided-by", "dir-dev", "--reasons", "r"), 1, "unknown state 'stage-3'"),
    ("restriction not allowed", ("log", "decision", CASE, "--date", "2026-03-25", "--to",
     "stage-2", "--decided-by", "dir-dev", "--reasons", "r", "--restriction",
     "volume max=2 per=week"), 1, "'volume' is not allowed"),
    ("bad restriction spec", ("log", "decision", CASE, "--date", "2026-03-25", "--to",
     "stage-2", "--decided-by", "dir-dev", "--reasons", "r", "--restriction",
     "volume maxi=2"), 2, "has no field 'maxi'"),
    ("event before the referral", ("log", "contact", CASE, "--date", "2026-03-01",
     "--channel", "phone", "--to", "x", "--summary", "s"), 1, "before the referral"),
    ("future event", ("log", "contact", CASE, "--date", "2026-05-01", "--channel", "phone",
     "--to", "x", "--summary", "s"), 1, "after the check date"),
    ("unknown letter", ("log", "letter", CASE, "--date", "2026-03-20", "--letter", "stage-9",
     "--by", "mgr-amber", "--via", "post"), 1, "unknown letter 'stage-9'"),
    ("bad time", ("log", "contact", CASE, "--date", "2026-03-20", "--time", "25:00",
     "--channel", "phone", "--to", "x", "--summary", "s"), 1, "HH:MM"),
    ("missing options", ("log", "review", CASE, "--date", "2026-03-20"), 2,
     "missing --by, --outcome, --notes"),
    ("close from referral", ("close", CASE, "--date", "2026-03-20", "--to", "referred",
     "--decided-by", "mgr-amber", "--reasons", "r"), 2, "can close to: dormant"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "code", "words"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_leaves_the_file_unchanged(cli, mini, args, code, words):
    path = case_file(mini)
    before = path.read_bytes()
    res = cli("--root", mini, *args, *AS_OF)
    assert res.code == code, (res.out, res.err)
    if words is None:  # control: the same command with good values is accepted
        assert path.read_bytes() != before
        return
    assert words in res.err, res.err
    assert "Traceback" not in res.err
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["MC-2026-0001.yaml"]


def test_a_contact_reported_late_is_inserted_in_date_order(cli, mini):
    """A call of 12 March reported after the contact of 16 March goes between the letter of
    10 March and that contact: only its lines are inserted, and the case still checks."""
    path = commented(mini)
    before = path.read_text()
    res = cli(
        "--root", mini, "log", "contact", CASE, "--date", "2026-03-12", "--time", "16:00",
        "--channel", "email", "--to", "mgr-basil", "--summary", "Late-reported e-mail", *AS_OF,
    )  # fmt: skip
    assert res.code == 0, res.err
    after = path.read_text()
    assert added_lines(before, after) == [
        "  - date: 2026-03-12",
        "    type: contact",
        '    time: "16:00"',
        "    channel: email",
        "    to: mgr-basil",
        "    summary: Late-reported e-mail",
    ]
    lines = after.splitlines()
    new_at = lines.index("  - date: 2026-03-12")
    assert "type: letter" in lines[new_at - 1]
    assert lines[new_at + 6].startswith("  - {date: 2026-03-16")
    check_ok(cli, mini)


def test_a_late_event_that_would_renumber_a_correction_is_refused(cli, mini):
    path = case_file(mini)
    path.write_text(
        path.read_text()
        + "  - {date: 2026-03-17, type: note, by: mgr-amber, text: Wrong time, corrects: 2}\n"
    )
    before = path.read_bytes()
    res = cli(
        "--root", mini, "log", "contact", CASE, "--date", "2026-03-12", "--channel", "email",
        "--to", "mgr-basil", "--summary", "Late", *AS_OF,
    )  # fmt: skip
    assert res.code == 1, (res.out, res.err)
    assert "events[3].corrects: 2" in res.err and "Traceback" not in res.err
    assert path.read_bytes() == before


def test_missing_options_without_a_terminal_as_a_process(mini):
    """Real process, stdin not a terminal: no prompt, a usage error naming what is missing."""
    res = run_process("--root", mini, "new", "--procedure", "mini", "--name", "Sam")
    assert res.code == 2
    assert (
        "missing --service, --referred-on, --referred-by, --capacity, --behaviour, --account"
        in res.err
    )
    assert "Traceback" not in res.err
    assert not (mini / "cases/MI-2026-0001.yaml").exists()


def test_prompts_at_a_terminal(mini, monkeypatch):
    from click.testing import CliRunner

    from casebook.cli import recording
    from casebook.cli.main import cli

    monkeypatch.setattr(recording, "interactive", lambda: True)
    answers = "\n".join(
        ["Housing", "Sam Sample", "2026-03-03", "mgr-nobody", "mgr-basil", "", "shouting",
         "high-volume", "Calls about repairs", "sam@example.org", ""]
    )  # fmt: skip
    res = CliRunner().invoke(
        cli, ["--root", str(mini), "new", "--procedure", "mini", *AS_OF], input=answers + "\n"
    )
    assert res.exit_code == 0, res.output
    assert "mgr-nobody is not one of" in res.output  # asked again
    assert "shouting is not one of" in res.output
    text = (mini / "cases/MI-2026-0001.yaml").read_text()
    assert "capacity: staff" in text  # the only capacity, offered as the default
    assert "email: sam@example.org" in text
    assert "address" not in text


def test_unusual_layout_is_kept_when_events_are_appended(cli, mini):
    """New events are spliced in after the last one: the rest of the file is never re-emitted."""
    path = case_file(mini)
    path.write_text(
        path.read_text().replace(
            '  contact: {email: alex@example.org, address: "1 Example Street, Exampletown"}',
            '  contact: {email: alex@example.org,\n     address: "1 Example Street, Exampletown"}',
        )
    )
    before = path.read_text()
    res = cli(
        "--root", mini, "log", "contact", CASE, "--date", "2026-03-20", "--channel", "email",
        "--to", "mgr-basil", "--summary", "s", *AS_OF,
    )  # fmt: skip
    assert res.code == 0, res.err
    assert added_lines(before, path.read_text())[0] == "  - date: 2026-03-20"


def test_unusual_layout_is_refused_with_advice(cli, mini):
    path = case_file(mini)
    # Flow mappings split over lines cannot be written back unchanged by the emitter, which
    # is used when the case has no block list of events to append to.
    text = path.read_text()
    path.write_text(
        text[: text.index("events:")].replace(
            '  contact: {email: alex@example.org, address: "1 Example Street, Exampletown"}',
            '  contact: {email: alex@example.org,\n     address: "1 Example Street, Exampletown"}',
        )
        + "events: []\n"
    )
    before = path.read_bytes()
    res = cli(
        "--root", mini, "log", "contact", CASE, "--date", "2026-03-20", "--channel", "phone",
        "--to", "mgr-basil", "--summary", "s", *AS_OF,
    )  # fmt: skip
    assert res.code == 1
    assert "casebook fmt cases/MC-2026-0001.yaml" in res.err
    assert path.read_bytes() == before


def test_dry_run_shows_the_diff_and_writes_nothing(cli, mini):
    path = case_file(mini)
    before = path.read_bytes()
    res = cli(
        "--root", mini, "log", "contact", CASE, "--date", "2026-03-20", "--channel", "phone",
        "--to", "mgr-basil", "--summary", "Called", "--dry-run", *AS_OF,
    )  # fmt: skip
    assert res.code == 0, res.err
    assert "+  - date: 2026-03-20\n" in res.out
    assert path.read_bytes() == before


def test_case_with_errors_is_not_edited(cli, mini):
    path = case_file(mini)
    path.write_text(path.read_text().replace("service: Planning", "service: [Planning"))
    before = path.read_bytes()
    res = cli(
        "--root", mini, "log", "contact", CASE, "--date", "2026-03-20", "--channel", "phone",
        "--to", "mgr-basil", "--summary", "s", *AS_OF,
    )  # fmt: skip
    assert res.code == 1
    assert "fix them" in res.err
    assert path.read_bytes() == before


def test_existing_errors_do_not_block_unrelated_entries(cli, mini):
    """A letter already overdue must not stop anyone logging a phone call."""
    path = case_file(mini)
    text = path.read_text()
    path.write_text(text.replace(
        "  - {date: 2026-03-10, type: letter, letter: stage-1-letter, by: mgr-amber, via: email}\n",
        "",
    ))  # fmt: skip
    assert cli("--root", mini, "check", *AS_OF).code == 1
    res = cli(
        "--root", mini, "log", "contact", CASE, "--date", "2026-03-20", "--channel", "phone",
        "--to", "mgr-basil", "--summary", "s", *AS_OF,
    )  # fmt: skip
    assert res.code == 0, res.err
    assert "already had 1 error(s)" in res.err


@pytest.mark.parametrize(("channel", "said"), [("email", "an email"), ("phone", "a phone")])
def test_log_contact_says_what_it_logged_in_english(cli, mini, channel, said):
    # Found by the sweep: "logged a email contact".
    res = cli(
        "--root", mini, "log", "contact", CASE, "--date", "2026-03-20", "--time", "09:30",
        "--channel", channel, "--to", "mgr-basil", "--summary", "Asked again", *AS_OF,
    )  # fmt: skip
    assert res.code == 0, res.err
    assert f"logged {said} contact of 2026-03-20" in res.out
