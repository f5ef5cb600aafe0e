"""Accessibility of the built sites and the HTML letters, measured in Debian's chromium.

The Public Sector Bodies Accessibility Regulations ask for WCAG 2.2 AA. Measured here:

- axe-core (npm, tests/node) finds no violation of the WCAG 2.2 A/AA rules on every page of
  the demo casebook's staff and governance sites (home, search results, card, register, case
  pages, procedures, reports, help, 404) and on every letter `casebook letters --format html`
  writes, at 1280 px and at 320 px wide;
- no page scrolls sideways at 320 px (WCAG 1.4.10 Reflow: "without requiring scrolling in two
  dimensions" at 320 CSS pixels);
- every Tab stop shows where the focus is and is on the screen (WCAG 2.4.7 Focus Visible,
  2.4.11 Focus Not Obscured): the test walks the Tab order;
- a person using only the keyboard gets from the search box to a card and back.

Each run writes its figures to test-artifacts/axe-<width>.json and screenshots of each page
type at 1280 px and 390 px (a phone) to test-artifacts/screens/ (docs/screens.md).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from casebook.publish.letters import Renderer
from tests.conftest import REPO

from .browsing import ARTIFACTS, Served, launch, sync_playwright, unavailable
from .conftest import Built

pytestmark = pytest.mark.browser

AXE = REPO / "tests" / "node" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (1280, 320)
HEIGHT = 800
PAGE_TYPES = {
    *(f"staff {k}" for k in ("home", "search results", "card", "help", "404")),
    *(
        f"governance {k}"
        for k in (
            "home",
            "register",
            "case page",
            "procedures",
            "procedure",
            "reports",
            "report",
            "help",
            "404",
        )
    ),
    "letter letter HTML",
}


@dataclass(frozen=True)
class Target:
    """One page to check: ``kind`` is its page type (the figures are counted per type)."""

    audience: str  # staff, governance or letter
    kind: str
    url: str
    search: str | None = None  # type this into the search box first (search results)
    size: int = 0  # bytes of HTML: axe checks the largest page of each type

    @property
    def label(self) -> str:
        return f"{self.audience} {self.kind}"


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        unavailable(f"{AXE} is missing: run npm ci --prefix tests/node (.ci/install does)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def letters_dir(demo_site: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every letter the demo casebook records, as `casebook letters --format html` writes it."""
    out = tmp_path_factory.mktemp("letters")
    renderer = Renderer(demo_site.book)
    procedures = set()
    for case in demo_site.book.cases():
        procedures.add(case.procedure)
        for letter in renderer.render(case.id, "html"):
            (out / f"{case.id}-{letter.filename}").write_bytes(letter.content)
    for procedure in sorted(procedures):  # the copy of the procedure that letters enclose
        enclosure = renderer.enclosure(procedure, "html")
        (out / f"enclosure-{enclosure.filename}").write_bytes(enclosure.content)
    return out


def _pages(site: Path, audience: str, base: str) -> list[Target]:
    out = []
    for index in sorted(site.rglob("index.html")):
        rel = index.parent.relative_to(site).as_posix()
        if rel == "search":
            continue
        kind = "home" if rel == "." else rel.split("/")[0]
        if kind in ("procedures", "reports", "cases", "cards") and "/" in rel:
            kind = {"cases": "case page", "cards": "card"}.get(kind, kind[:-1])
        url = base if rel == "." else f"{base}{rel}/"
        out.append(Target(audience, kind, url, size=index.stat().st_size))
    out.append(Target(audience, "404", f"{base}no-such-page/"))
    return out


@pytest.fixture(scope="module")
def targets(demo_site: Built, letters_dir: Path) -> Iterator[list[Target]]:
    staff = Served(demo_site.staff)
    governance = Served(demo_site.governance)
    found = [
        *_pages(demo_site.staff, "staff", staff.url),
        Target("staff", "search results", staff.url, search="Fictional"),
        *_pages(demo_site.governance, "governance", governance.url),
        *(
            Target("letter", "letter HTML", p.as_uri(), size=p.stat().st_size)
            for p in sorted(letters_dir.glob("*.html"))
        ),
    ]
    yield found
    staff.close()
    governance.close()


def sample(targets: list[Target]) -> list[Target]:
    """The largest page of each type, and the largest large-print letter.

    axe takes about two seconds a page; every page of a type is built by the same code, and the
    largest holds the most of what varies (longest names, most rows). Every page is still
    checked for sideways scrolling.
    """
    best: dict[str, Target] = {}
    for t in targets:
        if t.label not in best or t.size > best[t.label].size:
            best[t.label] = t
    chosen = list(best.values())
    large = [t for t in targets if t.audience == "letter" and _large_print(t)]
    if large:
        chosen.append(max(large, key=lambda t: t.size))
    return list(dict.fromkeys(chosen))


