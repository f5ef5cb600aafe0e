"""Deriving a case's state from its history: pure functions of (procedure, case, as_of)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel

from casebook.engine.clocks import add_length, show_length
from casebook.model import (
    ACTIVE_KINDS,
    Case,
    Decision,
    Person,
    Procedure,
    Restriction,
    Transition,
)
from casebook.model.case import (
    Appeal,
    AppealOutcomeEvent,
    ContactLogged,
    LetterSent,
    Meeting,
    Note,
    Notification,
    Representation,
    ReviewHeld,
)
from casebook.model.procedure import Period
from casebook.model.restrictions import NoContact
from casebook.model.textmatch import NameFinder, name_finder


def add_period(start: date, period: Period, nation: str | None = None) -> date:
    """``start`` plus ``period`` (``clocks.add_length``); working days skip ``nation``'s
    bank holidays (England when None)."""
    return add_length(start, period, nation)


def show_period(p: Period) -> str:
    """``3 months``, ``1 month and 14 days``, ``10 working days``."""
    return show_length(p)


@dataclass(frozen=True, slots=True)
class Step:
    """One decision replayed against the procedure.

    An appeal outcome that changes something (``varied``, ``lifted``) is a step too, so that
    everything reading the timeline follows it: ``index`` is the ``appeal-outcome`` event,
    ``outcome`` its outcome, ``decision`` a decision made from it (its date, ``heard_by`` as
    ``decided_by``, the restrictions from then on), ``transition`` None (the move is the
    appeal's, not one of the procedure's transitions) and ``base`` the step whose period the
    case is back in or still in (lifted: the decision before the one under appeal; varied:
    the decision under appeal), used when the outcome sets no ``until`` of its own.
    """

    index: int  # position in case.events
    decision: Decision
    from_state: str
    to_state: str
    transition: Transition | None  # None when the procedure does not allow this move
    outcome: str | None = None  # "varied" or "lifted": a step made by an appeal outcome
    base: Step | None = None
    # The version of the procedure in force on the decision's date, which judges it
    # (``Procedure.at``); None: the procedure as loaded (it has no versions).
    under: Procedure | None = None

    def rules(self, proc: Procedure) -> Procedure:
        """The procedure this step is judged under: ``under``, else ``proc``."""
        return self.under if self.under is not None else proc


@dataclass(frozen=True, slots=True)
class Derived:
    state: str
    since: date
    steps: tuple[Step, ...]

    @property
    def last(self) -> Step | None:
        return self.steps[-1] if self.steps else None


def derive(case: Case, proc: Procedure, as_of: date | None = None) -> Derived:
    """Replay the decisions dated on or before ``as_of`` (all when None)."""
    state, since = proc.initial, case.referral.date
    steps: list[Step] = []
    for i, event in enumerate(case.events):
        if isinstance(event, AppealOutcomeEvent):
            if as_of is not None and event.date > as_of:
                break
            step = _outcome_step(case, i, event, state, steps, _under(proc, event.date))
            if step is not None:
                steps.append(step)
                if step.to_state in proc.states:
                    state, since = step.to_state, event.date
            continue
        if not isinstance(event, Decision):
            continue
        if as_of is not None and event.date > as_of:
            break
        under = _under(proc, event.date)
        transition = (under or proc).transition(state, event.to)
        steps.append(Step(i, event, state, event.to, transition, under=under))
        if event.to in proc.states or (under is not None and event.to in under.states):
            state, since = event.to, event.date
    return Derived(state, since, tuple(steps))


def _under(proc: Procedure, day: date) -> Procedure | None:
    """The version in force on ``day``, when the procedure has versions."""
    return proc.at(day) if proc.versions else None


def appealed_step(case: Case, appeal_index: int, steps: Iterable[Step]) -> Step | None:
    """The decision step ``events[appeal_index]`` (an ``appeal``) is against, if it is one."""
    appeal = case.events[appeal_index] if appeal_index < len(case.events) else None
    if not isinstance(appeal, Appeal):
        return None
    return next((s for s in steps if s.index == appeal.against and s.outcome is None), None)


def _outcome_step(
    case: Case,
    index: int,
    ev: AppealOutcomeEvent,
    state: str,
    steps: list[Step],
    under: Procedure | None,
) -> Step | None:
    """The step an appeal outcome makes (None: upheld, or not against a decision: `check`
    reports the latter). Lifted: back to the state before the decision under appeal, with the
    restrictions of the decision that had put the case there. Varied: the same state, with the
    outcome's restrictions."""
    if ev.outcome == "upheld":
        return None
    appealed = appealed_step(case, ev.appeal, steps)
    if appealed is None:
        return None
    if ev.outcome == "lifted":
        before = [s for s in steps if s.index < appealed.index]
        base = before[-1] if before else None
        to = appealed.from_state
        restrictions = list(base.decision.restrictions) if base is not None else []
        until = base.decision.until if base is not None else None
    else:
        base, to = appealed, appealed.to_state
        restrictions, until = list(ev.restrictions), ev.until
    decision = Decision.model_construct(
        type="decision",
        date=ev.date,
        corrects=None,
        departure=ev.departure,
        to=to,
        decided_by=list(ev.heard_by),
        consulted=[],
        reasons=f"Appeal {ev.outcome}: {ev.reasons}",
        restrictions=restrictions,
        until=until,
        approved_in=ev.approved_in,
        prior_step_waived=None,
        exceptional=None,
        waived=[],
    )
    return Step(index, decision, state, to, None, ev.outcome, base, under)


