"""What each audience must not see, checked on the built output (search index included), as
built by Material for MkDocs and by Zensical."""

from __future__ import annotations

from dataclasses import astuple

import pytest

from casebook.engine.timeline import timeline
from casebook.model import ACTIVE_KINDS, Case
from casebook.model.case import (
    ContactLogged,
    Decision,
    Meeting,
    Note,
    Notification,
    Representation,
    ReviewHeld,
)
from casebook.publish.handling import handling_card

from .conftest import AS_OF, Built
from .scan import audit, find, squash, texts

MIN = 6
# Where each builder writes the text of every searchable page.
SEARCH_INDEX = {"mkdocs": "search/search_index.json", "zensical": "search.json"}
# What a build may leave in a site besides pages, assets and the search index.
CACHES = (
    ".cache",
    "__pycache__",
    "mkdocs_hooks.py",
    "mkdocs.yml",
    "docs",
)  # shorter strings match by chance ("Called")


def free_text(case: Case) -> list[str]:
    """What the staff site must never show of a case, active or not."""
    out = [*case.referral.account.splitlines()]
    c = case.person.contact
    out += [str(x) for x in (c.email, c.phone, c.address) if x]
    for r in case.person.representatives:
        out.append(r.name)
        if r.contact:
            out += [str(x) for x in (r.contact.email, r.contact.phone, r.contact.address) if x]
    out += [a.details for a in case.person.adjustments if a.details]
    for e in case.events:
        if isinstance(e, ContactLogged):
            out += [e.summary, *([e.topic] if e.topic else [])]
        elif isinstance(e, Decision):
            out.append(e.reasons)
        elif isinstance(e, ReviewHeld):
            out.append(e.notes)
        elif isinstance(e, Note):
            out.append(e.text)
        elif isinstance(e, Meeting | Representation):
            out.append(e.summary)
        elif isinstance(e, Notification):
            out.append(e.about)
    return out


def who(case: Case) -> list[str]:
    return [case.person.name, *case.person.known_as, *case.person.identifiers]


def everything(case: Case) -> list[str]:
    return who(case) + free_text(case)


def long(strings: list[str]) -> set[str]:
    return {s.strip() for s in strings if len(s.strip()) >= MIN}


def active(built: Built, case: Case) -> bool:
    proc = built.book.policy.procedures[case.procedure]
    st = proc.states.get(timeline(case, proc, built.as_of).state)
    return st is not None and st.kind in ACTIVE_KINDS


def withheld(built: Built) -> set[str]:
    return set(built.inputs.purged) | set(built.inputs.past_retention(built.as_of))


def legitimate(built: Built, shown: list[Case]) -> str:
    """What the staff site has reason to show: its cards, and its hand-written pages and
    configuration. A record's text found only there is not a leak (a short contact topic like
    "enforcement complaint" is also part of a closed-topic restriction on a card)."""
    people = built.book.policy.people.by_id()
    parts = []
    for c in shown:
        proc = built.book.policy.procedures[c.procedure]
        card = handling_card(timeline(c, proc, built.as_of), people)
        assert card is not None
        for value in astuple(card):
            parts += [str(v) for v in value] if isinstance(value, tuple) else [str(value)]
    for path in (built.root / "site").rglob("*"):
        if path.suffix in {".md", ".yml", ".html"}:
            parts.append(path.read_text(encoding="utf-8"))
    return squash(" | ".join(parts))


