"""The site built once per test session: from the fixture casebook and from the demo casebook,
by each builder (Material for MkDocs, Zensical).

The fixture casebook is tests/fixtures/mini plus tests/fixtures/site/cases: an active case with
every kind of personal data, a closed-and-dormant case, a case past its deletion date, a
referral with no decision, a case listed as purged, and a case with hostile text in every
free-text field. The demo casebook is the repository's own cases/ and policy/.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from casebook.check.loading import load
from casebook.engine.obligations import Obligation
from casebook.publish.site import (
    BUILDERS,
    Breach,
    BreachPeriod,
    Builder,
    BuildOptions,
    RenderedLetter,
    SiteInputs,
    build_site,
)
from casebook.publish.site.wire import collect_inputs
from casebook.store.cases import Casebook
from tests.conftest import FIXTURES, REPO

AS_OF = date(2026, 4, 1)  # the fixture casebook's date
DEMO_AS_OF = date(2026, 11, 23)  # the demo casebook's date (tests/records/test_demo.py)
HOSTILE_LETTER = """Dear Ivy,

<script>alert("letter")</script>

[Read our policy](javascript:alert("letter-link")) and <img src=x onerror=alert("letter-img")>.

| what | when |
| --- | --- |
| Stage 1 | 9 February 2026 |
"""


@dataclass(frozen=True)
class Built:
    """One casebook built for both audiences."""

    name: str
    as_of: date
    root: Path
    book: Casebook
    inputs: SiteInputs
    staff: Path
    governance: Path
    builder: str = "mkdocs"

    def out(self, audience: str) -> Path:
        return self.staff if audience == "staff" else self.governance


def fixture_inputs() -> SiteInputs:
    """What `casebook due`, `register` and `letters` would pass in, made by hand."""
    return SiteInputs(
        obligations=[
            Obligation(
                "MC-2023-0004",
                "mini",
                "deletion",
                date(2025, 4, 17),
                None,
                "MC-2023-0004/deletion",
                "Delete the dormant case",
            ),
            Obligation(
                "MC-2026-0002",
                "mini",
                "review",
                date(2026, 3, 12),
                date(2026, 3, 20),
                "MC-2026-0002/review/1",
                "Quarterly review of the stage 2 arrangements",
            ),
            Obligation(
                "MC-2026-0001",
                "mini",
                "review",
                date(2026, 4, 9),
                None,
                "MC-2026-0001/review/1",
                "Quarterly review of the stage 1 arrangements",
            ),
            Obligation(
                "MC-2026-0003",
                "mini",
                "deletion",
                date(2027, 9, 8),
                None,
                "MC-2026-0003/deletion",
                "Delete the dormant case",
            ),
        ],
        breaches=[
            BreachPeriod(
                "MC-2026-0001",
                date(2026, 3, 9),
                date(2026, 6, 9),
                (Breach(date(2026, 3, 16), "Telephone", "Contact only by e-mail or letter", 2),),
            )
        ],
        letters=[
            RenderedLetter("MC-2026-0005", "Stage 1 letter", HOSTILE_LETTER, date(2026, 2, 10)),
            RenderedLetter(
                "MC-2026-0001",
                "Stage 1 letter",
                "Dear Alex Example,\n\nWe are writing about your contact with the council.\n",
                date(2026, 3, 10),
            ),
        ],
        purged=frozenset({"MC-2024-0009"}),
    )


def make_fixture_casebook(dest: Path) -> Path:
    shutil.copytree(FIXTURES / "mini", dest)
    for path in (FIXTURES / "site" / "cases").glob("*.yaml"):
        shutil.copy(path, dest / "cases" / path.name)
    shutil.copytree(REPO / "site", dest / "site")
    return dest


def demo_inputs(book: Casebook) -> SiteInputs:
    """Inputs for the demo casebook from the commands that compute them (as the CLI does)."""
    return collect_inputs(book, "governance", DEMO_AS_OF)


def _build(
    name: str,
    root: Path,
    inputs: SiteInputs,
    out: Path,
    as_of: date,
    builder: Builder = "mkdocs",
    book: Casebook | None = None,
) -> Built:
    if book is None:
        book, _ = load(root, use_cache=False)
    assert book is not None, f"{name}: policy/ does not load"
    outs = {}
    for audience in ("staff", "governance"):
        options = BuildOptions(root, audience, out / audience, as_of, builder=builder)  # type: ignore[arg-type]
        build_site(options, inputs, book=book)
        outs[audience] = out / audience
    return Built(name, as_of, root, book, inputs, outs["staff"], outs["governance"], builder)


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("fixture-site")
    root = make_fixture_casebook(base / "casebook")
    return _build("fixture", root, fixture_inputs(), base / "out", AS_OF)


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("demo-site")
    root = base / "casebook"
    root.mkdir()
    for part in ("policy", "cases", "site"):
        shutil.copytree(REPO / part, root / part)
    book, _ = load(root, use_cache=False)
    assert book is not None
    return _build("demo", root, demo_inputs(book), base / "out", DEMO_AS_OF)


def _zensical(mkdocs: Built) -> Built:
    """The same casebook and inputs as ``mkdocs``, built with Zensical next to it."""
    out = mkdocs.staff.parent.with_name("out-zensical")
    return _build(
        mkdocs.name, mkdocs.root, mkdocs.inputs, out, mkdocs.as_of, "zensical", mkdocs.book
    )


@pytest.fixture(scope="session")
def fixture_site_zensical(fixture_site: Built) -> Built:
    return _zensical(fixture_site)


@pytest.fixture(scope="session")
def demo_site_zensical(demo_site: Built) -> Built:
    return _zensical(demo_site)


BUILT = {
    "fixture": "fixture_site",
    "demo": "demo_site",
    "fixture-zensical": "fixture_site_zensical",
    "demo-zensical": "demo_site_zensical",
}


@pytest.fixture(params=list(BUILT), scope="session")
def built(request: pytest.FixtureRequest) -> Iterator[Built]:
    """Each casebook as built by each builder: the leak scan runs on all four."""
    yield request.getfixturevalue(BUILT[request.param])


@pytest.fixture(params=BUILDERS, scope="session")
def fixture_any(request: pytest.FixtureRequest) -> Built:
    """The fixture casebook as built by each builder."""
    name = "fixture_site" if request.param == "mkdocs" else "fixture_site_zensical"
    built: Built = request.getfixturevalue(name)
    return built
