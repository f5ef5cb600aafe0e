"""`casebook check`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from casebook.check import memo
from casebook.cli.common import Env, as_of_option, format_option, pass_env, resolve_as_of


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
    root = env.root
    day = resolve_as_of(as_of)
    # The memo of the last run (casebook.check.memo): stamped before anything is read. Not
    # with --changed-since (git decides, not the files) nor --no-cache.
    use_memo = not no_cache and changed_since is None
    inputs = memo.inputs_stamp(root) if use_memo else ""
    options = {"as_of": day.isoformat(), "format": fmt, "deadlines": not no_deadlines}
    recalled = memo.recall(root, inputs, options) if use_memo else None
    if recalled is None:
        code, output, extras = _run(root, day, fmt, no_cache, no_deadlines, changed_since)
        if use_memo:
            memo.remember(root, inputs, options, extras, code, output)
    else:
        code, output = recalled
    click.echo(output, nl=False)
    raise SystemExit(code)


def _run(
    root: Path,
    day: date,
    fmt: str,
    no_cache: bool,
    no_deadlines: bool,
    changed_since: str | None,
) -> tuple[int, str, list[str]]:
    """Check for real: (exit code, the whole output, files read outside policy/ and cases/)."""
    from pydantic_core import to_json  # the JSON pydantic is built on: 3x the json module

    from casebook.check.run import run_check  # here: the models cost half a second to build

    files = changed_files(root, changed_since) if changed_since is not None else None
    report = run_check(
        root,
        day,
        use_cache=not no_cache,
        deadlines=not no_deadlines,
        deadline_files=files,
    )
    if fmt == "json":
        # The same text as json.dumps(indent=2, ensure_ascii=False): the report is plain data.
        output = to_json(report.as_json(), indent=2).decode() + "\n"
    else:
        errors = sum(f.severity == "error" for f in report.findings)
        warnings = len(report.findings) - errors
        lines = [f.as_text() for f in report.findings]
        lines.append(
            f"{report.cases} case(s) checked as of {report.as_of}: "
            f"{errors} error(s), {warnings} warning(s)"
        )
        output = "\n".join(lines) + "\n"
    code = 2 if not report.policy_ok else 0 if report.ok else 1
    return code, output, list(report.extra_inputs)


def changed_files(root: Path, rev: str) -> frozenset[str]:
    """Paths (relative to the casebook root) changed since the fork point of HEAD with
    ``rev``: committed, staged, unstaged and untracked. UsageError when ``rev`` is unknown."""
    from casebook.store.gitrepo import GitRepo

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
