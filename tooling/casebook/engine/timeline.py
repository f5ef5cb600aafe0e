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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from casebook.engine.replay import (
    Derived,
    InForce,
    Step,
    derive,
    period_end,
    restriction_intervals,
)
from casebook.model import Case, Procedure, Restriction


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
            if s.to_state in self.procedure.states:
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
        return restriction_intervals(self._derived, self.procedure)

    def in_force(self, on: date) -> list[Restriction]:
        """The restrictions in force on ``on``."""
        return [x.restriction for x in self.intervals if x.covers(on)]

    def period_end(self, step: Step) -> date | None:
        """When the period ``step`` started ends (its ``until``, else the state's default)."""
        return period_end(step, self.procedure)

    def on(self, day: date | None) -> Timeline:
        """The same case as it stood on ``day`` (None: every recorded decision)."""
        if day == self.as_of:
            return self
        return Timeline(self.case, self.procedure, day, self._replay)


def timeline(case: Case, procedure: Procedure, as_of: date | None = None) -> Timeline:
    """Replay ``case`` against ``procedure`` once; the view as of ``as_of`` (None: all)."""
    return Timeline(case, procedure, as_of, _Replay(derive(case, procedure)))