@dataclass(frozen=True, slots=True)
class InForce:
    """One restriction and the days it is in force (both ends inclusive)."""

    restriction: Restriction
    start: date
    end: date | None  # None: until a further decision
    step: Step

    def covers(self, on: date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)


def restriction_intervals(
    derived: Derived, proc: Procedure, period_end: Callable[[Step], date | None]
) -> list[InForce]:
    """Every restriction each decision imposed, with the days it was (or is) in force.

    A decision states the complete set of restrictions from its date; the next decision
    replaces the set, so each restriction ends at the latest the day before the next decision,
    or earlier at its own ``end``. A decision into a state of kind ``no-contact`` that names no
    ``no-contact`` restriction implies one for the state's period (the period is the point of
    the state). Decisions into states that are not active (referral, closed, dormant) impose
    nothing. Sorted by start date.
    """
    out: list[InForce] = []
    steps = derived.steps
    for k, step in enumerate(steps):
        st = step.rules(proc).states.get(step.to_state)
        if st is None or st.kind not in ACTIVE_KINDS:
            continue
        d = step.decision
        window_end = steps[k + 1].decision.date - timedelta(days=1) if k + 1 < len(steps) else None
        restrictions: list[Restriction] = list(d.restrictions)
        if st.kind == "no-contact" and not any(isinstance(r, NoContact) for r in restrictions):
            end = period_end(step)
            if end is not None:
                restrictions.append(NoContact(type="no-contact", start=d.date, end=end))
        for r in restrictions:
            start = max(r.start or d.date, d.date)
            end = _earliest(r.end, window_end)
            if end is not None and end < start:
                continue  # replaced before it began
            out.append(InForce(r, start, end, step))
    out.sort(key=lambda x: x.start)
    return out


