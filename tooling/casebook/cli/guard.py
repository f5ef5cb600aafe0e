"""`casebook guard`: refuse personal data in commit messages and branch names."""

from __future__ import annotations

import subprocess
from pathlib import Path

import click

from casebook.cli.common import Env, pass_env
from casebook.errors import UsageError
from casebook.privacy.guard import GuardResult, check_branch, message_text, scan


@click.group()
def guard() -> None:
    """Refuse personal data in git metadata (for pre-commit hooks and CI).

    Branch names are case/<CASE-ID>-<kind>; commit messages name cases by id. Both are
    compared with every name, known-as name, e-mail and phone number of a member of the
    public in cases/. Exit 1 when one is found (the value itself is never printed).
    """


def _report(result: GuardResult, what: str) -> None:
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    for rel in result.unreadable:
        click.echo(
            f"casebook guard: cannot read {rel} to compare names; fix it (casebook check)",
            err=True,
        )
    for hit in result.hits:
        click.echo(f"casebook guard: the {what} contains {hit.describe()}", err=True)
    if result.hits:
        click.echo(
            f"Refer to people by their case id (e.g. {result.hits[0].ident.case or 'MC-2026-0007'}"
            "), never by name, e-mail or phone number: git history is copied everywhere.",
            err=True,
        )
    raise SystemExit(0 if result.ok else 1)


@guard.command("commit-msg")
@click.argument("message_file", type=click.Path(dir_okay=False, path_type=Path))
@pass_env
def commit_msg(env: Env, message_file: Path) -> None:
    """Check a commit message file (git's commit-msg hook passes it)."""
    try:
        raw = message_file.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read {message_file}: {exc.strerror or exc}") from None
    _report(scan(env.root, message_text(raw)), "commit message")


@guard.command()
@click.argument("name", required=False)
@pass_env
def branch(env: Env, name: str | None) -> None:
    """Check a branch name (default: the current branch)."""
    root = env.root
    if name is None:
        try:
            name = subprocess.run(
                ["git", "rev-parse", "--abbrev-ref", "HEAD"],
                cwd=root,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            raise UsageError("not in a git repository; pass the branch name") from None
    _report(check_branch(root, name), "branch name")
