"""`casebook fmt`: one layout, idempotent, comments and data kept."""

from __future__ import annotations

import shutil
from pathlib import Path

from casebook.store.yamlio import load_text
from tests.conftest import REPO

CASE = "MC-2026-0001"
AS_OF = ("--as-of", "2026-04-01")

UNTIDY = """\
# Opened after the planning committee.
id: MC-2026-0001
procedure: mini
service: 'Planning'    # was Housing
person:
    name: "Alex Example"
    known_as: [
        Lex,
        "AE"]
    contact: {email: alex@example.org,
              address: "1 Example Street, Exampletown"}
referral:
    date: 2026-03-02
    by: mgr-amber
    capacity: staff
    behaviours:
    - high-volume
    account: >
        40 e-mails to 12 officers
        in 14 days about one closed complaint
events:
# first decision
-   date: 2026-03-09
    type: decision
    to: stage-1
    decided_by: [mgr-amber]
    consulted: [sigo-cora]
    reasons: |
        Volume of contact.
        Second line of reasons.
    restrictions: [{type: spoc, officer: mgr-basil}, {type: channels, allowed: [email, letter]}]
-   {date: 2026-03-10, type: letter, letter: stage-1-letter, by: mgr-amber, via: email}
-   {date: 2026-03-16, type: contact, time: '10:15', channel: phone, to: mgr-basil, summary: 'yes'}
"""


def test_fmt_is_canonical_idempotent_and_keeps_comments_and_data(cli, mini):
    path = mini / "cases" / f"{CASE}.yaml"
    path.write_text(UNTIDY)
    res = cli("--root", mini, "fmt", "--check")
    assert res.code == 1
    assert "cases/MC-2026-0001.yaml: not in the canonical layout" in res.out
    assert path.read_text() == UNTIDY

    assert cli("--root", mini, "fmt").code == 0
    once = path.read_text()
    assert load_text(once) == load_text(UNTIDY)
    for comment in ("# Opened after the planning committee.", "# was Housing", "# first decision"):
        assert comment in once
    assert once.startswith("# yaml-language-server: $schema=../schema/case.schema.json\n")
    assert "  known_as: [Lex, AE]\n" in once
    assert "    address: 1 Example Street, Exampletown\n" in once
    assert "    reasons: |\n      Volume of contact.\n      Second line of reasons.\n" in once
    assert "      - type: spoc\n        officer: mgr-basil\n" in once
    assert '    time: "10:15"\n' in once
    assert '    summary: "yes"\n' in once  # YAML 1.1 would read yes as true: quoted

    assert cli("--root", mini, "fmt", "--check").code == 0
    assert cli("--root", mini, "fmt").code == 0
    assert path.read_text() == once
    assert cli("--root", mini, "check", *AS_OF).code == 0


def test_record_commands_write_the_canonical_layout(cli, mini):
    """What `log` appends is what `fmt` would write: formatting after it changes nothing."""
    assert cli("--root", mini, "fmt").code == 0
    res = cli(
        "--root", mini, "log", "decision", CASE, "--date", "2026-03-20", "--to", "stage-2",
        "--decided-by", "dir-dev", "--reasons", "More contact", "--keep-restrictions", *AS_OF,
    )  # fmt: skip
    assert res.code == 0, res.err
    # The letter the decision requires is overdue as of --as-of: shown, not blocking (it can
    # only be recorded after the decision).
    assert "error [letter]" in res.err and "(overdue)" in res.err
    assert cli("--root", mini, "fmt", "--check").code == 0


def test_fmt_leaves_a_broken_file_alone(cli, mini):
    path = mini / "cases" / f"{CASE}.yaml"
    path.write_text("id: [unclosed\n")
    res = cli("--root", mini, "fmt", path)
    assert res.code == 1
    assert "not valid YAML (line 2)" in res.err
    assert path.read_text() == "id: [unclosed\n"


def test_fmt_policy_files_by_path(cli, mini, monkeypatch):
    monkeypatch.chdir(mini)
    res = cli("fmt", Path("policy/people.yaml"))
    assert res.code == 0, res.err
    text = (mini / "policy/people.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../schema/people.schema.json\n")
    assert cli("check", *AS_OF).code == 0


def test_the_demo_cases_are_in_the_canonical_layout(cli, tmp_path):
    # Found by the sweep: four demo cases (UA-2026-0001/2, MCR-2026-0001/2) kept one-line
    # flow mappings, so a new user's first `casebook fmt --check` on the demo failed.
    root = tmp_path / "demo"
    shutil.copytree(REPO / "cases", root / "cases")
    shutil.copytree(REPO / "policy", root / "policy")
    res = cli("--root", root, "fmt", "--check")
    assert res.code == 0, res.out + res.err
