"""`casebook log ...`: record what happened in a case without editing YAML by hand."""

from __future__ import annotations

from pathlib import Path

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
from casebook.model.findings import Finding
from casebook.records import entries
from casebook.records.csvcontacts import new_rows, read_rows
from casebook.records.edits import (
    append_events,
    case_path,
    current_restrictions,
    placed_at,
    plan_edit,
    valid_case,
)
from casebook.records.pending import pending_notifications

DATE_HELP = "When it happened, YYYY-MM-DD."


@click.group()
def log() -> None:
    """Add an event to a case: contact, contacts (CSV), decision, letter, notification, review.

    Each command validates the case with the rules of `casebook check` before writing,
    refuses a change that would bring an error, and keeps every comment in the file.
    """


def _date_need(value: str | None, option: str = "--date") -> Need:
    return Need(
        option,
        "Date (YYYY-MM-DD)",
        day(value, option),
        parse=day_parser(option),
    )


@log.command()
@click.argument("case_id", metavar="CASE-ID")
@click.option("--date", "on", metavar="YYYY-MM-DD", help=DATE_HELP)
@click.option("--time", metavar="HH:MM", help="Time of the contact, 24-hour.")
@click.option("--channel", metavar="ID", help="The procedure's channel id: phone, email ...")
@click.option("--to", "to", metavar="WHO", help="Person id or team contacted, e.g. planning-duty.")
@click.option(
    "--direction",
    type=click.Choice(["in", "out"]),
    help="in: from the person (default); out: from the council.",
)
@click.option("--summary", help="One line: what the contact was about.")
@click.option("--topic", help="The matter it concerns.")
@click.option("--minutes", type=click.IntRange(1, 24 * 60), help="Length of a call, in minutes.")
@record_options
@pass_env
def contact(
    env: Env,
    case_id: str,
    on: str | None,
    time: str | None,
    channel: str | None,
    to: str | None,
    direction: str | None,
    summary: str | None,
    topic: str | None,
    minutes: int | None,
    as_of: str | None,
    dry_run: bool,
) -> None:
    """Log one contact from (or to) the person."""
    book = book_of(env)
    f = case_path(book, case_id)
    case = valid_case(f)
    proc = book.policy.procedures.get(case.procedure)
    needs = [
        _date_need(on),
        Need(
            "--channel",
            "Channel",
            channel,
            choices=sorted(proc.channel_ids()) if proc else None,
        ),
        Need("--to", "Contacted (person id or team)", to),
        Need("--summary", "Summary", summary),
    ]
    resolve(needs)
    event = entries.contact(
        on=needs[0].value,
        time=time,
        channel=needs[1].value,
        to=needs[2].value,
        direction=direction,
        summary=needs[3].value,
        topic=topic,
        minutes=minutes,
    )
    edit = plan_edit(book, case_id, append_events([event]), as_of_date(as_of))
    channel = str(event["channel"])
    article = "an" if channel[:1].lower() in "aeiou" else "a"  # "an email contact"
    finish(edit, f"logged {article} {channel} contact of {event['date']}", dry_run)


@log.command()
@click.argument("case_id", metavar="CASE-ID")
@click.option(
    "--csv",
    "csv_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV export: columns date, time, channel, to, direction, summary, topic, minutes.",
)
@click.option("--channel", metavar="ID", help="Channel for rows without a channel column.")
@click.option("--to", "to", metavar="WHO", help="Contacted, for rows without a to column.")
@record_options
@pass_env
def contacts(
    env: Env,
    case_id: str,
    csv_file: Path,
    channel: str | None,
    to: str | None,
    as_of: str | None,
    dry_run: bool,
) -> None:
    """Log many contacts from a CSV export (all rows or none).

    Columns (header row; any order; others ignored): date (YYYY-MM-DD, or with a time
    YYYY-MM-DD HH:MM), time (HH:MM), channel, to, direction (in/out), summary, topic,
    minutes. Rows are sorted by date and time; rows already logged are skipped.
    """
    book = book_of(env)
    f = case_path(book, case_id)
    case = valid_case(f)
    rows = read_rows(csv_file, channel=channel, to=to, zone=book.policy.settings.zone)
    fresh, skipped = new_rows(rows, case)
    if not fresh:
        click.echo(f"{f.rel}: nothing to add; all {skipped} row(s) are already logged")
        return
    at = placed_at([e.date for e in case.events], [r.event["date"] for r in fresh])
    lines = {i: r.line for i, r in zip(at, fresh, strict=True)}

    def origin(finding: Finding) -> str:
        loc = finding.loc
        if len(loc) >= 2 and loc[0] == "events" and isinstance(loc[1], int) and loc[1] in lines:
            return f"{csv_file.name} line {lines[loc[1]]}"
        return f.rel

    edit = plan_edit(book, case_id, append_events([r.event for r in fresh]), as_of_date(as_of))
    done = f"logged {len(fresh)} contact(s) from {csv_file.name}"
    if skipped:
        done += f" ({skipped} already logged, skipped)"
    finish(edit, done, dry_run, origin)


