"""Bad dates and periods give findings with file, line and field; no command gives a traceback."""

from __future__ import annotations

import pytest

from tests.conftest import run_process

from .timed import Book, case, contact, d, decision, letter, review

RESTRICTED = [decision("2026-01-12", "monitoring"), letter("2026-01-13")]


def restricted(*more, restrictions=None):
    extra = {"restrictions": restrictions} if restrictions is not None else {}
    return case(
        [
            *RESTRICTED,
            decision("2026-03-31", "restricted", by="dir-dev", **extra),
            {
                "date": d("2026-04-01"),
                "type": "notification",
                "list": "staff",
                "by": "mgr-amber",
                "about": "Restrictions in place",
            },
            *more,
        ]
    )


def raw(tb: Book, data: dict, replace: tuple[str, str] | None = None) -> None:
    path = tb.write(data)
    if replace:
        text = path.read_text()
        assert replace[0] in text, text
        path.write_text(text.replace(*replace))


BAD = [
    # (name, record, text replacement, rule, field, words)
    (
        "impossible review date",
        restricted(review("2026-06-30")),
        ("date: 2026-06-30", "date: 2026-06-31"),
        "schema",
        "events[4].date",
        "date",
    ),
    (
        "restriction ends before it starts",
        restricted(
            restrictions=[
                {
                    "type": "spoc",
                    "officer": "mgr-basil",
                    "start": d("2026-05-01"),
                    "end": d("2026-04-01"),
                }
            ]
        ),
        None,
        "schema",
        "events[2].restrictions[0]",
        "is before start",
    ),
    (
        "restriction ends before the decision",
        restricted(restrictions=[{"type": "spoc", "officer": "mgr-basil", "end": d("2026-03-01")}]),
        None,
        "restriction",
        "events[2].restrictions[0].end",
        "before the decision",
    ),
    (
        "review before the decision it reviews",
        case([*RESTRICTED, review("2026-01-10")]),
        None,
        "review",
        "events[2].date",
        "before the decision of 2026-01-12 it reviews",
    ),
    (
        "review with nothing to review",
        case([review("2026-01-10")]),
        None,
        "review",
        "events[0].date",
        "no arrangements to review",
    ),
    (
        "next review before the review",
        restricted(review("2026-06-30", next_review=d("2026-06-01"))),
        None,
        "review",
        "events[4].next_review",
        "is not after the review date",
    ),
    (
        "next review later than the procedure allows",
        restricted(review("2026-06-30", next_review=d("2027-01-15"))),
        None,
        "review",
        "events[4].next_review",
        "later than the procedure allows",
    ),
    (
        "restriction type not allowed at this stage",
        case(
            [
                decision(
                    "2026-01-12",
                    "monitoring",
                    restrictions=[{"type": "no-contact", "end": d("2026-03-01")}],
                ),
                letter("2026-01-13"),
            ]
        ),
        None,
        "restriction",
        "events[0].restrictions[0].type",
        "not allowed in state 'monitoring'",
    ),
    (
        "quota of zero",
        restricted(restrictions=[{"type": "volume", "max": 1, "per": "week"}]),
        ("max: 1", "max: 0"),
        "schema",
        "events[2].restrictions[0].max",
        "greater than or equal to 1",
    ),
    (
        "negative quota",
        restricted(restrictions=[{"type": "volume", "max": 1, "per": "week"}]),
        ("max: 1", "max: -3"),
        "schema",
        "events[2].restrictions[0].max",
        "greater than or equal to 1",
    ),
    (
        "time slot ending before it starts",
        restricted(
            restrictions=[{"type": "time-slot", "days": ["mon"], "from": "12:00", "to": "10:00"}]
        ),
        None,
        "schema",
        "events[2].restrictions[0]",
        "ends (10:00) before it starts (12:00)",
    ),
    (
        "contact after --as-of",
        restricted(contact("2026-09-01", channel="phone")),
        None,
        "future-event",
        "events[4].date",
        "after the check date",
    ),
    (
        "decision until before its date",
        case([decision("2026-01-12", "monitoring", until=d("2026-01-01")), letter("2026-01-13")]),
        None,
        "period",
        "events[0].until",
        "not after the decision date",
    ),
]


@pytest.mark.parametrize(
    ("record", "replace", "rule", "field", "words"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_time_input(tmp_path, record, replace, rule, field, words):
    tb = Book(tmp_path)
    raw(tb, record, replace)
    found = [f for f in tb.check("2026-07-01") if f.severity == "error"]
    hits = [f for f in found if f.rule == rule and words in f.message]
    assert hits, "\n".join(f.as_text() for f in found)
    f = hits[0]
    assert f.file == "cases/TC-2026-0001.yaml"
    assert f.field == field, f
    assert f.line is not None and f.line > 1


def test_no_breach_is_judged_for_a_future_contact(tmp_path):
    tb = Book(tmp_path)
    tb.write(
        restricted(
            contact("2026-09-01", channel="phone", to="planning-duty"),
            restrictions=[{"type": "spoc", "officer": "mgr-basil"}],
        )
    )
    assert "breach" not in {f.rule for f in tb.check("2026-07-01")}


@pytest.mark.parametrize("command", ["due", "register", "retention"])
def test_reports_say_when_a_case_could_not_be_read(tmp_path, cli, command):
    tb = Book(tmp_path)
    tb.write(restricted())
    (tb.root / "cases/TC-2026-0002.yaml").write_text("id: [broken\n")
    if command == "due":  # once as a real process: no traceback, the real exit code
        res = run_process("--root", tb.root, command, "--as-of", "2026-04-02")
        assert "Traceback" not in res.out + res.err
    else:
        res = cli("--root", tb.root, command, "--as-of", "2026-04-02")
    assert res.code == 1
    assert "1 case file(s) could not be read" in res.err
    assert "casebook check" in res.err


@pytest.mark.parametrize(
    "args",
    [
        ["due", "--as-of", "2026-13-01"],
        ["due", "--within", "soon"],
        ["register", "--format", "xml"],
        ["purge"],
        ["purge", "../etc/passwd"],
        ["purge", "TC-2026-0001", "--as-of", "yesterday"],
    ],
)
def test_usage_errors_are_exit_2_without_traceback(tmp_path, cli, args):
    tb = Book(tmp_path)
    tb.write(restricted())
    res = cli("--root", tb.root, *args)
    assert res.code == 2, res
    assert "Traceback" not in res.out + res.err
    assert "internal error" not in res.err
