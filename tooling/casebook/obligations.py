"""Obligations: what is due, by when, for which case. Derived, never stored.

``Obligation`` is the contract between the engine (which derives obligations from cases and
procedures), `casebook due`, `casebook check` and `casebook issues sync` (which opens one GitHub
issue per obligation and finds it again by ``key``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Obligation:
    case: str  # case id (never a name: obligations end up in GitHub issues)
    procedure: str
    # e.g. "review", "monitoring-ends", "letter", "notification", "period-ends",
    # "log-review", "dormant-from", "deletion"
    kind: str
    due: date
    latest: date | None  # the hard limit, where the procedure gives one
    # Stable identity across runs, e.g. "MC-2026-0007/review/3" (the third review).
    key: str
    label: str  # plain English: "Quarterly review of the managed contact arrangements"
    met: bool = False

    def overdue(self, as_of: date) -> bool:
        return not self.met and as_of > (self.latest or self.due)

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
        }
