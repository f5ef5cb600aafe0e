"""`casebook new`: open a case from a referral."""

from __future__ import annotations

import re
from typing import Any

import click

from casebook.cli.common import Env, pass_env, today
from casebook.cli.recording import (
    Need,
    as_of_date,
    ask_optional,
    book_of,
    day_parser,
    finish,
    record_options,
    resolve,
    split_ids,
)
from casebook.errors import UsageError
from casebook.privacy.sar import Subject
from casebook.records.edits import plan_new


@click.command()
@click.option("--procedure", metavar="ID", help="The procedure the case runs under.")
@click.option(
    "--id", "case_id", metavar="CASE-ID", help="The case id (default: the next free one)."
)
@click.option("--service", help="The service the referral came from, e.g. Planning.")
@click.option("--name", help="The person's full name.")
@click.option("--known-as", multiple=True, help="Another name the person uses (repeatable).")
@click.option("--email", help="The person's e-mail address.")
@click.option("--phone", help="The person's telephone number.")
@click.option("--address", help="The person's postal address.")
@click.option("--referred-on", metavar="YYYY-MM-DD", help="The date of the referral.")
@click.option("--referred-by", metavar="PERSON-ID", help="Who referred (policy/people.yaml).")
@click.option(
    "--reported-by",
    metavar="PERSON-ID",
    help="The member of staff who raised it, where their line manager refers (001's route).",
)
@click.option("--capacity", metavar="ID", help="In what capacity (the procedure's referral ids).")
@click.option(
    "--behaviour", multiple=True, metavar="ID", help="Behaviour referred (repeatable or a,b)."
)
@click.option(
    "--account",
    help='What happened, in a sentence or two. Quoted to the person in letters ("This has had '
    'an effect on our service and on our staff. ..."): write it for them to read.',
)
@click.option(
    "--contact-count",
    "contact_counts",
    multiple=True,
    metavar="'CHANNEL=N [in PERIOD]'",
    help="How many contacts the referral counted, e.g. 'phone=30 in one week' (repeatable). "
    'Letters quote them under "Our records show".',
)
@click.option(
    "--officer",
    multiple=True,
    metavar="PERSON-ID",
    help="Officer involved before the case (repeatable); not independent later.",
)
@record_options
@pass_env
def new(
    env: Env,
    procedure: str | None,
    case_id: str | None,
    service: str | None,
    name: str | None,
    known_as: tuple[str, ...],
    email: str | None,
    phone: str | None,
    address: str | None,
    referred_on: str | None,
    referred_by: str | None,
    reported_by: str | None,
    capacity: str | None,
    behaviour: tuple[str, ...],
    account: str | None,
    contact_counts: tuple[str, ...],
    officer: tuple[str, ...],
    as_of: str | None,
    dry_run: bool,
) -> None:
    """Open a case from a referral: writes cases/<CASE-ID>.yaml.

    Asks for missing details at a terminal; elsewhere (CI, a pipe) fails naming them.

    \b
    Quoted to the person in letters (write them for the person to read):
      --name, --address, --email     the letter's address block and greeting
      --account                      "This has had an effect on our service ..."
      --contact-count                "Our records show: Telephone: 30 in one week"
      --behaviour                    "We ask you to stop: ..." (the behaviours' labels)
    Kept for the file only: --service (named as "our Planning service"), --phone,
    --known-as, --referred-by, --capacity, --officer.
    """
    book = book_of(env)
    when = as_of_date(as_of)
    policy = book.policy
    n_proc = Need("--procedure", "Procedure", procedure, choices=sorted(policy.procedures))
    resolve([n_proc])
    proc = policy.procedures.get(n_proc.value)
    capacities = [c.id for c in proc.referral] if proc else None
    behaviours = (proc.behaviours or [b.id for b in policy.taxonomy.behaviours]) if proc else None
    needs = [
        Need("--service", "Service", service),
        Need("--name", "Person's full name", name),
        Need(
            "--referred-on",
            "Referral date (YYYY-MM-DD)",
            day_parser("--referred-on")(referred_on) if referred_on else None,
            default=(today()).isoformat(),
            parse=day_parser("--referred-on"),
        ),
        Need(
            "--referred-by",
            "Referred by (person id)",
            referred_by,
            choices=[p.id for p in policy.people.people],
        ),
        Need(
            "--capacity",
            "Capacity",
            capacity,
            choices=capacities,
            default=capacities[0] if capacities and len(capacities) == 1 else None,
        ),
        Need(
            "--behaviour",
            "Behaviours",
            tuple(split_ids(behaviour)),
            choices=behaviours,
            multiple=True,
        ),
        Need("--account", "What happened", account),
    ]
    resolve(needs)
    counts = [
        _contact_count(spec, [c.id for c in proc.channels] if proc else None)
        for spec in contact_counts
    ]
    service_v, name_v, on, by, cap, behav, account_v = (n.value for n in needs)
    email = ask_optional("E-mail address", email)
    address = ask_optional("Postal address", address)
    record = {
        "procedure": n_proc.value,
        "service": service_v,
        "person": {
            "name": name_v,
            "known_as": list(known_as),
            "contact": {"email": email, "phone": phone, "address": address},
        },
        "referral": {
            "date": on,
            "by": by,
            **({"reported_by": reported_by} if reported_by else {}),
            "capacity": cap,
            "behaviours": list(behav),
            "account": account_v,
            "contacts": counts,
        },
        "officers": split_ids(officer),
    }
    if case_id:
        record = {"id": case_id, **record}
    edit = plan_new(book, record, when)
    finish(edit, "case opened", dry_run)
    # The same person may already have a case (a new referral, or a different procedure).
    subject = Subject(name_v, (email,) if email else (), (address,) if address else ())
    same = [c.id for c in book.each_case() if subject.is_person(c.person)]
    if same:
        click.echo(
            f"  note: the casebook already has case(s) about this person: {', '.join(same)}; "
            "consider whether this referral belongs in one of them",
            err=True,
        )


_COUNT = re.compile(r"^\s*([a-z0-9][a-z0-9-]*)\s*=\s*(\d+)(?:\s+in\s+(\S.*?))?\s*$")


def _contact_count(spec: str, channels: list[str] | None) -> dict[str, Any]:
    """``"phone=30 in one week"`` -> ``{"channel": "phone", "count": 30, "period": "one
    week"}`` (``referral.contacts``). UsageError naming the option for anything else."""
    m = _COUNT.match(spec)
    if m is None:
        raise UsageError(
            f"--contact-count {spec!r}: write CHANNEL=N, or CHANNEL=N in PERIOD, e.g. "
            "'phone=30 in one week'"
        )
    channel, count, period = m.group(1), int(m.group(2)), m.group(3)
    if channels is not None and channel not in channels:
        raise UsageError(
            f"--contact-count {spec!r}: unknown channel {channel!r}; the procedure's "
            f"channels: {', '.join(channels)}"
        )
    out: dict[str, Any] = {"channel": channel, "count": count}
    return out | ({"period": period} if period else {})