def _earliest(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def people_in_event(event: object) -> list[str]:
    """Person ids an event names (for independence checks and cross references)."""
    if isinstance(event, Decision):
        ids = [*event.decided_by, *event.consulted]
        for r in event.restrictions:
            for attr in ("officer", "to"):
                value = r.field(attr)
                if isinstance(value, str):
                    ids.append(value)
        return ids
    if isinstance(event, LetterSent | Note | Notification):
        return [event.by]
    if isinstance(event, ReviewHeld):
        return [*event.by, *event.consulted]
    if isinstance(event, Meeting):
        return list(event.attendees)
    if isinstance(event, Representation):
        return [event.considered_by] if event.considered_by else []
    if isinstance(event, AppealOutcomeEvent):
        return list(event.heard_by)
    if isinstance(event, ContactLogged):
        return [event.to]
    return []


def involved_before(
    case: Case, index: int, people: Mapping[str, Person] | None = None
) -> dict[str, str]:
    """Who appears in the case before event ``index``, and where (for messages).

    With ``people`` (policy/people.yaml by id), also everyone named in the free text of the
    referral or of those events, by their name or id ("a note: Ngozi Okonjo has discussed the
    matter with the customer"): "no prior knowledge of the customer/issue" is judged over the
    whole record, not its structured fields only (``named_in_text``)."""
    seen: dict[str, str] = {case.referral.by: "referral.by"}
    if case.referral.reported_by is not None:
        seen.setdefault(case.referral.reported_by, "referral.reported_by")
    for pid in case.officers:
        seen.setdefault(pid, "officers")
    for i, event in enumerate(case.events[:index]):
        for pid in people_in_event(event):
            if pid not in seen:  # the label only for someone new: most events name the same few
                seen[pid] = f"events[{i}]"
    # Retention flags are not events, but whoever recorded or lifted one before the decision
    # (a legal hold, a complaint in progress) knew of the case, and so may anyone its reason
    # names.
    before = case.events[index].date if index < len(case.events) else None
    flags = [
        (i, flag)
        for i, flag in enumerate(case.retention_flags)
        if before is None or flag.recorded < before
    ]
    for i, flag in flags:
        seen.setdefault(flag.by, f"retention_flags[{i}].by")
        if flag.lifted is not None and (before is None or flag.lifted.date < before):
            seen.setdefault(flag.lifted.by, f"retention_flags[{i}].lifted")
    if people:
        for pid, where in named_in_text(case, index, people).items():
            seen.setdefault(pid, where)
        finder = name_finder(tuple((pid, (p.name, pid)) for pid, p in people.items()))
        for i, flag in flags:
            for pid in sorted(finder.find(flag.reason)):
                seen.setdefault(pid, f"retention_flags[{i}] (named in its text)")
    return seen


def _strings(value: object, out: list[str]) -> list[str]:
    """Every string in a record model's fields (nested models, lists, mappings), in field
    order, appended to ``out``: the texts ``model_dump`` would give, read from the models
    themselves (the record models have no computed fields or serialisers) instead of copying
    every event into dicts first. Dates and numbers are skipped: no name is in them.

    The free-text scan walks every event before each judged decision of every case (dumping
    and walking the dumps was a tenth of a cold check; issue 14)."""
    if isinstance(value, str):
        out.append(value)
        return out
    items: Iterable[object]
    if isinstance(value, BaseModel):
        items = vars(value).values()  # a pydantic model keeps its fields' values here
    elif isinstance(value, dict):
        items = value.values()
    elif isinstance(value, list | tuple):
        items = value
    else:
        return out
    for v in items:
        if isinstance(v, str):
            out.append(v)
        elif v is not None and not isinstance(v, _SCALARS):
            _strings(v, out)
    return out


_SCALARS = (date, int, float, bool)  # a tuple, not a union type: built once


def named_in_text(case: Case, index: int, people: Mapping[str, Person]) -> dict[str, str]:
    """People of ``people`` named by name or id (``textmatch.name_forms``) in any text of the
    referral or of ``case.events[:index]``, with where the first mention is
    ("referral (named in its text)", "events[3] (named in its text)")."""
    finder = name_finder(tuple((pid, (p.name, pid)) for pid, p in people.items()))
    found: dict[str, str] = {}
    wheres = ["referral", *(f"events[{i}]" for i in range(index))]
    for where, named in zip(wheres, _mentions(case, finder, index), strict=False):
        for pid in sorted(named):
            found.setdefault(pid, f"{where} (named in its text)")
    return found


# The mentions of the last case asked about: its approvals are judged one after another, each
# over every earlier event, and scanning the record again for each was a sixth of a cold check
# (issue 14). Keyed by the record itself (held, so its id cannot be reused), its number of
# events and the finder; grown only as far as asked (events after the last decision are never
# read).
_LAST: list[tuple[Case, int, NameFinder, list[set[str]]]] = []


def _mentions(case: Case, finder: NameFinder, index: int) -> list[set[str]]:
    """Who each part of the record up to ``events[index - 1]`` names: the referral, then each
    event in order (the list may run further)."""
    named: list[set[str]] = []
    if _LAST:
        last, count, last_finder, known = _LAST[0]
        if last is case and count == len(case.events) and last_finder is finder:
            named = known
    if not named:
        named.append(finder.find(*_strings(case.referral, [])))
    for ev in case.events[len(named) - 1 : index]:
        named.append(finder.find(*_strings(ev, [])))
    _LAST[:] = [(case, len(case.events), finder, named)]
    return named
