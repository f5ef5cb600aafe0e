"""Obligations: every clock in a procedure becomes a dated obligation, met or not."""

from __future__ import annotations

import json

import pytest

from casebook.engine.obligations import obligations
from casebook.engine.replay import add_period
from casebook.engine.timeline import timeline
from casebook.model.procedure import Period

from .timed import Book, case, contact, d, decision, letter, notified, review, rules


@pytest.fixture
def tb(tmp_path):
    return Book(tmp_path)


def open_obligations(tb: Book, as_of: str) -> dict[str, object]:
    return {o.key: o for o in obligations(tb.book(), d(as_of)) if not o.met}


def restricted_case(*more):
    return case(
        [
            decision("2026-01-12", "monitoring"),
            letter("2026-01-13"),
            decision("2026-03-31", "restricted", by="dir-dev"),
            notified("2026-04-01"),
            *more,
        ]
    )


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2027-11-30", 3, "2028-02-29"),
        ("2026-01-31", 3, "2026-04-30"),
        ("2026-03-09", 3, "2026-06-09"),
    ],
)
def test_calendar_months(start, months, expected):
    assert add_period(d(start), Period(months=months, source="council-setting: test")) == d(
        expected
    )


def test_monitoring_end_and_letter(tb):
    tb.write(case([decision("2026-01-31", "monitoring")]))
    obs = {o.kind: o for o in obligations(tb.book(), d("2026-02-02"))}
    assert obs["monitoring-ends"].due == d("2026-04-30")
    assert obs["monitoring-ends"].key == "TC-2026-0001/monitoring-ends/0"
    assert obs["letter"].due == d("2026-02-05")  # five days, from the procedure
    assert rules(tb.check("2026-02-02")) == ["letter"]
    assert rules(tb.check("2026-02-06"), "error") == ["letter"]
    assert rules(tb.check("2026-04-20")) == ["due-soon", "letter"]
    assert rules(tb.check("2026-05-01"), "error") == ["letter", "overdue"]


def test_letter_sent_late_is_a_warning_not_an_error(tb):
    tb.write(case([decision("2026-01-12", "monitoring"), letter("2026-01-20")]))
    found = tb.check("2026-02-01")
    assert rules(found) == ["letter"]
    assert "after it was due (2026-01-17)" in found[0].message


def test_review_clock_counts_from_decision_then_from_each_review(tb):
    tb.write(restricted_case())
    first = open_obligations(tb, "2026-04-02")["TC-2026-0001/review/2/1"]
    assert (first.due, first.latest) == (d("2026-06-30"), d("2026-09-30"))
    tb.write(restricted_case(review("2026-07-10")))
    obs = {o.key: o for o in obligations(tb.book(), d("2026-07-11"))}
    assert obs["TC-2026-0001/review/2/1"].met_on == d("2026-07-10")
    nxt = obs["TC-2026-0001/review/2/2"]
    assert (nxt.met, nxt.due, nxt.latest) == (False, d("2026-10-10"), d("2027-01-10"))


def test_next_review_may_put_the_next_one_later_but_not_past_the_latest(tb):
    tb.write(restricted_case(review("2026-07-10", next_review=d("2026-11-30"))))
    nxt = open_obligations(tb, "2026-07-11")["TC-2026-0001/review/2/2"]
    assert (nxt.due, nxt.latest) == (d("2026-11-30"), d("2027-01-10"))


def test_next_review_brings_the_next_one_forward(tb):
    tb.write(restricted_case(review("2026-07-10", next_review=d("2026-08-01"))))
    nxt = open_obligations(tb, "2026-07-11")["TC-2026-0001/review/2/2"]
    assert (nxt.due, nxt.latest) == (d("2026-08-01"), d("2027-01-10"))


@pytest.mark.parametrize(
    ("as_of", "expected", "words"),
    [
        ("2026-06-10", [], None),
        ("2026-06-20", ["due-soon"], "due 2026-06-30 (at the latest 2026-09-30)"),
        ("2026-07-15", ["due-soon"], "was due 2026-06-30"),
        ("2026-09-30", ["due-soon"], "by 2026-09-30 at the latest"),
        ("2026-10-01", ["overdue"], "overdue by 1 day"),
    ],
)
def test_missed_review_goes_red_after_the_latest_date(tb, as_of, expected, words):
    path = tb.write(restricted_case())
    found = tb.check(as_of)
    assert rules(found) == expected
    if words:
        (f,) = found
        assert words in f.message
        assert f.file == "cases/TC-2026-0001.yaml"
        assert f.field == "events[2]"
        assert path.read_text().splitlines()[f.line - 1].startswith("- date: 2026-03-31")


