"""The council's letterhead and contact details: ``policy/letterhead/``.

``letterhead.yaml`` holds the council's address and contact details and the ombudsman letters
signpost; ``letter.html.j2`` and ``letter.css`` are the printed page. A council restyles its
letters by editing these files, not code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import EmailStr, Field

from casebook.model.common import Slug, Strict, Text
from casebook.store.paths import PathMissing, PathRefused, confined
from casebook.store.reader import read_model

LETTERHEAD_DIR = "policy/letterhead"
LETTERHEAD_FILE = f"{LETTERHEAD_DIR}/letterhead.yaml"
# The letterhead's files casebook reads itself; the template may also name assets (fonts,
# images) beside them, which the PDF fetcher serves from this folder only (publish.pdf).
LETTERHEAD_FILES = ("letterhead.yaml", "letter.html.j2", "letter.css", "logo.svg")


class Ombudsman(Strict):
    """Where a person can complain once the council's own process is exhausted."""

    name: Text
    website: Text
    phone: Text | None = None
    address: list[Text] = Field(default_factory=list)


class Letterhead(Strict):
    # The council's name; when absent, policy/settings.yaml's ``council``.
    council: Text | None = None
    address: list[Text] = Field(min_length=1)
    phone: Text | None = None
    email: EmailStr | None = None
    website: Text | None = None
    # How to ask for a letter in another format (large print, easy read, Braille, audio).
    formats: Text | None = None
    # How a person challenges a decision: the council's complaints route, in words for letters.
    complaints: Text | None = None
    ombudsman: Ombudsman | None = None
    # Every ombudsman a procedure may name (``challenge.ombudsman``: lgsco, psow, spso, nipso,
    # housing-ombudsman), with the details letters print.
    ombudsmen: dict[Slug, Ombudsman] = Field(default_factory=dict)
    # Printed at the foot of each page (e.g. how the council handles personal data).
    footer: Text | None = None


@dataclass(frozen=True, slots=True)
class LoadedLetterhead:
    letterhead: Letterhead | None
    problem: str | None  # why it could not be read, naming file and line


_CACHE: dict[tuple[str, int, int], LoadedLetterhead] = {}


def load_letterhead(root: Path) -> LoadedLetterhead:
    """Read ``policy/letterhead/letterhead.yaml`` (cached by path, size and mtime)."""
    try:
        # A regular file inside policy/letterhead/, reached without links (store.paths).
        path = confined(root, LETTERHEAD_DIR, "letterhead.yaml")
        st = path.stat()
    except PathMissing:
        return LoadedLetterhead(None, f"{LETTERHEAD_FILE} not found")
    except (PathRefused, OSError) as exc:
        return LoadedLetterhead(None, str(exc))
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    loaded = read_model(root, path, Letterhead, "letter-template")
    problem = None
    if loaded.model is None:
        problem = "; ".join(f.as_text() for f in loaded.findings) or f"{LETTERHEAD_FILE} is invalid"
    result = LoadedLetterhead(loaded.model, problem)
    _CACHE[key] = result
    return result
