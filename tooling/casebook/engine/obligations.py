"""Obligations: what is due, by when, for which case. Derived, never stored.

``Obligation`` is the contract between the engine (which derives obligations from cases and
procedures), `casebook due`, `casebook check` and `casebook issues sync` (which opens one GitHub
issue per obligation and finds it again by ``key``).

Every clock in a procedure file becomes obligations here, and only here:

* ``monitoring-ends`` / ``no-contact-ends`` / ``dormant-from`` / ``period-ends``: a state with a
  ``period`` (or a decision with ``until``) must be followed by a decision when the period ends.
  The next decision meets it, whenever it comes ("three months, or less"). Where the procedure
  leads from a no-contact state back to monitoring ("invoked again ... for a further period of
  three months") the label says so.
* ``review``: a state with ``review`` is reviewed every ``review.every`` (``due``) and never later
  than ``review.latest`` (``latest``), counted from the decision for the first review and from
  the previous review after that. A review's ``next_review`` sets the date of the next one instead
of the usual cadence ("quarterly ... unless advised otherwise"), never beyond ``latest``. A
  review that would fall on or after the end of the state's period is not asked for: the
  decision at the end of the period is the review. A later decision meets a pending review.
* ``restriction-ends``: a restriction with its own ``end`` inside its decision's period: renew it
  or let it lapse. It lapses by itself, so it is never overdue (met the day after its end).
* ``letter`` and ``notification``: what a transition requires, due ``due_within`` after the
  decision (default ``settings.letter_due_days``), met by the first matching event after the
  decision and no later than the next decision. A state's ``review.letter`` owes its letter
  after each review held there (key ``<case>/letter/review-<event>/<letter>``), met by that
  letter or by a decision taken by the deadline.
* ``deletion`` (or ``retention-review`` when a published exception is flagged): see
  ``casebook.retention``.
* ``appeal-reply`` (and the outcome's ``letter``): see ``casebook.engine.appeals``.
* ``log-review``: a procedure's ``log_review`` (York's annual review of the central log). It
  belongs to no case: its ``case`` is the procedure id (case ids are upper-case
  ``PREFIX-YYYY-NNNN``, so the two cannot collide), and it is met by an entry in
  ``settings.log_reviews``. The first is due ``every`` after the first decision of any case
  under the procedure (when the log first had an entry).

Only events dated on or before ``as_of`` count: the obligations are those of the record as it
stood on that day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from casebook.engine.appeals import appeals, outcome_letter
from casebook.engine.replay import Step, add_period, show_period
from casebook.engine.retention import RetentionStatus, retention_status
from casebook.engine.timeline import Timeline, timeline
from casebook.model import ACTIVE_KINDS, Procedure
from casebook.model.case import LetterSent, Note, Notification, ReviewHeld
from casebook.model.procedure import Period
from casebook.model.settings import Settings

if TYPE_CHECKING:
    from casebook.store.cases import Casebook
    from casebook.store.ledgers import LogReviewHeld


@dataclass(frozen=True, slots=True)
class Obligation:
    case: str  # case id (never a name: obligations end up in GitHub issues)
    procedure: str
    # "review", "monitoring-ends", "no-contact-ends", "dormant-from", "period-ends",
    # "restriction-ends", "letter", "notification", "log-review", "deletion",
    # "retention-review" (see the module docstring)
    kind: str
    due: date
    latest: date | None  # the hard limit, where the procedure gives one
    # Stable identity across runs, e.g. "MC-2026-0007/review/3" (the third review).
    key: str
    label: str  # plain English: "Quarterly review of the managed contact arrangements"
    met: bool = False
    # When and by which event (index in case.events) it was met; None while open.
    met_on: date | None = None
    met_by: int | None = None
    # The event the obligation arises from (index in case.events), for file and line.
    event: int | None = None

    def overdue(self, as_of: date) -> bool:
        return not self.met and as_of > (self.latest or self.due)

    @property
    def limit(self) -> date:
        """The last day on which meeting the obligation is still in time."""
        return self.latest or self.due

    @property
    def late(self) -> bool:
        """Met, but after the last day it was allowed."""
        return self.met_on is not None and self.met_on > self.limit

    def as_json(self, as_of: date) -> dict[str, object]:
        return {
            "case": self.case,
            "procedure": self.procedure,
            "kind": self.kind,
            "due": self.due.isoformat(),
            "latest": self.latest.isoformat() if self.latest else None,
            "overdue": self.overdue(as_of),
            "key": self.key,
            "label": self.label,
            "met": self.met,
            "met_on": self.met_on.isoformat() if self.met_on else None,
        }


PERIOD_KINDS = {
    "monitoring": "monitoring-ends",
    "no-contact": "no-contact-ends",
    "closed": "dormant-from",
}


def obligations_for(tl: Timeline, settings: Settings) -> list[Obligation]:
    """Every obligation of one case (met or not) as of ``tl.as_of``, in date order.

    Raises ValueError for a timeline without an as-of date (obligations are of a day).
    """
    if tl.as_of is None:
        raise ValueError("obligations are worked out as of a date")
    as_of = tl.as_of
    out: list[Obligation] = []
    steps = tl.steps
    for k, step in enumerate(steps):
        nxt = steps[k + 1] if k + 1 < len(steps) else None
        out += _period(tl, step, nxt)
        out += _restriction_ends(tl, step, nxt, as_of)
        out += _reviews(tl, step, nxt, as_of)
        out += _letters(tl, settings, step, nxt, as_of)
        out += _review_letters(tl, settings, step, nxt, as_of)
        out += _notifications(tl, settings, step, nxt, as_of)
    out += _triggers(tl, as_of)
    out += _appeals(tl, settings)
    deletion = retention_obligation(retention_status(tl, settings))
    if deletion is not None:
        out.append(deletion)
    out.sort(key=lambda o: (o.due, o.kind, o.key))
    return out


def obligations(book: Casebook, as_of: date) -> list[Obligation]:
    """Every obligation in the casebook (met or not) as of ``as_of``: those of each valid case
    and each procedure's log review. Sorted by due date. Filter ``not o.met`` for what is open.
    """
    policy = book.policy
    out: list[Obligation] = []
    for case in book.each_case():
        proc = policy.procedures.get(case.procedure)
        if proc is not None:
            out += obligations_for(timeline(case, proc, as_of), policy.settings)
    out += book_log_reviews(book, as_of)
    out.sort(key=lambda o: (o.due, o.case, o.kind, o.key))
    return out


def book_log_reviews(book: Casebook, as_of: date) -> list[Obligation]:
    """The ``log-review`` obligations of every procedure that has a ``log_review``."""
    from casebook.store.ledgers import load_log_reviews

    procedures = book.policy.procedures
    if not any(p.log_review for p in procedures.values()):
        return []
    first: dict[str, date] = {}
    reviewed = {p.id for p in procedures.values() if p.log_review}
    for f in book.files:
        # Only cases of procedures with a central log are looked at.
        if f.procedure not in reviewed:
            continue
        # From the cached summary: the record is validated only when it changed.
        d = f.first_decision
        pid = f.procedure
        if (
            d is not None
            and pid is not None
            and d <= as_of
            and (pid not in first or d < first[pid])
        ):
            first[pid] = d
    reviews, _ = load_log_reviews(book.root, book.policy.settings)
    held = reviews.reviews if reviews is not None else []
    out: list[Obligation] = []
    for proc in procedures.values():
        out += log_review_obligations(proc, first.get(proc.id), held, as_of)
    return out


def log_review_obligations(
    proc: Procedure, first: date | None, held: Iterable[LogReviewHeld], as_of: date
) -> list[Obligation]:
    """The periodic reviews of a procedure's whole register (its ``log_review``)."""
    spec = proc.log_review
    if spec is None or first is None:
        return []
    mine = sorted((r for r in held if r.procedure == proc.id and r.date <= as_of), key=_by_date)
    out: list[Obligation] = []
    anchor = first
    label = f"Review the central log of {proc.title} (every {show_period(spec.every)})"
    for review in mine:
        if review.date < anchor:
            continue  # a review before the log had entries does not start the clock
        due = add_period(anchor, spec.every)
        n = len(out) + 1
        out.append(
            Obligation(
                proc.id,
                proc.id,
                "log-review",
                due,
                None,
                f"{proc.id}/log-review/{n}",
                label,
                met=True,
                met_on=review.date,
            )
        )
        anchor = review.date
    due = add_period(anchor, spec.every)
    out.append(
        Obligation(
            proc.id, proc.id, "log-review", due, None, f"{proc.id}/log-review/{len(out) + 1}", label
        )
    )
    return out


