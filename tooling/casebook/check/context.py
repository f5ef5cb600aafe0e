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
from casebook.publish.letters.render import PolicyTexts


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
    # The letterhead and published texts, shared by every case of one run (read once).
    texts: PolicyTexts | None = None

    @cached_property
    def policy_texts(self) -> PolicyTexts | None:
        """``texts``, or this case's own when the caller gave none; None without ``root``."""
        if self.texts is not None or self.root is None:
            return self.texts
        return PolicyTexts(self.root)

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