@log.command()
@click.argument("case_id", metavar="CASE-ID")
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Date of the decision.")
@click.option("--to", "to", metavar="STATE", help="The state the decision moves the case to.")
@click.option(
    "--decided-by", multiple=True, metavar="PERSON-ID", help="Who decided (repeatable or a,b)."
)
@click.option(
    "--consulted", multiple=True, metavar="PERSON-ID", help="Who was consulted (repeatable)."
)
@click.option(
    "--reasons",
    help="Why: the reasons given to the person, quoted in the letter that follows.",
)
@click.option(
    "--restriction",
    multiple=True,
    metavar="SPEC",
    help="A restriction in force, e.g. 'volume max=2 per=week' (repeatable).",
)
@click.option(
    "--keep-restrictions",
    is_flag=True,
    help="Carry the restrictions of the previous decision over (before any --restriction).",
)
@click.option("--until", metavar="YYYY-MM-DD", help="End of the period, if not the default.")
@click.option("--approved-in", metavar="PR", help="The pull request that approved it, e.g. #42.")
@click.option(
    "--final-position",
    metavar="TEXT",
    help="The council's final position on the issues the person raises (letter item "
    "final-position), or why none can be given yet.",
)
@record_options
@pass_env
def decision(
    env: Env,
    case_id: str,
    on: str | None,
    to: str | None,
    decided_by: tuple[str, ...],
    consulted: tuple[str, ...],
    reasons: str | None,
    restriction: tuple[str, ...],
    keep_restrictions: bool,
    until: str | None,
    approved_in: str | None,
    final_position: str | None,
    as_of: str | None,
    dry_run: bool,
) -> None:
    """Record a decision moving the case to a state, with the restrictions in force."""
    book = book_of(env)
    f = case_path(book, case_id)
    case = valid_case(f)
    proc = book.policy.procedures.get(case.procedure)
    restrictions = current_restrictions(case) if keep_restrictions else []
    restrictions += [entries.parse_restriction(s) for s in restriction]
    needs = [
        _date_need(on),
        Need("--to", "New state", to, choices=list(proc.states) if proc else None),
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
        restrictions=restrictions,
        until=day(until, "--until"),
        approved_in=approved_in,
        final_position=final_position,
    )
    edit = plan_edit(book, case_id, append_events([event]), as_of_date(as_of))
    finish(edit, f"recorded a decision of {event['date']} to {event['to']}", dry_run)


@log.command()
@click.argument("case_id", metavar="CASE-ID")
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Date the letter was sent.")
@click.option("--letter", "letter_id", metavar="ID", help="The procedure's letter id.")
@click.option("--by", metavar="PERSON-ID", help="Who sent it.")
@click.option(
    "--via",
    type=click.Choice(["post", "email", "hand", "post-and-email"]),
    help="How it was sent.",
)
@click.option("--to", "to", help="A representative it was sent to, when not the person.")
@record_options
@pass_env
def letter(
    env: Env,
    case_id: str,
    on: str | None,
    letter_id: str | None,
    by: str | None,
    via: str | None,
    to: str | None,
    as_of: str | None,
    dry_run: bool,
) -> None:
    """Record a letter sent to the person (or their representative)."""
    book = book_of(env)
    f = case_path(book, case_id)
    case = valid_case(f)
    proc = book.policy.procedures.get(case.procedure)
    needs = [
        _date_need(on),
        Need("--letter", "Letter", letter_id, choices=list(proc.letters) if proc else None),
        Need("--by", "Sent by (person id)", by),
        Need("--via", "Sent via", via, choices=["post", "email", "hand", "post-and-email"]),
    ]
    resolve(needs)
    event = entries.letter(
        on=needs[0].value, letter_id=needs[1].value, by=needs[2].value, via=needs[3].value, to=to
    )
    edit = plan_edit(book, case_id, append_events([event]), as_of_date(as_of))
    finish(edit, f"recorded letter {event['letter']} of {event['date']}", dry_run)


