"""Every kind of bad input gives a finding naming file, line and field; never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_process

GOOD = (Path(__file__).parents[1] / "fixtures/mini/cases/MC-2026-0001.yaml").read_text()


def check_json(cli, root: Path) -> tuple[int, dict]:
    res = cli("--root", root, "check", "--as-of", "2026-04-01", "--format", "json")
    return res.code, json.loads(res.out)


def write(root: Path, text: str | bytes, name: str = "MC-2026-0001.yaml") -> None:
    path = root / "cases" / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def only_errors(report: dict) -> list[dict]:
    return [f for f in report["findings"] if f["severity"] == "error"]


def test_clean_fixture_passes(cli, mini):
    code, report = check_json(cli, mini)
    # The fixture's one contact is a telephone call while only e-mail and letters are allowed:
    # a breach of the arrangements, which is a warning about the person's conduct, not an
    # error in the record.
    (breach,) = report["findings"]
    assert (breach["severity"], breach["rule"], breach["field"]) == (
        "warning",
        "breach",
        "events[2]",
    )
    assert (code, report["ok"], report["cases"]) == (0, True, 1)
    assert report["as_of"] == "2026-04-01"


BAD = [
    # (name, transform of GOOD, rule, line, field, words in message)
    (
        "malformed",
        lambda t: t.replace("service: Planning", "service: [Planning"),
        "yaml-syntax",
        None,
        None,
        "YAML syntax",
    ),
    ("tab", lambda t: t.replace("  name: Alex", "\tname: Alex"), "yaml-syntax", 6, None, "tabs"),
    (
        "python tag",
        lambda t: t.replace("service: Planning", "service: !!python/object:os.system x"),
        "yaml-tag",
        4,
        None,
        "not allowed",
    ),
    (
        "alias",
        lambda t: t.replace("service: Planning", "service: &s Planning\nextra: *s"),
        "yaml-alias",
        4,
        None,
        "anchors and aliases",
    ),
    (
        "duplicate key",
        lambda t: t.replace("service: Planning", "service: Planning\nservice: Housing"),
        "yaml-duplicate-key",
        5,
        None,
        "appears twice",
    ),
    (
        "unknown key",
        lambda t: t.replace("decided_by:", "decided_bye:"),
        "schema",
        18,
        "events[0].decided_bye",
        "did you mean 'decided_by'",
    ),
    (
        "wrong type",
        lambda t: t.replace("service: Planning", "service: 12"),
        "schema",
        4,
        "service",
        "expected text",
    ),
    (
        "yes is text not bool",
        lambda t: t.replace("service: Planning", "service: yes"),
        None,
        None,
        None,
        None,
    ),
    (
        "NO in a text field",
        lambda t: t.replace("service: Planning", "service: NO"),
        None,
        None,
        None,
        None,
    ),
    (
        "bad date",
        lambda t: t.replace("date: 2026-03-02", "date: 2026-02-30"),
        "schema",
        9,
        "referral.date",
        "date",
    ),
    (
        "unknown person",
        lambda t: t.replace("decided_by: [mgr-amber]", "decided_by: [mgr-ambre]"),
        "reference",
        18,
        "events[0].decided_by[0]",
        "did you mean 'mgr-amber'",
    ),
    (
        "unknown procedure",
        lambda t: t.replace("procedure: mini", "procedure: maxi"),
        "reference",
        3,
        "procedure",
        "unknown procedure",
    ),
    (
        "events out of order",
        lambda t: t.replace("date: 2026-03-16", "date: 2026-03-01"),
        "event-order",
        25,
        "events[2].date",
        "date order",
    ),
    (
        "id not file name",
        lambda t: t.replace("id: MC-2026-0001", "id: MC-2026-0002"),
        "file-name",
        2,
        "id",
        "does not match the file name",
    ),
    (
        "bad id format",
        lambda t: t.replace("id: MC-2026-0001", "id: mc7"),
        "schema",
        2,
        "id",
        "not a case id",
    ),
    (
        "unknown event type",
        lambda t: t.replace("type: letter", "type: leter"),
        "schema",
        24,
        "events[1]",
        "unknown type 'leter'",
    ),
    (
        "missing field",
        lambda t: t.replace(
            "    reasons: Volume of contact is preventing the service "
            "from dealing with other customers.\n",
            "",
        ),
        "schema",
        15,
        "events[0].reasons",
        "required field 'reasons' is missing",
    ),
    (
        "time without quotes",
        lambda t: t.replace('time: "10:15"', "time: 25:99"),
        "schema",
        25,
        "events[2].time",
        "HH:MM",
    ),
    (
        "future event",
        lambda t: t.replace("date: 2026-03-16", "date: 2026-05-16"),
        "future-event",
        25,
        "events[2].date",
        "after the check date",
    ),
    ("empty file", lambda t: "", "schema", 1, None, "empty"),
]


@pytest.mark.parametrize(
    ("transform", "rule", "line", "field", "words"),
    [b[1:] for b in BAD],
    ids=[b[0] for b in BAD],
)
def test_bad_input_gives_precise_finding(cli, mini, transform, rule, line, field, words):
    write(mini, transform(GOOD))
    code, report = check_json(cli, mini)
    errors = only_errors(report)
    if rule is None:  # YAML 1.1 surprises that must simply be text
        assert code == 0, errors
        return
    assert code == 1
    assert errors, report
    hit = [e for e in errors if e["rule"] == rule and words in e["message"]]
    assert hit, errors
    first = hit[0]
    assert first["file"] == "cases/MC-2026-0001.yaml"
    if line is not None:
        assert first["line"] == line, first
    if field is not None:
        assert first["field"] == field, first
    assert words in first["message"], first


def test_non_utf8_names_the_line(cli, mini):
    write(mini, GOOD.encode("utf-8").replace(b"Alex Example", b"Alex \xe9xample"))
    code, report = check_json(cli, mini)
    assert code == 1
    (err,) = only_errors(report)
    assert (err["rule"], err["line"]) == ("encoding", 6)
    assert "UTF-8" in err["message"]


def test_anchor_bomb_is_refused_quickly(cli, mini):
    bomb = "id: MC-2026-0001\na: &a [x, x, x, x, x, x, x, x, x]\n"
    for i, name in enumerate("bcdefghij"):
        prev = "abcdefghij"[i]
        bomb += f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    write(mini, bomb)
    code, report = check_json(cli, mini)
    assert code == 1
    assert only_errors(report)[0]["rule"] == "yaml-alias"


def test_two_files_one_id(cli, mini):
    write(mini, GOOD, "MC-2026-0002.yaml")
    code, report = check_json(cli, mini)
    rules = sorted(e["rule"] for e in only_errors(report))
    assert code == 1
    assert rules == ["duplicate-id", "duplicate-id", "file-name"]


def test_one_bad_file_does_not_stop_the_others(cli, mini):
    write(mini, "id: [unclosed", "MC-2026-0009.yaml")
    write(mini, GOOD.replace("decided_by: [mgr-amber]", "decided_by: [nobody]"))
    code, report = check_json(cli, mini)
    assert code == 1
    files = {e["file"] for e in only_errors(report)}
    assert files == {"cases/MC-2026-0001.yaml", "cases/MC-2026-0009.yaml"}
    assert report["cases"] == 2


def test_text_output_and_no_traceback_as_a_process(mini):
    write(mini, GOOD.replace("service: Planning", "service: !!python/object/apply:os.system [ls]"))
    res = run_process("--root", mini, "check", "--as-of", "2026-04-01")
    assert res.code == 1
    assert "Traceback" not in res.out + res.err
    assert "cases/MC-2026-0001.yaml:4: error [yaml-tag]" in res.out


def test_bad_as_of_is_a_usage_error(cli, mini):
    res = cli("--root", mini, "check", "--as-of", "tomorrow")
    assert res.code == 2
    assert "YYYY-MM-DD" in res.err


def test_no_casebook_is_a_configuration_error(cli, tmp_path):
    res = cli("--root", tmp_path, "check")
    assert res.code == 2
    assert "no casebook found" in res.err


def test_invalid_procedure_is_a_configuration_error(cli, mini):
    proc = mini / "policy/procedures/mini.yaml"
    proc.write_text(proc.read_text().replace("to: stage-2\n", "to: stage-3\n"))
    code, report = check_json(cli, mini)
    assert code == 2
    (err,) = only_errors(report)
    assert err["rule"] == "policy"
    assert err["file"] == "policy/procedures/mini.yaml"
    assert "unknown state 'stage-3'" in err["message"]
    assert err["line"] == 53


def test_unknown_key_in_an_event_whose_tag_is_also_a_field(cli, mini):
    # A letter event has type: letter and a field `letter`: the tag must not hide the key.
    write(mini, GOOD.replace("by: mgr-amber, via: email}", "by: mgr-amber, via: email, copied: x}"))
    code, report = check_json(cli, mini)
    (err,) = only_errors(report)
    assert code == 1
    assert (err["field"], err["line"]) == ("events[1].copied", 24)
    assert err["message"].startswith("unknown field 'copied'")
