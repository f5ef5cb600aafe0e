"""Two casebook-wide records that belong to no single case.

* The deletion log (``settings.deletion_log``): one tombstone per purged case. A tombstone keeps
  what an auditor or the Ombudsman needs to see that a record existed and was deleted on time,
  and nothing that identifies the person: the case id (a reference number), the procedure, the
  key dates, the ground and the date of the purge. No names, contact details, behaviours,
  accounts, summaries or officers.
* The log reviews (``settings.log_reviews``): each periodic review of a procedure's central
  register ("reviewed annually", York), which meets the procedure's ``log_review`` obligation.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from casebook.model.case import CaseId
from casebook.model.common import Day, PersonId, Slug, Strict, Text


class Tombstone(Strict):
    id: CaseId
    procedure: Slug
    referred: Day
    first_decision: Day | None = None
    closed: Day | None = None  # the decision that ended the case (closed or dormant)
    deletion_due: Day | None = None
    ground: Text = Field(max_length=300)
    purged: Day

    @model_validator(mode="after")
    def _order(self) -> Tombstone:
        if self.purged < self.referred:
            raise ValueError(f"purged {self.purged} is before the referral {self.referred}")
        return self


class DeletionLog(Strict):
    purged: list[Tombstone] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> DeletionLog:
        seen: set[str] = set()
        for t in self.purged:
            if t.id in seen:
                raise ValueError(f"case {t.id} is in the deletion log twice")
            seen.add(t.id)
        return self

    def ids(self) -> dict[str, Tombstone]:
        return {t.id: t for t in self.purged}


class LogReviewHeld(Strict):
    procedure: Slug
    date: Day
    by: list[PersonId] = Field(min_length=1)
    notes: Text


class LogReviews(Strict):
    reviews: list[LogReviewHeld] = Field(default_factory=list)
