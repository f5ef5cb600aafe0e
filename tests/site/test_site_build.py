"""`casebook site build` and `serve` as a user meets them: output replaced whole or not at all,
folders that are not ours refused, bad input named without a traceback, links that resolve."""

from __future__ import annotations

import json
import shutil
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from casebook.check.loading import load
from casebook.errors import UsageError
from casebook.publish.site import BuildOptions, SiteInputs, build_site, generate
from casebook.publish.site.serve import make_server
from tests.conftest import REPO, run_process

from .conftest import AS_OF, Built, fixture_inputs

ARGS = ("--as-of", "2026-04-01")


@pytest.fixture
def book(mini: Path) -> Path:
    """The mini casebook with the site configuration: cheap to build."""
    shutil.copytree(REPO / "site", mini / "site")
    return mini


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_build_writes_a_site_and_reports_json(cli, book: Path) -> None:
    res = cli("--root", book, "site", "build", *ARGS, "--format", "json")
    assert res.code == 0, res.err
    report = json.loads(res.out)
    assert report["audience"] == "staff" and report["cases"] == 1
    out = book / "_site" / "staff"
    assert Path(report["out"]) == out
    assert (out / "cards" / "MC-2026-0001" / "index.html").is_file()
    assert json.loads((out / ".casebook-site").read_text())["audience"] == "staff"
    assert leftovers(out.parent) == []


def test_a_failed_build_keeps_the_previous_site(cli, book: Path) -> None:
    assert cli("--root", book, "site", "build", *ARGS).code == 0
    out = book / "_site" / "staff"
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # A hand-written page with a broken link: mkdocs --strict refuses the whole build.
    (book / "site" / "pages" / "staff" / "broken.md").write_text("[x](missing.md)\n")
    res = cli("--root", book, "site", "build", "--as-of", "2026-04-02")
    assert res.code == 1
    assert "mkdocs build --strict failed" in res.err and "previous site is unchanged" in res.err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert leftovers(out.parent) == []  # no build folder, no half site


def test_an_unreadable_case_file_stops_the_build(book: Path) -> None:
    assert run_process("--root", book, "site", "build", *ARGS).code == 0
    index = (book / "_site" / "staff" / "index.html").read_bytes()
    (book / "cases" / "MC-2026-0002.yaml").write_text("id: [unclosed\n")
    res = run_process("--root", book, "site", "build", *ARGS)
    assert res.code == 1
    assert "cases/MC-2026-0002.yaml [yaml-syntax]" in res.err
    assert "Traceback" not in res.err
    assert (book / "_site" / "staff" / "index.html").read_bytes() == index


@pytest.mark.parametrize("audience", ["staff", "governance"])
@pytest.mark.parametrize(
    "log",
    ["purged: [{id: MC-2026-0001}]\n", "purged: {\n", "purged: 7\n"],
    ids=["tombstone without its fields", "yaml syntax", "wrong type"],
)
def test_refuses_to_build_without_a_readable_deletion_log(
    cli, book: Path, tmp_path: Path, audience: str, log: str
) -> None:
    """Fail closed: without the deletion log the site cannot tell which cases were purged (a
    purged record restored by a revert would be published again). It was read as empty."""
    (book / "policy" / "deletion-log.yaml").write_text(log, encoding="utf-8")
    out = tmp_path / "out"
    res = cli("--root", book, "site", "build", *ARGS, "--audience", audience, "--out", out)
    assert res.code == 2, res.out
    assert "the deletion log cannot be read" in res.err
    assert "policy/deletion-log.yaml:" in res.err and "Traceback" not in res.err + res.out
    assert not out.exists() and leftovers(tmp_path) == []


def test_refuses_a_folder_it_did_not_build(cli, book: Path, tmp_path: Path) -> None:
    mine = tmp_path / "documents"
    mine.mkdir()
    (mine / "thesis.txt").write_text("not a site")
    res = cli("--root", book, "site", "build", *ARGS, "--out", mine)
    assert res.code == 2 and "did not build" in res.err
    assert (mine / "thesis.txt").read_text() == "not a site"


def test_refuses_to_put_one_audience_over_the_other(cli, book: Path, tmp_path: Path) -> None:
    out = tmp_path / "served-to-all-staff"
    assert cli("--root", book, "site", "build", *ARGS, "--out", out).code == 0
    res = cli("--root", book, "site", "build", *ARGS, "--audience", "governance", "--out", out)
    assert res.code == 2 and "holds the staff site" in res.err
    assert not (out / "register").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--as-of", "1 April"), "--as-of: '1 April' is not a date"),
        (("--audience", "public"), "Invalid value for '--audience'"),
    ],
)
def test_bad_options_are_usage_errors(cli, book: Path, args: tuple[str, ...], words: str) -> None:
    res = cli("--root", book, "site", "build", *args)
    assert res.code == 2 and words in res.err


