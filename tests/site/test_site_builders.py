"""Material for MkDocs and Zensical build the same generated tree into the same pages, and the
council's site configuration cannot reach outside site/ or run code under either.

docs/decisions/0026-two-site-builders.md records what differs.
"""

from __future__ import annotations

import json
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from casebook.publish.site import BuildOptions, build_site
from tests.conftest import REPO

from .conftest import AS_OF, Built, fixture_inputs

ARGS = ("--as-of", "2026-04-01")


class _Visible(HTMLParser):
    """The text a reader sees in a page's <article> (comments and scripts dropped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article" or self.depth:
            self.depth += tag not in {"br", "hr", "img", "input", "meta", "link", "wbr"}
        if tag in {"script", "style"}:
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in {"br", "hr", "img", "input", "meta", "link", "wbr"}:
            self.depth -= 1
        if tag in {"script", "style"}:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if self.depth and not self.skip:
            self.parts.append(data)


def article_text(page: Path) -> str:
    parser = _Visible()
    parser.feed(page.read_text(encoding="utf-8"))
    # Material for MkDocs writes a "¶" permalink after each heading; Zensical an empty one.
    return " ".join(" ".join(parser.parts).replace("¶", " ").split())


@pytest.mark.parametrize("audience", ["staff", "governance"])
def test_both_builders_show_the_same_pages(
    fixture_site: Built, fixture_site_zensical: Built, audience: str
) -> None:
    mkdocs, zensical = fixture_site.out(audience), fixture_site_zensical.out(audience)
    pages = sorted(p.relative_to(mkdocs) for p in mkdocs.rglob("index.html"))
    assert len(pages) >= (4 if audience == "staff" else 12)
    assert sorted(p.relative_to(zensical) for p in zensical.rglob("index.html")) == pages
    for rel in pages:
        text = article_text(mkdocs / rel)
        assert len(text) > 20, rel
        assert article_text(zensical / rel) == text, rel
    # The search index has a new name and format; the staff front page is left out of both.
    # The governance site has none (docs/decisions/0029): Zensical writes an empty one.
    if audience == "staff":
        assert (mkdocs / "search" / "search_index.json").is_file()
        assert (zensical / "search.json").is_file() and not (zensical / "search").exists()
    else:
        assert not (mkdocs / "search").exists()
        assert json.loads((zensical / "search.json").read_text(encoding="utf-8"))["items"] == []
        assert "md-search" not in (mkdocs / "index.html").read_text(encoding="utf-8")
    meta = (zensical / "index.html").read_text(encoding="utf-8")
    assert 'content="zensical-' in meta and "stylesheets/classic/" in meta  # theme.variant


@pytest.fixture
def book(mini: Path) -> Path:
    shutil.copytree(REPO / "site", mini / "site")
    return mini


def test_zensical_cache_is_written_in_the_build_folder_and_removed(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Zensical keeps rendered pages (personal data) in .cache/ of the folder it runs in."""
    from casebook.check.loading import load

    seen = tmp_path / "seen"
    wrapper = tmp_path / "zensical-and-look"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'"{sys.executable}" -m zensical "$@"; rc=$?\n'
        f'pwd > "{seen}"; ls -A .cache >> "{seen}"\n'
        "exit $rc\n"
    )
    wrapper.chmod(0o755)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    loaded, _ = load(book, use_cache=False)
    assert loaded is not None
    out = tmp_path / "out" / "staff"
    options = BuildOptions(book, "staff", out, AS_OF, builder="zensical", command=[str(wrapper)])
    build_site(options, fixture_inputs(), book=loaded)
    work, *cached = seen.read_text().split()
    # Positive control: the cache was there, in the build folder next to --out ...
    assert Path(work).parent == out.parent and Path(work).name.startswith(".casebook-tmp.")
    assert cached, "zensical wrote no cache: this test no longer shows anything"
    # ... and nothing of it (or of the build folder) is left anywhere.
    assert not Path(work).exists()
    assert sorted(p.name for p in out.parent.iterdir()) == ["staff"]
    for where in (tmp_path, book):
        assert [p for p in where.rglob(".cache")] == []


