"""Letter HTML is read from the record cache by the digest of its Markdown (issue 14): the
same letter is converted once, a changed letter is converted again, and no HTML of a letter
that is gone stays in the cache."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from casebook.check.loading import load
from casebook.publish.site.case_page import letter_body
from casebook.publish.site.inputs import RenderedLetter
from casebook.publish.site.wire import LetterRenderer, _with_html, collect_inputs


def _stored(book) -> dict[str, str]:
    assert book.cache is not None and book.cache.db is not None
    return dict(book.cache.db.execute("SELECT key, value FROM html"))


def _all_letters(book) -> list[RenderedLetter]:
    """Every case's letters, as a governance build asks for them (one case at a time)."""
    inputs = collect_inputs(book, "governance", date(2026, 11, 23))
    source = inputs.letter_source
    assert inputs.letters is None and isinstance(source, LetterRenderer)
    out: list[RenderedLetter] = []
    for case in book.each_case():
        out += source(case) or []
    source.finish()
    return out


def test_letters_come_from_the_cache_until_they_change(demo: Path) -> None:
    book, _ = load(demo)
    assert book is not None and book.cache is not None
    letters = _all_letters(book)
    assert len(letters) > 5
    # Cached HTML is the same as converting again.
    assert all(x.html == letter_body(x.markdown) for x in letters)
    stored = _stored(book)
    assert len(stored) == len({x.markdown for x in letters})

    # A planted value under a letter's key is what the next build shows: read, not redone.
    key = next(iter(stored))
    book.cache.put_html(key, "<p>from the cache</p>")
    again = _with_html(book, [RenderedLetter(x.case, x.title, x.markdown, x.date) for x in letters])
    assert sum(x.html == "<p>from the cache</p>" for x in again) >= 1

    # A changed letter gets fresh HTML, and the old letter's HTML leaves the cache.
    changed = [RenderedLetter(letters[0].case, "t", letters[0].markdown + "\n\nAdded.", None)]
    out = _with_html(book, changed)
    assert "Added." in out[0].html
    assert list(_stored(book).values()) == [out[0].html]


def test_a_purged_case_takes_its_letter_html_with_it(demo: Path) -> None:
    book, _ = load(demo)
    assert book is not None
    _all_letters(book)
    assert _stored(book)
    book.cache.close()
    victim = sorted((demo / "cases").glob("*.yaml"))[0]
    victim.unlink()
    book, _ = load(demo)  # the cache is pruned of the file, and of every letter's HTML
    assert book is not None
    assert _stored(book) == {}