def _by_date(r: LogReviewHeld) -> date:
    return r.date


def _period(tl: Timeline, step: Step, nxt: Step | None) -> list[Obligation]:
    case, proc = tl.case, tl.procedure
    st = tl.rules(step).states.get(step.to_state)
    end = tl.period_end(step)
    if st is None or end is None:
        return []
    kind = PERIOD_KINDS.get(st.kind, "period-ends")
    then = _what_follows(tl.rules(step), step.to_state)
    label = {
        "monitoring-ends": f"{st.label}: the monitoring period ends; decide the outcome",
        "no-contact-ends": f"{st.label}: the no-contact period ends; {then}",
        "dormant-from": f"{st.label}: move the case to dormant",
    }.get(kind, f"{st.label}: the period ends; decide what follows")
    return [
        Obligation(
            case.id,
            proc.id,
            kind,
            end,
            None,
            f"{case.id}/{kind}/{step.index}",
            label,
            met=nxt is not None,
            met_on=nxt.decision.date if nxt else None,
            met_by=nxt.index if nxt else None,
            event=step.index,
        )
    ]


def _restriction_ends(tl: Timeline, step: Step, nxt: Step | None, as_of: date) -> list[Obligation]:
    """A restriction with its own end, inside its decision's period: renew it or let it lapse.

    Not an error when it passes: the restriction simply lapses (it is "met" the day after its
    end). It is listed while it is coming, so that the council decides in time and staff are
    told; restrictions that end with the period or are replaced first are covered already.
    """
    case, proc = tl.case, tl.procedure
    st = tl.rules(step).states.get(step.to_state)
    if st is None or st.kind not in ACTIVE_KINDS:
        return []
    ends = tl.period_end(step)
    out = []
    for j, r in enumerate(step.decision.restrictions):
        if r.end is None or (ends is not None and r.end >= ends):
            continue
        if nxt is not None and r.end >= nxt.decision.date - timedelta(days=1):
            continue
        lapsed = as_of > r.end
        out.append(
            Obligation(
                case.id,
                proc.id,
                "restriction-ends",
                r.end,
                None,
                f"{case.id}/restriction-ends/{step.index}/{j}",
                f"The {r.type} restriction ends: renew it by a decision, or let it lapse and "
                "tell staff",
                met=lapsed,
                met_on=r.end if lapsed else None,
                event=step.index,
            )
        )
    return out


