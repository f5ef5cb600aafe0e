"""The staff site: one handling card per person under an active restriction, and nothing else.

The pages are rendered from ``casebook.handling.HandlingCard`` values only: who the person is
and how to recognise them, what is restricted, whom to pass contact to, what to say, what to do
in an emergency. The page functions never see a case record, so no change to them can publish
a person's contact details, the referral, events or letters. Closed, dormant and referred cases
have no card (``handling_card`` returns None for them).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from casebook.model import Case
from casebook.model.people import Person as Staff
from casebook.publish.handling import HandlingCard, handling_card
from casebook.publish.site import markup as h
from casebook.publish.site import md
from casebook.publish.site.inputs import SiteInputs
from casebook.publish.site.tree import Tree
from casebook.publish.site.view import CaseView, case_views
from casebook.store.reader import Policy

CARDS = "cards"


def cards(views: Iterable[CaseView], people: dict[str, Staff]) -> list[HandlingCard]:
    """The cards of every case in ``views`` active on the site's date, by name (only the cards
    are kept, not the cases: issue 14)."""
    out = []
    for view in views:
        if not view.active:
            continue
        card = handling_card(view.derived, people)
        if card is not None:
            out.append(card)
    return sorted(out, key=lambda c: (c.name.casefold(), c.case_id))


def staff_tree(
    policy: Policy,
    cases: Iterable[Case],
    as_of: date,
    inputs: SiteInputs,
    tree: Tree | None = None,
) -> Tree:
    views = case_views(policy, cases, as_of, inputs, {})
    return render(cards(views, policy.people.by_id()), as_of, tree)


def render(all_cards: list[HandlingCard], as_of: date, tree: Tree | None = None) -> Tree:
    tree = Tree() if tree is None else tree
    tree.add("index.md", index_page(all_cards, as_of))
    for card in all_cards:
        tree.add(f"{CARDS}/{card.case_id}.md", card_page(card, as_of))
    tree.nav.append({"People under managed contact": "index.md"})
    return tree


def index_page(all_cards: list[HandlingCard], as_of: date) -> str:
    rows = [
        (
            h.a(c.name, f"{CARDS}/{c.case_id}/"),
            ", ".join(h.esc(k) for k in c.known_as),
            h.esc(c.spoc.name) if c.spoc else "The governance team",
        )
        for c in all_cards
    ]
    body = "\n".join(
        [
            "# People under managed contact",
            "",
            "If one of these people contacts you, open their card and follow it. Search for a "
            "name with the search box at the top of the page.",
            "",
            f"Correct as of **{md.day(as_of)}**. If someone says they are under managed contact "
            "and they are not listed here, treat them as any other customer and tell the "
            "governance team.",
            "",
            "[What the cards mean and how to use this site](help.md).",
        ]
    )
    table = h.table(["Name", "Also known as", "Pass contact to"], rows, tools=len(rows) > 10)
    # Out of the search index: a search for a name should lead to the card, not this list.
    return md.page(
        "People under managed contact", body, hide=["navigation"], search=False, html=table
    )


def card_page(card: HandlingCard, as_of: date) -> str:
    """One handling card, in the order a person on the telephone needs it."""
    who = []
    if card.known_as:
        who.append("Also known as " + ", ".join(h.esc(k) for k in card.known_as) + ".")
    who += [h.esc(i) for i in card.identifiers]
    summary = f"{h.esc(card.procedure)}: {h.esc(card.state)} since {md.day(card.since)}."
    out = [
        h.admonition(
            "warning",
            "Contact with this person is restricted",
            "\n".join(f"<p>{p}</p>" for p in [summary, *who]),
        ),
        h.h2("what-to-do", "What to do"),
        "<ol>\n" + "\n".join(f"<li>{h.esc(s)}</li>" for s in card.what_to_do) + "\n</ol>",
        h.h2("what-to-say", "What to say"),
        h.admonition("quote", "Say", f"<p>{h.esc(card.what_to_say)}</p>"),
        h.h2("what-is-restricted", "What is restricted"),
        h.ul(h.esc(x) for x in card.restrictions),
    ]
    if card.exceptions:
        out += ["<p><strong>Exceptions:</strong></p>", h.ul(h.esc(x) for x in card.exceptions)]
    out.append(h.h2("who-handles-their-contact", "Who handles their contact"))
    if card.spoc:
        o = card.spoc
        title = f", {h.esc(o.job_title)}" if o.job_title else ""
        details = [f"<strong>{h.esc(o.name)}</strong>{title}"]
        if o.email:
            details.append(f"E-mail: {h.esc(o.email)}")
        if o.phone:
            details.append(f"Telephone: {h.esc(o.phone)}")
        out.append(h.ul(details))
    else:
        out.append("<p>The governance team (no single point of contact is named).</p>")
    out += [
        h.h2("in-an-emergency", "In an emergency"),
        h.admonition("danger", "Emergency", f"<p>{h.esc(card.emergency)}</p>"),
        "<hr>",
        f"<p><em>Case {h.esc(card.case_id)}. Correct as of {md.day(as_of)}. "
        "Do not copy this card or share it outside the council.</em></p>",
    ]
    return md.page(card.name, f"# {md.text(card.name)}", html="\n".join(out))
