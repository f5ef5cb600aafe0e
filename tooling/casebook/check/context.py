"""What a case rule sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

from casebook.engine.breaches import BreachReport, analyse
from casebook.engine.obligations import Obligation, obligations_for
from casebook.engine.timeline import Timeline, timeline
from casebook.model import Case, Person, Procedure
from casebook.model.behaviours import Taxonomy
from casebook.model.people import People
from casebook.model.settings import Settings


@dataclass
class CaseContext:
    case: Case
    procedure: Procedure
    people: People
    person_by_id: dict[str, Person]
    taxonomy: Taxonomy
    settings: Settings
    as_of: date
    # The casebook folder, for rules that read policy files (letter templates, letterhead).
    root: Path | None = None

    @cached_property
    def derived_as_of(self) -> Timeline:
        """The case's timeline: the decisions dated on or before ``as_of``."""
        return timeline(self.case, self.procedure, self.as_of)

    @property
    def derived(self) -> Timeline:
        """The same timeline over every recorded decision (no second replay)."""
        return self.derived_as_of.on(None)

    @cached_property
    def obligations(self) -> list[Obligation]:
        """Every obligation of the case, met or not, as of ``as_of``."""
        return obligations_for(self.derived_as_of, self.settings)

    @cached_property
    def breaches(self) -> BreachReport:
        """Incoming contacts checked against the restrictions in force at their dates."""
        return analyse(self.derived_as_of)
