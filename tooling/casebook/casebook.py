"""Loading a whole casebook: policy plus every case file, each to a model or to findings.

Parsing and schema validation of a case depend only on the file's bytes, so their result is
cached by content hash (``.casebook-cache/``, git-ignored). The cache holds the validated record
as JSON; it is rewritten whole after each run and keeps only files that still exist, so a purged
case leaves the cache at the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from . import __version__
from .errors import ConfigError
from .findings import Finding
from .loader import Policy, case_files, load_policy, read_model, with_line
from .model import Case

CACHE_DIR = ".casebook-cache"
CACHE_FILE = "cases.json"


@dataclass(slots=True)
class CaseFile:
    """One case file: the record when it is valid, and what was wrong with it."""

    path: Path
    rel: str
    case: Case | None
    findings: list[Finding] = field(default_factory=list)
    _text: str | None = None

    @property
    def text(self) -> str | None:
        """The file's text (read on demand: only files with findings need line numbers)."""
        if self._text is None:
            try:
                self._text = self.path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError):
                return None
        return self._text


@dataclass(slots=True)
class Casebook:
    root: Path
    policy: Policy
    files: list[CaseFile]
    # Findings about policy/ and about files as files (syntax, schema, ids).
    findings: list[Finding]

    def cases(self) -> list[Case]:
        """Every valid case, in file-name order."""
        return [f.case for f in self.files if f.case is not None]


def load(root: Path, use_cache: bool = True) -> tuple[Casebook | None, list[Finding]]:
    """Read policy and cases. Returns (None, findings) when policy/ is unusable."""
    policy, policy_findings = load_policy(root)
    if policy is None or any(f.severity == "error" for f in policy_findings):
        return None, policy_findings
    cache = _Cache(root) if use_cache else None
    files = [_load_case(root, path, cache) for path in case_files(root)]
    if cache is not None:
        cache.save()
    findings = list(policy_findings)
    for f in files:
        findings += f.findings
    findings += _cross_file(files, policy)
    return Casebook(root, policy, files, findings), findings


def _load_case(root: Path, path: Path, cache: _Cache | None) -> CaseFile:
    rel = path.relative_to(root).as_posix()
    try:
        data = path.read_bytes()
    except OSError as exc:
        return CaseFile(path, rel, None, [Finding("error", "io", f"cannot read: {exc}", file=rel)])
    digest = hashlib.sha256(data).hexdigest()
    if cache is not None:
        cached = cache.get(rel, digest)
        if cached is not None:
            return CaseFile(path, rel, cached)
    loaded = read_model(root, path, Case)
    if cache is not None and loaded.model is not None:
        cache.put(rel, digest, loaded.model)
    return CaseFile(path, rel, loaded.model, loaded.findings, loaded.text)


def _cross_file(files: list[CaseFile], policy: Policy) -> list[Finding]:
    out: list[Finding] = []
    ids = Counter(f.case.id for f in files if f.case is not None)
    for f in files:
        case = f.case
        if case is None:
            continue
        if case.id != f.path.stem:
            out.append(
                with_line(
                    Finding(
                        "error",
                        "file-name",
                        f"case id {case.id!r} does not match the file name; rename the file "
                        f"to {case.id}.yaml or correct the id",
                        case=case.id,
                        loc=("id",),
                    ),
                    f.rel,
                    f.text,
                )
            )
        if ids[case.id] > 1:
            others = [g.rel for g in files if g is not f and g.case and g.case.id == case.id]
            out.append(
                with_line(
                    Finding(
                        "error",
                        "duplicate-id",
                        f"case id {case.id!r} is also used by {', '.join(others)}; "
                        "each case needs its own id",
                        case=case.id,
                        loc=("id",),
                    ),
                    f.rel,
                    f.text,
                )
            )
        if case.procedure not in policy.procedures:
            out.append(
                with_line(
                    Finding(
                        "error",
                        "reference",
                        f"unknown procedure {case.procedure!r}; procedures in policy/procedures: "
                        f"{', '.join(sorted(policy.procedures))}",
                        case=case.id,
                        loc=("procedure",),
                    ),
                    f.rel,
                    f.text,
                )
            )
    return out


class _Cache:
    """Validated case records by file content hash."""

    def __init__(self, root: Path) -> None:
        self.path = root / CACHE_DIR / CACHE_FILE
        self.old: dict[str, list[str]] = {}
        self.new: dict[str, list[str]] = {}
        try:
            blob = json.loads(self.path.read_text(encoding="utf-8"))
            if blob.get("version") == __version__:
                self.old = blob["files"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.old = {}

    def get(self, rel: str, digest: str) -> Case | None:
        entry = self.old.get(rel)
        if not entry or entry[0] != digest:
            return None
        try:
            case = Case.model_validate_json(entry[1])
        except ValidationError:
            return None
        self.new[rel] = entry
        return case

    def put(self, rel: str, digest: str, case: Case) -> None:
        self.new[rel] = [digest, case.model_dump_json(by_alias=True)]

    def save(self) -> None:
        if self.new == self.old:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.path.parent / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("*\n", encoding="utf-8")
            payload = json.dumps({"version": __version__, "files": self.new})
            write_atomic(self.path, payload.encode("utf-8"))
        except OSError:
            pass  # the cache is an optimisation; a read-only checkout still works


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old or the new content, never a half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def require(root: Path) -> Casebook:
    """Load a casebook or raise ConfigError listing what is wrong with policy/."""
    book, findings = load(root)
    if book is None:
        errors = [f.as_text() for f in findings if f.severity == "error"]
        raise ConfigError("policy/ is not valid:\n" + "\n".join(errors))
    return book
