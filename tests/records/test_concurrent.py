"""Two record commands on one case at once: the second never edits from a stale record."""

from __future__ import annotations

from datetime import date

import pytest

from casebook.check.loading import require
from casebook.errors import RecordError
from casebook.records.edits import AppendEvents, plan_edit

CASE = "MC-2026-0001"


def _contact(day: str) -> dict[str, object]:
    return {
        "date": date.fromisoformat(day),
        "type": "contact",
        "time": "09:30",
        "channel": "email",
        "to": "mgr-basil",
        "summary": "Asked about the complaint",
    }


def test_a_record_written_by_another_command_after_loading_is_not_edited(cli, mini):
    # Found by the sweep: six `log contact` runs at once; one placed its event by the dates
    # of the record it had loaded, in the text another run had just written, and failed with
    # a false "events are a history: keep them in date order" instead of "run it again".
    book = require(mini)
    assert book.file_for(CASE) is not None and book.file_for(CASE).case is not None
    # Another command records a later contact in between.
    res = cli(
        "--root", mini, "log", "contact", CASE, "--date", "2026-03-20", "--time", "09:30",
        "--channel", "email", "--to", "mgr-basil", "--summary", "Asked again",
        "--as-of", "2026-04-01",
    )  # fmt: skip
    assert res.code == 0, res.err
    written = (mini / f"cases/{CASE}.yaml").read_bytes()
    with pytest.raises(RecordError, match="changed while casebook was working on it"):
        plan_edit(book, CASE, AppendEvents((_contact("2026-03-18"),)), date(2026, 4, 1))
    assert (mini / f"cases/{CASE}.yaml").read_bytes() == written
    # A fresh load places it in date order.
    edit = plan_edit(require(mini), CASE, AppendEvents((_contact("2026-03-18"),)), date(2026, 4, 1))
    assert edit.ok, [x.as_text() for x in edit.new_errors]
