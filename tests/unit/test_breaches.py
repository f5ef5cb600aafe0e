"""Breach detection: each incoming contact against the restrictions in force on its date."""

from __future__ import annotations

import sys

import pytest

from casebook.engine.breaches import analyse
from casebook.engine.timeline import timeline
from casebook.model import Case

from .timed import Book, case, contact, d, decision, letter, rules

MONITORING = [
    {"type": "spoc", "officer": "mgr-basil"},
    {"type": "channels", "allowed": ["email", "phone"]},
    {"type": "volume", "max": 2, "per": "week"},
    {
        "type": "time-slot",
        "days": ["mon", "wed"],
        "from": "10:00",
        "to": "12:00",
        "channel": "phone",
    },
    {"type": "call-length", "minutes": 20},
    {"type": "closed-topic", "topic": "the 2025 planning complaint"},
    {"type": "service-exception", "officer": "dir-eve", "matter": "application 25/0001"},
]


@pytest.fixture
def tb(tmp_path):
    return Book(tmp_path)


def report(tb: Book, as_of: str):
    book = tb.book()
    (c,) = book.cases()
    return analyse(timeline(c, book.policy.procedures["timed"], d(as_of)))


def test_every_kind_of_breach(tb):
    tb.write(
        case(
            [
                contact("2026-01-06", channel="letter", to="planning-duty"),  # before any decision
                decision("2026-01-12", "monitoring", restrictions=MONITORING),
                letter("2026-01-12"),
                contact("2026-01-12"),
                contact("2026-01-13"),
                contact("2026-01-14", channel="phone", time="10:30", minutes=30),
                contact("2026-01-19", channel="letter"),
                contact("2026-01-20", to="planning-duty"),
                contact("2026-01-26", to="dir-eve"),
                contact("2026-01-29", channel="phone", time="11:00"),
                contact("2026-02-02", topic="The 2025 planning complaint "),
                contact("2026-02-02", channel="phone"),  # no time recorded: slot not judged
                contact("2026-02-15", direction="out", to="customer"),  # from the council
                contact("2026-02-15"),  # a Sunday: still the week of 9 February
                contact("2026-02-16"),
                contact("2026-02-16"),
            ]
        )
    )
    rep = report(tb, "2026-03-01")
    kinds = {b.date.isoformat(): [r.kind for r in b.reasons] for b in rep.breaches}
    assert kinds == {
        "2026-01-14": ["over-quota", "call-length"],
        "2026-01-19": ["wrong-channel"],
        "2026-01-20": ["wrong-recipient"],
        "2026-01-29": ["outside-slot"],
        "2026-02-02": ["closed-topic"],
    }
    (period,) = rep.periods
    assert period.text == "12 contacts, 5 outside the arrangements"
    assert period.by_kind == {
        "over-quota": 1,
        "call-length": 1,
        "wrong-channel": 1,
        "wrong-recipient": 1,
        "outside-slot": 1,
        "closed-topic": 1,
    }
    assert rep.current(d("2026-03-01")) is period
    b = rep.breaches[0]
    assert (
        b.message == "contact 3 this calendar week; at most 2 allowed; lasted 30 minutes; limit 20"
    )


def test_breaches_are_warnings_with_file_and_line(tb):
    path = tb.write(
        case(
            [
                decision("2026-01-12", "monitoring", restrictions=MONITORING),
                letter("2026-01-12"),
                contact("2026-01-19", channel="letter"),
            ]
        )
    )
    found = tb.check("2026-01-20")
    assert rules(found) == ["breach"]
    (f,) = found
    assert (f.severity, f.field) == ("warning", "events[2]")
    assert "contact on 2026-01-19 was outside the arrangements: by letter" in f.message
    assert "type: contact" in "\n".join(path.read_text().splitlines()[f.line - 1 : f.line + 3])


def test_monthly_quota_counts_calendar_months(tb):
    volume = [{"type": "volume", "max": 3, "per": "month"}]
    days = ["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02", "2026-02-03", "2026-02-28"]
    tb.write(
        case(
            [
                decision("2026-01-12", "monitoring", restrictions=volume),
                letter("2026-01-12"),
                *[contact(x) for x in days],
            ]
        )
    )
    rep = report(tb, "2026-03-01")
    assert [b.date.isoformat() for b in rep.breaches] == ["2026-02-28"]


def test_quota_on_one_channel_only(tb):
    volume = [{"type": "volume", "max": 1, "per": "week", "channel": "phone"}]
    tb.write(
        case(
            [
                decision("2026-01-12", "monitoring", restrictions=volume),
                letter("2026-01-12"),
                contact("2026-01-12", channel="phone"),
                contact("2026-01-13"),
                contact("2026-01-14", channel="phone"),
            ]
        )
    )
    assert [b.date.isoformat() for b in report(tb, "2026-02-01").breaches] == ["2026-01-14"]


