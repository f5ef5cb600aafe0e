"""The central register: rows from the records, and the command's three formats."""

from __future__ import annotations

import csv
import io
import json

import pytest

from casebook.publish.register import CSV_COLUMNS, register_rows

from .timed import Book, case, contact, d, decision, letter, notified, review

RESTRICTIONS = [
    {"type": "spoc", "officer": "mgr-basil"},
    {"type": "volume", "max": 2, "per": "week"},
    {"type": "channels", "allowed": ["email", "letter"], "end": d("2026-12-31")},
]


@pytest.fixture
def tb(tmp_path):
    book = Book(tmp_path)
    book.write(
        case(
            [
                decision("2026-01-12", "monitoring"),
                letter("2026-01-13"),
                contact("2026-02-02", channel="phone"),
                decision("2026-03-31", "restricted", by="dir-dev", restrictions=RESTRICTIONS),
                notified("2026-04-01"),
                contact("2026-04-06"),
                contact("2026-04-07", channel="phone"),
                review("2026-06-20"),
            ]
        )
    )
    book.write(
        case(
            [
                decision("2026-01-20", "monitoring"),
                letter("2026-01-21"),
                decision("2026-02-10", "closed"),
            ],
            case_id="TC-2026-0002",
        )
    )
    return book


def test_rows(tb):
    one, two = register_rows(tb.book(), d("2026-07-01"))
    assert (one.case, one.state, one.state_label, one.active) == (
        "TC-2026-0001",
        "restricted",
        "Contact restricted",
        True,
    )
    assert one.restrictions == (
        "Contact only through Basil Manager (single point of contact)",
        "At most 2 contacts per week",
        "Contact only by e-mail or letter until 31 December 2026",
    )
    assert [(x.date, x.to, x.decided_by) for x in one.decisions] == [
        (d("2026-01-12"), "monitoring", ("Amber Manager",)),
        (d("2026-03-31"), "restricted", ("Dev Director",)),
    ]
    assert (one.last_review, one.next_review, one.next_review_latest) == (
        d("2026-06-20"),
        d("2026-09-20"),
        d("2026-12-20"),
    )
    assert one.expires == d("2026-12-31")
    assert one.breaches_summary == "2 contacts, 1 outside the arrangements"
    assert (one.deletion_due, one.overdue) == (None, ())
    assert (two.state, two.active, two.restrictions, two.deletion_due) == (
        "closed",
        False,
        (),
        d("2028-02-10"),
    )
    assert two.breaches_summary is None


def test_csv_has_no_names_unless_asked(tb, cli):
    res = cli("--root", tb.root, "register", "--as-of", "2026-07-01", "--format", "csv")
    assert res.code == 0
    rows = list(csv.reader(io.StringIO(res.out)))
    assert rows[0] == CSV_COLUMNS
    assert "Robin Fictional" not in res.out
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["restrictions"].count("; ") == 2
    assert first["next_review"] == "2026-09-20"
    res = cli("--root", tb.root, "register", "--as-of", "2026-07-01", "--format", "csv", "--names")
    rows = list(csv.reader(io.StringIO(res.out)))
    assert rows[0][:2] == ["person", "case"] and rows[1][0] == "Robin Fictional"


def test_json_and_text(tb, cli):
    res = cli("--root", tb.root, "register", "--as-of", "2026-12-21", "--format", "json")
    data = json.loads(res.out)
    assert data["as_of"] == "2026-12-21"
    one = data["cases"][0]
    assert "person" not in one
    assert one["overdue"] == ["review"]  # due 2026-09-20, at the latest 2026-12-20
    assert one["decided_by"] == ["Dev Director"]
    res = cli("--root", tb.root, "register", "--as-of", "2026-07-01", "--names")
    assert "TC-2026-0001 Robin Fictional  [timed]  Contact restricted since 2026-03-31" in res.out
    assert "this period: 2 contacts, 1 outside the arrangements" in res.out
    assert "delete by 2028-02-10" in res.out
