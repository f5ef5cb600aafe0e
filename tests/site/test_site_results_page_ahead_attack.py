"""Holes an outside review found in the governance page written ahead by the inputs pass
(``governance.page_ahead``, decision 30): the site results made by ``collect_inputs`` must
give the page pass only what a build without any cache would show.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from casebook.publish.site.build import generate
from casebook.publish.site.wire import collect_inputs
from tests.site.test_site_results_cache import AS_OF, _book, _casebook, pages

LATER = date(2027, 6, 1)


def _mixed(root: Path, inputs_on: date, site_on: date, use_cache: bool) -> dict[str, str]:
    """A library caller's build: ``collect_inputs`` as of one date, the pages as of another."""
    book = _book(root, use_cache)
    inputs = collect_inputs(book, "governance", inputs_on)
    tree = generate(book, "governance", site_on, inputs)
    if book.cache is not None:
        book.cache.close()
    return tree.pages


def test_inputs_made_for_another_date_do_not_serve_that_dates_pages(tmp_path: Path) -> None:
    """``collect_inputs`` wrote the pages of its date into the site results (``page_ahead``),
    and the page pass served them to a build of another date: case pages showed the state,
    restrictions and "overdue" markers of the inputs' date while the site said ``LATER``
    (before ``page_ahead``, such a build stored its pages under the inputs' date's key
    instead, and the next build of that date served them). The results are used only by a
    build of the date they were made for."""
    root = _casebook(tmp_path / "demo")
    plain = _mixed(root, AS_OF, LATER, use_cache=False)
    got = _mixed(root, AS_OF, LATER, use_cache=True)
    differ = sorted(p for p in plain if got.get(p) != plain[p])
    assert differ == [], differ
    # Not vacuous: the cases' pages differ between the two dates.
    assert pages(root, as_of=LATER, use_cache=False) != pages(root, use_cache=False)
    # And the cache holds nothing of that mixed build under the inputs' date.
    assert pages(root) == pages(root, use_cache=False)
