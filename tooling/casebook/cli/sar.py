"""`casebook sar`: everything held about one person, for a subject access request."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click

from casebook.check.loading import require
from casebook.cli.common import Env, parse_date, pass_env, resolve_as_of, warn_unreadable
from casebook.errors import UsageError
from casebook.model.case import CASE_ID
from casebook.privacy.sar import Subject, bundle_markdown, find
from casebook.publish.pdf import to_html, to_pdf
from casebook.store import outdir
from casebook.store.cases import Casebook, write_atomic
from casebook.store.reader import CASES_DIR


def _subject(
    book: Casebook,
    name: str,
    email: tuple[str, ...],
    address: tuple[str, ...],
    phone: tuple[str, ...],
) -> Subject:
    """Who to search for: NAME is a full name (two words or more), a case id, or one word.

    A case id takes the name and contact details recorded in that case. A one-word name is
    only compared with whole recorded names and known-as names, never searched for in notes:
    searching notes for "a" or "Lee" bundled unrelated people.
    """
    if CASE_ID.match(name):
        case = next((c for c in book.each_case() if c.id == name), None)
        if case is None:
            raise UsageError(f"no case {name} in {CASES_DIR}/")
        p = case.person
        return Subject(
            p.name,
            tuple(email) + ((str(p.contact.email),) if p.contact.email else ()),
            tuple(address) + ((p.contact.address,) if p.contact.address else ()),
            tuple(phone) + ((p.contact.phone,) if p.contact.phone else ()),
        )
    subject = Subject(name, tuple(email), tuple(address), tuple(phone))
    if not subject.full_name:
        click.echo(
            "note: NAME is one word, so it is compared with whole recorded names only and not "
            "searched for in notes (it would match ordinary words); give the full name or a "
            "case id to search notes too",
            err=True,
        )
    return subject


@click.command()
@click.argument("name")
@click.option("--email", multiple=True, help="An e-mail address the person uses (repeatable).")
@click.option("--address", multiple=True, help="A postal address the person gave (repeatable).")
@click.option("--phone", multiple=True, help="A telephone number the person uses (repeatable).")
@click.option(
    "--received",
    metavar="YYYY-MM-DD",
    help="When the request was received (default: --as-of); the response is due a month on.",
)
@click.option(
    "--as-of",
    "as_of",
    metavar="YYYY-MM-DD",
    help="Date of the search (default: today in Europe/London).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the bundle (default: out/sar/sar-<received>-<ref>/, git-ignored).",
)
@click.option(
    "--redact-staff",
    is_flag=True,
    help="Mark staff names for redaction too (e.g. where naming them would put them at risk).",
)
@click.option("--pdf/--no-pdf", default=True, show_default=True, help="Also write bundle.pdf.")
@pass_env
def sar(
    env: Env,
    name: str,
    email: tuple[str, ...],
    address: tuple[str, ...],
    phone: tuple[str, ...],
    received: str | None,
    as_of: str | None,
    out: Path | None,
    redact_staff: bool,
    pdf: bool,
) -> None:
    """Write a subject access bundle for NAME: every case and event about them.

    Writes bundle.md (and bundle.pdf) with other members of the public marked
    [REDACT: ...] and possible unknown names marked [CHECK: ...]: a draft for the
    information governance officer to review, not to send as it is. Prints no personal data.
    """
    book = require(env.root)
    on = resolve_as_of(as_of)
    got = parse_date(received, "--received") if received else on
    subject = _subject(book, name.strip(), email, address, phone)
    found = find(book, subject)
    bundle = bundle_markdown(book, subject, found, got, on, redact_staff)
    # The folder name must not carry the name: folder listings end up in logs and backups.
    ref = hashlib.sha256(name.strip().casefold().encode()).hexdigest()[:8]
    folder = out if out is not None else env.root / "out" / "sar" / f"sar-{got}-{ref}"
    # Only a new or empty folder, or one casebook made: `--out /` or `--out ~` is refused.
    outdir.prepare(folder, "subject access bundle")
    write_atomic(folder / "bundle.md", bundle.markdown.encode("utf-8"))
    written = ["bundle.md"]
    if pdf:
        html = to_html(bundle.markdown, "Subject access request")
        write_atomic(folder / "bundle.pdf", to_pdf(html))
        written.append("bundle.pdf")
    click.echo(
        f"{folder}: {', '.join(written)}: {bundle.cases} case(s), {bundle.events} event(s), "
        f"{bundle.marked} marked [REDACT], {bundle.checks} marked [CHECK]"
    )
    if not found:
        click.echo("no case concerns this person; the bundle says so", err=True)
    if warn_unreadable(book):
        # The search was incomplete: the bundle says so, and the exit code too, so a script
        # does not take it as the whole answer.
        raise SystemExit(1)