def _what_follows(proc: Procedure, state: str) -> str:
    """What the procedure does when a no-contact period ends: re-invoke monitoring, if it can."""
    for t in proc.transitions:
        target = proc.states.get(t.to)
        if state in t.from_ and target is not None and target.kind == "monitoring":
            length = f" for {show_period(target.period)}" if target.period else ""
            return f"invoke the procedure again: {target.label}{length}"
    return "decide what follows"


def _reviews(tl: Timeline, step: Step, nxt: Step | None, as_of: date) -> list[Obligation]:
    case, proc = tl.case, tl.procedure
    st = tl.rules(step).states.get(step.to_state)
    if st is None or st.review is None:
        return []
    spec = st.review
    stop = nxt.index if nxt else len(case.events)
    ends = tl.period_end(step)
    out: list[Obligation] = []
    first = tl.clock_start(step, spec.every.starts)
    if first is None:
        return []  # the review clock has not started
    anchor = first
    asked: date | None = None  # a next_review set by the previous review
    n = 0

    def make(met_on: date | None, met_by: int | None, event: int) -> Obligation | None:
        due = tl.add(anchor, spec.every)
        latest = tl.add(anchor, spec.latest) if spec.latest else None
        if asked is not None:
            due = asked if latest is None else min(asked, latest)
        if ends is not None and due >= ends:
            return None  # the decision at the end of the period is the review
        if latest is not None and latest < due:
            latest = due
        return Obligation(
            case.id,
            proc.id,
            "review",
            due,
            latest,
            f"{case.id}/review/{step.index}/{n}",
            f"{st.label}: review the arrangements (every {show_period(spec.every)}"
            + (f", never later than {show_period(spec.latest)}" if spec.latest else "")
            + ")",
            met=met_on is not None,
            met_on=met_on,
            met_by=met_by,
            event=event,
        )

    last_event = step.index
    for i in range(step.index + 1, stop):
        ev = case.events[i]
        if not isinstance(ev, ReviewHeld) or ev.date > as_of:
            continue
        n += 1
        ob = make(ev.date, i, last_event)
        if ob is not None:
            out.append(ob)
        anchor, asked, last_event = ev.date, ev.next_review, i
    n += 1
    pending = make(nxt.decision.date if nxt else None, nxt.index if nxt else None, last_event)
    if pending is not None and (nxt is None or nxt.decision.date > pending.due):
        out.append(pending)
    return out


