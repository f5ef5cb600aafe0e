"""A case's timeline: its decisions replayed against its procedure, computed once per case.

Everything downstream (obligations, breaches, retention, the register, letters, handling cards,
the site, the case rules) reads a ``Timeline`` instead of replaying the case again. A timeline
is the replay of *every* recorded decision; ``Timeline.on(day)`` is the same case as it stood
on ``day`` (the decisions dated on or before it), cut from the one replay without replaying.

Shapes: ``steps`` is a tuple of ``replay.Step`` in event order; ``state`` a state id of the
procedure; ``since`` the date of the decision that entered it (the referral date before any);
``intervals`` the restrictions with the days they are in force (``replay.InForce``, sorted by
start). Dates are calendar dates in the council's time zone. Nothing here raises for bad data:
a decision into a state the procedure does not know keeps the state it came from.

Clocks. Every period of a procedure (a state's period, a review cadence, a letter's or a
notification's deadline, a guard's minimum time) is a clock: ``clock_start`` finds what starts
it (the decision, by default; or a named letter, the referral, an event, the end of another
state's period: ``model.procedure.ClockStart``), ``add`` counts its length (calendar or
working days, in the procedure's nation). A clock whose start has not happened by ``as_of``
has not started, and ``clock_start`` gives None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from casebook.engine.clocks import add_length
from casebook.engine.replay import (
    Derived,
    InForce,
    Step,
    derive,
    restriction_intervals,
)
from casebook.model import Case, Procedure, Restriction
from casebook.model.case import Event, LetterSent
from casebook.model.procedure import ClockStart, Period


@dataclass(frozen=True, slots=True)
class _Replay:
    """The replay of every recorded decision, shared by all the views of one case."""

    all: Derived


@dataclass(frozen=True)
class Timeline:
    """One case, one procedure, as it stood on ``as_of`` (None: everything recorded)."""

    case: Case
    procedure: Procedure
    as_of: date | None
    _replay: _Replay = field(repr=False, compare=False)

    @cached_property
    def _derived(self) -> Derived:
        full = self._replay.all
        if self.as_of is None:
            return full
        # Decisions are replayed in event order and the replay stops at the first one dated
        # after the day, as a replay up to that day would (event order is checked elsewhere).
        steps: list[Step] = []
        for s in full.steps:
            if s.decision.date > self.as_of:
                break
            steps.append(s)
        state, since = self.procedure.initial, self.case.referral.date
        for s in steps:
            if s.to_state in s.rules(self.procedure).states:
                state, since = s.to_state, s.decision.date
        return Derived(state, since, tuple(steps))

    @property
    def state(self) -> str:
        """The state id the case is in."""
        return self._derived.state

    @property
    def since(self) -> date:
        """The date the case entered ``state``."""
        return self._derived.since

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every decision replayed, in event order."""
        return self._derived.steps

    @property
    def last(self) -> Step | None:
        """The latest decision, if any."""
        return self._derived.last

    @cached_property
    def intervals(self) -> list[InForce]:
        """Every restriction imposed, with its days in force (``replay.restriction_intervals``)."""
        return restriction_intervals(self._derived, self.procedure, self.period_end)

    def in_force(self, on: date) -> list[Restriction]:
        """The restrictions in force on ``on``."""
        return [x.restriction for x in self.intervals if x.covers(on)]

    def rules(self, step: Step) -> Procedure:
        """The version of the procedure ``step`` is judged under (``Procedure.at``)."""
        return step.rules(self.procedure)

    def version(self, step: Step | None) -> str | None:
        """The id of the version ``step`` was judged under (None: the procedure has none)."""
        return self.procedure.version if step is None else self.rules(step).version

    def add(self, start: date, period: Period) -> date:
        """``start`` plus ``period`` (working days in the procedure's nation)."""
        return add_length(start, period, self.procedure.nation)

    def next_index(self, step: Step) -> int:
        """The index in case.events of the decision after ``step`` (len(events) if none)."""
        later = [s.index for s in self._replay.all.steps if s.index > step.index]
        return later[0] if later else len(self.case.events)

    def counts(self, ev: Event) -> bool:
        """Whether ``ev`` is recorded by ``as_of`` (every event when None)."""
        return self.as_of is None or ev.date <= self.as_of

    def clock_start(
        self, step: Step, starts: ClockStart | None, assume: tuple[str, date] | None = None
    ) -> date | None:
        """The day a clock of ``step``'s decision starts; None while its start has not happened.

        ``assume`` is a letter (id, date) to take as sent when it is not recorded yet (a draft
        of the letter that itself starts the clock)."""
        if starts is None:
            return step.decision.date
        if starts.referral:
            return self.case.referral.date
        if starts.end_of is not None:
            before = [
                s
                for s in self._replay.all.steps
                if s.index <= step.index and s.to_state == starts.end_of
            ]
            return self.period_end(before[-1]) if before else None
        events = self.case.events[step.index + 1 : self.next_index(step)]
        for ev in events:
            if not self.counts(ev):
                continue
            if starts.letter_sent is not None:
                if isinstance(ev, LetterSent) and ev.letter == starts.letter_sent:
                    return ev.date
            elif ev.type == starts.event:
                return ev.date
        if assume is not None and starts.letter_sent == assume[0]:
            return assume[1]
        return None

    def clock_end(
        self, step: Step, period: Period, assume: tuple[str, date] | None = None
    ) -> date | None:
        """When ``period``, started by ``step``'s decision, runs out (None: not started)."""
        start = self.clock_start(step, period.starts, assume)
        return None if start is None else self.add(start, period)

    def period_start(self, step: Step, assume: tuple[str, date] | None = None) -> date | None:
        """When the period of the state ``step`` entered started (None: not yet, or none)."""
        st = self.rules(step).states.get(step.to_state)
        if st is None or st.period is None:
            return step.decision.date
        return self.clock_start(step, st.period.starts, assume)

    def period_end(self, step: Step, assume: tuple[str, date] | None = None) -> date | None:
        """When the period ``step`` started ends: its ``until``, else the state's period counted
        from its clock's start (None: no period, or its clock has not started)."""
        if step.decision.until is not None:
            return step.decision.until
        if step.outcome is not None:
            # An appeal outcome keeps the period the case is in (see ``replay.Step``).
            return self.period_end(step.base, assume) if step.base is not None else None
        st = self.rules(step).states.get(step.to_state)
        if st is None or st.period is None:
            return None
        return self.clock_end(step, st.period, assume)

    def on(self, day: date | None) -> Timeline:
        """The same case as it stood on ``day`` (None: every recorded decision)."""
        if day == self.as_of:
            return self
        return Timeline(self.case, self.procedure, day, self._replay)


def timeline(case: Case, procedure: Procedure, as_of: date | None = None) -> Timeline:
    """Replay ``case`` against ``procedure`` once; the view as of ``as_of`` (None: all)."""
    return Timeline(case, procedure, as_of, _Replay(derive(case, procedure)))
