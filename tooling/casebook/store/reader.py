"""Finding a casebook on disk and reading its files into models (or findings)."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from casebook.model import People, Procedure, Taxonomy
from casebook.model.findings import Finding
from casebook.model.settings import Settings
from casebook.store import safefile, temporary
from casebook.store.paths import PROCEDURES_DIR as PROCEDURES_DIR  # re-exported
from casebook.store.paths import find_root as find_root  # re-exported
from casebook.store.paths import path_problem
from casebook.store.safefile import UnsafeFile, unsafe_finding
from casebook.store.validation import findings_from
from casebook.store.yamlio import YamlLoadError, decode, load_text, locate

M = TypeVar("M", bound=BaseModel)

CASES_DIR = "cases"
PEOPLE_FILE = "policy/people.yaml"
BEHAVIOURS_FILE = "policy/behaviours.yaml"
SETTINGS_FILE = "policy/settings.yaml"
PUBLISHED_DIR = "policy/published"  # the published texts procedures cite


@dataclass(slots=True)
class Loaded(Generic[M]):
    """One file read: its model when valid, and the findings either way."""

    rel: str
    text: str | None
    model: M | None
    findings: list[Finding] = field(default_factory=list)


def read_model(
    root: Path, path: Path, model: type[M], rule: str = "schema", data: bytes | None = None
) -> Loaded[M]:
    """The file at ``path`` (inside ``root``) as ``model``, or findings naming file and line.

    ``data``: the file's bytes when the caller has just read them safely (``safefile``), so
    they are not read again (a cold check read every case file twice; issue 14)."""
    rel = path.relative_to(root).as_posix()
    try:
        text = decode(safefile.read_bytes(root, path) if data is None else data)
        raw = load_text(text)
    except UnsafeFile as exc:
        return Loaded(rel, None, None, [unsafe_finding(exc)])
    except YamlLoadError as exc:
        p = exc.problem
        return Loaded(rel, None, None, [Finding("error", p.rule, p.message, file=rel, line=p.line)])
    except OSError as exc:
        return Loaded(rel, None, None, [Finding("error", "io", f"cannot read: {exc}", file=rel)])
    return validate(rel, text, raw, model, rule)


def validate(rel: str, text: str, raw: Any, model: type[M], rule: str = "schema") -> Loaded[M]:
    if not isinstance(raw, dict):
        what = "empty" if raw is None else f"a {type(raw).__name__}"
        problem = Finding(
            "error", rule, f"expected a mapping of fields, the file is {what}", file=rel, line=1
        )
        return Loaded(rel, text, None, [problem])
    try:
        return Loaded(rel, text, model.model_validate(raw))
    except ValidationError as exc:
        found = findings_from(exc, model, raw, rule)
        return Loaded(rel, text, None, [with_line(f, rel, text) for f in found])


def with_line(f: Finding, rel: str, text: str | None) -> Finding:
    """Fill in file and line for a finding about a value inside ``text``."""
    line = locate(text, f.loc) if text is not None else None
    return replace(f, file=rel, line=line if line is not None else f.line)


@dataclass(slots=True)
class Policy:
    """Everything under policy/: procedures, people and roles, behaviours, settings."""

    root: Path
    procedures: dict[str, Procedure]
    people: People
    taxonomy: Taxonomy
    settings: Settings
    # Text of each procedure file, for line numbers in later findings.
    texts: dict[str, tuple[str, str]] = field(default_factory=dict)


def load_policy(root: Path) -> tuple[Policy | None, list[Finding]]:
    """Read policy/ into models. Returns (None, findings) when it cannot be used.

    Reading only: each file against its schema. The policy rules (references between files,
    templates, published texts) are ``check.policy_rules.check_policy``; commands get both
    through ``check.loading``.
    """
    findings: list[Finding] = []
    people = _required(root, PEOPLE_FILE, People, findings)
    taxonomy = _required(root, BEHAVIOURS_FILE, Taxonomy, findings)
    settings = Settings()
    if _confined(root, SETTINGS_FILE, findings) and (root / SETTINGS_FILE).is_file():
        loaded_settings = read_model(root, root / SETTINGS_FILE, Settings, "policy")
        findings += loaded_settings.findings
        settings = loaded_settings.model or settings
    procedures: dict[str, Procedure] = {}
    texts: dict[str, tuple[str, str]] = {}
    # Not a write's temporary (``casebook fmt`` renaming a procedure into place right now):
    # Path.glob's "*" matches dot-files, and the copy would be read as a second procedure.
    files = sorted(p for p in (root / PROCEDURES_DIR).glob("*.yaml") if not own_file(p.name))
    if not files:
        findings.append(
            Finding("error", "policy", "no procedure files (*.yaml) found", file=PROCEDURES_DIR)
        )
    for path in files:
        if not _confined(root, f"{PROCEDURES_DIR}/{path.name}", findings):
            continue
        loaded = read_model(root, path, Procedure, "policy")
        findings += loaded.findings
        if loaded.model is None:
            continue
        proc = loaded.model
        if proc.id != path.stem:
            findings.append(
                with_line(
                    Finding(
                        "error",
                        "policy",
                        f"procedure id {proc.id!r} must match the file name {path.stem!r}",
                        loc=("id",),
                    ),
                    loaded.rel,
                    loaded.text,
                )
            )
            continue
        if proc.nation is None:
            # Working-day clocks skip the bank holidays of the council's nation unless the
            # procedure names its own (a casebook holding several councils' procedures).
            proc = proc.model_copy(update={"nation": settings.nation})
        procedures[proc.id] = proc
        texts[proc.id] = (loaded.rel, loaded.text or "")
    if people is None or taxonomy is None:
        return None, findings
    return Policy(root, procedures, people, taxonomy, settings, texts), findings


def _required(root: Path, rel: str, model: type[M], findings: list[Finding]) -> M | None:
    path = root / rel
    if not _confined(root, rel, findings):
        return None
    if not path.is_file():
        findings.append(Finding("error", "policy", f"missing file {rel}", file=rel))
        return None
    loaded = read_model(root, path, model, "policy")
    findings += loaded.findings
    return loaded.model


def _confined(root: Path, rel: str, findings: list[Finding]) -> bool:
    """False (with a finding) when a policy file is a link or not a regular file (issue 16)."""
    folder, _, name = rel.rpartition("/")
    problem = path_problem(root, folder, name, missing_ok=True)
    if problem is not None:
        # A fixed name cannot leave policy/: the problem is a link or not a regular file.
        findings.append(Finding("error", "file-type", problem, file=rel))
        return False
    return True


def case_files(root: Path) -> list[Path]:
    """``cases/*.yaml`` in name order (what ``Path.glob`` matches, sorted as ``sorted`` would
    sort the paths). Names are sorted as strings: sorting 10,000 ``Path`` objects splits
    them into parts at every comparison (issue 14)."""
    folder = root / CASES_DIR
    if not folder.is_dir():
        return []
    names = sorted(os.listdir(folder))  # noqa: PTH208 - strings, not Paths: see above
    return [folder / n for n in names if fnmatch.fnmatchcase(n, "*.yaml") and not own_file(n)]


def own_file(name: str) -> bool:
    """Whether ``name`` is a temporary of a casebook write (``store.temporary``): a copy of a
    record being renamed into place by another command at this moment (or left by one that
    was killed, removed by the next write). Never a case of its own: reading it would report
    the record twice."""
    return name.startswith(temporary.PREFIX)
