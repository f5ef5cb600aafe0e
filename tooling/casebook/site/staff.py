"""The staff site: one handling card per person under an active restriction, and nothing else.

What a card may show is exactly ``casebook.handling.HandlingCard``: who the person is and how to
recognise them, what is restricted, whom to pass contact to, what to say, what to do in an
emergency. The person's contact details, the referral, the behaviour history, events and letters
never reach this module, so no template change can publish them. Closed and dormant cases have
no card (``handling_card`` returns None for them).
"""

from __future__ import annotations

from ..handling import HandlingCard, handling_card
from . import md
from .tree import Tree
from .view import SiteData

CARDS = "cards"


def staff_tree(data: SiteData) -> Tree:
    people = data.people
    cards: list[HandlingCard] = []
    for view in data.cases:
        if not view.active:
            continue
        card = handling_card(view.case, view.proc, people, data.as_of, view.derived)
        if card is not None:
            cards.append(card)
    cards.sort(key=lambda c: (c.name.casefold(), c.case_id))
    tree = Tree()
    tree.add("index.md", _index(cards, data))
    for card in cards:
        tree.add(f"{CARDS}/{card.case_id}.md", card_page(card, data))
    tree.nav.append({"People under managed contact": "index.md"})
    return tree


def _index(cards: list[HandlingCard], data: SiteData) -> str:
    rows = [
        (
            md.link(c.name, f"{CARDS}/{c.case_id}.md"),
            ", ".join(md.text(k) for k in c.known_as),
            md.text(c.spoc.name) if c.spoc else "The governance team",
        )
        for c in cards
    ]
    body = [
        "# People under managed contact",
        "",
        "If one of these people contacts you, open their card and follow it. Search for a name "
        "with the search box at the top of the page.",
        "",
        f"Correct as of **{md.day(data.as_of)}**. If someone says they are under managed contact "
        "and they are not listed here, treat them as any other customer and tell the governance "
        "team.",
        "",
        md.table(["Name", "Also known as", "Pass contact to"], rows, tools=len(rows) > 10),
    ]
    return md.page("People under managed contact", "\n".join(body), hide=["navigation"])


def card_page(card: HandlingCard, data: SiteData) -> str:
    """One handling card, in the order a person on the phone needs it.

    Every value from a record is escaped by ``md``.
    """
    out = [f"# {md.text(card.name)}", ""]
    who = []
    if card.known_as:
        who.append("Also known as " + ", ".join(md.text(k) for k in card.known_as) + ".")
    who += [md.text(i) for i in card.identifiers]
    summary = f"{md.text(card.procedure)}: {md.text(card.state)} since {md.day(card.since)}."
    out.append(
        md.admonition(
            "warning", "Contact with this person is restricted", "\n\n".join([summary, *who])
        )
    )
    out += ["", "## What to do", ""]
    out += [f"{i}. {md.text(step)}" for i, step in enumerate(card.what_to_do, 1)]
    out += ["", "## What to say", "", md.admonition("quote", "Say", md.text(card.what_to_say))]
    out += ["", "## What is restricted", "", md.bullets(md.text(x) for x in card.restrictions)]
    if card.exceptions:
        out += ["", "**Exceptions:**", "", md.bullets(md.text(x) for x in card.exceptions)]
    out += ["", "## Who handles their contact", ""]
    if card.spoc:
        o = card.spoc
        title = f", {md.text(o.job_title)}" if o.job_title else ""
        details = [f"**{md.text(o.name)}**{title}"]
        if o.email:
            details.append(f"E-mail: {md.text(o.email)}")
        if o.phone:
            details.append(f"Telephone: {md.text(o.phone)}")
        out.append(md.bullets(details))
    else:
        out.append("The governance team (no single point of contact is named).")
    out += [
        "",
        "## In an emergency",
        "",
        md.admonition("danger", "Emergency", md.text(card.emergency)),
        "",
        "---",
        "",
        f"*Case {md.text(card.case_id)}. Correct as of {md.day(data.as_of)}. "
        "Do not copy this card or share it outside the council.*",
    ]
    return md.page(card.name, "\n".join(out))
