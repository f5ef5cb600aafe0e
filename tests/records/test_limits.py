"""Issue 13 kinds 6 and 9: documented limits (docs/limits.md) and hostile CSV cells.

A record over the size limit is a finding, not minutes of parsing; an import over the row limit
is refused before validation; a refused import shows the first 50 errors and a count; a NUL or
another control character in a CSV cell is refused with its line.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from casebook.records import csvcontacts
from casebook.store.cases import MAX_RECORD_BYTES

CASE = "MC-2026-0001"
AS_OF = ("--as-of", "2026-04-01")


def export(root, text: str):
    src = root / "export.csv"
    src.write_text(text, encoding="utf-8")
    return src


def test_a_record_over_the_size_limit_is_a_finding(cli, mini):
    path = mini / "cases" / f"{CASE}.yaml"
    before = path.read_text()
    path.write_text(before + "# padding\n" * (MAX_RECORD_BYTES // 10 + 1))
    res = cli("--root", mini, "check", *AS_OF, "--format", "json")
    assert res.code == 1
    (finding,) = [f for f in json.loads(res.out)["findings"] if f["rule"] == "size"]
    assert finding["file"] == f"cases/{CASE}.yaml" and "2,000,000" in finding["message"]
    res = cli("--root", mini, "fmt", path)
    assert res.code == 1 and "2,000,000" in res.err
    res = cli(
        "--root", mini, "log", "contact", CASE, "--date", "2026-03-20", "--channel", "email",
        "--to", "mgr-basil", "--summary", "s", *AS_OF,
    )  # fmt: skip
    assert res.code == 1 and "internal error" not in res.err


def test_an_import_over_the_row_limit_is_refused_early(cli, mini, monkeypatch):
    monkeypatch.setattr(csvcontacts, "MAX_ROWS", 10)
    rows = "\n".join(f"2026-03-2{i % 9},email,mgr-basil,Row {i}" for i in range(11))
    src = export(mini, "date,channel,to,summary\n" + rows + "\n")
    res = cli("--root", mini, "log", "contacts", CASE, "--csv", src, *AS_OF)
    assert res.code == 2
    assert "export.csv line 12: more than 10 rows" in res.err


def test_a_refused_import_shows_50_errors_and_a_count(cli, mini):
    # 120 contacts by a channel the procedure does not have: each row brings an error.
    day = date(2026, 3, 20)
    rows = [
        f"{day + timedelta(days=i // 10)},{9 + i % 10:02d}:00,pigeon,mgr-basil,Row {i}"
        for i in range(120)
    ]
    src = export(mini, "date,time,channel,to,summary\n" + "\n".join(rows) + "\n")
    res = cli("--root", mini, "log", "contacts", CASE, "--csv", src, "--as-of", "2026-06-01")
    assert res.code == 1
    assert "not written: the change would bring" in res.err
    assert "... and " in res.err and "more" in res.err
    assert len(res.err.splitlines()) <= 53


@pytest.mark.parametrize(
    ("cell", "code"),
    [("a\x00b", "U+0000"), ("\x1b[31mred", "U+001B"), ("x\u202ey", "U+202E"), ("a\x7f", "U+007F")],
)
def test_control_characters_in_a_csv_cell_are_refused(cli, mini, cell, code):
    path = mini / "cases" / f"{CASE}.yaml"
    before = path.read_bytes()
    src = export(mini, f"date,channel,to,summary\n2026-03-20,email,mgr-basil,{cell}\n")
    res = cli("--root", mini, "log", "contacts", CASE, "--csv", src, *AS_OF)
    assert res.code == 2
    assert f"export.csv line 2: summary: contains the control character {code}" in res.err
    assert path.read_bytes() == before


def test_control_characters_on_the_command_line_are_refused(cli, mini):
    path = mini / "cases" / f"{CASE}.yaml"
    before = path.read_bytes()
    res = cli(
        "--root", mini, "log", "contact", CASE, "--date", "2026-03-20", "--channel", "email",
        "--to", "mgr-basil", "--summary", "a\x00b", *AS_OF,
    )  # fmt: skip
    assert res.code == 2 and "summary: contains the control character U+0000" in res.err
    assert path.read_bytes() == before
