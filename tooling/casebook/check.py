"""`casebook check`: every file, every cross reference, every procedure rule."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from .casebook import Casebook, CaseFile, load
from .findings import Finding, has_errors, sort_key
from .loader import with_line
from .rules import CASE_RULES, CaseContext


@dataclass(frozen=True, slots=True)
class CheckReport:
    as_of: date
    cases: int
    findings: list[Finding]
    # False when policy/ itself is invalid: nothing else could be checked (exit code 2).
    policy_ok: bool

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "as_of": self.as_of.isoformat(),
            "cases": self.cases,
            "findings": [f.as_json() for f in self.findings],
        }


def run_check(root: Path, as_of: date, use_cache: bool = True) -> CheckReport:
    book, findings = load(root, use_cache=use_cache)
    if book is None:
        return CheckReport(as_of, 0, sorted(findings, key=sort_key), policy_ok=False)
    found = list(findings)
    for f, ctx in contexts(book, as_of):
        found += case_findings(f, ctx)
    return CheckReport(as_of, len(book.files), sorted(found, key=sort_key), policy_ok=True)


def contexts(book: Casebook, as_of: date) -> list[tuple[CaseFile, CaseContext]]:
    """A rule context for every valid case whose procedure exists."""
    policy = book.policy
    people = policy.people.by_id()
    out = []
    for f in book.files:
        case = f.case
        if case is None or case.procedure not in policy.procedures:
            continue
        ctx = CaseContext(
            case,
            policy.procedures[case.procedure],
            policy.people,
            people,
            policy.taxonomy,
            policy.settings,
            as_of,
            policy.root,
        )
        out.append((f, ctx))
    return out


def case_findings(f: CaseFile, ctx: CaseContext) -> list[Finding]:
    """Every case rule over one file, with file, line and case id filled in."""
    out = []
    for rule in CASE_RULES:
        for finding in rule(ctx):
            out.append(with_line(replace(finding, case=ctx.case.id), f.rel, f.text))
    return out
