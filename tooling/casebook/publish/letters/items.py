"""Filling each mandatory letter item (``casebook.letter_items``) from a case.

A resolver returns the item's value, or :class:`Missing` saying why it cannot be filled and how
to fix the record. The same resolvers serve `casebook check` (rule ``letter-content``: a letter
whose mandatory content the case cannot supply is an error) and rendering (a letter is never
written without its mandatory content).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from casebook.engine.replay import add_period
from casebook.model import ENDED_KINDS, Person, Restriction
from casebook.model import restrictions as r
from casebook.model.case import ContactLogged, ReviewHeld
from casebook.model.letter_items import LETTER_ITEMS
from casebook.publish.letters import phrases
from casebook.publish.letters.source import LetterSource


@dataclass(frozen=True, slots=True)
class Missing:
    """Why an item cannot be filled, and what to change so that it can."""

    reason: str
    fix: str


@dataclass(frozen=True, slots=True)
class Officer:
    id: str
    name: str
    job_title: str | None
    email: str | None
    phone: str | None
    address: tuple[str, ...]  # empty: the council's address


@dataclass(frozen=True, slots=True)
class Span:
    start: date
    end: date | None
    length: str | None  # "three months" when the procedure's default applies


@dataclass(frozen=True, slots=True)
class Duration:
    end: date | None  # a definite end
    review_by: date | None  # otherwise: the next review
    review_every: str | None  # "three months"


@dataclass(frozen=True, slots=True)
class Impact:
    contacts: tuple[str, ...]  # "40 e-mails (in 14 days)"
    account: str


@dataclass(frozen=True, slots=True)
class Outcome:
    label: str  # what the council may decide next
    when: str | None  # the condition in the published text


@dataclass(frozen=True, slots=True)
class Sanction:
    label: str
    state: str
    arrangements: tuple[str, ...]
    end: date | None


@dataclass(frozen=True, slots=True)
class ReviewResult:
    held: date | None  # the review recorded before the decision (or after it), if any
    outcome: str | None  # continue | change | close
    # The review came after the decision and none followed it: the arrangements continue
    # unchanged (a scheduled review that changed nothing).
    unchanged: bool
    decided: date  # the decision that is the outcome
    label: str  # what was decided
    state: str  # the state the case is now in
    ended: bool  # the arrangements have ended
    end: date | None  # when the arrangements now end


@dataclass(frozen=True, slots=True)
class Expectations:
    asks: tuple[str, ...]  # from the restrictions: "contact us only through ..."
    stop: tuple[str, ...]  # the behaviours the person is asked to stop


@dataclass(frozen=True, slots=True)
class Enclosure:
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class ContactArrangements:
    """The decision's restrictions sorted for the person, each line in the words ``actions``
    uses. ``who``, ``how`` and ``when`` are the arrangements the procedures ask for ("who they
    can contact, how and when"); ``other`` is every other restriction of the decision (a
    council's own measure types) except the councillor arrangement, which is the
    ``councillor-arrangements`` item. A template that prints who, how, when and other, and the
    councillor item when the case has one, has said every restriction once."""

    who: tuple[str, ...]
    how: tuple[str, ...]
    when: tuple[str, ...]
    other: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ombudsman:
    name: str
    website: str
    phone: str | None
    address: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Access:
    routes: tuple[str, ...]


_HOW = (
    r.Channels,
    r.EmailBlocked,
    r.ClosedTopic,
    r.CallScript,
    r.NoContact,
    r.ThirdPartyPresent,
    r.DesignatedPremises,
    r.Agreement,
)

Value = object
Resolver = Callable[[LetterSource], "Value | Missing"]


def _decision_fix(src: LetterSource) -> str:
    return f"record the decision before the letter: run casebook log decision {src.case.id} ..."


def _restrictions(src: LetterSource) -> list[Restriction]:
    return list(src.job.step.decision.restrictions) if src.job.step else []


def _people(src: LetterSource) -> dict[str, Person]:
    return src.person_by_id


def _channels(src: LetterSource) -> dict[str, str]:
    return {c.id: c.label for c in src.procedure.channels}


def _arrangements(src: LetterSource) -> tuple[str, ...]:
    people, channels = _people(src), _channels(src)
    return tuple(
        phrases.arrangement(x, people, channels, src.decision_date, src.procedure.measures)
        for x in _restrictions(src)
    )


def officer(people: dict[str, Person], pid: str) -> Officer | Missing:
    p = people.get(pid)
    if p is None:
        return Missing(f"{pid!r} is not in policy/people.yaml", f"add {pid} to policy/people.yaml")
    if not p.email and not p.phone:
        return Missing(
            f"{p.name} ({pid}) has no e-mail address or telephone number",
            f"add email or phone for {pid} in policy/people.yaml",
        )
    return Officer(
        p.id, p.name, p.job_title, str(p.email) if p.email else None, p.phone, tuple(p.address)
    )


def behaviour_of_concern(src: LetterSource) -> Value | Missing:
    labels = {b.id: b.label for b in src.taxonomy.behaviours}
    found = [labels[b] for b in src.case.referral.behaviours if b in labels]
    if not found:
        return Missing(
            "the referral names no behaviour from policy/behaviours.yaml",
            "list the behaviours under referral.behaviours",
        )
    return tuple(found)


def why_unacceptable(src: LetterSource) -> Value | Missing:
    if src.job.step is None:
        return Missing("no decision precedes the letter", _decision_fix(src))
    return src.job.step.decision.reasons


def service_impact(src: LetterSource) -> Value | Missing:
    """The account and "Our records show": the counts the referral recorded (``referral.
    contacts``: "Telephone: 30 in one week"). Contacts logged one by one are a partial record
    (whoever remembered to log them), so they are counted only for a channel the referral gives
    no figure for, and said to be what was logged: "E-mail: 4 logged since 2 March 2026" never
    stands beside "about 30 calls" as if it were the whole story."""
    channels = _channels(src)
    lines = []
    counted = set()
    for c in src.case.referral.contacts:
        label = channels.get(c.channel, c.channel)
        during = f" in {c.period}" if c.period else ""
        lines.append(f"{label}: {c.count}{during}")
        counted.add(c.channel)
    before = src.job.step.index if src.job.step else len(src.case.events)
    logged: dict[str, int] = {}
    for ev in src.case.events[:before]:
        if isinstance(ev, ContactLogged) and ev.direction == "in" and ev.channel not in counted:
            logged[ev.channel] = logged.get(ev.channel, 0) + 1
    if logged:
        since = phrases.long_date(src.case.referral.date)
        for ch, n in logged.items():
            lines.append(f"{channels.get(ch, ch)}: {n} logged since {since}")
    # The referral's account is required by the schema: it is the evidence when there are
    # no numbers (abuse, threats), and the numbers add to it when there are. It is quoted to
    # the person, and `casebook new --account` says so.
    return Impact(tuple(lines), src.case.referral.account)


def expectations(src: LetterSource) -> Value | Missing:
    people, channels = _people(src), _channels(src)
    asks = [
        e
        for x in _restrictions(src)
        if (
            e := phrases.expectation(x, people, channels, src.decision_date, src.procedure.measures)
        )
        is not None
    ]
    labels = {b.id: b.label for b in src.taxonomy.behaviours}
    stop = [labels[b] for b in src.case.referral.behaviours if b in labels]
    if not asks and not stop:
        return Missing(
            "neither the decision's restrictions nor the referral's behaviours say what the "
            "person is asked to change",
            "list the behaviours under referral.behaviours, or record what is expected as "
            "restrictions on the decision (e.g. spoc, channels, volume or an agreement)",
        )
    return Expectations(tuple(asks), tuple(stop))


def final_position(src: LetterSource) -> Value | Missing:
    """The council's final position on the issues the person raises: the decision's
    ``final_position`` (text 002: "Wherever possible, the customer will be informed of the
    Council's final position on the issue/s they are raising")."""
    step = src.job.step
    if step is None:
        return Missing("no decision precedes the letter", _decision_fix(src))
    if not step.decision.final_position:
        return Missing(
            "the decision does not record the council's final position on the issues the "
            "person raises",
            "add final_position: (the council's position, or why none can be given yet and "
            "when it will be) to the decision",
        )
    return phrases.full_stop(step.decision.final_position)


def actions(src: LetterSource) -> Value | Missing:
    step = src.job.step
    if step is None:
        return Missing("no decision precedes the letter", _decision_fix(src))
    found = _arrangements(src)
    if found:
        return found
    # A decision that imposes no restriction says what it does in the procedure's own words
    # (a warning is itself the action); where the procedure gives none, the letter cannot say.
    state = src.procedure.states.get(step.to_state)
    if state is not None and state.letter_action is not None:
        return (state.letter_action.text,)
    return Missing(
        f"the decision (to {step.to_state!r}) records no restrictions, so the letter cannot "
        "say what action is taken",
        "list the restrictions in force under the decision's restrictions",
    )


def _end(src: LetterSource) -> date | None:
    step = src.job.step
    if step is None:
        return None
    end = src.period_end(step)
    if end is None:
        ends = [x.end for x in step.decision.restrictions if x.end]
        end = max(ends) if ends else None
    return end


def duration(src: LetterSource) -> Value | Missing:
    step = src.job.step
    if step is None:
        return Missing("no decision precedes the letter", _decision_fix(src))
    end = _end(src)
    if end is not None:
        return Duration(end, None, None)
    state = src.procedure.states.get(step.to_state)
    if state is not None and state.review is not None:
        review_by = add_period(step.decision.date, state.review.every)
        limit = state.review.latest or state.review.every
        return Duration(None, review_by, phrases.period_words(limit))
    return Missing(
        f"state {step.to_state!r} has no period or review, and the decision sets no end",
        "set 'until' on the decision (or an 'end' on its restrictions)",
    )


def monitoring_period(src: LetterSource) -> Value | Missing:
    step = src.job.step
    if step is None:
        return Missing("no decision precedes the letter", _decision_fix(src))
    state = src.procedure.states.get(step.to_state)
    end = src.period_end(step)
    if end is None:
        return Missing(
            f"state {step.to_state!r} has no monitoring period and the decision sets no end",
            "set 'until' on the decision to the last day of monitoring",
        )
    length = None
    if step.decision.until is None and state is not None and state.period is not None:
        length = phrases.period_words(state.period)
    return Span(src.period_start(step) or step.decision.date, end, length)


def spoc(src: LetterSource) -> Value | Missing:
    if src.job.step is None:
        return Missing("no decision precedes the letter", _decision_fix(src))
    found = [x for x in _restrictions(src) if isinstance(x, r.Spoc)]
    if not found:
        return Missing(
            "the decision names no single point of contact",
            "add a restriction {type: spoc, officer: <person id>} to the decision",
        )
    return officer(_people(src), found[0].officer)


def contact_arrangements(src: LetterSource) -> Value | Missing:
    people, channels = _people(src), _channels(src)
    who: list[str] = []
    how: list[str] = []
    when: list[str] = []
    other: list[str] = []
    for x in _restrictions(src):
        line = phrases.arrangement(x, people, channels, src.decision_date, src.procedure.measures)
        if isinstance(x, r.Spoc | r.EmailDiverted | r.AdvocateOnly | r.ServiceException):
            who.append(line)
        elif isinstance(x, _HOW):
            how.append(line)
        elif isinstance(x, r.Volume | r.TimeSlot | r.CallLength | r.ResponseSchedule):
            when.append(line)
        elif not isinstance(x, r.CouncillorArrangement):  # that one is its own item
            other.append(line)
    if not (who or how or when):
        return Missing(
            "the decision records no restriction saying who the person may contact, how or when",
            "list the restrictions (e.g. spoc, channels, time-slot) under the decision",
        )
    return ContactArrangements(tuple(who), tuple(how), tuple(when), tuple(other))


def possible_outcomes(src: LetterSource) -> Value | Missing:
    step = src.job.step
    if step is None:
        return Missing("no decision precedes the letter", _decision_fix(src))
    states = src.procedure.states
    found = []
    for t in src.procedure.transitions:
        target = states.get(t.to)
        if step.to_state in t.from_ and target is not None and target.kind not in ENDED_KINDS:
            found.append(Outcome(t.label, t.when))
    if not found:
        return Missing(
            f"procedure {src.procedure.id} allows no further step from {step.to_state!r} "
            "other than closing the case",
            f"add the sanctions that may follow {step.to_state!r} as transitions in "
            f"policy/procedures/{src.procedure.id}.yaml",
        )
    return tuple(found)


def sanction(src: LetterSource) -> Value | Missing:
    step = src.job.step
    if step is None:
        return Missing("no decision precedes the letter", _decision_fix(src))
    state = src.procedure.states.get(step.to_state)
    if step.transition is None or state is None or state.kind in ENDED_KINDS:
        return Missing(
            f"the decision before the letter (to {step.to_state!r}) does not apply a sanction",
            "record the sanction decision before the letter",
        )
    arrangements = _arrangements(src)
    end = _end(src)
    if not arrangements and end is None:
        return Missing(
            "the sanction decision records neither restrictions nor an end date",
            "list the restrictions in force under the decision, or set 'until'",
        )
    return Sanction(step.transition.label, state.label, arrangements, end)


def review_outcome(src: LetterSource) -> Value | Missing:
    step = src.job.step
    if step is None:
        return Missing("no decision precedes the letter", _decision_fix(src))
    # The review that led to the decision, if one is recorded after the decision before it.
    earlier = [s.index for s in src.job_steps if s.index < step.index]
    since = earlier[-1] if earlier else -1
    before = src.job.event_index if src.job.event_index is not None else len(src.case.events)
    reviews = [
        e for i, e in enumerate(src.case.events[:before]) if i > since and isinstance(e, ReviewHeld)
    ]
    state = src.procedure.states.get(step.to_state)
    last = max(
        (
            i
            for i, e in enumerate(src.case.events[:before])
            if i > since and isinstance(e, ReviewHeld)
        ),
        default=None,
    )
    return ReviewResult(
        reviews[-1].date if reviews else None,
        reviews[-1].outcome if reviews else None,
        last is not None and last > step.index,
        step.decision.date,
        step.transition.label if step.transition else step.to_state,
        state.label if state else step.to_state,
        state is not None and state.kind in ENDED_KINDS,
        _end(src),
    )


def thanks(src: LetterSource) -> Value | Missing:
    step = src.job.step
    if step is None:
        return Missing("no decision precedes the letter", _decision_fix(src))
    state = src.procedure.states.get(step.to_state)
    if state is None or state.kind not in ENDED_KINDS:
        return Missing(
            f"the case is still in {step.to_state!r}; a thank-you letter follows the decision "
            "that ends monitoring",
            "record the decision that closes the case before the letter",
        )
    return step.decision.date


def policy_copy(src: LetterSource) -> Value | Missing:
    if not src.published or not src.published.strip():
        return Missing(
            f"the published text policy/published/{src.procedure.text} cannot be read",
            "put the published procedure under policy/published/",
        )
    return Enclosure(src.procedure.title, src.published)


def how_to_challenge(src: LetterSource) -> Value | Missing:
    # The procedure's `appeal` is a note for the governance team; the words a person reads are
    # the procedure's `challenge.route` (York: "explain how they can challenge this decision"),
    # else the council's complaints route, which the letterhead states once.
    challenge = src.procedure.challenge
    if challenge is not None and challenge.route:
        return challenge.route
    lh = src.letterhead
    if lh is None or not lh.complaints:
        return Missing(
            "the council's complaints route is not configured",
            f"add 'challenge: {{route: ...}}' to policy/procedures/{src.procedure.id}.yaml, or "
            "'complaints:' (how to complain about a decision) to "
            "policy/letterhead/letterhead.yaml",
        )
    return lh.complaints


def ombudsman(src: LetterSource) -> Value | Missing:
    # Which ombudsman is the procedure's (`challenge.ombudsman`: LGSCO in England, PSOW in
    # Wales ...); its address is the letterhead's `ombudsmen:` entry. Without one, the
    # letterhead's single `ombudsman`.
    lh = src.letterhead
    challenge = src.procedure.challenge
    which = challenge.ombudsman if challenge is not None else None
    if which is not None:
        o = lh.ombudsmen.get(which) if lh is not None else None
        if o is None:
            return Missing(
                f"{src.procedure.id} names the ombudsman {which!r}, whose details are not "
                "configured",
                f"add 'ombudsmen: {{{which}: {{name, website, phone}}}}' to "
                "policy/letterhead/letterhead.yaml",
            )
    elif lh is None or lh.ombudsman is None:
        return Missing(
            "no ombudsman is configured",
            "add 'ombudsman:' (name, website, phone) to policy/letterhead/letterhead.yaml",
        )
    else:
        o = lh.ombudsman
    return Ombudsman(o.name, o.website, o.phone, tuple(o.address))


def statutory_rights(src: LetterSource) -> Value | Missing:
    # A statement of law the template makes; nothing in the case can take it away.
    return True


def how_to_access_services(src: LetterSource) -> Value | Missing:
    people, channels = _people(src), _channels(src)
    routes = [
        phrases.arrangement(x, people, channels, src.decision_date, src.procedure.measures)
        for x in _restrictions(src)
        if isinstance(x, r.Spoc | r.Channels | r.EmailDiverted | r.AdvocateOnly)
    ]
    lh = src.letterhead
    if lh is not None and lh.website:
        routes.append(f"You can also ask for council services through our website, {lh.website}.")
    if not routes:
        return Missing(
            "neither the decision nor the letterhead says how to ask for services",
            "add a spoc or channels restriction, or 'website:' to "
            "policy/letterhead/letterhead.yaml",
        )
    return Access(tuple(routes))


def councillor_arrangements(src: LetterSource) -> Value | Missing:
    found = [x for x in _restrictions(src) if isinstance(x, r.CouncillorArrangement)]
    if not found:
        return Missing(
            "the decision records no arrangement for contacting councillors",
            "add a restriction {type: councillor-arrangement, summary: ...} to the decision",
        )
    # Every one of them: a decision may make more than one (the ward councillor by letter, a
    # cabinet member through their office), and the letter must say each restriction.
    return " ".join(phrases.full_stop(x.summary) for x in found)


RESOLVERS: dict[str, Resolver] = {
    "behaviour-of-concern": behaviour_of_concern,
    "why-unacceptable": why_unacceptable,
    "service-impact": service_impact,
    "expectations": expectations,
    "final-position": final_position,
    "actions": actions,
    "duration": duration,
    "monitoring-period": monitoring_period,
    "spoc": spoc,
    "contact-arrangements": contact_arrangements,
    "possible-outcomes": possible_outcomes,
    "sanction": sanction,
    "review-outcome": review_outcome,
    "thanks": thanks,
    "policy-copy": policy_copy,
    "how-to-challenge": how_to_challenge,
    "ombudsman": ombudsman,
    "statutory-rights": statutory_rights,
    "how-to-access-services": how_to_access_services,
    "councillor-arrangements": councillor_arrangements,
}
assert set(RESOLVERS) == set(LETTER_ITEMS), "every letter item needs a resolver"


def resolve_all(src: LetterSource) -> tuple[dict[str, Value], dict[str, Missing]]:
    """Every item of the vocabulary: the values that could be filled, and the rest."""
    values: dict[str, Value] = {}
    missing: dict[str, Missing] = {}
    for name, resolver in RESOLVERS.items():
        got = resolver(src)
        if isinstance(got, Missing):
            missing[name] = got
        else:
            values[name] = got
    return values, missing