def test_missing_site_configuration_is_a_configuration_error(cli, mini: Path) -> None:
    res = cli("--root", mini, "site", "build", *ARGS)
    assert res.code == 2 and "site/mkdocs.yml" in res.err


def test_hooks_change_nothing_but_speed(fixture_site: Built, tmp_path: Path) -> None:
    """The MkDocs hook only hands over HTML the generator wrote: without it, the same pages."""
    out = tmp_path / "no-hooks"
    options = BuildOptions(fixture_site.root, "governance", out, AS_OF, hooks=False)
    build_site(options, fixture_inputs(), book=fixture_site.book)

    def article(path: Path) -> str:
        text = path.read_text(encoding="utf-8")
        body = text[text.index("<article") : text.index("</article>")]
        # Without the hook the marker stays in the page as an HTML comment: the one difference.
        return " ".join(body.replace("<!-- casebook:html -->", "").split())

    pages = sorted(p.relative_to(out) for p in out.rglob("index.html"))
    assert len(pages) > 10
    for rel in pages:
        assert article(out / rel) == article(fixture_site.governance / rel), rel


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"href", "src"} and value:
                self.hrefs.append(value)


@pytest.mark.parametrize("audience", ["staff", "governance"])
def test_every_internal_link_resolves(fixture_site: Built, audience: str) -> None:
    site = fixture_site.out(audience)
    broken = []
    for page in site.rglob("*.html"):
        if page.name == "404.html":  # MkDocs writes it with root-relative links on purpose
            continue
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for href in parser.hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = (page.parent / parts.path).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site)} -> {href}")
    assert broken == []


@pytest.mark.parametrize("audience", ["staff", "governance"])
def test_home_page_links_to_every_section(fixture_site: Built, audience: str) -> None:
    """Issue 17: from the home page every section (and every report and procedure) is one
    link away, not only what the short navigation lists."""
    site = fixture_site.out(audience)
    parser = _Links()
    parser.feed((site / "index.html").read_text(encoding="utf-8"))
    reached = {(site / urlsplit(h).path).resolve() for h in parser.hrefs if not urlsplit(h).scheme}
    sections = [p.parent for p in site.glob("*/index.html") if p.parent.name not in ("search",)]
    sections += [p.parent for p in site.glob("reports/*/index.html")]
    sections += [
        # A procedure's published text and traceability table are reached from its own page.
        p.parent
        for p in site.glob("procedures/*/index.html")
        if not p.parent.name.endswith(("-text", "-traceability"))
    ]
    missing = sorted(
        str(s.relative_to(site))
        for s in sections
        if s.resolve() not in reached
        and s.name not in ("cards", "cases", "assets")
        and s.parent.name not in ("cards", "cases")
    )
    assert missing == []


def test_pages_say_what_was_not_computed(fixture_site: Built) -> None:
    tree = generate(fixture_site.book, "governance", AS_OF, SiteInputs())
    home = tree.pages["index.md"]
    assert "Not computed" in home and "Breaches were not computed" in home
    assert "Obligations were not computed" in tree.pages["cases/MC-2026-0001.md"]
    assert "Letter texts were not rendered" in tree.pages["cases/MC-2026-0001.md"]


def test_home_page_lists_what_needs_attention(fixture_site: Built) -> None:
    text = " ".join((fixture_site.governance / "index.html").read_text().split())
    assert "Overdue (1)" in text and "Quarterly review of the stage 2 arrangements" in text
    assert "Due in the next 14 days (1)" in text
    assert "Quarterly review of the stage 1 arrangements" in text
    assert "Breaches this monitoring period" in text and "MC-2026-0001" in text
    # Withheld records by id only.
    assert "MC-2023-0004: past its deletion date (2025-04-17)" in text
    assert "MC-2024-0009: listed in the deletion log" in text


def test_register_rows_from_the_register_command_are_used(fixture_site: Built) -> None:
    from casebook.publish.site import RegisterRow

    row = RegisterRow(
        "MC-2026-0001", "mini", "Planning", "Stage 1 monitoring", "monitoring",
        AS_OF, ("spoc",), AS_OF, "#9", None, next_review=AS_OF.replace(month=6), expires=None,
    )  # fmt: skip
    tree = generate(fixture_site.book, "governance", AS_OF, SiteInputs(register=[row]))
    register = tree.pages["register.md"]
    assert "2026-06-01" in register and "not computed" not in register
    assert register.count("<tr><td>") == 1