@log.command()
@click.argument("case_id", metavar="CASE-ID")
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Date the notification was sent.")
@click.option(
    "--list",
    "list_id",
    metavar="ID",
    help="The procedure's distribution list told (default: the one the case still owes).",
)
@click.option("--by", metavar="PERSON-ID", help="Who sent it.")
@click.option(
    "--about",
    help="What it told them (default: the decision the list is owed, e.g. 'Stage 1: warn ...').",
)
@record_options
@pass_env
def notification(
    env: Env,
    case_id: str,
    on: str | None,
    list_id: str | None,
    by: str | None,
    about: str | None,
    as_of: str | None,
    dry_run: bool,
) -> None:
    """Record a notification sent to a distribution list the procedure names.

    `casebook notify --send` records what it sends by itself; use this for a notification
    sent another way (an e-mail written by hand, a telephone call to the register keeper).
    """
    book = book_of(env)
    f = case_path(book, case_id)
    case = valid_case(f)
    when = as_of_date(as_of)
    proc = book.policy.procedures.get(case.procedure)
    owed = pending_notifications(case, proc, book.policy.settings, when) if proc else []
    owed_lists = list(dict.fromkeys(p.list_id for p in owed))
    if list_id is None and len(owed_lists) == 1:
        list_id = owed_lists[0]
    choices = owed_lists or (sorted(proc.distribution_lists) if proc else None)
    needs = [
        _date_need(on),
        Need("--list", "Distribution list", list_id, choices=choices),
        Need("--by", "Sent by (person id)", by),
    ]
    resolve(needs)
    chosen = needs[1].value
    if about is None:
        about = next((p.about for p in owed if p.list_id == chosen), None)
    n_about = Need("--about", "What it told them", about)
    resolve([n_about])
    event = entries.notification(
        on=needs[0].value, list_id=chosen, by=needs[2].value, about=n_about.value
    )
    edit = plan_edit(book, case_id, append_events([event]), when)
    finish(edit, f"recorded a notification to {chosen} of {event['date']}", dry_run)


@log.command()
@click.argument("case_id", metavar="CASE-ID")
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Date of the review.")
@click.option("--by", multiple=True, metavar="PERSON-ID", help="Reviewers (repeatable or a,b).")
@click.option(
    "--consulted",
    multiple=True,
    metavar="PERSON-ID",
    help="Who the reviewers consulted, where the procedure asks (repeatable or a,b).",
)
@click.option(
    "--outcome",
    type=click.Choice(["continue", "change", "close"]),
    help="continue, change (record the decision too) or close.",
)
@click.option("--notes", help="What the review found (for the file; letters do not quote it).")
@click.option("--next-review", metavar="YYYY-MM-DD", help="When the next review is due.")
@record_options
@pass_env
def review(
    env: Env,
    case_id: str,
    on: str | None,
    by: tuple[str, ...],
    consulted: tuple[str, ...],
    outcome: str | None,
    notes: str | None,
    next_review: str | None,
    as_of: str | None,
    dry_run: bool,
) -> None:
    """Record a review of the arrangements and its outcome."""
    book = book_of(env)
    valid_case(case_path(book, case_id))
    needs = [
        _date_need(on),
        Need("--by", "Reviewed by (person ids)", tuple(split_ids(by)), multiple=True),
        Need("--outcome", "Outcome", outcome, choices=["continue", "change", "close"]),
        Need("--notes", "Notes", notes),
    ]
    resolve(needs)
    event = entries.review(
        on=needs[0].value,
        by=list(needs[1].value),
        outcome=needs[2].value,
        notes=needs[3].value,
        next_review=day(next_review, "--next-review"),
        consulted=split_ids(consulted),
    )
    edit = plan_edit(book, case_id, append_events([event]), as_of_date(as_of))
    finish(edit, f"recorded a review of {event['date']} ({event['outcome']})", dry_run)
