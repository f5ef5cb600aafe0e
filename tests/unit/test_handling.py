"""The staff handling card (casebook.handling) on a demo case with a service exception."""

from __future__ import annotations

import email
import email.policy
from datetime import date
from pathlib import Path

from casebook.check.loading import load
from casebook.engine.timeline import timeline
from casebook.publish.handling import handling_card

CASE = "CCM-2026-0001"  # SPOC, volume, channels, time slot and a service exception
AS_OF = date(2026, 11, 23)


def test_a_service_exception_is_an_exception_not_a_restriction(demo: Path) -> None:
    book, _ = load(demo, use_cache=False)
    assert book is not None
    (case,) = [c for c in book.cases() if c.id == CASE]
    proc = book.policy.procedures[case.procedure]
    card = handling_card(timeline(case, proc, AS_OF), book.policy.people.by_id())
    assert card is not None and card.spoc is not None
    assert len(card.exceptions) == 1 and "may go on corresponding about" in card.exceptions[0]
    assert not any("may go on corresponding" in line for line in card.restrictions)
    assert card.restrictions[0].startswith(f"Contact only through {card.spoc.name}")
    # Staff are told who to send their note to by name, not by a role they may not know.
    assert card.what_to_do[-1].endswith(f"send it to {card.spoc.name}.")


def test_the_all_staff_message_lists_the_exception_once(cli, demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = cli("--root", demo, "notify", CASE, "--all", "--out", out, "--as-of", AS_OF.isoformat())
    assert res.code == 0, res.err
    last = sorted((out / CASE).glob("*.eml"))[-1]
    msg = email.message_from_bytes(last.read_bytes(), policy=email.policy.default)
    body = " ".join(msg.get_body().get_content().split())  # type: ignore[union-attr]
    assert body.count("may go on corresponding about") == 1
    assert body.index("WHAT IS RESTRICTED") < body.index("EXCEPTIONS") < body.index("WHAT TO DO")


def test_three_channels_read_as_a_list(demo: Path) -> None:
    book, _ = load(demo, use_cache=False)
    assert book is not None
    (case,) = [c for c in book.cases() if c.id == "MC-2026-0008"]
    proc = book.policy.procedures[case.procedure]
    card = handling_card(timeline(case, proc, AS_OF), book.policy.people.by_id())
    assert card is not None
    assert "Contact only by online webform, e-mail or letter" in card.restrictions
