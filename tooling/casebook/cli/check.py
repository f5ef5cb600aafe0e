"""`casebook check`."""

from __future__ import annotations

import click

from casebook.check.run import run_check
from casebook.cli.common import Env, as_of_option, emit_json, format_option, pass_env, resolve_as_of


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
@pass_env
def check(env: Env, as_of: str | None, fmt: str, no_cache: bool, no_deadlines: bool) -> None:
    """Validate every file: YAML, schema, references and the procedure's rules.

    Exit 0 when there are no errors (warnings allowed), 1 when there are errors, 2 when
    policy/ itself is invalid or the command is used wrongly.
    """
    report = run_check(
        env.root, resolve_as_of(as_of), use_cache=not no_cache, deadlines=not no_deadlines
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
