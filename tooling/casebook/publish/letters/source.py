"""What one letter is made from: the case, its procedure, the decision it follows, the date.

A recorded letter (a ``type: letter`` event) follows the latest decision before it in the case's
history; its date is the date recorded. A letter that is due but not yet recorded (``--pending``)
follows the decision that requires it and is dated the day it is drafted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casebook.engine.appeals import appeals, outcome_letter
from casebook.engine.replay import Step
from casebook.engine.timeline import Timeline
from casebook.model import Case, Person, Procedure
from casebook.model.behaviours import Taxonomy
from casebook.model.case import LetterSent, ReviewHeld
from casebook.model.people import People
from casebook.model.settings import Settings
from casebook.publish.letters.letterhead import Letterhead


@dataclass(frozen=True, slots=True)
class LetterJob:
    """One letter to write: which, when, after which decision."""

    letter_id: str
    date: date
    step: Step | None  # the decision the letter follows; None if none precedes it
    event: LetterSent | None  # the recorded letter; None for a pending draft
    event_index: int | None

    @property
    def key(self) -> str:
        where = f"e{self.event_index}" if self.event_index is not None else "draft"
        return f"{self.date.isoformat()}-{self.letter_id}-{where}"


@dataclass(frozen=True, slots=True)
class LetterSource:
    """Everything the item resolvers and templates may read for one letter."""

    case: Case
    procedure: Procedure
    people: People
    taxonomy: Taxonomy
    settings: Settings
    letterhead: Letterhead | None
    # The published procedure text (the enclosure); None when it cannot be read.
    published: str | None
    job: LetterJob
    person_by_id: dict[str, Person]
    # Every decision in the case, replayed (for items that look at the decision before).
    job_steps: tuple[Step, ...] = ()
    # The case's one timeline (clocks: when a period started by a decision ends).
    timeline: Timeline | None = None

    def period_end(self, step: Step) -> date | None:
        """When the period ``step`` started ends; a draft of the letter that starts the
        period's clock counts as sent on its date."""
        tl = self.timeline
        if tl is None:
            return step.decision.until
        return tl.period_end(step, assume=(self.job.letter_id, self.job.date))

    def period_start(self, step: Step) -> date | None:
        """When the period ``step`` started began (as ``period_end``)."""
        tl = self.timeline
        if tl is None:
            return step.decision.date
        return tl.period_start(step, assume=(self.job.letter_id, self.job.date))

    @property
    def decision_date(self) -> date:
        return self.job.step.decision.date if self.job.step else self.job.date


def recorded_jobs(tl: Timeline) -> list[LetterJob]:
    """A job for every letter recorded in the case, in the order recorded."""
    case, derived = tl.case, tl.on(None)
    out = []
    for i, ev in enumerate(case.events):
        if not isinstance(ev, LetterSent):
            continue
        step = None
        for s in derived.steps:
            if s.index < i:
                step = s
        out.append(LetterJob(ev.letter, ev.date, step, ev, i))
    return out


def pending_jobs(tl: Timeline, on: date) -> list[LetterJob]:
    """A draft for every letter a decision requires (up to ``on``) not yet recorded."""
    case, proc, derived = tl.case, tl.procedure, tl.on(on)
    out = []
    steps = derived.steps
    for n, step in enumerate(steps):
        if step.transition is None:
            continue
        next_index = steps[n + 1].index if n + 1 < len(steps) else len(case.events)
        recorded = {
            ev.letter
            for ev in case.events[step.index + 1 : next_index]
            if isinstance(ev, LetterSent)
        }
        for letter_id in step.transition.letters:
            waived = step.decision.waives(letter_id) and step.transition.waivable_letter(letter_id)
            if letter_id not in recorded and letter_id in proc.letters and not waived:
                out.append(LetterJob(letter_id, on, step, None, None))
    # The letter owed after the latest review in the current state (``review.letter``), not
    # yet recorded after it and not answered by a decision since.
    if steps:
        last = steps[-1]
        st = tl.rules(last).states.get(last.to_state)
        spec = st.review.letter if st is not None and st.review is not None else None
        reviews = [
            i
            for i, ev in enumerate(case.events)
            if i > last.index
            and isinstance(ev, ReviewHeld)
            and ev.date <= on
            and spec is not None
            and ev.outcome in spec.outcomes
        ]
        if spec is not None and reviews and spec.letter in proc.letters:
            answered = any(
                isinstance(ev, LetterSent) and ev.letter == spec.letter
                for ev in case.events[reviews[-1] + 1 :]
            )
            if not answered:
                out.append(LetterJob(spec.letter, on, last, None, None))
    # The letter telling the person the outcome of their appeal, not yet recorded after it.
    for view in appeals(derived):
        outcome_id = outcome_letter(view)
        oi = view.outcome_index
        if outcome_id is None or oi is None or outcome_id not in proc.letters:
            continue
        if any(isinstance(ev, LetterSent) and ev.letter == outcome_id for ev in case.events[oi:]):
            continue
        before = [s for s in steps if s.index <= oi]
        out.append(LetterJob(outcome_id, on, before[-1] if before else None, None, None))
    return out
