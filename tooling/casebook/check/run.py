"""`casebook check`: every file, every cross reference, every procedure rule."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from casebook.check.loading import load
from casebook.check.rules import BOOK_RULES, CASE_RULES, CaseContext
from casebook.model.findings import Finding, has_errors, sort_key
from casebook.publish.letters.render import PolicyTexts
from casebook.store.cache import RecordCache
from casebook.store.cases import (
    Casebook,
    CaseFile,
    finding_from,
    finding_to,
    run_fingerprint,
)
from casebook.store.reader import Policy, with_line


@dataclass(frozen=True, slots=True)
class CheckReport:
    as_of: date
    cases: int
    findings: list[Finding]
    # False when policy/ itself is invalid: nothing else could be checked (exit code 2).
    policy_ok: bool
    # Files outside policy/ and cases/ the check read (the ledgers): for casebook.check.memo.
    extra_inputs: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)

    def as_json(self, findings: bool = True) -> dict[str, object]:
        """The report as plain data; ``findings=False`` leaves the list empty (for writing
        it one finding at a time, ``cli.check.report_json``)."""
        return {
            "ok": self.ok,
            "as_of": self.as_of.isoformat(),
            "cases": self.cases,
            "findings": [f.as_json() for f in self.findings] if findings else [],
        }


# Rules whose errors mean "a date has passed", not "a record is wrong" (see `--no-deadlines`).
DEADLINE_RULES = frozenset({"overdue", "retention", "letter", "notify"})


# Files whose change moves every date: with these changed, every deadline is the change's own.
DATE_SETTING_FILES = ("policy/procedures/", "policy/settings.yaml")


def run_check(
    root: Path,
    as_of: date,
    use_cache: bool = True,
    deadlines: bool = True,
    deadline_files: Collection[str] | None = None,
) -> CheckReport:
    """Check the whole casebook. With ``deadlines=False`` missed deadlines are warnings, not
    errors (for a pre-commit hook: a commit is about its records, and an overdue review in
    another case must not stop someone recording a threat; CI and `casebook due` still tell).

    ``deadline_files`` (paths relative to the root, e.g. the files a pull request changes):
    missed deadlines stay errors only in these files, and everywhere when one of them is a
    procedure or ``policy/settings.yaml`` (the change then moves every date); elsewhere they
    are warnings that say the daily review-due run follows them. Every other finding is an
    error wherever it is: "the required check judges the pull request, not the calendar"."""
    judge = _Judge(root, as_of)
    book, findings = load(root, use_cache=use_cache, visit=judge)
    if book is None:
        return CheckReport(as_of, 0, sorted(findings, key=sort_key), policy_ok=False)
    found = [*findings, *judge.found]
    if book.cache is not None:
        book.cache.save()
    # Casebook-wide rules (ledgers, purged ids, central-log reviews) are never cached.
    for rule in BOOK_RULES:
        found += rule(book, as_of)
    if not deadlines:
        found = [replace(f, severity="warning") if f.rule in DEADLINE_RULES else f for f in found]
    elif deadline_files is not None:
        found = only_these_deadlines(found, deadline_files)
    settings = book.policy.settings
    return CheckReport(
        as_of,
        len(book.files),
        sorted(found, key=sort_key),
        policy_ok=True,
        extra_inputs=(settings.deletion_log, settings.log_reviews),
    )


class _Judge:
    """The case rules over each file as ``load`` reads it (``store.cases.Visitor``): findings
    come from the cache when its key matches, else from the rules (then cached); the record
    and text are dropped once judged, so a cold check of 10,000 cases holds one at a time."""

    def __init__(self, root: Path, as_of: date) -> None:
        self.root = root
        self.as_of = as_of
        self.found: list[Finding] = []
        self.key = ""
        self.stored: dict[str, tuple[str, str]] | None = None
        self.people: dict[str, Any] | None = None
        self.texts = PolicyTexts(root)

    def __call__(self, f: CaseFile, policy: Policy, cache: RecordCache | None) -> None:
        if self.stored is None:
            self.key = (
                f"{run_fingerprint(self.root, cache)}|{self.as_of.isoformat()}" if cache else ""
            )
            self.stored = cache.all_findings(self.key) if cache is not None else {}
            self.people = policy.people.by_id()
        hit = self.stored.pop(f.rel, None) if f.valid else None
        cached = _decode(hit[1]) if hit is not None and hit[0] == f.digest else None
        if cached is not None:
            self.found += cached
        else:
            ctx = _context(f, policy, self.people or {}, self.as_of, self.texts)
            if ctx is not None:
                result = case_findings(f, ctx)
                if cache is not None:
                    text = json.dumps([finding_to(x) for x in result])
                    cache.put_findings(f.rel, f.digest, self.key, text)
                self.found += result
        f.release()  # the model and text are not needed again: bound memory


def _decode(text: str) -> list[Finding] | None:
    """Cached findings, or None when the stored text is not what ``finding_to`` writes."""
    try:
        items = json.loads(text)
        return [finding_from(item) for item in items]
    except (TypeError, ValueError, RecursionError):  # a damaged or hostile row: a miss
        return None


def only_these_deadlines(findings: list[Finding], files: Collection[str]) -> list[Finding]:
    """Missed-deadline errors outside ``files`` become warnings (see ``run_check``)."""
    changed = set(files)
    if any(p.startswith(DATE_SETTING_FILES) for p in changed):
        return findings
    out = []
    for f in findings:
        if f.rule in DEADLINE_RULES and f.severity == "error" and f.file not in changed:
            f = replace(
                f,
                severity="warning",
                message=f"{f.message} (not in the files this change touches: the daily "
                "review-due run and `casebook due` follow it)",
            )
        out.append(f)
    return out


def contexts(
    book: Casebook, as_of: date, files: list[CaseFile] | None = None
) -> Iterator[tuple[CaseFile, CaseContext]]:
    """A rule context for every valid case (of ``files``, default all) whose procedure exists,
    one at a time (so a caller can ``release`` each file once done with it)."""
    policy = book.policy
    people = policy.people.by_id()
    texts = PolicyTexts(book.root)
    for f in book.files if files is None else files:
        ctx = _context(f, policy, people, as_of, texts)
        if ctx is not None:
            yield f, ctx


def _context(
    f: CaseFile,
    policy: Policy,
    people: dict[str, Any],
    as_of: date,
    texts: PolicyTexts | None = None,
) -> CaseContext | None:
    case = f.case
    if case is None or case.procedure not in policy.procedures:
        return None
    return CaseContext(
        case,
        policy.procedures[case.procedure],
        policy.people,
        people,
        policy.taxonomy,
        policy.settings,
        as_of,
        policy.root,
        texts,
    )


def case_findings(f: CaseFile, ctx: CaseContext) -> list[Finding]:
    """Every case rule over one file, with file, line and case id filled in."""
    out = []
    for rule in CASE_RULES:
        for finding in rule(ctx):
            out.append(with_line(replace(finding, case=ctx.case.id), f.rel, f.text))
    return out