def test_no_contact_period_and_after_it(tb):
    tb.write(
        case(
            [
                decision("2026-01-12", "monitoring"),
                letter("2026-01-12"),
                decision("2026-04-10", "no-contact", by="dir-dev"),
                contact("2026-05-01"),
                contact("2026-10-10"),
                contact("2026-10-11"),  # the period has ended; a decision is overdue instead
            ]
        )
    )
    rep = report(tb, "2026-10-12")
    assert [(b.date.isoformat(), b.reasons[0].kind) for b in rep.breaches] == [
        ("2026-05-01", "no-contact"),
        ("2026-10-10", "no-contact"),
    ]
    assert "during the no-contact period to 2026-10-10" in rep.breaches[0].message


def test_diverted_and_blocked_email(tb):
    restricted = [
        {"type": "spoc", "officer": "mgr-amber"},
        {"type": "email-diverted", "to": "mgr-basil"},
    ]
    tb.write(
        case(
            [
                decision("2026-01-12", "monitoring"),
                letter("2026-01-12"),
                decision("2026-02-02", "restricted", by="dir-dev", restrictions=restricted),
                contact("2026-02-03", to="mgr-basil"),
                contact("2026-02-03", channel="phone", to="dir-eve"),
                decision(
                    "2026-03-02",
                    "restricted",
                    by="dir-dev",
                    restrictions=[{"type": "email-blocked"}],
                ),
                contact("2026-03-02", to="mgr-basil"),  # the new decision applies that day
                contact("2026-03-03", channel="phone", to="dir-eve"),
            ]
        )
    )
    rep = report(tb, "2026-03-10")
    assert [(b.date.isoformat(), b.reasons[0].kind) for b in rep.breaches] == [
        ("2026-02-03", "wrong-recipient"),
        ("2026-03-02", "wrong-channel"),
    ]
    assert [p.text for p in rep.periods] == [
        "0 contacts, 0 outside the arrangements",
        "2 contacts, 1 outside the arrangements",
        "2 contacts, 1 outside the arrangements",
    ]


def test_restriction_with_its_own_dates(tb):
    slot = {
        "type": "channels",
        "allowed": ["letter"],
        "start": d("2026-01-20"),
        "end": d("2026-01-31"),
    }
    tb.write(
        case(
            [
                decision("2026-01-12", "monitoring", restrictions=[slot]),
                letter("2026-01-12"),
                contact("2026-01-19"),
                contact("2026-01-20"),
                contact("2026-01-31"),
                contact("2026-02-01"),
            ]
        )
    )
    dates = [b.date.isoformat() for b in report(tb, "2026-02-02").breaches]
    assert dates == ["2026-01-20", "2026-01-31"]


def test_contacts_after_as_of_are_not_judged(tb):
    tb.write(
        case(
            [
                decision("2026-01-12", "monitoring", restrictions=MONITORING),
                letter("2026-01-12"),
                contact("2026-01-19", channel="letter"),
            ]
        )
    )
    assert report(tb, "2026-01-18").breaches == []
    assert "future-event" in rules(tb.check("2026-01-18"))


def big_case(n: int) -> Case:
    events: list[dict] = [
        decision("2026-01-12", "monitoring", restrictions=MONITORING),
        letter("2026-01-12"),
    ]
    start = d("2026-01-12").toordinal()
    for i in range(n):
        day = type(d("2026-01-12")).fromordinal(start + i // 40)
        events.append(
            contact(
                day.isoformat(),
                channel="phone" if i % 3 else "email",
                to="mgr-basil" if i % 5 else "planning-duty",
                time=f"{9 + i % 5:02d}:15",
                minutes=10 + i % 20,
            )
        )
    return Case.model_validate(case(events))


def _calls_during(fn) -> int:
    """How many Python function calls ``fn()`` makes (a count, not a time: repeatable on a
    busy machine)."""
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(count)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return calls


def test_twenty_thousand_contacts_in_linear_time(tb):
    proc = tb.book().policy.procedures["timed"]
    small, large = big_case(2_000), big_case(20_000)
    rep = analyse(timeline(large, proc, d("2028-01-01")))
    assert rep.periods[0].contacts == 20_000
    assert rep.periods[0].outside > 0
    # Ten times the contacts must cost about ten times the work: a scan of every contact or
    # restriction per contact would cost a hundred times as much.
    a = _calls_during(lambda: analyse(timeline(small, proc, d("2028-01-01"))))
    b = _calls_during(lambda: analyse(timeline(large, proc, d("2028-01-01"))))
    assert b / a < 10 * 1.2, (a, b)


def test_handling_card_shows_the_no_contact_period_of_a_no_contact_state(tb):
    from casebook.publish.handling import handling_card

    tb.write(
        case(
            [
                decision("2026-01-12", "monitoring"),
                letter("2026-01-12"),
                decision("2026-04-10", "no-contact", by="dir-dev"),
            ]
        )
    )
    book = tb.book()
    (c,) = book.cases()
    card = handling_card(
        timeline(c, book.policy.procedures["timed"], d("2026-05-01")), book.policy.people.by_id()
    )
    assert card is not None
    assert card.restrictions == ("No contact with the council until 10 October 2026",)
    assert card.what_to_do[0] == "Do not engage. Politely end the call or conversation."