def test_staff_site_shows_no_history_contact_details_or_inactive_people(built: Built) -> None:
    site = texts(built.staff)
    cases = built.book.cases()
    shown = [c for c in cases if active(built, c) and c.id not in withheld(built)]
    hidden = [c for c in cases if c not in shown]
    assert shown and hidden, "the casebook must have cases on and off the staff site"
    names_shown = {c.person.name for c in shown}
    forbidden = long([s for c in cases for s in free_text(c)])
    forbidden |= long([s for c in hidden for s in who(c) if s not in names_shown])
    allowed = legitimate(built, shown)
    forbidden = {s for s in forbidden if squash(s) not in allowed}
    assert len(forbidden) > 10, "too little to look for: the test would prove nothing"
    leaks = {s: find(site, s) for s in sorted(forbidden)}
    assert {s: where for s, where in leaks.items() if where} == {}
    # Positive control: the scan finds what the staff site is meant to show.
    for c in shown:
        assert find(site, c.person.name), c.id
        assert (built.staff / "cards" / c.id / "index.html").is_file()
    # ... and reads the builder's search index, which holds every searchable page's text
    # (names with markup are stored there escaped once more).
    plain = [c.person.name for c in shown if "<" not in c.person.name]
    assert plain and all(SEARCH_INDEX[built.builder] in find(site, n) for n in plain)
    assert not (built.staff / "cases").exists()
    assert not (built.staff / "register").exists()
    pages = {p.relative_to(built.staff).parts[0] for p in built.staff.rglob("index.html")}
    assert pages <= {"index.html", "cards", "help"}


def test_governance_site_shows_records_but_not_withheld_cases(built: Built) -> None:
    site = texts(built.governance)
    cases = built.book.cases()
    gone = [c for c in cases if c.id in withheld(built)]
    kept = [c for c in cases if c.id not in withheld(built)]
    for c in kept:  # the whole record is there, so the scan below can find a leak
        for s in long(everything(c)):
            assert find(site, s), (c.id, s)
    names_kept = {c.person.name for c in kept}
    forbidden = long([s for c in gone for s in everything(c) if s not in names_kept])
    leaks = {s: find(site, s) for s in sorted(forbidden)}
    assert {s: where for s, where in leaks.items() if where} == {}
    for c in gone:
        assert not (built.governance / "cases" / c.id).exists()
    # Nothing of the build folder (Markdown with personal data, Zensical's cache of rendered
    # pages) travels with the site.
    for audience in ("staff", "governance"):
        left = [p.name for p in built.out(audience).rglob("*") if p.name in CACHES]
        assert left == [], (audience, left)
    if built.name == "fixture":
        assert len(gone) == 2  # purged, and past its deletion date


def test_fixture_has_every_kind_of_case(fixture_site: Built) -> None:
    """The privacy tests above are only as good as the cases they run on."""
    kinds = {}
    for c in fixture_site.book.cases():
        proc = fixture_site.book.policy.procedures[c.procedure]
        kinds[c.id] = proc.states[timeline(c, proc, AS_OF).state].kind
    assert set(kinds.values()) >= {"monitoring", "restricted", "dormant", "referral"}
    assert withheld(fixture_site) == {"MC-2024-0009", "MC-2023-0004"}


@pytest.mark.parametrize("audience", ["staff", "governance"])
def test_no_markup_from_records_survives(fixture_any: Built, audience: str) -> None:
    out = fixture_any.out(audience)
    assert audit(out) == {}
    site = texts(out)
    page = "cards" if audience == "staff" else "cases"
    text = site[f"{page}/MC-2026-0005/index.html"]
    # The hostile text is shown, as text.
    assert 'Ivy <script>alert("name")</script> Injection' in text
    assert '<script>alert("matter")</script>' in text
    if audience == "governance":
        assert '<b onmouseover=alert("hover")>hover</b> [x](javascript:alert(1))' in text
        assert "**bold** _em_ `code` ~~strike~~" in text
        assert "# Not a heading" in text
        assert '[ref]: javascript:alert("ref")' in text
        assert "&lt;entity&gt; &#60;b&#62; &amp;" in text  # typed entities stay as typed


def test_hostile_text_is_not_markup_in_the_html(fixture_any: Built) -> None:
    html = (fixture_any.governance / "cases/MC-2026-0005/index.html").read_text()
    assert "<script>alert" not in html
    assert "<strong>bold</strong>" not in html
    assert "<h1>Not a heading" not in html and 'id="not-a-heading"' not in html
    assert "<iframe" not in html and "<img" not in html
    assert 'href="javascript:' not in html
    # The rendered letter went through the sanitiser: its table survives, its script does not.
    assert "<td>Stage 1</td>" in html
    assert 'alert("letter")' not in html  # nh3 drops a script element with its content