def test_serve_only_on_this_machine(cli, book: Path) -> None:
    with pytest.raises(UsageError, match="listens on this machine only"):
        make_server(book, "0.0.0.0", 0)
    res = cli("--root", book, "site", "serve", "--bind", "0.0.0.0")
    assert res.code == 2 and "docs/deployment.md" in res.err
    res = cli("--root", book, "site", "serve")
    assert res.code == 2 and "run `casebook site build` first" in res.err


def test_serve_sends_the_site_with_protective_headers(fixture_site: Built) -> None:
    import threading

    server = make_server(fixture_site.staff, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/cards/MC-2026-0002/"
        with urllib.request.urlopen(url, timeout=10) as resp:
            assert resp.status == 200
            assert resp.headers["Cache-Control"] == "no-store"
            assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
            assert "noindex" in resp.headers["X-Robots-Tag"]
            assert "Morgan Fictional" in resp.read().decode()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_book_loads(fixture_site: Built) -> None:
    book, findings = load(fixture_site.root, use_cache=False)
    assert book is not None and not [f for f in findings if f.severity == "error"]


def test_demo_governance_pages_carry_the_engines_breaches_and_review_dates(
    demo_site: Built,
) -> None:
    """The demo build takes breaches and next reviews from the same code as `casebook register`."""
    from casebook.publish.register import register_rows

    rows = {r.case: r for r in register_rows(demo_site.book, demo_site.as_of)}
    home = " ".join((demo_site.governance / "index.html").read_text().split())
    assert "Breaches were not computed" not in home
    with_breaches = [r for r in rows.values() if r.breaches_this_period]
    assert with_breaches, "the demo casebook should have contacts outside the arrangements"
    for row in with_breaches:
        assert row.case in home
        page = " ".join(
            (demo_site.governance / "cases" / row.case / "index.html").read_text().split()
        )
        assert row.breaches_summary is not None and row.breaches_summary in page
    register = (demo_site.governance / "register" / "index.html").read_text()
    assert "not computed" not in register
    for row in rows.values():
        if row.next_review is not None:
            assert row.next_review.isoformat() in register


def test_register_lists_each_restriction_as_a_list_item(demo_site: Built) -> None:
    """Restrictions in force are a list in their cell, one item each, as `casebook register`
    words them: lines joined by <br> ran together for a screen reader, and a wrapped line
    could not be told from the next restriction."""
    from html.parser import HTMLParser

    from casebook.publish.register import register_rows

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[list[list[str]]] = []  # row: cells: list items' text
            self.item: list[str] | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "tr":
                self.rows.append([])
            elif tag == "td":
                self.rows[-1].append([])
            elif tag == "li" and self.rows and self.rows[-1]:
                self.item = []

        def handle_endtag(self, tag: str) -> None:
            if tag == "li" and self.item is not None:
                self.rows[-1][-1].append(" ".join("".join(self.item).split()))
                self.item = None

        def handle_data(self, data: str) -> None:
            if self.item is not None:
                self.item.append(data)

    parser = Cells()
    parser.feed((demo_site.governance / "register" / "index.html").read_text())
    words = sorted(sorted(r.restrictions) for r in register_rows(demo_site.book, demo_site.as_of))
    assert any(len(w) > 1 for w in words), "the demo should have several restrictions in a case"
    table = [row for row in parser.rows if len(row) == 9]  # the register's body rows
    assert sorted(sorted(row[4]) for row in table) == words


def test_site_obligations_are_those_of_casebook_due(demo_site: Built) -> None:
    """The site replays each case once, but must list exactly what `casebook due` derives."""
    from casebook.engine.obligations import obligations
    from casebook.publish.site.wire import collect_inputs

    expected = obligations(demo_site.book, demo_site.as_of)
    governance = collect_inputs(demo_site.book, "governance", demo_site.as_of, letters=False)
    assert governance.obligations == expected
    # The staff build needs only the deletion dates, to withhold cases past theirs.
    staff = collect_inputs(demo_site.book, "staff", demo_site.as_of, letters=False)
    deletions = [o for o in expected if o.kind == "deletion"]
    assert deletions and staff.obligations == deletions
    assert staff.past_retention(demo_site.as_of) == governance.past_retention(demo_site.as_of)
