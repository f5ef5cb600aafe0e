"""`casebook due`."""

from __future__ import annotations

from datetime import timedelta

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
from casebook.engine.obligations import obligations


@click.command()
@as_of_option
@click.option(
    "--within",
    type=click.IntRange(0, 36_600),  # 100 years: a horizon past it would overflow a date
    metavar="DAYS",
    help="Only what is overdue or due within DAYS days of --as-of (default: everything open).",
)
@format_option("text", "json")
@pass_env
def due(env: Env, as_of: str | None, within: int | None, fmt: str) -> None:
    """List what is due or overdue, soonest first: reviews, ends of monitoring and no-contact
    periods, letters, notifications, central-log reviews and deletions.

    Exit 0 when nothing listed is overdue, 1 when something is or when a case file could not
    be read (its obligations would be missing).
    """
    day = resolve_as_of(as_of)
    book = require(env.root)
    listed = [o for o in obligations(book, day) if not o.met]
    if within is not None:
        horizon = day + timedelta(days=within)
        listed = [o for o in listed if o.due <= horizon]
    overdue = [o for o in listed if o.overdue(day)]
    if fmt == "json":
        emit_json({"as_of": day.isoformat(), "obligations": [o.as_json(day) for o in listed]})
    else:
        width = max((len(o.case) for o in listed), default=0)
        for o in listed:
            flag = "OVERDUE" if o.overdue(day) else "due"
            latest = f" (latest {o.latest})" if o.latest else ""
            click.echo(f"{o.due}  {flag:<7}  {o.case:<{width}}  {o.kind:<16} {o.label}{latest}")
        click.echo(f"{len(listed)} open obligation(s) as of {day}: {len(overdue)} overdue")
    unreadable = warn_unreadable(book)
    raise SystemExit(1 if overdue or unreadable else 0)
