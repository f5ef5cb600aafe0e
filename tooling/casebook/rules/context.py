"""What a case rule sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path

from ..engine import Derived, derive
from ..model import Case, Person, Procedure
from ..model.behaviours import Taxonomy
from ..model.people import People
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
