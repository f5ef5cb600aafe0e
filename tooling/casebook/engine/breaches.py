"""Breaches: logged contacts from the person that fell outside the arrangements in force.

Every contact event with ``direction: in``, dated on or before ``as_of``, is checked against the
restrictions in force on its date (``Timeline.intervals``):

=================  ===========================================================================
kind               the contact ...
=================  ===========================================================================
wrong-channel      came by a channel a ``channels`` restriction does not allow, or by e-mail
                   while e-mail is blocked (``email-blocked``)
wrong-recipient    went to someone other than the single point of contact, a service-exception
                   officer (``service-exception``) or the officer e-mail is diverted to
over-quota         was over a ``volume`` limit: counted per calendar week (Monday to Sunday) or
                   calendar month, from the first contact in the week or month
outside-slot       was outside every ``time-slot`` that applies to its channel (a contact with
                   no recorded time is not judged)
no-contact         was made during a no-contact period
closed-topic       was about a matter a ``closed-topic`` restriction has closed (``topic``
                   compared without regard to case or surrounding spaces)
call-length        lasted longer than a ``call-length`` limit (when ``minutes`` is recorded)
=================  ===========================================================================

Which check judges a restriction is the procedure's (``measures.<type>.breach_check``): a
built-in type's own check (the table) or ``none``; a measure the procedure declares itself
(``Declared``) may use ``no-contact``. A contact by a channel the procedure does not know is
counted but not judged (the reference rule reports it). Restrictions that a contact record
cannot show to be broken (a response schedule, an advocate, a third party present, designated
premises, an agreement) are not judged here.

Contacts are sorted once and swept against the decisions' windows in date order; each contact
is compared with the few restrictions of the one decision in force, and quotas are counted in
a dictionary: linear in the number of contacts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from casebook.engine.replay import InForce
from casebook.engine.timeline import Timeline
from casebook.model import ACTIVE_KINDS, Procedure
from casebook.model import restrictions as r
from casebook.model.case import ContactLogged

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Channel ids that mean e-mail, for ``email-blocked`` (procedures name channels themselves).
EMAIL_CHANNELS = frozenset({"email", "e-mail"})


@dataclass(frozen=True, slots=True)
class Reason:
    kind: str  # see the table above
    restriction: str  # the restriction type broken
    message: str


@dataclass(frozen=True, slots=True)
class Breach:
    case: str
    event: int  # index in case.events
    date: date
    time: str | None
    channel: str
    reasons: tuple[Reason, ...]

    @property
    def message(self) -> str:
        return "; ".join(x.message for x in self.reasons)

    def as_json(self) -> dict[str, object]:
        return {
            "case": self.case,
            "event": self.event,
            "date": self.date.isoformat(),
            "time": self.time,
            "channel": self.channel,
            "kinds": [x.kind for x in self.reasons],
            "message": self.message,
        }


@dataclass(slots=True)
class PeriodSummary:
    """Contacts and breaches during one decision's arrangements."""

    event: int  # the decision's index in case.events
    state: str
    start: date
    end: date | None  # last day; None while the arrangements are current
    contacts: int = 0
    outside: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """``12 contacts, 3 outside the arrangements``."""
        s = "" if self.contacts == 1 else "s"
        return f"{self.contacts} contact{s}, {self.outside} outside the arrangements"

    def as_json(self) -> dict[str, object]:
        return {
            "event": self.event,
            "state": self.state,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "contacts": self.contacts,
            "outside": self.outside,
            "by_kind": dict(sorted(self.by_kind.items())),
            "summary": self.text,
        }


@dataclass(frozen=True, slots=True)
class BreachReport:
    breaches: list[Breach]
    periods: list[PeriodSummary]  # one per decision into an active state, in date order

    def current(self, as_of: date) -> PeriodSummary | None:
        """The period whose arrangements are in force on ``as_of``."""
        for p in reversed(self.periods):
            if p.start <= as_of and (p.end is None or as_of <= p.end):
                return p
        return None


def analyse(tl: Timeline) -> BreachReport:
    """Check every incoming contact up to ``tl.as_of`` against the restrictions in force."""
    case, proc = tl.case, tl.procedure
    as_of = tl.as_of or date.max
    intervals = tl.intervals
    periods = _periods(tl, proc)
    by_step: dict[int, list[InForce]] = defaultdict(list)
    for x in intervals:
        by_step[x.step.index].append(x)
    contacts = sorted(
        (
            (ev.date, ev.time or "", i, ev)
            for i, ev in enumerate(case.events)
            if isinstance(ev, ContactLogged) and ev.direction == "in" and ev.date <= as_of
        ),
        key=lambda c: (c[0], c[1], c[2]),
    )
    counts: dict[tuple[int, object], int] = defaultdict(int)
    channels = proc.channel_ids()
    out: list[Breach] = []
    p = 0  # sweep pointer into periods
    for day, _, i, ev in contacts:
        while p + 1 < len(periods) and periods[p + 1].start <= day:
            p += 1
        if not periods or day < periods[p].start:
            continue  # before any arrangements
        period = periods[p]
        if period.end is not None and day > period.end:
            continue  # between arrangements (the case ended, or a state that is not active)
        period.contacts += 1
        if ev.channel not in channels:
            continue  # an unknown channel is a reference error already; nothing to judge
        in_force = [x for x in by_step[period.event] if x.covers(day) and _judged(proc, x)]
        reasons = _judge(ev, day, in_force, counts)
        if reasons:
            period.outside += 1
            for reason in reasons:
                period.by_kind[reason.kind] = period.by_kind.get(reason.kind, 0) + 1
            out.append(Breach(case.id, i, day, ev.time, ev.channel, tuple(reasons)))
    return BreachReport(out, periods)


