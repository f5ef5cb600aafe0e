"""Helpers for the time tests: a copy of the ``timed`` fixture casebook and case builders."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from casebook.check.loading import load
from casebook.check.run import run_check

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "timed"


def d(text: str) -> date:
    return date.fromisoformat(text)


def decision(day: str, to: str, by: str = "mgr-amber", **extra: Any) -> dict[str, Any]:
    return {
        "date": d(day),
        "type": "decision",
        "to": to,
        "decided_by": [by],
        "reasons": "Contact continued at a level that prevents other work.",
        **extra,
    }


def letter(day: str, which: str = "monitoring-letter") -> dict[str, Any]:
    return {"date": d(day), "type": "letter", "letter": which, "by": "mgr-amber", "via": "email"}


def review(day: str, outcome: str = "continue", **extra: Any) -> dict[str, Any]:
    return {
        "date": d(day),
        "type": "review",
        "by": ["dir-dev"],
        "outcome": outcome,
        "notes": "Arrangements considered.",
        **extra,
    }


def notified(day: str) -> dict[str, Any]:
    return {
        "date": d(day),
        "type": "notification",
        "list": "staff",
        "by": "mgr-amber",
        "about": "Restrictions in place",
    }


def contact(
    day: str, channel: str = "email", to: str = "mgr-basil", **extra: Any
) -> dict[str, Any]:
    return {
        "date": d(day),
        "type": "contact",
        "channel": channel,
        "to": to,
        "summary": "Asked about the complaint",
        **extra,
    }


def case(
    events: list[dict[str, Any]], case_id: str = "TC-2026-0001", **extra: Any
) -> dict[str, Any]:
    return {
        "id": case_id,
        "procedure": "timed",
        "service": "Planning",
        "person": {"name": "Robin Fictional", "contact": {"email": "robin@example.org"}},
        "referral": {
            "date": d("2026-01-05"),
            "by": "mgr-amber",
            "capacity": "staff",
            "behaviours": ["high-volume"],
            "account": "Thirty e-mails to nine officers in ten days",
        },
        "events": events,
        **extra,
    }


class Book:
    """A throwaway copy of the timed fixture casebook."""

    def __init__(self, tmp: Path) -> None:
        self.root = tmp / "timed"
        shutil.copytree(FIXTURE, self.root)

    def write(self, data: dict[str, Any]) -> Path:
        path = self.root / "cases" / f"{data['id']}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    def check(self, as_of: str) -> list[Any]:
        return run_check(self.root, d(as_of), use_cache=False).findings

    def book(self) -> Any:
        book, findings = load(self.root, use_cache=False)
        assert book is not None, findings
        return book


def rules(findings: list[Any], severity: str | None = None, files: str = "") -> list[str]:
    """The rule ids found (of one severity; in files whose path starts with ``files``)."""
    return sorted(
        f.rule
        for f in findings
        if (severity is None or f.severity == severity) and (f.file or "").startswith(files)
    )
