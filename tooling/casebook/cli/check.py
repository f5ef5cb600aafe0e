"""`casebook check`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from casebook.check import memo
from casebook.cli.common import Env, as_of_option, format_option, pass_env, resolve_as_of

if TYPE_CHECKING:
    from casebook.check.run import CheckReport


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
    click.echo(output, nl=False)  # bytes (UTF-8): written as they are
    raise SystemExit(code)


def _run(
    root: Path,
    day: date,
    fmt: str,
    no_cache: bool,
    no_deadlines: bool,
    changed_since: str | None,
) -> tuple[int, bytes, list[str]]:
    """Check for real: (exit code, the whole output as UTF-8, files read outside policy/ and
    cases/)."""
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
        output = report_json(report)
    else:
        errors = sum(f.severity == "error" for f in report.findings)
        warnings = len(report.findings) - errors
        lines = [f.as_text() for f in report.findings]
        lines.append(
            f"{report.cases} case(s) checked as of {report.as_of}: "
            f"{errors} error(s), {warnings} warning(s)"
        )
        output = ("\n".join(lines) + "\n").encode()
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


def report_json(report: CheckReport) -> bytes:
    """The report as JSON: the same bytes as ``json.dumps(report.as_json(), indent=2,
    ensure_ascii=False)`` (UTF-8) plus a newline, made one finding at a time: the whole report
    as one list of dicts, then as text, then as bytes, was most of a 10,000-case check's peak
    memory (66 MB of JSON became 300 MB; issue 14)."""
    from pydantic_core import to_json  # the JSON pydantic is built on: 3x the json module

    head = to_json(report.as_json(findings=False), indent=2)
    if not report.findings:
        return head + b"\n"
    cut = head.rindex(b"[]")
    parts = [head[:cut], b"[\n"]
    step = 2000  # findings serialised together: few calls, and a bounded list of dicts
    for start in range(0, len(report.findings), step):
        chunk = [f.as_json() for f in report.findings[start : start + step]]
        text = to_json(chunk, indent=2)  # b"[\n  {...},\n  {...}\n]": two spaces deeper
        if start:
            parts.append(b",\n")
        parts.append(b"  " + text[2:-2].replace(b"\n", b"\n  "))
    parts += [b"\n  ]", head[cut + 2 :], b"\n"]
    return b"".join(parts)
