"""What a case rule sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

from ..breaches import BreachReport, analyse
from ..engine import Derived, derive
from ..model import Case, Person, Procedure
from ..model.behaviours import Taxonomy
from ..model.people import People
from ..obligations import Obligation, obligations_for
from ..settings import Settings


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
    def derived(self) -> Derived:
        """The state replayed over every recorded decision."""
        return derive(self.case, self.procedure)

    @cached_property
    def derived_as_of(self) -> Derived:
        """The state replayed over the decisions dated on or before ``as_of``."""
        return derive(self.case, self.procedure, self.as_of)

    @cached_property
    def obligations(self) -> list[Obligation]:
        """Every obligation of the case, met or not, as of ``as_of``."""
        return obligations_for(
            self.case, self.procedure, self.settings, self.as_of, self.derived_as_of
        )

    @cached_property
    def breaches(self) -> BreachReport:
        """Incoming contacts checked against the restrictions in force at their dates."""
        return analyse(self.case, self.procedure, self.as_of, self.derived_as_of)
