"""`casebook close`: a decision that ends a case (to the procedure's closed or dormant state)."""

from __future__ import annotations

import click

from casebook.cli.common import Env, pass_env
from casebook.cli.recording import (
    Need,
    as_of_date,
    book_of,
    day,
    day_parser,
    finish,
    record_options,
    resolve,
    split_ids,
)
from casebook.engine.timeline import timeline
from casebook.errors import UsageError
from casebook.records import entries
from casebook.records.edits import append_events, case_path, closing_states, plan_edit, valid_case


@click.command()
@click.argument("case_id", metavar="CASE-ID")
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Date of the decision to close.")
@click.option(
    "--to",
    "to",
    metavar="STATE",
    help="The closed or dormant state, when the procedure has more than one.",
)
@click.option(
    "--decided-by", multiple=True, metavar="PERSON-ID", help="Who decided (repeatable or a,b)."
)
@click.option("--consulted", multiple=True, metavar="PERSON-ID", help="Who was consulted.")
@click.option(
    "--reasons", help="Why the case is closed (for the file; closure letters do not quote it)."
)
@click.option("--approved-in", metavar="PR", help="The pull request that approved it, e.g. #42.")
@record_options
@pass_env
def close(
    env: Env,
    case_id: str,
    on: str | None,
    to: str | None,
    decided_by: tuple[str, ...],
    consulted: tuple[str, ...],
    reasons: str | None,
    approved_in: str | None,
    as_of: str | None,
    dry_run: bool,
) -> None:
    """Close a case: record a decision to the procedure's closed or dormant state."""
    book = book_of(env)
    case = valid_case(case_path(book, case_id))
    proc = book.policy.procedures.get(case.procedure)
    if proc is None:
        raise UsageError(f"{case_id}: unknown procedure {case.procedure!r}")
    targets = closing_states(case, proc)
    if not targets:
        state = timeline(case, proc).state
        raise UsageError(
            f"{case_id} is in state {state!r}; procedure {proc.id} has no decision from there "
            "to a closed or dormant state"
        )
    if to is not None and to not in targets:
        raise UsageError(f"--to {to!r}: from here {case_id} can close to: {', '.join(targets)}")
    needs = [
        _date(on),
        Need(
            "--to", "Close to", to or (targets[0] if len(targets) == 1 else None), choices=targets
        ),
        Need(
            "--decided-by", "Decided by (person ids)", tuple(split_ids(decided_by)), multiple=True
        ),
        Need("--reasons", "Reasons", reasons),
    ]
    resolve(needs)
    event = entries.decision(
        on=needs[0].value,
        to=needs[1].value,
        decided_by=list(needs[2].value),
        consulted=split_ids(consulted),
        reasons=needs[3].value,
        approved_in=approved_in,
    )
    edit = plan_edit(book, case_id, append_events([event]), as_of_date(as_of))
    finish(edit, f"closed: decision of {event['date']} to {event['to']}", dry_run)


def _date(value: str | None) -> Need:
    return Need("--date", "Date (YYYY-MM-DD)", day(value, "--date"), parse=day_parser("--date"))
