"""Turning the results of the breach sweep and the register into the site's inputs
(used by ``wire.collect_inputs``). Written against protocols, so that the page code and its
tests need only the shapes, not the time machinery."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Protocol

from casebook.publish.site.inputs import Breach, BreachPeriod


class BreachLike(Protocol):
    @property
    def event(self) -> int: ...
    @property
    def date(self) -> date: ...
    @property
    def channel(self) -> str: ...
    @property
    def message(self) -> str: ...


class PeriodLike(Protocol):
    @property
    def start(self) -> date: ...
    @property
    def end(self) -> date | None: ...
    @property
    def contacts(self) -> int: ...


class ReportLike(Protocol):
    @property
    def breaches(self) -> Sequence[BreachLike]: ...
    @property
    def periods(self) -> Sequence[PeriodLike]: ...


class RowLike(Protocol):
    @property
    def case(self) -> str: ...
    @property
    def next_review(self) -> date | None: ...
    @property
    def expires(self) -> date | None: ...


def breach_periods(case_id: str, report: ReportLike) -> list[BreachPeriod]:
    """One ``BreachPeriod`` per period of arrangements, with the breaches that fall in it."""
    out = []
    for p in report.periods:
        inside = tuple(
            Breach(b.date, b.channel, b.message, b.event)
            for b in report.breaches
            if p.start <= b.date and (p.end is None or b.date <= p.end)
        )
        out.append(BreachPeriod(case_id, p.start, p.end, inside, p.contacts))
    return out


def review_dates(rows: Iterable[RowLike]) -> dict[str, tuple[date | None, date | None]]:
    """Next review and expiry by case, from the register's rows."""
    return {r.case: (r.next_review, r.expires) for r in rows}
