"""Docs that cannot drift: every command and option is documented; README commands are real."""

from __future__ import annotations

import re

import click

from casebook.cli.main import cli
from tests.conftest import REPO

DOCS = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def _commands(group: click.Group, prefix: str = "casebook") -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []
    for name, cmd in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        out.append((path, cmd))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, path)
    return out


def _long_flags(cmd: click.Command) -> list[str]:
    flags = []
    for p in cmd.params:
        if isinstance(p, click.Option):
            longs = [o for o in p.opts if o.startswith("--")]
            if longs and "--help" not in longs:
                flags.append(longs[0])
    return flags


def test_every_command_and_option_is_documented():
    texts = {d: d.read_text(encoding="utf-8") for d in DOCS}
    problems = []
    for flag in _long_flags(cli):
        if not any(flag in t for t in texts.values()):
            problems.append(f"casebook {flag}: not in README.md or docs/")
    for path, cmd in _commands(cli):
        where = [d for d, t in texts.items() if path in t]
        if not where:
            problems.append(f"{path}: not mentioned in README.md or docs/")
            continue
        for flag in _long_flags(cmd):
            if not any(flag in texts[d] for d in where):
                names = ", ".join(str(d.relative_to(REPO)) for d in where)
                problems.append(f"{path} {flag}: not in the docs that describe it ({names})")
    assert not problems, "\n".join(problems)


def test_readme_first_screen_has_the_two_commands():
    """Install-and-run, then install-and-test, each in a virtual environment (Debian: PEP 668)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_screen = "\n".join(readme.splitlines()[:40])
    blocks = re.findall(r"```sh\n(.+?)\n```", first_screen, re.S)
    assert len(blocks) >= 2, "the README's first screen must show its two commands"
    run, test = blocks[:2]
    assert re.fullmatch(
        r"python3 -m venv \.venv && \.venv/bin/pip install -e \. && "
        r"\.venv/bin/casebook check --as-of \d{4}-\d{2}-\d{2}",
        run,
    ), run
    assert test.startswith("bash .ci/install && .venv/bin/"), test
    ci = (REPO / ".ci/run").read_text(encoding="utf-8").splitlines()
    assert "bash .ci/install" in ci and test.removeprefix("bash .ci/install && ") in ci


def test_every_command_in_the_readme_table_exists():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    known = {path for path, _ in _commands(cli)}
    for cmd in re.findall(r"^\| `(casebook [a-z ]+?)(?: [A-Z\[\-`]|`)", readme, re.M):
        assert cmd.strip() in known, cmd
