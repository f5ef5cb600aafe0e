"""What a member of staff must do when a person under the procedure contacts them.

Generated from the restrictions in force; used by the staff site's handling cards and by the
"all staff" notification. Only what staff need: who the person is, what is restricted, whom to
pass contact to, what to say, and what to do in an emergency. No behaviour history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from casebook.engine.timeline import Timeline
from casebook.model import ACTIVE_KINDS, Person, Procedure, Restriction
from casebook.model import restrictions as r
from casebook.model.procedure import Measure
from casebook.publish.wording import fill_wording, name_of

DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}

# Generic safety advice for every card. What the council does next (reports to the police,
# refers to adult social care) is the procedure's own: ``staff_card.emergency``.
EMERGENCY = (
    "If anyone is in immediate danger, or the person threatens violence, call 999 and then "
    "tell your manager."
)


@dataclass(frozen=True, slots=True)
class Officer:
    name: str
    job_title: str | None
    email: str | None
    phone: str | None


@dataclass(frozen=True, slots=True)
class HandlingCard:
    case_id: str
    procedure: str
    name: str
    known_as: tuple[str, ...]
    identifiers: tuple[str, ...]
    state: str
    since: date
    spoc: Officer | None
    restrictions: tuple[str, ...]  # one plain-English line per restriction in force
    exceptions: tuple[str, ...]  # designated officers who may still correspond
    what_to_do: tuple[str, ...]  # the steps staff take
    what_to_say: str
    emergency: str


def handling_card(tl: Timeline, people: dict[str, Person]) -> HandlingCard | None:
    """The card for a case whose state is active on ``tl.as_of``; None otherwise."""
    case, proc, derived = tl.case, tl.procedure, tl
    if tl.as_of is None:
        raise ValueError("a handling card is as of a date")
    as_of = tl.as_of
    state = proc.states.get(derived.state)
    if state is None or state.kind not in ACTIVE_KINDS:
        return None
    in_force = tl.in_force(as_of)
    spoc = next((x for x in in_force if isinstance(x, r.Spoc)), None)
    diverted = next((x for x in in_force if isinstance(x, r.EmailDiverted)), None)
    contact_id = spoc.officer if spoc else (diverted.to if diverted else None)
    officer = _officer(people.get(contact_id)) if contact_id else None
    channels = {c.id: c.label for c in proc.channels}
    # Service exceptions are listed apart (``exceptions``), not as restrictions.
    lines = tuple(
        describe(x, people, channels, proc.measures)
        for x in in_force
        if not isinstance(x, r.ServiceException)
    )
    exceptions = tuple(
        f"{name_of(people, x.officer)} may go on corresponding about {x.matter}."
        for x in in_force
        if isinstance(x, r.ServiceException)
    )
    steps = _steps(in_force, officer, proc)
    say = _say(in_force, officer)
    card = proc.staff_card
    emergency = EMERGENCY + (f" {card.emergency}" if card and card.emergency else "")
    return HandlingCard(
        case_id=case.id,
        procedure=proc.title,
        name=case.person.name,
        known_as=tuple(case.person.known_as),
        identifiers=tuple(case.person.identifiers),
        state=state.label,
        since=derived.since,
        spoc=officer,
        restrictions=lines,
        exceptions=exceptions,
        what_to_do=steps,
        what_to_say=say,
        emergency=emergency,
    )


def _officer(p: Person | None) -> Officer | None:
    if p is None:
        return None
    return Officer(p.name, p.job_title, str(p.email) if p.email else None, p.phone)


def _until(x: Restriction) -> str:
    return f" until {x.end:%d %B %Y}" if x.end else ""


def describe(
    x: Restriction,
    people: dict[str, Person],
    channels: dict[str, str],
    measures: Mapping[str, Measure] | None = None,
) -> str:
    """One restriction in plain English, for staff: the procedure's ``measures.<type>.staff``
    wording where it gives one, else the built-in sentence for the type."""

    def ch(c: str) -> str:
        return channels.get(c, c).lower()

    measure = (measures or {}).get(x.type)
    if measure is not None and measure.staff:
        return fill_wording(measure.staff, x, _until(x), measure.values)
    text: str
    if isinstance(x, r.Declared):
        label = measure.label if measure else x.type
        text = f"{label}: {x.summary}" if x.summary else label
    elif isinstance(x, r.Spoc):
        text = f"Contact only through {name_of(people, x.officer)} (single point of contact)"
    elif isinstance(x, r.Channels):
        allowed = [ch(c) for c in x.allowed]
        text = "Contact only by " + " or ".join(
            filter(None, [", ".join(allowed[:-1]), allowed[-1]])
        )
    elif isinstance(x, r.Volume):
        on = f" by {ch(x.channel)}" if x.channel else ""
        text = f"At most {x.max} contact{'s' if x.max != 1 else ''}{on} per {x.per}"
    elif isinstance(x, r.TimeSlot):
        days = ", ".join(DAY_NAMES[d] for d in x.days)
        on = f" by {ch(x.channel)}" if x.channel else ""
        text = f"Contact{on} only on {days}, {x.start_time} to {x.end_time}"
    elif isinstance(x, r.CallLength):
        text = f"Telephone calls and meetings limited to {x.minutes} minutes"
    elif isinstance(x, r.CallScript):
        to = f" and redirect the caller to {x.redirect_to}" if x.redirect_to else ""
        text = f"End calls politely using the agreed script{to}"
    elif isinstance(x, r.NoContact):
        text = "No contact with the council"
    elif isinstance(x, r.ClosedTopic):
        how = "acknowledged" if x.handling == "acknowledge" else "filed without reply"
        text = f"The matter of {x.topic} is closed: correspondence about it is read and {how}"
    elif isinstance(x, r.EmailDiverted):
        text = f"E-mails are diverted to {name_of(people, x.to)}"
    elif isinstance(x, r.EmailBlocked):
        text = "E-mails are blocked"
    elif isinstance(x, r.ResponseSchedule):
        text = f"Replies are sent once a {x.every} only"
    elif isinstance(x, r.AdvocateOnly):
        via = f" ({x.advocate})" if x.advocate else ""
        text = f"Contact only through an advocate{via}"
    elif isinstance(x, r.ThirdPartyPresent):
        text = "Meet in person only with a third party present"
    elif isinstance(x, r.DesignatedPremises):
        text = f"Meet in person only at {x.premises}"
    elif isinstance(x, r.ServiceException):
        text = f"{name_of(people, x.officer)} may go on corresponding about {x.matter}"
    elif isinstance(x, r.Agreement):
        text = f"Agreement about contact: {x.summary}"
    elif isinstance(x, r.CouncillorArrangement):
        text = f"Contact with councillors: {x.summary}"
    else:  # pragma: no cover - every type is handled above
        text = x.type
    return text + _until(x)


def _steps(
    in_force: list[Restriction], officer: Officer | None, proc: Procedure
) -> tuple[str, ...]:
    steps = []
    if any(isinstance(x, r.NoContact) for x in in_force):
        steps.append("Do not engage. Politely end the call or conversation.")
    if officer:
        reach = f" ({officer.email or officer.phone})" if officer.email or officer.phone else ""
        steps.append(f"Pass the contact to {officer.name}{reach}; do not reply yourself.")
    else:
        steps.append("Pass the contact to the governance team; do not reply yourself.")
    if any(isinstance(x, r.CallScript) for x in in_force):
        steps.append("On the telephone, use the agreed script to end the call.")
    # What staff do while a measure is in force, in the procedure's words (Text 004's "read
    # all correspondence" for a closed matter is Northamptonshire's, not every council's).
    for kind in dict.fromkeys(x.type for x in in_force):
        measure = proc.measures.get(kind)
        if measure is not None:
            steps.extend(s for s in measure.staff_steps if s not in steps)
    if proc.staff_card is not None:
        steps.extend(proc.staff_card.steps)
    steps.append(
        "Note the date, time, channel and a one-line summary, and send it to "
        + (f"{officer.name}." if officer else "the governance team.")
    )
    return tuple(steps)


def _say(in_force: list[Restriction], officer: Officer | None) -> str:
    if any(isinstance(x, r.NoContact) for x in in_force):
        return (
            "I'm sorry, the council has written to you about how it will handle contact "
            "from you. I can't help with this today. Goodbye."
        )
    who = officer.name if officer else "the officer named in the council's letter"
    return (
        f"The council has arranged that your contact is handled by {who}. "
        f"I will pass your message to them and they will respond. Thank you."
    )
