"""Clock arithmetic: calendar lengths and working days per UK nation (engine.clocks)."""

from __future__ import annotations

from datetime import date

import pytest

from casebook.engine.clocks import add_length, add_working_days, is_working_day
from casebook.model.procedure import Period


def test_months_clamp_to_the_end_of_the_month() -> None:
    assert add_length(date(2026, 1, 31), Period(months=1, source="council-setting: t")) == date(
        2026, 2, 28
    )


def test_weeks_and_days_add_up() -> None:
    p = Period(weeks=2, days=1, source="council-setting: t")
    assert add_length(date(2026, 3, 2), p) == date(2026, 3, 17)


@pytest.mark.parametrize(
    ("nation", "expected"),
    [
        # 25 and 28 December (Boxing Day observed) and 1 January everywhere.
        ("england", date(2027, 1, 6)),
        ("wales", date(2027, 1, 6)),
        ("northern-ireland", date(2027, 1, 6)),
        # Scotland also keeps 2 January (a Saturday in 2027, observed Monday 4 January).
        ("scotland", date(2027, 1, 7)),
    ],
)
def test_ten_working_days_over_christmas(nation: str, expected: date) -> None:
    assert add_working_days(date(2026, 12, 18), 10, nation) == expected


def test_st_patricks_day_is_a_holiday_only_in_northern_ireland() -> None:
    day = date(2026, 3, 17)  # a Tuesday
    assert not is_working_day(day, "northern-ireland")
    assert is_working_day(day, "england")


def test_working_days_follow_calendar_length() -> None:
    # One week from Friday 2026-05-01 is Friday 8 May; Monday 4 May is a bank holiday but is
    # inside the calendar week, so only the two working days after 8 May are counted.
    p = Period(weeks=1, working_days=2, source="council-setting: t")
    assert add_length(date(2026, 5, 1), p, "england") == date(2026, 5, 12)


def test_a_period_needs_a_length() -> None:
    with pytest.raises(ValueError, match="needs months, weeks, days or working_days"):
        Period(source="council-setting: t")