def _large_print(target: Target) -> bool:
    return 'class="letter large-print"' in Path(target.url.removeprefix("file://")).read_text(
        encoding="utf-8"
    )


def _open(page: Any, target: Target) -> None:
    # Search needs Material's worker and index; every other page is ready when loaded.
    response = page.goto(target.url, wait_until="networkidle" if target.search else "load")
    if target.kind == "404":
        assert response is not None and response.status == 404, target.url
        assert page.locator("article h1").inner_text() == "404 - Not found", target.url
    if target.search:
        page.keyboard.press("/")  # Material's shortcut to the search box
        page.keyboard.type(target.search, delay=10)
        page.locator(".md-search-result__item").first.wait_for(state="visible", timeout=15_000)


def _axe(page: Any, source: str) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: "
        "['violations']})",
        WCAG_TAGS,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]],
            "summary": v["nodes"][0].get("failureSummary", "") if v["nodes"] else "",
        }
        for v in result["violations"]
    ]


def _sideways(page: Any) -> int:
    """How many CSS pixels the page scrolls sideways (0: it reflows)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_violation_and_nothing_scrolls_sideways(
    browser: Any, axe_source: str, targets: list[Target], width: int
) -> None:
    # Letter HTML forbids every script (its Content-Security-Policy); axe is the test's own
    # script, injected from outside the page, so the browser is told to let it run.
    page = browser.new_page(viewport={"width": width, "height": HEIGHT}, bypass_csp=True)
    nodes: Counter[str] = Counter()
    pages: Counter[str] = Counter()
    sideways: dict[str, int] = {}
    report: dict[str, Any] = {}
    checked = sample(targets)
    try:
        for target in targets if width <= 320 else checked:
            _open(page, target)
            if target in checked:
                pages[target.label] += 1
                found = _axe(page, axe_source)
                nodes[target.label] += sum(len(v["nodes"]) for v in found)
                if found:
                    report[target.url] = found
            extra = _sideways(page)
            if width <= 320 and extra > 0:
                sideways[target.url] = extra
    finally:
        page.close()
    figures = {
        label: {
            "axe_pages": pages[label],
            "violation_nodes": nodes[label],
            "pages_scrolling_sideways": sum(
                1 for t in targets if t.label == label and t.url in sideways
            ),
        }
        for label in sorted(pages)
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{width}.json").write_text(
        json.dumps(
            {
                "width": width,
                "tags": WCAG_TAGS,
                "figures": figures,
                "violations": report,
                "sideways": sideways,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    assert set(pages) == PAGE_TYPES  # every page type of both audiences, and letters
    assert report == {}, json.dumps(report, indent=1)[:6000]
    assert sideways == {}, f"pages that scroll sideways at {width} px: {sideways}"


# What document.activeElement is, where it is and whether it draws a focus indicator.
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  const ring = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0)
    || (s.boxShadow && s.boxShadow !== "none");
  return {
    what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
      + (el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : "")
      + " " + (el.getAttribute("aria-label") || el.textContent || "").trim().slice(0, 40),
    x: r.left, y: r.top, w: r.width, h: r.height,
    vw: window.innerWidth, vh: window.innerHeight, ring: ring,
  };
}"""


def _on_screen(box: dict[str, Any]) -> bool:
    """The focused box is on the screen: whole where it fits, in part where it is larger."""
    if box["w"] <= 0 or box["h"] <= 0:
        return False
    for start, size, view in (("x", "w", "vw"), ("y", "h", "vh")):
        lo, hi = box[start], box[start] + box[size]
        if box[size] <= box[view]:
            if lo < -1 or hi > box[view] + 1:
                return False
        elif hi <= 0 or lo >= box[view]:
            return False
    return True


def _settled(page: Any, box: dict[str, Any]) -> dict[str, Any]:
    """The focused box once it stops moving (at most about 1.5 seconds)."""
    for _ in range(15):
        page.wait_for_timeout(100)
        now: dict[str, Any] = page.evaluate(_FOCUSED)
        if now == box:
            break
        box = now
    return box


def _clip(box: dict[str, Any]) -> dict[str, float]:
    # The box and a margin around it (an outline is drawn outside), kept inside the viewport.
    x, y = max(0.0, box["x"] - 6), max(0.0, box["y"] - 6)
    w = min(box["vw"] - x, box["w"] + 12)
    h = min(box["vh"] - y, box["h"] + 12)
    return {"x": x, "y": y, "width": max(w, 1), "height": max(h, 1)}


TAB_PAGES = [
    ("staff", ""),
    ("staff", "cards/"),
    ("governance", ""),
    ("governance", "register/"),
    ("governance", "cases/"),
]


@pytest.fixture(scope="module")
def sites(demo_site: Built) -> Iterator[dict[str, str]]:
    staff = Served(demo_site.staff)
    governance = Served(demo_site.governance)
    yield {"staff": staff.url, "governance": governance.url}
    staff.close()
    governance.close()


