"""Holes an outside review found in the governance site results cache (decision 30), fixed:

- an upgrade of the ``holidays`` package (a release that knows more bank holidays) moves every
  working-day deadline, so its version is part of the key (``store.cases.fingerprint``), as is
  every library that decides findings or pages;
- a row of deeply nested JSON (someone with write access to the user's cache folder) raised
  ``RecursionError``, which the decoders did not treat as a damaged row: every later build
  stopped with "internal error".

Not a test here, an accepted risk (docs/threat-model.md): cached page text is written to the
site as it is, so whoever can write the user's cache folder can change a page. The folder is
the user's own (0700), outside the repository, and that person can change the installed code
just as well.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from casebook.store import cases as store_cases
from casebook.store.cache import CACHE_NAME, cache_dir
from tests.site.test_site_results_cache import _casebook, pages


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return _casebook(tmp_path / "demo")


def _db(root: Path) -> sqlite3.Connection:
    folder = cache_dir(root)
    assert folder is not None
    return sqlite3.connect(folder / CACHE_NAME)


@pytest.fixture
def more_bank_holidays(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    """Call to act as if the ``holidays`` package had been upgraded to a release that knows
    more bank holidays (as each release adds newly announced ones): here every Wednesday of
    2026 and 2027, and a new version number. Nothing of casebook is changed."""
    import holidays

    from casebook.engine import clocks

    real = holidays.country_holidays

    def upgraded(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = real(*args, **kwargs)
        for year in (2026, 2027):
            day = date(year, 1, 1)
            while day.year == year:
                if day.weekday() == 2:
                    found[day] = "A newly announced bank holiday"
                day += timedelta(days=1)
        return found

    def clear() -> None:
        clocks._bank_holidays.cache_clear()
        clocks.add_working_days.cache_clear()

    def upgrade() -> None:
        monkeypatch.setattr(holidays, "country_holidays", upgraded)
        # A new release of the package: its version is what the caches are keyed by.
        versions = store_cases._library_versions() + b"\nholidays upgraded"
        monkeypatch.setattr(store_cases, "_library_versions", lambda: versions)
        clear()

    yield upgrade
    monkeypatch.undo()
    clear()


def test_new_bank_holidays_are_not_served_stale(
    book: Path, more_bank_holidays: Callable[[], None]
) -> None:
    as_of = date(2026, 9, 1)  # UA-2026-0002's letter is due 10 working days after 1 September
    before = pages(book, as_of=as_of)  # the record cache and the site results filled
    more_bank_holidays()
    fresh = pages(book, as_of=as_of, use_cache=False)
    # The holiday data matters to the page: the letter's due date moves.
    assert fresh["cases/UA-2026-0002.md"] != before["cases/UA-2026-0002.md"]
    warm = pages(book, as_of=as_of)
    assert warm["cases/UA-2026-0002.md"] == fresh["cases/UA-2026-0002.md"]
    assert warm["index.md"] == fresh["index.md"]


@pytest.mark.parametrize("column", ["page", "inputs"])
def test_a_deeply_nested_row_is_a_miss_not_a_crash(book: Path, column: str) -> None:
    cold = pages(book)
    db = _db(book)
    deep = "[" * 100_000 + "]" * 100_000
    db.execute(f"UPDATE site SET {column} = ?", (deep,))  # a fixed column name
    db.commit()
    db.close()
    # The rows are damaged: the files decide, as for any other damaged row (no RecursionError).
    assert pages(book) == cold


def test_a_deeply_nested_letter_row_is_a_miss_not_a_crash(book: Path) -> None:
    """The same for the letter cache (decision 29): ``LetterRenderer`` treats only TypeError
    and ValueError as a damaged row. Read when a case's page is not in the site results (here:
    another date)."""
    pages(book)
    db = _db(book)
    deep = "[" * 100_000 + "]" * 100_000
    assert db.execute("UPDATE html SET value = ? WHERE key LIKE 'letters:%'", (deep,)).rowcount
    db.commit()
    db.close()
    later = date(2026, 11, 24)
    assert pages(book, as_of=later) == pages(book, as_of=later, use_cache=False)