def letter_due(
    settings: Settings, start: date, within: Period | None, tl: Timeline | None = None
) -> date:
    """The deadline ``within`` from ``start`` (``settings.letter_due_days`` when None)."""
    if within is not None:
        return tl.add(start, within) if tl is not None else add_period(start, within)
    return start + timedelta(days=settings.letter_due_days)


def _deadline(tl: Timeline, settings: Settings, step: Step, within: Period | None) -> date | None:
    """A letter's or notification's deadline: ``within`` from its clock's start (the decision
    unless ``within.starts`` says otherwise); None while that start has not happened."""
    start = tl.clock_start(step, within.starts if within else None)
    return None if start is None else letter_due(settings, start, within, tl)


def _letters(
    tl: Timeline, settings: Settings, step: Step, nxt: Step | None, as_of: date
) -> list[Obligation]:
    case, proc = tl.case, tl.procedure
    t = step.transition
    if t is None:
        return []
    start = step.decision.date
    end = nxt.decision.date if nxt else as_of
    out = []
    for letter_id in t.letters:
        letter = tl.rules(step).letters.get(letter_id)
        if letter is None:
            continue
        if step.decision.waives(letter_id) and t.waivable_letter(letter_id) is not None:
            continue  # waived, where the procedure allows it: nothing is owed
        sent = next(
            (
                i
                for i in range(step.index + 1, len(case.events))
                if isinstance(ev := case.events[i], LetterSent)
                and ev.letter == letter_id
                and start <= ev.date <= end
            ),
            None,
        )
        due = _deadline(tl, settings, step, letter.due_within)
        if due is None:
            continue
        out.append(
            Obligation(
                case.id,
                proc.id,
                "letter",
                due,
                None,
                f"{case.id}/letter/{step.index}/{letter_id}",
                f"Send the {letter.title} ('{t.label}' on {start})",
                met=sent is not None,
                met_on=case.events[sent].date if sent is not None else None,
                met_by=sent,
                event=step.index,
            )
        )
    return out


def _review_letters(
    tl: Timeline, settings: Settings, step: Step, nxt: Step | None, as_of: date
) -> list[Obligation]:
    """``review.letter``: each review held in the state owes its letter ``within`` of the
    review; met by that letter sent on or after the review, or by the next decision if it is
    taken by the deadline (its own letters tell the outcome)."""
    case, proc = tl.case, tl.procedure
    st = tl.rules(step).states.get(step.to_state)
    if st is None or st.review is None or st.review.letter is None:
        return []
    spec = st.review.letter
    letter = tl.rules(step).letters.get(spec.letter)
    if letter is None:
        return []  # a policy finding
    stop = nxt.index if nxt else len(case.events)
    out = []
    for i in range(step.index + 1, stop):
        ev = case.events[i]
        if not isinstance(ev, ReviewHeld) or ev.date > as_of or ev.outcome not in spec.outcomes:
            continue
        due = letter_due(settings, ev.date, spec.within, tl)
        sent = next(
            (
                j
                for j in range(i + 1, stop)
                if isinstance(le := case.events[j], LetterSent)
                and le.letter == spec.letter
                and ev.date <= le.date <= as_of
            ),
            None,
        )
        met_by = sent
        if nxt is not None and nxt.decision.date <= due and (sent is None or nxt.index < sent):
            met_by = nxt.index
        out.append(
            Obligation(
                case.id,
                proc.id,
                "letter",
                due,
                None,
                f"{case.id}/letter/review-{i}/{spec.letter}",
                f"Send the {letter.title} (review of {ev.date})",
                met=met_by is not None,
                met_on=case.events[met_by].date if met_by is not None else None,
                met_by=met_by,
                event=i,
            )
        )
    return out


def _notifications(
    tl: Timeline, settings: Settings, step: Step, nxt: Step | None, as_of: date
) -> list[Obligation]:
    case, proc = tl.case, tl.procedure
    t = step.transition
    if t is None:
        return []
    start = step.decision.date
    end = nxt.decision.date if nxt else as_of
    out = []
    for rule in t.notify:
        done = next(
            (
                i
                for i in range(step.index + 1, len(case.events))
                if isinstance(ev := case.events[i], Notification)
                and ev.list_id == rule.list_id
                and start <= ev.date <= end
            ),
            None,
        )
        dl = tl.rules(step).distribution_lists.get(rule.list_id)
        who = dl.label if dl else rule.list_id
        due = _deadline(tl, settings, step, rule.within)
        if due is None:
            continue
        out.append(
            Obligation(
                case.id,
                proc.id,
                "notification",
                due,
                None,
                f"{case.id}/notification/{step.index}/{rule.list_id}",
                f"Tell {who} (list {rule.list_id!r}) of '{t.label}' on {start}",
                met=done is not None,
                met_on=case.events[done].date if done is not None else None,
                met_by=done,
                event=step.index,
            )
        )
    return out


