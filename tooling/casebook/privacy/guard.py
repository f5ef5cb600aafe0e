"""Keeping personal data out of git metadata: commit messages and branch names.

Git history is the audit trail, and it is copied to every clone, CI log and pull-request page.
A case file can be purged from history when its retention period ends; a person's name in a
commit message or a branch name is much harder to find and remove. The convention
(docs/commands/guard.md): branches are ``case/<CASE-ID>-<kind>`` (``case/MC-2026-0007-review``)
and commit messages name cases by id, never people by name.

The guard compares the text with every name, known-as name, e-mail address and telephone number
of a member of the public (the person and their representatives) in ``cases/``. It never prints
the personal data it found, only where it is recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from casebook.privacy.names import Identifier, identifiers, matches
from casebook.store import safefile
from casebook.store.reader import case_files
from casebook.store.yamlio import YamlLoadError, decode, load_text

BRANCH = re.compile(r"^case/[A-Z]{2,6}-\d{4}-\d{4}-[a-z0-9]+(?:-[a-z0-9]+)*$")
SCISSORS = "# ------------------------ >8 ------------------------"


@dataclass(frozen=True, slots=True)
class Hit:
    """Personal data found: which identifier (never shown) and where it is recorded."""

    ident: Identifier

    def describe(self) -> str:
        case = f" ({self.ident.case})" if self.ident.case else ""
        kind = self.ident.kind.replace("_", "-")
        article = "an" if kind[0] in "aeiou" else "a"
        return f"{article} {kind} recorded in {self.ident.file}{case} at {self.ident.field}"


@dataclass(frozen=True, slots=True)
class GuardResult:
    hits: list[Hit]
    unreadable: list[str]  # case files the guard could not read (it fails closed)
    notes: list[str]

    @property
    def ok(self) -> bool:
        return not self.hits and not self.unreadable


def all_identifiers(root: Path) -> tuple[list[Identifier], list[str]]:
    out: list[Identifier] = []
    unreadable: list[str] = []
    for path in case_files(root):
        rel = path.relative_to(root).as_posix()
        try:
            raw = load_text(decode(safefile.read_bytes(root, path)))
        except (OSError, YamlLoadError, safefile.UnsafeFile):
            unreadable.append(rel)
            continue
        out += identifiers(raw, rel)
    return out, unreadable


def message_text(raw: str) -> str:
    """The message git will record: comment lines and everything below the scissors dropped."""
    lines = []
    for line in raw.splitlines():
        if line.startswith(SCISSORS):
            break
        if not line.startswith("#"):
            lines.append(line)
    return "\n".join(lines)


def scan(root: Path, text: str) -> GuardResult:
    idents, unreadable = all_identifiers(root)
    hits = [Hit(i) for i in idents if matches(text, i)]
    return GuardResult(hits, unreadable, [])


def check_branch(root: Path, branch: str) -> GuardResult:
    result = scan(root, branch)
    notes = []
    if branch.startswith("case/") and not BRANCH.match(branch):
        notes.append(
            f"branch {branch!r} does not follow case/<CASE-ID>-<kind>, e.g. "
            "case/MC-2026-0007-review"
        )
    return GuardResult(result.hits, result.unreadable, notes)
