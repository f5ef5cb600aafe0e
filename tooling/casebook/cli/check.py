"""`casebook check`."""

from __future__ import annotations

from pathlib import Path

import click

from casebook.check.run import run_check
from casebook.cli.common import Env, as_of_option, emit_json, format_option, pass_env, resolve_as_of
from casebook.store.gitrepo import GitRepo


@click.command()
@as_of_option
@format_option("text", "json")
@click.option("--no-cache", is_flag=True, help="Re-read every file instead of using the cache.")
@click.option(
    "--no-deadlines",
    is_flag=True,
    help="Report missed deadlines (overdue reviews, letters, notifications, deletions) as "
    "warnings, not errors: for the pre-commit hook.",
)
@click.option(
    "--changed-since",
    metavar="REV",
    help="Judge a change, not the calendar: missed deadlines are errors only in files changed "
    "since the fork point with REV (committed or not), or everywhere when a procedure or "
    "policy/settings.yaml changed; elsewhere they are warnings. Every other error counts "
    "everywhere. For the required check on a pull request (REV = the base commit).",
)
@pass_env
def check(
    env: Env,
    as_of: str | None,
    fmt: str,
    no_cache: bool,
    no_deadlines: bool,
    changed_since: str | None,
) -> None:
    """Validate every file: YAML, schema, references and the procedure's rules.

    Exit 0 when there are no errors (warnings allowed), 1 when there are errors, 2 when
    policy/ itself is invalid or the command is used wrongly.
    """
    files = changed_files(env.root, changed_since) if changed_since is not None else None
    report = run_check(
        env.root,
        resolve_as_of(as_of),
        use_cache=not no_cache,
        deadlines=not no_deadlines,
        deadline_files=files,
    )
    if fmt == "json":
        emit_json(report.as_json())
    else:
        for f in report.findings:
            click.echo(f.as_text())
        errors = sum(f.severity == "error" for f in report.findings)
        warnings = len(report.findings) - errors
        click.echo(
            f"{report.cases} case(s) checked as of {report.as_of}: "
            f"{errors} error(s), {warnings} warning(s)"
        )
    if not report.policy_ok:
        raise SystemExit(2)
    raise SystemExit(0 if report.ok else 1)


def changed_files(root: Path, rev: str) -> frozenset[str]:
    """Paths (relative to the casebook root) changed since the fork point of HEAD with
    ``rev``: committed, staged, unstaged and untracked. UsageError when ``rev`` is unknown."""
    git = GitRepo(root)
    base = git.resolve(rev)
    head = git.resolve("HEAD")
    fork = git.merge_base(base, head)
    paths = {p for c in git.changed(fork, head, ".") for p in (c.old_path, c.new_path) if p}
    scope = git.prefix or "."
    # The work tree too, so that a local run before committing judges what will be committed.
    for out in (
        git.repo.git.diff("--name-only", "-z", "HEAD", "--", scope),
        git.repo.git.ls_files("--others", "--exclude-standard", "-z", "--", scope),
    ):
        paths.update(git._rel(p) for p in str(out).split("\0") if p)
    return frozenset(paths)
