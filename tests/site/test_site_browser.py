"""The built sites in a real browser (Debian's chromium through Playwright), served on 127.0.0.1.

A member of staff searches for a person's name with the theme's search box, opens the card and
sees what to do; the governance register filters and sorts. A screenshot of the card is kept
in test-artifacts/ for a person to look at. The fixture casebook's checks run on the sites of
both builders (Material for MkDocs' search box, and Zensical's search dialog); the demo
casebook's on Material's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from casebook.engine.timeline import timeline
from casebook.publish.handling import handling_card

from .browsing import ARTIFACTS, Served, launch, sync_playwright
from .conftest import Built

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def staff(fixture_any: Built) -> Iterator[tuple[str, str]]:
    """(URL, builder) of the fixture staff site, as each builder made it."""
    served = Served(fixture_any.staff)
    yield served.url, fixture_any.builder
    served.close()


@pytest.fixture(scope="module")
def demo_staff_url(demo_site: Built) -> Iterator[str]:
    served = Served(demo_site.staff)
    yield served.url
    served.close()


@pytest.fixture(scope="module")
def governance(fixture_any: Built) -> Iterator[tuple[str, str]]:
    served = Served(fixture_any.governance)
    yield served.url, fixture_any.builder
    served.close()


class Watch:
    """A page that records requests leaving the site and any dialog a script opens."""

    def __init__(self, browser: Any, base: str, builder: str = "mkdocs") -> None:
        self.builder = builder
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []

        def request(r: Any) -> None:
            if not r.url.startswith((base, "data:", "blob:")):
                self.outside.append(r.url)

        def dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("request", request)
        self.page.on("dialog", dialog)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def search(self, query: str) -> Any:
        """The result items for ``query``; each holds one link to the page found."""
        page = self.page
        if self.builder == "zensical":
            # Zensical's search is a dialog in a shadow root (Playwright's locators enter it).
            page.locator(".md-search__button").click()
            box = page.get_by_role("combobox", name="Search")
            results = page.get_by_role("listbox", name="Search results").locator("li")
        else:
            page.locator("label.md-search__icon, .md-search__input").first.click()
            box = page.locator("input.md-search__input")
            results = page.locator(".md-search-result__item")
        # Typed key by key, as a person does (both search on keyboard input).
        box.press_sequentially(query, delay=20)
        results.first.wait_for(state="visible", timeout=15_000)
        return results

    def open_first(self, results: Any) -> None:
        link = results.first.locator("a").first
        # The address holds no search words (history, access logs).
        assert "?" not in (link.get_attribute("href") or "")
        link.click()

    def close(self) -> None:
        self.page.close()


def test_staff_member_finds_a_demo_persons_card(
    browser: Any, demo_staff_url: str, demo_site: Built
) -> None:
    """The demo casebook: search a person's name, open the card, check it against the card
    the engine makes, and keep a screenshot for a person to look at."""
    people = demo_site.book.policy.people.by_id()
    cards = []
    for case in demo_site.book.cases():
        proc = demo_site.book.policy.procedures[case.procedure]
        card = handling_card(timeline(case, proc, demo_site.as_of), people)
        if card is not None:
            cards.append((case, card))
    assert cards, "the demo casebook has no one under an active restriction"
    case, card = max(cards, key=lambda x: (len(x[1].restrictions), x[1].case_id))
    w = Watch(browser, demo_staff_url)
    try:
        w.page.goto(demo_staff_url)
        results = w.search(card.name)
        assert card.name in results.first.inner_text()
        results.first.locator("a").first.click()
        w.page.wait_for_url(f"**/cards/{card.case_id}/")
        w.page.wait_for_load_state("networkidle")
        assert w.page.url == f"{demo_staff_url}cards/{card.case_id}/"  # no name in the URL
        assert w.page.inner_text("article h1") == card.name
        body = " ".join(w.page.inner_text("article").split())
        for line in (*card.restrictions, *card.what_to_do, card.what_to_say, card.emergency):
            assert " ".join(line.split()) in body, line
        if card.spoc:
            assert card.spoc.name in body
        contact = case.person.contact
        for value in (contact.email, contact.phone, contact.address):
            if value:
                assert str(value) not in w.page.content()
        assert " ".join(case.referral.account.split()) not in body
        ARTIFACTS.mkdir(exist_ok=True)
        w.page.screenshot(path=str(ARTIFACTS / "staff-card-demo.png"), full_page=True)
        assert w.outside == [] and w.dialogs == [] and w.errors == []
    finally:
        w.close()


def test_staff_member_finds_a_card_by_name(browser: Any, staff: tuple[str, str]) -> None:
    staff_url, builder = staff
    w = Watch(browser, staff_url, builder)
    try:
        w.page.goto(staff_url)
        assert "People under managed contact" in w.page.inner_text("article h1")
        results = w.search("Morgan Fictional")
        assert "Morgan Fictional" in results.first.inner_text()
        w.open_first(results)
        w.page.wait_for_url("**/cards/MC-2026-0002/**")
        w.page.wait_for_load_state("networkidle")
        # The name searched for must not travel in the URL (history, access logs).
        assert w.page.url == staff_url + "cards/MC-2026-0002/"
        body = w.page.inner_text("article")
        assert w.page.inner_text("article h1") == "Morgan Fictional"
        for expected in (
            "Contact with this person is restricted",
            "Also known as Mo Fictional",
            "Usually telephones from a withheld number",
            "What to do",
            "Pass the contact to Basil Manager",
            "What to say",
            "E-mails are diverted to Basil Manager",
            "call 999",
        ):
            assert expected in body, expected
        for hidden in ("07700 900123", "Imaginary Lane", "council tax refund", "Robin Advocate"):
            assert hidden not in w.page.content(), hidden
        ARTIFACTS.mkdir(exist_ok=True)
        w.page.screenshot(path=str(ARTIFACTS / f"staff-card-{builder}.png"), full_page=True)
        assert w.outside == [], "the site must make no request outside its own origin"
        assert w.errors == []
    finally:
        w.close()


def test_hostile_names_stay_text_in_search_and_on_the_card(
    browser: Any, staff: tuple[str, str]
) -> None:
    staff_url, builder = staff
    w = Watch(browser, staff_url, builder)
    try:
        w.page.goto(staff_url)
        results = w.search("Injection")
        shown = results.first.inner_text()
        if builder == "zensical":
            # Zensical 0.0.73's search index keeps the page's HTML entities, so the quotes
            # show as &quot; in its results: still text, never markup (ADR 26).
            shown = shown.replace("&quot;", '"')
        assert '<script>alert("name")</script>' in shown
        assert results.first.locator("script, img, iframe").count() == 0
        w.open_first(results)
        w.page.wait_for_url("**/cards/MC-2026-0005/**")
        w.page.wait_for_load_state("networkidle")
        assert w.page.title().startswith('Ivy <script>alert("name")</script> Injection')
        assert '<img src=x onerror=alert("img")>' in w.page.inner_text("article")
        assert w.dialogs == []
        assert w.page.locator("article img, article iframe, article script").count() == 0
    finally:
        w.close()


def test_governance_register_filters_and_sorts(browser: Any, governance: tuple[str, str]) -> None:
    governance_url, builder = governance
    w = Watch(browser, governance_url, builder)
    try:
        w.page.goto(governance_url + "register/")
        table = w.page.locator("article table")
        rows = table.locator("tbody tr")
        assert rows.count() == 5  # seven files: one purged, one past its deletion date
        w.page.fill(".cb-table-tools input", "dormant")
        visible = [r for r in rows.all() if r.is_visible()]
        assert [r.locator("td").first.inner_text() for r in visible] == ["MC-2026-0003"]
        assert "1 of 5 rows" in w.page.inner_text(".cb-table-tools")
        w.page.fill(".cb-table-tools input", "")
        table.locator("th", has_text="Name").click()
        names = [r.locator("td").nth(1).inner_text() for r in rows.all()]
        assert names == sorted(names, key=str.casefold)
        table.locator("th", has_text="Name").click()
        names = [r.locator("td").nth(1).inner_text() for r in rows.all()]
        assert names == sorted(names, key=str.casefold, reverse=True)
        rows.first.locator("a").click()
        w.page.wait_for_load_state("networkidle")
        assert "Timeline" in w.page.inner_text("article")
        assert w.outside == [] and w.dialogs == [] and w.errors == []
    finally:
        w.close()
