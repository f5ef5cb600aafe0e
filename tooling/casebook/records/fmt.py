"""`casebook fmt`: every record in the one layout the record commands write.

The layout is ``yamledit.canonical`` (docs/decisions/0013-canonical-yaml-layout.md). Key order
is left as written: ruamel.yaml attaches a comment to the key *before* it, so sorting keys would
move people's comments away from what they describe. Formatting must never change what a file
says: the result is read back with the strict loader and compared with the original data, and a
file whose meaning would change is left alone.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from casebook.store import locks, safefile, yamledit
from casebook.store.cases import MAX_RECORD_BYTES, too_large, write_atomic
from casebook.store.reader import CASES_DIR, PEOPLE_FILE, PROCEDURES_DIR
from casebook.store.yamlio import YamlLoadError, decode, load_text

HEADERS = {
    CASES_DIR: "yaml-language-server: $schema=../schema/case.schema.json",
    PROCEDURES_DIR: "yaml-language-server: $schema=../../schema/procedure.schema.json",
    PEOPLE_FILE: "yaml-language-server: $schema=../schema/people.schema.json",
}


@dataclass(frozen=True, slots=True)
class Formatted:
    rel: str
    changed: bool
    problem: str | None = None  # why the file was left alone


def header_for(rel: str) -> str | None:
    """The schema comment a file gets from where it is."""
    if rel == PEOPLE_FILE:
        return HEADERS[PEOPLE_FILE]
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    return HEADERS.get(folder) if folder in (CASES_DIR, PROCEDURES_DIR) else None


def format_text(text: str, rel: str) -> str:
    """``text`` in the canonical layout; ValueError when that would change its data."""
    before = load_text(text)
    out = yamledit.canonical(text, header_for(rel))
    if load_text(out) != before:  # pragma: no cover - a bug in canonical(), never ship it
        raise ValueError("formatting would change the data; left as it is")
    return out


def format_file(root: Path, path: Path, write: bool) -> Formatted:
    """Format one file; with ``write``, read, format and write it under its lock
    (``store.locks``), so a record command writing it at the same moment is not undone."""
    try:
        rel = safefile.relative(root.resolve(), path) if path.is_absolute() else str(path)
    except safefile.UnsafeFile as exc:
        return Formatted(str(path), False, exc.why)
    if not write:
        return _format(root, path, rel, write)
    try:
        with locks.hold(root / rel, rel):
            return _format(root, path, rel, write)
    except locks.Busy as exc:  # the other files are still formatted; the command exits 1
        return Formatted(rel, False, str(exc))


def _format(root: Path, path: Path, rel: str, write: bool) -> Formatted:
    try:
        data = safefile.read_bytes(root, root / rel)
        if len(data) > MAX_RECORD_BYTES:
            return Formatted(rel, False, too_large(rel, len(data)).message)
        text = decode(data)
        out = format_text(text, rel)
    except safefile.UnsafeFile as exc:
        return Formatted(rel, False, exc.why)
    except OSError as exc:
        return Formatted(rel, False, f"cannot read: {exc.strerror or exc}")
    except YamlLoadError as exc:
        line = f" (line {exc.problem.line})" if exc.problem.line else ""
        return Formatted(rel, False, f"not valid YAML{line}: {exc.problem.message}")
    except (yamledit.EditError, ValueError) as exc:
        return Formatted(rel, False, str(exc))
    # The layout is casebook's; the line breaks (CRLF from Windows editors) and a byte-order
    # mark are the file's, and stay.
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    payload = bom + yamledit.with_newline(out, yamledit.newline_of(text)).encode("utf-8")
    changed = payload != data
    if changed and write:
        write_atomic(path, payload)
    return Formatted(rel, changed)
