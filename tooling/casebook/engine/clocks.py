"""Clock arithmetic: a start date plus a procedure's ``Period``.

Calendar lengths (months, weeks, days) use ``dateutil.relativedelta``: 31 January + 1 month is
the last day of February. Working days skip Saturdays, Sundays and the bank holidays of a UK
nation (the ``holidays`` package, ``holidays.UK(subdiv=...)``): 10 working days from Friday
18 December 2026 in England is Wednesday 6 January 2027 (25, 28 December and 1 January are bank
holidays). The start day itself is never counted.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta

from casebook.model.procedure import Period

# The ``holidays`` package's subdivision codes for the four UK nations.
_SUBDIV = {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern-ireland": "NIR"}
DEFAULT_NATION = "england"


@lru_cache(maxsize=64)
def _bank_holidays(nation: str, year: int) -> frozenset[date]:
    days = holidays.country_holidays("GB", subdiv=_SUBDIV[nation], years=year)
    return frozenset(days.keys())


def is_working_day(day: date, nation: str = DEFAULT_NATION) -> bool:
    """Monday to Friday and not a bank holiday in ``nation``."""
    return day.weekday() < 5 and day not in _bank_holidays(nation, day.year)


@lru_cache(maxsize=4096)  # a pure function of its arguments; deadlines share start dates
def add_working_days(start: date, n: int, nation: str = DEFAULT_NATION) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted)."""
    day = start
    while n > 0:
        day += timedelta(days=1)
        if is_working_day(day, nation):
            n -= 1
    return day


def add_length(start: date, period: Period, nation: str | None = None) -> date:
    """``start`` plus the period's calendar length, then its working days."""
    if period.months:
        end = start + relativedelta(months=period.months, weeks=period.weeks, days=period.days)
    else:  # the same date without building a relativedelta (every deadline of every case)
        end = start + timedelta(weeks=period.weeks, days=period.days)
    if period.working_days:
        end = add_working_days(end, period.working_days, nation or DEFAULT_NATION)
    return end


def show_length(p: Period) -> str:
    """``3 months``, ``1 month and 14 days``, ``10 working days``."""
    parts = []
    for n, unit in ((p.months, "month"), (p.weeks, "week"), (p.days, "day")):
        if n:
            parts.append(f"{n} {unit}{'s' if n != 1 else ''}")
    if p.working_days:
        parts.append(f"{p.working_days} working day{'s' if p.working_days != 1 else ''}")
    return " and ".join(parts)
