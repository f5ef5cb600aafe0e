"""Shared helpers for the letters and notifications tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ALLITEMS_CASE = "AI-2026-0001"
# Within the window for the last notification: check passes with one warning.
ALLITEMS_AS_OF = "2026-10-14"


def copy_fixture(name: str, dest: Path) -> Path:
    root = dest / name
    shutil.copytree(FIXTURES / name, root)
    return root


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def pdftotext(pdf: bytes, *args: str) -> str:
    proc = subprocess.run(
        ["pdftotext", *args, "-", "-"], input=pdf, capture_output=True, check=True, timeout=60
    )
    return proc.stdout.decode("utf-8")


def load(root: Path):
    from casebook.check.loading import load as load_book

    book, findings = load_book(root, use_cache=False)
    assert book is not None, [f.as_text() for f in findings]
    return book
