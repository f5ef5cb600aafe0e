"""An HTML letter opened in a browser fetches nothing (issue 16: "letters that fetch nothing").

The PDF path has its URL fetcher (test_fetch.py); an HTML letter is opened by a person, in a
browser, where only its Content-Security-Policy stands between an ``@import`` planted in
letter.css (or an ``<img>``/``<link>`` in the letterhead template) and a request that tells
an outside server who opened which letter. Debian's chromium opens each hostile letter from a
file, as a member of staff would; a listener on 127.0.0.1 records every connection.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from casebook.publish.letters import render_letters
from casebook.publish.letters.render import LETTER_CSP, with_csp

from .helpers import ALLITEMS_CASE, copy_fixture, load
from .test_fetch import Listener, _hostile

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is not installed (CI=true: .ci/install installs it)")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        yield b
        b.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    got = Listener()
    yield got
    got.close()


def _open(browser: Any, html: str, folder: Path) -> list[str]:
    """Open ``html`` from a file as a person would; the URLs the page asked for (not file:)."""
    path = folder / "letter.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    try:
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_load_state("networkidle")
        assert "Test Council" in page.inner_text("body")  # the letter itself is shown
    finally:
        page.close()
    time.sleep(0.3)  # the listener thread accepts within 0.2 s
    return [u for u in asked if not u.startswith(("file:", "data:"))]


def _hostile_html(tmp_path: Path, secrets: dict[str, Path], listener: Listener, where: str) -> str:
    root = copy_fixture("allitems", tmp_path / where)
    _hostile(root, secrets, listener, where)
    return render_letters(load(root), ALLITEMS_CASE, "html")[0].content.decode()


@pytest.fixture
def secrets(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "outside"
    folder.mkdir()
    files = {k: folder / f"secret.{k}" for k in ("txt", "css", "svg")}
    for path in files.values():
        path.write_text("secret\n", encoding="utf-8")
    return files


@pytest.mark.parametrize("where", ["letterhead", "css", "logo"])
def test_an_html_letter_opened_in_a_browser_fetches_nothing(
    browser: Any, tmp_path: Path, secrets: dict[str, Path], listener: Listener, where: str
) -> None:
    html = _hostile_html(tmp_path, secrets, listener, where)
    assert html.count(LETTER_CSP) == 1
    # The policy comes before anything the template puts in the head.
    assert html.index(LETTER_CSP) < html.index("<title>")
    asked = _open(browser, html, tmp_path)
    assert listener.connections == [], (where, asked)
    if where in {"letterhead", "css"}:
        # Positive control: the same letter without the policy does reach the listener, so
        # the check above would see a fetch.
        bare = html.replace(with_csp(""), "")
        assert LETTER_CSP not in bare
        _open(browser, bare, tmp_path)
        assert listener.connections, f"{where}: the planted request never fired"


@pytest.mark.parametrize(
    ("template", "before"),
    [
        ("<!DOCTYPE html>\n<html lang='en'>\n<head>\n<title>x</title>", "<title>"),
        ("<html><head><link rel=stylesheet href=x.css>", "<link"),
        ("<!doctype html><link rel=stylesheet href=x.css><head>", "<link"),
        ("<!-- <head> --><link rel=stylesheet href=x.css>", "<!--"),
    ],
)
def test_the_policy_is_placed_before_anything_the_template_loads(
    template: str, before: str
) -> None:
    html = with_csp(template)
    assert html.index(LETTER_CSP) < html.index(before)
