"""`casebook notify`: the internal e-mails decisions require, as .eml files or sent over SMTP."""

from __future__ import annotations

import shlex
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from casebook.check.loading import require
from casebook.cli.common import (
    DEFAULT_TZ,
    Env,
    as_of_option,
    pass_env,
    release,
    resolve_as_of,
)
from casebook.errors import CasebookError, RecordError, UsageError
from casebook.publish import notify as core
from casebook.publish.letters.phrases import long_date
from casebook.publish.notify import Notice, Notifier, SmtpConfig
from casebook.records import entries
from casebook.records.edits import append_events, apply, plan_edit
from casebook.store.outdir import prepare, replace_folder


@click.command()
@click.argument("case_ids", nargs=-1, metavar="[CASE_ID]...")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write .eml files to (default: out/notifications in the casebook; with "
    "--send, files are written only when --out is given).",
)
@click.option(
    "--send",
    is_flag=True,
    help="Deliver over SMTP (settings from CASEBOOK_SMTP_* environment variables).",
)
@click.option(
    "--all",
    "include_recorded",
    is_flag=True,
    help="Include notifications the case already records as sent (never with --send).",
)
@as_of_option
@pass_env
def notify(
    env: Env,
    case_ids: tuple[str, ...],
    out: Path | None,
    send: bool,
    include_recorded: bool,
    as_of: str | None,
) -> None:
    """Build the e-mails the procedure requires for each decision (default: every case).

    Only notifications the case does not yet record as sent (`type: notification`), unless
    --all. After --send, record each one in its case: the command prints the line to add.
    """
    send_now = send
    if send_now and include_recorded:
        raise UsageError("--all cannot be used with --send: it would send again what was sent")
    on = resolve_as_of(as_of)
    config = SmtpConfig.from_env() if send_now else None
    book = require(env.root)
    notifier = Notifier(book)
    for cid in case_ids:
        notifier.case(cid)  # an unknown id is a usage error before anything is done
    notifier.check_templates()  # a broken template stops the run once, exit 2
    ids = list(case_ids) or [f.path.stem for f in book.files]
    built: dict[str, list[Notice]] = {}
    failed = 0
    for cid in ids:
        try:
            notices = notifier.notices(cid, on, include_recorded)
        except UsageError:
            raise
        except CasebookError as exc:
            click.echo(f"casebook: {exc}", err=True)
            failed += 1
            continue
        finally:
            release(book, cid)  # one record in memory at a time (issue 14)
        if notices:
            built[notices[0].case_id] = notices
    target = out if out is not None else (None if send_now else env.root / "out" / "notifications")
    count = sum(len(v) for v in built.values())
    for case_id, notices in built.items():
        for n in notices:
            click.echo(
                f"{case_id}: {n.list_id!r} ({n.about}, {long_date(n.decision_date)}) to "
                f"{len(n.recipients)} recipient(s)" + (" [already recorded]" if n.recorded else "")
            )
            if n.unreachable:
                click.echo(
                    f"  warning: no e-mail address for {', '.join(n.unreachable)} "
                    "(policy/people.yaml): tell them another way",
                    err=True,
                )
    if target is not None:
        prepare(target, "casebook notify")
        for case_id, notices in built.items():
            replace_folder(target / case_id, {n.filename: n.as_bytes() for n in notices})
        click.echo(f"{count} message(s) written to {target}")
    if config is not None:
        everything = [n for notices in built.values() for n in notices]
        now = datetime.now(ZoneInfo(DEFAULT_TZ))
        # Recorded as sent on the day the command acts as of (default: today).
        went: list[Notice] = []
        try:
            sent = core.send(everything, config, now, went.append)
        finally:
            failed += _record_sent(env, went, on)
        click.echo(f"{sent} message(s) sent via {config.host}:{config.port}")
    if failed:
        click.echo(f"{failed} case(s) could not be notified", err=True)
    raise SystemExit(1 if failed else 0)


def _record_sent(env: Env, went: list[Notice], on: date) -> int:
    """Record each sent notice in its case (one edit per case); return how many cases could
    not be written. Those get the event to add by hand, since the messages have gone."""
    by_case: dict[str, list[Notice]] = {}
    for n in went:
        by_case.setdefault(n.case_id, []).append(n)
    if not by_case:
        return 0
    book = require(env.root)  # read again: the first read is from before sending
    failed = 0
    for case_id, notices in by_case.items():
        events = [
            entries.notification(on=on, list_id=n.list_id, by=n.sender_id, about=n.about)
            for n in notices
        ]
        try:
            edit = plan_edit(book, case_id, append_events(events), on)
            if edit.new_errors:
                raise RecordError("; ".join(f.message for f in edit.new_errors))
            apply(edit)
        except CasebookError as exc:
            failed += 1
            click.echo(
                f"casebook: sent, but not recorded in {case_id}: {exc}; once that is "
                f"fixed, record {len(notices)} notification(s) with:",
                err=True,
            )
            for n in notices:
                click.echo(
                    f"  casebook log notification {case_id} --date {on.isoformat()} "
                    f"--list {n.list_id} --by {n.sender_id} --about {shlex.quote(n.about)}",
                    err=True,
                )
            continue
        click.echo(f"{edit.rel}: recorded {len(notices)} notification(s) as sent on {on}")
    return failed
