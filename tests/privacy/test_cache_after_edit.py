"""Personal data edited out of a case file leaves the record cache at the next command of any
kind: its governance page (``site``: decision 30) and its letters' HTML (``html``: decision
29) are tied to the bytes of the file they were made from (``RecordCache.save``).

A rectification or partial erasure (UK GDPR Art. 16/17: a wrong address, a representative's
details removed) is done by editing the case file; an outside review found the old page and
letters stayed in ``cache.sqlite`` until the next governance build that rendered letters
(`casebook check`, a staff build or ``--no-letters`` left them). Checked by reading the SQLite
file's bytes, as ``secure_delete`` makes that meaningful.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from casebook.store.cache import CACHE_NAME, cache_dir
from tests.site.test_site_results_cache import _casebook, pages

VICTIM = "cases/MC-2026-0003.yaml"
OLD = "morgan.testcase@example.org"  # demo data (fictional)
NEW = "corrected@example.org"


@pytest.fixture
def edited(tmp_path: Path) -> Path:
    """The demo casebook after a governance build, then the victim's e-mail corrected."""
    root = _casebook(tmp_path / "demo")
    pages(root)  # a governance build: site rows and letters stored
    assert OLD.encode() in _cache_bytes(root)
    path = root / VICTIM
    text = path.read_text(encoding="utf-8")
    assert OLD in text
    path.write_text(text.replace(OLD, NEW), encoding="utf-8")
    return root


def _cache_bytes(root: Path) -> bytes:
    folder = cache_dir(root)
    assert folder is not None
    return (folder / CACHE_NAME).read_bytes()


def test_an_edited_out_email_is_gone_after_the_next_command(edited: Path, cli) -> None:  # type: ignore[no-untyped-def]
    res = cli("--root", edited, "check", "--as-of", "2026-11-23")
    assert res.code in (0, 1), res.err
    assert OLD.encode() not in _cache_bytes(edited)


def test_an_edited_out_email_is_gone_after_a_build_without_letters(edited: Path) -> None:
    made = pages(edited, letters=False)
    assert NEW in made["cases/MC-2026-0003.md"]
    assert OLD.encode() not in _cache_bytes(edited)