def test_review_after_the_latest_date_is_late_not_overdue(tb):
    tb.write(restricted_case(review("2026-10-02")))
    found = tb.check("2026-10-05")
    assert rules(found) == ["late"]
    assert found[0].field == "events[4]"
    assert "2 days after the latest permitted date (2026-09-30)" in found[0].message


def test_a_decision_meets_the_pending_review(tb):
    tb.write(restricted_case(decision("2026-08-01", "closed")))
    assert rules(tb.check("2026-12-01")) == []
    obs = {o.key: o for o in obligations(tb.book(), d("2026-12-01"))}
    assert obs["TC-2026-0001/review/2/1"].met_on == d("2026-08-01")


def test_no_review_is_asked_for_on_or_after_the_end_of_a_period(tb):
    # Monitoring has a period and no review cadence; the decision at its end is the review.
    tb.write(case([decision("2026-01-12", "monitoring"), letter("2026-01-13")]))
    kinds = [o.kind for o in obligations(tb.book(), d("2026-02-01")) if o.case != "timed"]
    assert kinds == ["letter", "monitoring-ends"]


def test_no_contact_period_ends_with_reinvocation(tb):
    tb.write(
        case(
            [
                decision("2026-01-12", "monitoring"),
                letter("2026-01-13"),
                decision("2026-04-15", "no-contact", by="dir-dev"),
            ]
        )
    )
    (ob,) = [o for o in obligations(tb.book(), d("2026-05-01")) if not o.met and o.case != "timed"]
    assert ob.kind == "no-contact-ends"
    assert ob.due == d("2026-10-15")
    assert "invoke the procedure again: Monitoring for 3 months" in ob.label
    book = tb.book()
    c = book.cases()[0]
    derived = timeline(c, book.policy.procedures["timed"], d("2026-05-01"))
    (nc,) = derived.in_force(d("2026-05-01"))
    assert (nc.type, nc.end) == ("no-contact", d("2026-10-15"))


def test_reinvoked_a_day_late(tb):
    tb.write(
        case(
            [
                decision("2026-01-12", "monitoring"),
                letter("2026-01-13"),
                decision("2026-04-10", "no-contact", by="dir-dev"),
                decision("2026-10-11", "monitoring"),
                letter("2026-10-11"),
            ]
        )
    )
    found = tb.check("2026-10-20")
    assert rules(found) == ["late"]
    assert "met on 2026-10-11, 1 day after it was due (2026-10-10)" in found[0].message


def test_notification_obligation_is_the_notify_rule(tb):
    tb.write(
        case(
            [
                decision("2026-01-12", "monitoring"),
                letter("2026-01-13"),
                decision("2026-03-31", "restricted", by="dir-dev"),
            ]
        )
    )
    assert rules(tb.check("2026-04-02")) == ["notify"]
    assert rules(tb.check("2026-04-20"), "error") == ["notify"]


def test_only_events_up_to_as_of_count(tb):
    tb.write(restricted_case(review("2026-07-10")))
    obs = {o.key: o for o in obligations(tb.book(), d("2026-07-01"))}
    assert obs["TC-2026-0001/review/2/1"].met is False
    assert "TC-2026-0001/review/2/2" not in obs


def write_log(tb: Book, text: str) -> None:
    (tb.root / "policy/log-reviews.yaml").write_text(text, encoding="utf-8")


def test_log_review_is_due_a_year_after_the_first_decision(tb):
    tb.write(
        case(
            [
                decision("2026-01-12", "monitoring"),
                letter("2026-01-13"),
                decision("2026-02-01", "closed"),
            ]
        )
    )
    (ob,) = [o for o in obligations(tb.book(), d("2026-06-01")) if o.kind == "log-review"]
    assert (ob.case, ob.procedure, ob.due, ob.key) == (
        "timed",
        "timed",
        d("2027-01-12"),
        "timed/log-review/1",
    )
    found = tb.check("2027-01-13")
    (f,) = [f for f in found if f.rule == "overdue"]
    assert f.file == "policy/log-reviews.yaml"
    write_log(
        tb, "reviews:\n  - {procedure: timed, date: 2027-01-10, by: [dir-dev], notes: Done}\n"
    )
    obs = [o for o in obligations(tb.book(), d("2027-01-13")) if o.kind == "log-review"]
    assert [(o.met, o.due) for o in obs] == [(True, d("2027-01-12")), (False, d("2028-01-10"))]
    assert "overdue" not in rules(tb.check("2027-01-13"))