def _periods(derived: Timeline, proc: Procedure) -> list[PeriodSummary]:
    out = []
    steps = derived.steps
    for k, step in enumerate(steps):
        st = step.rules(proc).states.get(step.to_state)
        if st is None or st.kind not in ACTIVE_KINDS:
            continue
        end = steps[k + 1].decision.date - timedelta(days=1) if k + 1 < len(steps) else None
        out.append(PeriodSummary(step.index, step.to_state, step.decision.date, end))
    # Two decisions on one day: the later one's arrangements apply.
    return [x for x in out if x.end is None or x.end >= x.start]


def _judged(proc: Procedure, x: InForce) -> bool:
    """Whether contacts are judged against this restriction: not when its measure says
    ``breach_check: none``, nor a declared measure without a check."""
    measure = proc.measures.get(x.restriction.type)
    check = measure.breach_check if measure is not None else None
    if check == "none":
        return False
    return not isinstance(x.restriction, r.Declared) or check == "no-contact"


def _judge(
    ev: ContactLogged,
    day: date,
    in_force: list[InForce],
    counts: dict[tuple[int, object], int],
) -> list[Reason]:
    reasons: list[Reason] = []
    recipients: set[str] = set()
    spoc: list[r.Spoc] = []
    slots: list[r.TimeSlot] = []
    for x in in_force:
        res = x.restriction
        if isinstance(res, r.Spoc):
            spoc.append(res)
            recipients.add(res.officer)
        elif isinstance(res, r.ServiceException):
            recipients.add(res.officer)
        elif isinstance(res, r.EmailDiverted):
            recipients.add(res.to)
        elif isinstance(res, r.TimeSlot):
            if res.channel is None or res.channel == ev.channel:
                slots.append(res)
        elif isinstance(res, r.Channels):
            if ev.channel not in res.allowed:
                reasons.append(
                    Reason(
                        "wrong-channel",
                        res.type,
                        f"by {ev.channel}; only {', '.join(res.allowed)} allowed",
                    )
                )
        elif isinstance(res, r.EmailBlocked):
            if ev.channel in EMAIL_CHANNELS:
                reasons.append(Reason("wrong-channel", res.type, "by e-mail, which is blocked"))
        elif isinstance(res, r.Volume):
            if res.channel is None or res.channel == ev.channel:
                iso = day.isocalendar()
                bucket = (iso[0], iso[1]) if res.per == "week" else (day.year, day.month)
                key = (id(x), bucket)
                counts[key] += 1
                if counts[key] > res.max:
                    on = f" by {res.channel}" if res.channel else ""
                    reasons.append(
                        Reason(
                            "over-quota",
                            res.type,
                            f"contact {counts[key]}{on} this calendar {res.per}; "
                            f"at most {res.max} allowed",
                        )
                    )
        elif isinstance(res, r.Declared):
            # Only declared measures with breach_check: no-contact reach here (_judged).
            reasons.append(Reason("no-contact", res.type, f"during {res.type}"))
        elif isinstance(res, r.NoContact):
            reasons.append(
                Reason("no-contact", res.type, f"during the no-contact period to {res.end}")
            )
        elif isinstance(res, r.ClosedTopic):
            if ev.topic is not None and ev.topic.strip().casefold() == res.topic.casefold():
                reasons.append(
                    Reason("closed-topic", res.type, f"about {res.topic}, a closed matter")
                )
        elif isinstance(res, r.CallLength) and ev.minutes is not None and ev.minutes > res.minutes:
            reasons.append(
                Reason("call-length", res.type, f"lasted {ev.minutes} minutes; limit {res.minutes}")
            )
    if spoc and ev.to not in recipients:
        reasons.append(
            Reason(
                "wrong-recipient",
                "spoc",
                f"to {ev.to}, not the single point of contact "
                f"({', '.join(s.officer for s in spoc)})",
            )
        )
    if slots and ev.time is not None and not any(_in_slot(s, day, ev.time) for s in slots):
        allowed = "; ".join(f"{','.join(s.days)} {s.start_time}-{s.end_time}" for s in slots)
        reasons.append(
            Reason(
                "outside-slot",
                "time-slot",
                f"at {WEEKDAYS[day.weekday()]} {ev.time}; allowed {allowed}",
            )
        )
    return reasons


def _in_slot(slot: r.TimeSlot, day: date, time: str) -> bool:
    # HH:MM strings compare in time order; the slot includes its start and excludes its end.
    return WEEKDAYS[day.weekday()] in slot.days and slot.start_time <= time < slot.end_time
