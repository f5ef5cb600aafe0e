"""CSV times with a UTC offset become the council's local time (issue 13, kind 3), and CSV
numbers and dates are bounded (kind 2)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from casebook.errors import UsageError
from casebook.records.csvcontacts import read_rows


def _one(tmp_path: Path, stamp: str, zone: str = "Europe/London", extra: str = "") -> tuple:
    path = tmp_path / "export.csv"
    head = "date,channel,to,summary" + (",minutes" if extra else "")
    path.write_text(f"{head}\n{stamp},phone,mgr-basil,A call{',' + extra if extra else ''}\n")
    event = read_rows(path, zone=ZoneInfo(zone))[0].event
    return event["date"], event.get("time")


@pytest.mark.parametrize(
    ("stamp", "local"),
    [
        ("2027-06-10T09:30:00Z", (date(2027, 6, 10), "10:30")),  # BST: the example of the issue
        ("2027-06-10T23:30:00Z", (date(2027, 6, 11), "00:30")),  # moves to the next local date
        ("2027-06-10T10:30+01:00", (date(2027, 6, 10), "10:30")),
        ("2027-01-10T09:30-0500", (date(2027, 1, 10), "14:30")),
        ("2026-03-29T00:30Z", (date(2026, 3, 29), "00:30")),  # clocks go forward at 01:00Z
        ("2026-03-29T01:30Z", (date(2026, 3, 29), "02:30")),
        ("2026-10-25T00:30Z", (date(2026, 10, 25), "01:30")),  # clocks go back at 01:00Z
        ("2026-10-25T01:30Z", (date(2026, 10, 25), "01:30")),
        ("2027-06-10 10:30", (date(2027, 6, 10), "10:30")),  # no offset: already local
    ],
)
def test_offsets_become_london_time(tmp_path: Path, stamp: str, local: tuple) -> None:
    assert _one(tmp_path, stamp) == local


def test_the_councils_zone_is_used(tmp_path: Path) -> None:
    assert _one(tmp_path, "2027-06-10T09:30Z", zone="America/New_York") == (
        date(2027, 6, 10),
        "05:30",
    )


@pytest.mark.parametrize(
    ("stamp", "extra", "message"),
    [
        ("2027-06-10Z", "", "needs a time"),
        ("2027-06-10T10:00+25:00", "", "is not a UTC offset"),
        ("9999-12-31T10:00", "", "less than or equal to 2200-12-31"),
        ("2027-06-10T10:00", "\u00b2", "is not a whole number"),
        ("2027-06-10T10:00", "9" * 5000, "is not a whole number"),
        ("2027-06-10T10:00", "1441", "minutes"),
    ],
)
def test_refused(tmp_path: Path, stamp: str, extra: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        _one(tmp_path, stamp, extra=extra)
