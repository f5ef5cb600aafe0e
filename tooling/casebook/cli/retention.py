"""`casebook retention`."""

from __future__ import annotations

import click

from casebook.check.loading import require
from casebook.cli.common import (
    Env,
    as_of_option,
    emit_json,
    format_option,
    pass_env,
    resolve_as_of,
    warn_unreadable,
)
from casebook.engine.retention import retention_report


@click.command()
@as_of_option
@format_option("text", "json")
@pass_env
def retention(env: Env, as_of: str | None, fmt: str) -> None:
    """List every ended case with the date its record must be deleted, soonest first.

    Exit 0 when nothing is past its deletion date, 1 when something is (purge it with
    `casebook purge`) or when a case file could not be read.
    """
    day = resolve_as_of(as_of)
    book = require(env.root)
    procs = book.policy.procedures
    report = retention_report(
        [(c, procs[c.procedure]) for c in book.each_case() if c.procedure in procs],
        day,
        book.policy.settings,
    )
    past = [s for s in report if s.past_due(day)]
    if fmt == "json":
        emit_json({"as_of": day.isoformat(), "records": [s.as_json(day) for s in report]})
    else:
        for s in report:
            when = f"delete by {s.deletion_due}" if s.deletion_due else "no deletion date"
            if s.review_due is not None:
                when = f"review the exception by {s.review_due}"
            flag = "  PAST DUE" if s.past_due(day) else ""
            click.echo(
                f"{s.case:<14} [{s.procedure}] {s.state_label} since {s.ended_on}: {when}"
                f"{flag} ({s.rule})"
            )
        click.echo(f"{len(report)} ended case(s) as of {day}: {len(past)} past deletion date")
    unreadable = warn_unreadable(book)
    raise SystemExit(1 if past or unreadable else 0)
