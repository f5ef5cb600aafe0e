"""Rule ``reference``: every id a case names exists in policy/ or in its procedure."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator

from casebook.check.context import CaseContext
from casebook.model.case import (
    AppealOutcomeEvent,
    ContactLogged,
    Decision,
    LetterSent,
    Meeting,
    Note,
    Notification,
    Representation,
    ReviewHeld,
)
from casebook.model.findings import Finding, Loc

RULE = "reference"


def _unknown(kind: str, value: str, known: Iterable[str], loc: Loc, where: str) -> Finding:
    known = sorted(known)
    hint = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    msg = f"unknown {kind} {value!r}"
    msg += f"; did you mean {hint[0]!r}?" if hint else f"; {where}"
    return Finding("error", RULE, msg, loc=loc)


def references(ctx: CaseContext) -> Iterator[Finding]:
    case, proc = ctx.case, ctx.procedure
    people = ctx.person_by_id
    where_people = "people are defined in policy/people.yaml"

    def person(pid: str, loc: Loc) -> Iterator[Finding]:
        if pid not in people:
            yield _unknown("person", pid, people, loc, where_people)

    yield from person(case.referral.by, ("referral", "by"))
    if case.referral.reported_by is not None:
        yield from person(case.referral.reported_by, ("referral", "reported_by"))
    capacities = {c.id for c in proc.referral}
    if case.referral.capacity not in capacities:
        yield _unknown(
            "referral capacity",
            case.referral.capacity,
            capacities,
            ("referral", "capacity"),
            f"procedure {proc.id} allows: {', '.join(sorted(capacities))}",
        )
    taxonomy = {b.id for b in ctx.taxonomy.behaviours}
    allowed_behaviours = set(proc.behaviours) or taxonomy
    for i, b in enumerate(case.referral.behaviours):
        if b not in allowed_behaviours:
            yield _unknown(
                "behaviour",
                b,
                allowed_behaviours,
                ("referral", "behaviours", i),
                "behaviours are defined in policy/behaviours.yaml",
            )
    channels = proc.channel_ids()
    for i, c in enumerate(case.referral.contacts):
        if c.channel not in channels:
            yield _unknown(
                "channel",
                c.channel,
                channels,
                ("referral", "contacts", i, "channel"),
                f"procedure {proc.id} knows: {', '.join(sorted(channels))}",
            )
    for i, pid in enumerate(case.officers):
        yield from person(pid, ("officers", i))
    exceptions = {
        e.id for st in proc.states.values() if st.retention for e in st.retention.exceptions
    }
    for i, flag in enumerate(case.retention_flags):
        yield from person(flag.by, ("retention_flags", i, "by"))
        if flag.lifted is not None:  # who lifted it is as much a record as who set it
            yield from person(flag.lifted.by, ("retention_flags", i, "lifted", "by"))
        if flag.exception not in exceptions:
            yield _unknown(
                "retention exception",
                flag.exception,
                exceptions,
                ("retention_flags", i, "exception"),
                f"procedure {proc.id} defines none"
                if not exceptions
                else f"procedure {proc.id} allows: {', '.join(sorted(exceptions))}",
            )

    for i, ev in enumerate(case.events):
        loc: Loc = ("events", i)
        if isinstance(ev, Decision):
            if ev.to not in proc.states:
                yield _unknown(
                    "state",
                    ev.to,
                    proc.states,
                    (*loc, "to"),
                    f"procedure {proc.id} has: {', '.join(proc.states)}",
                )
            for j, pid in enumerate(ev.decided_by):
                yield from person(pid, (*loc, "decided_by", j))
            for j, pid in enumerate(ev.consulted):
                yield from person(pid, (*loc, "consulted", j))
            for j, r in enumerate(ev.restrictions):
                for attr in ("officer", "to"):
                    value = r.field(attr)
                    if isinstance(value, str):
                        yield from person(value, (*loc, "restrictions", j, attr))
                allowed = r.field("allowed") or []
                for k, ch in enumerate(allowed):
                    if ch not in channels:
                        yield _unknown(
                            "channel",
                            ch,
                            channels,
                            (*loc, "restrictions", j, "allowed", k),
                            f"procedure {proc.id} knows: {', '.join(sorted(channels))}",
                        )
                ch = r.field("channel")
                if ch is not None and ch not in channels:
                    yield _unknown(
                        "channel",
                        ch,
                        channels,
                        (*loc, "restrictions", j, "channel"),
                        f"procedure {proc.id} knows: {', '.join(sorted(channels))}",
                    )
        elif isinstance(ev, LetterSent):
            yield from person(ev.by, (*loc, "by"))
            if ev.letter not in proc.letters:
                yield _unknown(
                    "letter",
                    ev.letter,
                    proc.letters,
                    (*loc, "letter"),
                    f"procedure {proc.id} defines: {', '.join(proc.letters)}",
                )
        elif isinstance(ev, ContactLogged):
            if ev.channel not in channels:
                yield _unknown(
                    "channel",
                    ev.channel,
                    channels,
                    (*loc, "channel"),
                    f"procedure {proc.id} knows: {', '.join(sorted(channels))}",
                )
        elif isinstance(ev, Meeting):
            for j, pid in enumerate(ev.attendees):
                yield from person(pid, (*loc, "attendees", j))
        elif isinstance(ev, ReviewHeld):
            for j, pid in enumerate(ev.by):
                yield from person(pid, (*loc, "by", j))
            for j, pid in enumerate(ev.consulted):
                yield from person(pid, (*loc, "consulted", j))
        elif isinstance(ev, Notification):
            yield from person(ev.by, (*loc, "by"))
            if ev.list_id not in proc.distribution_lists:
                yield _unknown(
                    "distribution list",
                    ev.list_id,
                    proc.distribution_lists,
                    (*loc, "list"),
                    f"procedure {proc.id} defines: {', '.join(proc.distribution_lists)}",
                )
        elif isinstance(ev, Note):
            yield from person(ev.by, (*loc, "by"))
        elif isinstance(ev, Representation) and ev.considered_by:
            yield from person(ev.considered_by, (*loc, "considered_by"))
        elif isinstance(ev, AppealOutcomeEvent):
            for j, pid in enumerate(ev.heard_by):
                yield from person(pid, (*loc, "heard_by", j))
