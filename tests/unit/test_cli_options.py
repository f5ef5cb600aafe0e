"""Options every command shares: `--root` after the subcommand, and JSON errors with
`--format json` (a script reading stdout gets JSON whatever went wrong)."""

from __future__ import annotations

import json

import click
import pytest

from casebook.cli.main import cli as group

AS_OF = ("--as-of", "2026-04-01")


def _commands_with_json(g: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name, cmd in sorted(g.commands.items()):
        if isinstance(cmd, click.Group):
            out += _commands_with_json(cmd, (*prefix, name))
            continue
        for p in cmd.params:
            if "--format" in getattr(p, "opts", ()) and "json" in getattr(p.type, "choices", ()):
                out.append((*prefix, name))
    return out


def test_root_after_the_subcommand_is_the_same_as_before(cli, mini, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not inside a casebook: only --root can find it
    before = cli("--root", mini, "check", *AS_OF, "--format", "json")
    after = cli("check", *AS_OF, "--root", mini, "--format", "json")
    assert before.code == after.code == 0, (before.err, after.err)
    assert json.loads(before.out) == json.loads(after.out)
    # A record command too, and a command in a group.
    res = cli("log", "contact", "MC-2026-0001", "--date", "2026-03-20", "--channel", "email",
              "--to", "mgr-basil", "--summary", "Asked again", *AS_OF, "--root", mini)  # fmt: skip
    assert res.code == 0, res.err
    assert "Asked again" in (mini / "cases/MC-2026-0001.yaml").read_text()


def test_every_command_with_json_output_reports_errors_as_json(cli, mini):
    commands = _commands_with_json(group)
    assert {("check",), ("due",), ("register",), ("retention",)} <= set(commands), commands
    for cmd in commands:
        for bad, code in (
            (("--as-of", "2026-02-30"), 2),  # a usage error of casebook's own
            (("--no-such-option",), 2),  # a usage error click finds
        ):
            args = ["--root", str(mini), *cmd, *bad, "--format", "json"]
            res = cli(*args)
            assert res.code == code, (cmd, bad, res.out, res.err)
            report = json.loads(res.out)
            assert report["ok"] is False and report["error"], (cmd, report)
            assert "Traceback" not in res.out + res.err


def test_a_missing_casebook_is_a_json_error(cli, tmp_path):
    res = cli("check", "--root", tmp_path / "nowhere", "--format=json")
    assert res.code == 2
    report = json.loads(res.out)
    assert report == {"ok": False, "error": report["error"], "exit_code": 2}
    assert "no casebook found" in report["error"]


@pytest.mark.parametrize("fmt", [(), ("--format", "text")])
def test_without_json_errors_stay_text_on_stderr(cli, mini, fmt):
    res = cli("--root", mini, "check", "--as-of", "2026-02-30", *fmt)
    assert res.code == 2 and res.out == ""
    assert "--as-of: '2026-02-30' is not a date" in res.err


@pytest.mark.parametrize(
    ("value", "words"),
    [
        # Found by the sweep: date.fromisoformat took these, so a typo could pass as a date.
        ("20261123", "write it as YYYY-MM-DD"),
        ("2026-W48-1", "write it as YYYY-MM-DD"),
        ("２０２６-11-23", "write it as YYYY-MM-DD"),  # full-width digits
        ("2026-11-23T10:00:00Z", "write it as YYYY-MM-DD"),
        # The right form, but no such day: say so, not "write it as YYYY-MM-DD".
        ("2027-02-29", "that month has no such day"),
        ("2026-13-01", "no such month"),
    ],
)
def test_a_date_option_takes_only_real_yyyy_mm_dd_days(cli, mini, value, words):
    res = cli("--root", mini, "due", "--as-of", value)
    assert res.code == 2, res.out
    assert f"--as-of: {value!r} is not a date" in res.err and words in res.err