def test_log_review_by_the_wrong_role(tb):
    tb.write(case([decision("2026-01-12", "monitoring"), letter("2026-01-13")]))
    write_log(tb, "reviews:\n  - {procedure: timed, date: 2026-02-10, by: [mgr-amber], notes: x}\n")
    (f,) = [f for f in tb.check("2026-02-11") if f.rule == "log-review"]
    assert (f.file, f.line, f.field) == ("policy/log-reviews.yaml", 2, "reviews[0].by[0]")
    assert "director" in f.message


def test_invalid_log_review_file_is_a_finding(tb):
    write_log(tb, "reviews:\n  - {procedure: timed, date: 2026-02-30, by: [dir-dev], notes: x}\n")
    (f,) = [f for f in tb.check("2026-03-01") if f.rule == "log-review"]
    assert (f.file, f.line, f.field) == ("policy/log-reviews.yaml", 2, "reviews[0].date")


def test_due_command(tb, cli):
    tb.write(restricted_case())
    res = cli("--root", tb.root, "due", "--as-of", "2026-10-01", "--format", "json")
    assert res.code == 1
    data = json.loads(res.out)
    assert data["as_of"] == "2026-10-01"
    ob, log = data["obligations"]
    assert log["case"] == "timed"
    assert {k: ob[k] for k in ("case", "procedure", "kind", "due", "latest", "overdue")} == {
        "case": "TC-2026-0001",
        "procedure": "timed",
        "kind": "review",
        "due": "2026-06-30",
        "latest": "2026-09-30",
        "overdue": True,
    }
    res = cli("--root", tb.root, "due", "--as-of", "2026-04-02")
    assert res.code == 0
    assert "2026-06-30  due" in res.out
    assert "2027-01-12" in res.out  # the central-log review
    res = cli("--root", tb.root, "due", "--as-of", "2026-04-02", "--within", "30")
    assert "1 open" not in res.out and "0 open obligation(s)" in res.out
    res = cli("--root", tb.root, "due", "--within", "-1")
    assert res.code == 2


def test_due_breach_free_contacts_do_not_matter(tb):
    tb.write(restricted_case(contact("2026-04-02")))
    assert open_obligations(tb, "2026-04-03").keys() == {
        "TC-2026-0001/review/2/1",
        "timed/log-review/1",
    }


def test_as_of_is_the_only_clock():
    # Nothing in the core asks the system for today's date.
    import pathlib

    core = pathlib.Path(__file__).parents[2] / "tooling" / "casebook"
    offenders = [
        p.name
        for p in core.rglob("*.py")
        if "cli" not in p.parts
        and ("date.today()" in p.read_text() or "datetime.now(" in p.read_text())
    ]
    assert offenders == []


def test_a_restriction_that_ends_on_its_own_is_listed_then_lapses(tb):
    ending = [{"type": "channels", "allowed": ["letter"], "end": d("2026-02-28")}]
    tb.write(
        case([decision("2026-01-12", "monitoring", restrictions=ending), letter("2026-01-13")])
    )
    (ob,) = [o for o in obligations(tb.book(), d("2026-02-20")) if o.kind == "restriction-ends"]
    assert (ob.due, ob.met, ob.key) == (d("2026-02-28"), False, "TC-2026-0001/restriction-ends/0/0")
    assert rules(tb.check("2026-02-20")) == ["due-soon"]
    (ob,) = [o for o in obligations(tb.book(), d("2026-03-01")) if o.kind == "restriction-ends"]
    assert (ob.met, ob.met_on) == (True, d("2026-02-28"))
    assert rules(tb.check("2026-03-01")) == []


def test_log_reviews_before_the_first_decision_do_not_count(tb):
    tb.write(case([decision("2026-01-12", "monitoring"), letter("2026-01-13")]))
    write_log(
        tb,
        "reviews:\n"
        "  - {procedure: timed, date: 2026-01-02, by: [dir-dev], notes: Before any case}\n"
        "  - {procedure: timed, date: 2026-12-20, by: [dir-dev], notes: First real review}\n",
    )
    obs = [o for o in obligations(tb.book(), d("2027-01-01")) if o.kind == "log-review"]
    assert [(o.key, o.met, o.due) for o in obs] == [
        ("timed/log-review/1", True, d("2027-01-12")),
        ("timed/log-review/2", False, d("2027-12-20")),
    ]
