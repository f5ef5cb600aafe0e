"""The adapters that turn `casebook due` / breaches / register results into site inputs,
fed with values shaped like those results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casebook.publish.site import SiteInputs, generate
from casebook.publish.site.adapters import breach_periods, review_dates

from .conftest import AS_OF, Built


@dataclass(frozen=True)
class _Breach:
    event: int
    date: date
    channel: str
    message: str


@dataclass(frozen=True)
class _Period:
    start: date
    end: date | None
    contacts: int = 0


@dataclass(frozen=True)
class _Report:
    breaches: list[_Breach]
    periods: list[_Period]


@dataclass(frozen=True)
class _Row:
    case: str
    next_review: date | None
    expires: date | None


def test_breaches_fall_into_their_periods() -> None:
    report = _Report(
        [
            _Breach(3, date(2026, 3, 16), "phone", "called outside the time slot"),
            _Breach(9, date(2026, 7, 1), "email", "third e-mail this week"),
        ],
        [_Period(date(2026, 3, 9), date(2026, 6, 8), 4), _Period(date(2026, 6, 9), None, 2)],
    )
    periods = breach_periods("MC-2026-0001", report)
    assert [(p.start, p.end, p.contacts, len(p.breaches)) for p in periods] == [
        (date(2026, 3, 9), date(2026, 6, 8), 4, 1),
        (date(2026, 6, 9), None, 2, 1),
    ]
    assert periods[1].breaches[0].restriction == "third e-mail this week"
    assert periods[1].contains(date(2027, 1, 1)) and not periods[0].contains(date(2026, 6, 9))


def test_review_dates_fill_the_register(fixture_site: Built) -> None:
    dates = review_dates([_Row("MC-2026-0002", date(2026, 4, 12), date(2026, 7, 12))])
    tree = generate(fixture_site.book, "governance", AS_OF, SiteInputs(review_dates=dates))
    register = tree.pages["register.md"]
    assert "2026-04-12" in register and "2026-07-12" in register
    assert "were not computed" not in register
