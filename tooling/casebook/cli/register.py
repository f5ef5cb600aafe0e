"""`casebook register`."""

from __future__ import annotations

import csv
import sys

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
from casebook.publish.register import CSV_COLUMNS, csv_record, register_rows


@click.command()
@as_of_option
@format_option("text", "csv", "json")
@click.option(
    "--names",
    is_flag=True,
    help="Include each person's name (governance use only; off by default so the register "
    "can be shared and logged by case id).",
)
@pass_env
def register(env: Env, as_of: str | None, fmt: str, names: bool) -> None:
    """The central register: every case with its state, restrictions in force, decisions and
    who took them, last and next review, expiry, breaches this period and deletion date.

    Exit 0, or 1 when a case file could not be read (it is missing from the register).
    """
    day = resolve_as_of(as_of)
    book = require(env.root)
    rows = register_rows(book, day)
    unreadable = warn_unreadable(book)
    if fmt == "json":
        emit_json({"as_of": day.isoformat(), "cases": [r.as_json(names) for r in rows]})
        raise SystemExit(1 if unreadable else 0)
    if fmt == "csv":
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow((["person"] if names else []) + CSV_COLUMNS)
        for r in rows:
            out.writerow(csv_record(r, names))
        raise SystemExit(1 if unreadable else 0)
    for r in rows:
        who = f" {r.person}" if names else ""
        click.echo(f"{r.case}{who}  [{r.procedure}]  {r.state_label} since {r.since}")
        for line in r.restrictions:
            click.echo(f"    - {line}")
        for d in r.decisions:
            click.echo(f"    decided {d.text()}")
        review = f"next review {r.next_review}" if r.next_review else "no review due"
        if r.next_review_latest:
            review += f" (latest {r.next_review_latest})"
        last = f"last review {r.last_review}" if r.last_review else "no review yet"
        click.echo(f"    {last}; {review}")
        if r.expires:
            click.echo(f"    expires {r.expires}")
        if r.breaches_summary:
            click.echo(f"    this period: {r.breaches_summary}")
        if r.deletion_due:
            click.echo(f"    delete by {r.deletion_due}")
        if r.overdue:
            click.echo(f"    OVERDUE: {', '.join(r.overdue)}")
    click.echo(f"{len(rows)} case(s) as of {day}")
    raise SystemExit(1 if unreadable else 0)
