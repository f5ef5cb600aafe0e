"""Wording that is one council's comes from its procedure file, not from code: the police
sentence on staff cards (Text 002's zero tolerance), the closed-topic wording (Text 004's
"fresh evidence"), the ombudsman in letters (PSOW for the Welsh procedure)."""

from __future__ import annotations

from datetime import date

from casebook.check.loading import load
from casebook.engine.timeline import timeline
from casebook.publish.handling import handling_card
from tests.conftest import REPO

AS_OF = date(2026, 11, 23)
POLICE = "The council reports violence and serious threats to the police."


def _cards():
    book, _ = load(REPO, use_cache=False)
    assert book is not None
    people = {p.id: p for p in book.policy.people.people}
    out = {}
    for case in book.cases():
        card = handling_card(timeline(case, book.policy.procedures[case.procedure], AS_OF), people)
        if card is not None:
            out.setdefault(case.procedure, []).append(card)
    return out, book.policy


def test_police_sentence_only_where_the_procedure_says_it():
    cards, policy = _cards()
    assert len(cards) >= 3
    for pid, found in cards.items():
        sc = policy.procedures[pid].staff_card
        says = sc is not None and sc.emergency is not None and POLICE in sc.emergency
        assert all((POLICE in c.emergency) == says for c in found), pid
    assert any(POLICE in c.emergency for cs in cards.values() for c in cs)
    assert any(POLICE not in c.emergency for cs in cards.values() for c in cs)


def test_closed_topic_staff_step_is_the_procedures():
    cards, policy = _cards()
    step = "Read everything: new issues are dealt with on their merits."
    for pid, found in cards.items():
        m = policy.procedures[pid].measures.get("closed-topic")
        for c in found:
            if step in c.what_to_do:
                assert m is not None and step in m.staff_steps, pid


# breaks: * staff_card
def test_every_staff_card_states_its_procedures_wording():
    """A procedure's ``staff_card`` wording (002's zero tolerance: "this behaviour will always
    be reported to the Police"; the "right to be heard, understood and respected" of the
    Welsh text) is on the card of every case in force under it: a card that drops it fails."""
    cards, policy = _cards()
    worded = {pid: p.staff_card for pid, p in policy.procedures.items() if p.staff_card}
    assert worded, "no procedure words its staff cards"
    for pid, sc in worded.items():
        assert cards.get(pid), f"no demo case of {pid} is in force, so no card shows its wording"
        for card in cards[pid]:
            if sc.emergency:
                assert sc.emergency in card.emergency, (pid, card.case_id)
            for step in sc.steps:
                assert step in card.what_to_do, (pid, card.case_id, step)