def test_a_broken_link_fails_the_zensical_build_without_quoting_the_page(cli, book: Path) -> None:
    assert cli("--root", book, "site", "build", *ARGS, "--builder", "zensical").code == 0
    out = book / "_site" / "staff"
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (book / "site" / "pages" / "staff" / "broken.md").write_text(
        "Ask Quentin Secretname.\n\n[x](missing.md)\n"
    )
    res = cli("--root", book, "site", "build", *ARGS, "--builder", "zensical")
    assert res.code == 1
    assert "zensical build --strict failed" in res.err and "unchanged" in res.err
    assert "Quentin Secretname" not in res.err and "Traceback" not in res.err
    assert "\x1b[" not in res.err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["staff"]


@pytest.mark.parametrize(
    ("yml", "words"),
    [
        ("INHERIT: ../../policy/other.yml\n", "INHERIT is not allowed"),
        ("hooks:\n  - ../policy/run.py\n", "hooks are not allowed"),
        ("plugins:\n  - search\n  - macros\n", "plugins macros not allowed"),
        (
            "markdown_extensions:\n  - toc\n  - pymdownx.snippets:\n      base_path: /\n",
            "markdown_extensions pymdownx.snippets not allowed",
        ),
        ("theme:\n  custom_dir: /etc\n", "theme.custom_dir '/etc' is absolute"),
        ("theme:\n  custom_dir: ../policy\n", "theme.custom_dir '../policy' may not use"),
        ("theme:\n  custom_dir: .\n", "theme.custom_dir '.' may not use"),
    ],
)
def test_council_configuration_cannot_run_code_or_reach_outside_site(
    cli, book: Path, yml: str, words: str
) -> None:
    (book / "site" / "staff.yml").write_text(yml)
    res = cli("--root", book, "site", "build", *ARGS)
    assert res.code == 2, res.err
    assert "site/staff.yml" in res.err or "site/*.yml" in res.err
    assert words in res.err and "Traceback" not in res.err
    assert not (book / "_site").exists()


def test_custom_dir_inside_site_is_used(cli, book: Path) -> None:
    """The positive control: a theme folder inside site/ is copied, and published."""
    (book / "site" / "theme").mkdir()
    (book / "site" / "theme" / "hello.txt").write_text("from the council's theme folder\n")
    (book / "site" / "staff.yml").write_text("theme:\n  custom_dir: theme\n")
    res = cli("--root", book, "site", "build", *ARGS)
    assert res.code == 0, res.err
    assert (book / "_site" / "staff" / "hello.txt").read_text().startswith("from the council")


@pytest.mark.parametrize(
    ("link", "target_is_dir"),
    [
        ("pages/staff/passwd.md", False),
        ("assets/extra.css", False),
        ("overrides/partials", True),
        ("pages/common/more", True),
    ],
)
def test_a_link_in_site_is_refused_and_named(
    cli, book: Path, tmp_path: Path, link: str, target_is_dir: bool
) -> None:
    secret = tmp_path / "outside"
    secret.mkdir()
    (secret / "secret.md").write_text("Outside the casebook\n")
    path = book / "site" / link
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(secret if target_is_dir else secret / "secret.md")
    res = cli("--root", book, "site", "build", *ARGS)
    assert res.code == 2, res.err
    assert f"site/{link}" in res.err and "symbolic link" in res.err
    assert "Traceback" not in res.err
    assert list((book / "_site").iterdir()) == []  # no site, no build folder left


def test_custom_dir_that_is_a_link_is_refused(cli, book: Path, tmp_path: Path) -> None:
    (book / "site" / "theme").symlink_to(book / "policy")
    (book / "site" / "staff.yml").write_text("theme:\n  custom_dir: theme\n")
    res = cli("--root", book, "site", "build", *ARGS)
    assert res.code == 2 and "site/theme (theme.custom_dir) is a symbolic link" in res.err