def _first(site: Path, folder: str) -> str:
    return sorted(p.parent.name for p in (site / folder).glob("*/index.html"))[0] + "/"


@pytest.mark.parametrize("width", WIDTHS)
def test_every_tab_stop_is_visible_and_on_the_screen(
    browser: Any, demo_site: Built, sites: dict[str, str], width: int
) -> None:
    """Tab through each page: each stop is on the screen and looks different when focused."""
    page = browser.new_page(viewport={"width": width, "height": HEIGHT})
    problems: list[str] = []
    stops = 0
    try:
        for audience, path in TAB_PAGES:
            if path.endswith(("cards/", "cases/")):
                path += _first(demo_site.out(audience), path)
            url = sites[audience] + path
            page.goto(url, wait_until="load")
            seen: set[str] = set()
            for _ in range(80):
                page.keyboard.press("Tab")
                box = page.evaluate(_FOCUSED)
                if box is None:
                    break
                key = f"{box['what']}@{box['x']:.0f},{box['y'] + page.evaluate('scrollY'):.0f}"
                if key in seen:
                    break  # round the page and back to the start
                seen.add(key)
                stops += 1
                where = f"{width}px {audience} /{path} {box['what']!r}"
                if not _on_screen(box):
                    box = _settled(page, box)  # a smooth scroll or a search box opening
                if not _on_screen(box):
                    problems.append(f"{where}: off the screen at {box}")
                    continue
                if box["ring"]:
                    continue
                clip = _clip(box)
                focused = page.screenshot(clip=clip, animations="disabled", caret="initial")
                page.evaluate("window.cbFocused = document.activeElement; cbFocused.blur()")
                plain = page.screenshot(clip=clip, animations="disabled", caret="initial")
                # Back to the same place in the Tab order.
                page.evaluate("cbFocused.focus({preventScroll: true})")
                if focused == plain:
                    problems.append(f"{where}: no visible focus")
    finally:
        page.close()
    assert stops > 30, stops
    assert problems == [], "\n".join(problems)


def test_keyboard_only_from_the_search_box_to_a_card_and_back(
    browser: Any, demo_site: Built, sites: dict[str, str]
) -> None:
    """No mouse: "/" to the search box, type a name, arrow to the result, Enter opens the card;
    Tab to the site's name, Enter goes home, and the search box takes the next search."""
    card = sorted((demo_site.staff / "cards").glob("*/index.html"))[0]
    html = card.read_text(encoding="utf-8")
    name = html.split("<h1 ", 1)[1].split(">", 1)[1].split("<", 1)[0].strip()
    base = sites["staff"]
    page = browser.new_page(viewport={"width": 1280, "height": HEIGHT})
    try:
        page.goto(base, wait_until="networkidle")
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.classList.contains('md-search__input')")
        page.keyboard.type(name, delay=10)
        page.locator(".md-search-result__item").first.wait_for(state="visible", timeout=15_000)
        page.keyboard.press("ArrowDown")  # Material moves the focus into the results
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}cards/{card.parent.name}/")
        assert page.locator("article h1").inner_text() == name
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.matches('a.md-header__button.md-logo')"):
                break
        else:
            pytest.fail("Tab never reaches the link to the home page")
        page.keyboard.press("Enter")
        page.wait_for_url(base)
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.classList.contains('md-search__input')")
    finally:
        page.close()


SCREENS = ARTIFACTS / "screens"


@pytest.mark.parametrize("width", (1280, 390))
def test_screenshots_of_each_page_type(browser: Any, targets: list[Target], width: int) -> None:
    """One screenshot per page type (the largest page of each) for a person to look at:
    test-artifacts/screens/<audience>-<type>-<width>.png (docs/screens.md)."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": HEIGHT})
    written = []
    try:
        for target in sample(targets):
            _open(page, target)
            name = f"{target.label.replace(' ', '-')}-{width}.png"
            if (SCREENS / name).exists() and name in written:
                name = name.replace(f"-{width}.png", f"-large-print-{width}.png")
            page.screenshot(path=str(SCREENS / name), full_page=target.search is None)
            written.append(name)
    finally:
        page.close()
    assert len(written) == len(PAGE_TYPES) + 1, written  # and a large-print letter


def test_opened_from_files_the_site_says_how_to_open_it(
    browser: Any, demo_site: Built, sites: dict[str, str]
) -> None:
    """From file:// folder links and search cannot work: the banner says to use site serve."""
    page = browser.new_page(viewport={"width": 1280, "height": HEIGHT})
    try:
        page.goto((demo_site.staff / "index.html").as_uri(), wait_until="load")
        note = page.locator("#cb-file-note")
        assert note.is_visible() and "casebook site serve" in note.inner_text()
        page.goto(sites["staff"], wait_until="load")
        assert not page.locator("#cb-file-note").is_visible()
    finally:
        page.close()