def _triggers(tl: Timeline, as_of: date) -> list[Obligation]:
    """One ``trigger`` obligation for each time a procedure's trigger is set off: by the
    referral naming one of its behaviours (from the referral date), or by each note of its
    ``on.note`` kind (from the note). Met by the first note of kind ``record`` on or after."""
    case, proc = tl.case, tl.procedure
    notes = [
        (i, ev) for i, ev in enumerate(case.events) if isinstance(ev, Note) and ev.date <= as_of
    ]
    out = []
    for trig in proc.triggers:
        starts: list[tuple[date, int | None, str]] = []
        if set(trig.on.behaviours) & set(case.referral.behaviours):
            starts.append((case.referral.date, None, "the referral"))
        if trig.on.note is not None:
            starts += [
                (ev.date, i, f"the note of {ev.date}") for i, ev in notes if ev.kind == trig.on.note
            ]
        for start, index, what in starts:
            done = next(
                (
                    i
                    for i, ev in notes
                    if ev.kind == trig.record and ev.date >= start and (index is None or i > index)
                ),
                None,
            )
            out.append(
                Obligation(
                    case.id,
                    proc.id,
                    "trigger",
                    tl.add(start, trig.within),
                    None,
                    f"{case.id}/trigger/{index if index is not None else 'referral'}/{trig.id}",
                    f"{trig.label} (set off by {what}): record a note with kind: {trig.record}",
                    met=done is not None,
                    met_on=case.events[done].date if done is not None else None,
                    met_by=done,
                    event=index,
                )
            )
    return out


def _appeals(tl: Timeline, settings: Settings) -> list[Obligation]:
    """``appeal-reply``: an appeal's outcome is due ``reply`` after it was received (met by the
    ``appeal-outcome``); ``letter``: the outcome's letter, due like any letter from the outcome
    date and met by the first such letter recorded after it."""
    case, proc = tl.case, tl.procedure
    out = []
    for view in appeals(tl):
        if view.rule is None or view.reply_due is None:
            continue
        oi, outcome = view.outcome_index, view.outcome
        out.append(
            Obligation(
                case.id,
                proc.id,
                "appeal-reply",
                view.reply_due,
                None,
                f"{case.id}/appeal-reply/{view.index}",
                f"{view.rule.label}: decide the appeal received {view.appeal.date} and tell the "
                "person the outcome",
                met=outcome is not None,
                met_on=outcome.date if outcome is not None else None,
                met_by=oi,
                event=view.index,
            )
        )
        letter_id = outcome_letter(view)
        rules = tl.rules(view.appealed) if view.appealed is not None else proc
        letter = rules.letters.get(letter_id) if letter_id else None
        if oi is None or outcome is None or letter_id is None or letter is None:
            continue
        sent = next(
            (
                i
                for i in range(oi + 1, len(case.events))
                if isinstance(ev := case.events[i], LetterSent)
                and ev.letter == letter_id
                and tl.counts(ev)
            ),
            None,
        )
        out.append(
            Obligation(
                case.id,
                proc.id,
                "letter",
                letter_due(settings, outcome.date, letter.due_within, tl),
                None,
                f"{case.id}/letter/{oi}/{letter_id}",
                f"Send the {letter.title} (appeal {outcome.outcome} on {outcome.date})",
                met=sent is not None,
                met_on=case.events[sent].date if sent is not None else None,
                met_by=sent,
                event=oi,
            )
        )
    return out


def retention_obligation(status: RetentionStatus | None) -> Obligation | None:
    """The ``deletion`` (or ``retention-review``) obligation of an ended case, if it has one."""
    if status is None or status.due is None:
        return None
    if status.flags:
        names = ", ".join(sorted({f.exception for f in status.flags}))
        label = (
            f"Review the retention exception ({names}): "
            "purge the record, or record the exception again with the reasons it still applies"
        )
    else:
        label = f"Delete the record ({status.rule}): run casebook purge {status.case}"
    return Obligation(
        status.case,
        status.procedure,
        status.kind,
        status.due,
        None,
        f"{status.case}/{status.kind}/{status.step_index}",
        label,
        event=status.step_index,
    )
