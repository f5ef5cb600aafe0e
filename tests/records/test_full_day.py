"""A governance officer's day with commands only, on a throwaway copy of the demo casebook:
new case, contacts, a contact reported late, decision, letter, notification, review, close.
No YAML is edited by hand; every step only inserts lines, and `casebook check` passes at the
end."""

from __future__ import annotations

import json
from pathlib import Path

from tests.records.test_record_commands import added_lines

CASE = "MC-2026-0012"


def test_a_full_day_with_commands_only(cli, demo: Path, tmp_path: Path):
    path = demo / "cases" / f"{CASE}.yaml"
    opened = cli(
        "new", "--procedure", "managed-contact", "--service", "Planning", "--name", "Sam Sample",
        "--email", "sam@example.org", "--referred-on", "2026-03-02", "--referred-by", "tm-jones",
        "--capacity", "service", "--behaviour", "high-volume",
        "--contact-count", "phone=30 in one week",
        "--account", "About 30 calls to the duty planner in one week about a closed complaint",
        "--as-of", "2026-03-02", "--root", demo,
    )  # fmt: skip
    assert opened.code == 0, opened.err
    csv = tmp_path / "calls.csv"
    csv.write_text(
        "date,time,summary\n2026-03-04,10:15,Called about the closed complaint\n"
        "2026-03-03,09:05,Asked for the complaint file\n"
    )
    steps = [
        ("log", "contacts", CASE, "--csv", csv, "--channel", "phone", "--to", "planning-duty",
         "--as-of", "2026-03-04"),
        ("log", "decision", CASE, "--date", "2026-03-09", "--to", "stage-1", "--decided-by",
         "tm-jones", "--consulted", "sigo-khan", "--reasons",
         "You called the duty planner about thirty times in one week", "--restriction",
         "spoc officer=tm-jones", "--final-position",
         "The complaint is closed; the planning decision stands", "--as-of", "2026-03-09"),
        ("log", "letter", CASE, "--date", "2026-03-10", "--letter", "stage-1-letter", "--by",
         "tm-jones", "--via", "email", "--as-of", "2026-03-10"),
        # Reported a week late: goes in before the decision, not refused.
        ("log", "contact", CASE, "--date", "2026-03-05", "--time", "16:40", "--channel",
         "phone", "--to", "planning-duty", "--summary", "Called again", "--as-of", "2026-03-12"),
        ("log", "notification", CASE, "--date", "2026-03-12", "--by", "sigo-khan",
         "--as-of", "2026-03-12"),
        # "in consultation with the relevant senior managers/Directors" (review.consult).
        ("log", "review", CASE, "--date", "2026-06-05", "--by", "sigo-khan,tm-jones",
         "--consulted", "hos-okafor", "--outcome", "continue", "--notes",
         "Calls down to one a week", "--next-review", "2026-09-05", "--as-of", "2026-06-05"),
        # The review changed nothing: its outcome letter is still owed (review.letter).
        ("log", "letter", CASE, "--date", "2026-06-08", "--letter", "review-outcome-letter",
         "--by", "sigo-khan", "--via", "email", "--as-of", "2026-06-08"),
        ("close", CASE, "--date", "2026-09-09", "--decided-by", "sigo-khan,tm-jones",
         "--consulted", "hos-okafor", "--reasons", "No calls since June", "--as-of",
         "2026-09-09"),
        ("log", "letter", CASE, "--date", "2026-09-10", "--letter", "closure-letter", "--by",
         "tm-jones", "--via", "email", "--as-of", "2026-09-10"),
    ]  # fmt: skip
    for step in steps:
        before = path.read_text()
        res = cli(*step, "--root", demo)
        assert res.code == 0, (step, res.err)
        assert added_lines(before, path.read_text()), step  # lines inserted, none changed

    text = path.read_text()
    order = [line.split(": ", 1)[1] for line in text.splitlines() if "    type: " in line]
    assert order == ["contact", "contact", "contact", "decision", "letter",
                     "notification", "review", "letter", "decision", "letter"]  # fmt: skip
    assert "consulted: [hos-okafor]" in text.split("type: review")[1].split("type: letter")[0]
    assert "list: ig-register" in text and "about: 'Stage 1: warn and start monitoring'" in text

    report = json.loads(cli("check", "--as-of", "2026-11-23", "--format", "json",
                            "--root", demo).out)  # fmt: skip
    assert report["ok"], [f for f in report["findings"] if f["severity"] == "error"]
    mine = [f for f in report["findings"] if f["case"] == CASE]
    assert mine == [], mine

    # The letter the person got: the referral's count, and how to reach the contact.
    out = tmp_path / "letters"
    res = cli("letters", CASE, "--format", "md", "--out", out, "--root", demo)
    assert res.code == 0, res.err
    letter = (out / CASE / "2026-03-10-stage-1-letter.md").read_text()
    assert "- Telephone: 30 in one week" in letter
    assert "logged since" not in letter  # calls logged one by one are not the count
    assert "telephone: 01632 960412" in letter and "gareth.jones@council.example" in letter
