"""Findings: what every rule returns instead of raising."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Severity = Literal["error", "warning"]
Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a file, with enough context to fix it."""

    severity: Severity
    rule: str
    message: str
    case: str | None = None
    file: str | None = None
    line: int | None = None
    # Path to the offending value inside the YAML document, e.g. ("events", 3, "decided_by").
    loc: Loc = field(default=())

    @property
    def field(self) -> str | None:
        """The offending field as ``events[3].decided_by``, or None for the whole file."""
        return format_loc(self.loc) if self.loc else None

    def with_line(self, line: int | None) -> Finding:
        return replace(self, line=line)

    def as_json(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "rule": self.rule,
            "case": self.case,
            "file": self.file,
            "line": self.line,
            "field": self.field,
            "message": self.message,
        }

    def as_text(self) -> str:
        where = self.file or "<casebook>"
        if self.line is not None:
            where += f":{self.line}"
        fld = f" {self.field}:" if self.field else ""
        return f"{where}: {self.severity} [{self.rule}]{fld} {self.message}"


def format_loc(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def sort_key(f: Finding) -> tuple[str, int, str, str]:
    return (f.file or "", f.line or 0, f.rule, f.message)


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
