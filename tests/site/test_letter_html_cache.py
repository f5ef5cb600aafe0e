"""Letter HTML is read from the record cache by the digest of its Markdown (issue 14): the
same letter is converted once, a changed letter is converted again, and no HTML of a letter
that is gone, or whose case file was edited, stays in the cache. A whole case's letters are
stored too, under the digest of its record, policy/ and the code: an unchanged case is not
rendered again, a changed record or template is."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from casebook.check.loading import load
from casebook.publish.site.case_page import letter_body
from casebook.publish.site.inputs import RenderedLetter
from casebook.publish.site.wire import CASE_KEY, LetterRenderer, _with_html, collect_inputs


def _stored(book, cases: bool = False) -> dict[str, str]:
    """Single letters' HTML by key; with ``cases``, whole cases' letters instead."""
    assert book.cache is not None and book.cache.db is not None
    rows = dict(book.cache.db.execute("SELECT key, value FROM html"))
    return {k: v for k, v in rows.items() if k.startswith(CASE_KEY) == cases}


def _all_letters(book) -> list[RenderedLetter]:
    """Every case's letters, as a governance build asks for them: one case at a time, with
    the digest of the file it was read from (``collect_inputs`` does this as it writes each
    page ahead: ``test_a_build_renders_each_case_s_letters_once`` below)."""
    source = LetterRenderer(book)
    out: list[RenderedLetter] = []
    for f in book.files:
        assert f.case is not None
        out += source(f.case, f.digest) or []
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
    assert len(_stored(book, cases=True)) == len(book.files)

    # A planted value under a letter's key is what the next build shows: read, not redone.
    key = next(iter(stored))
    owner = book.files[0]
    book.cache.put_html(key, "<p>from the cache</p>", owner.rel, owner.digest)
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
    assert book.cache is not None and book.cache.db is not None
    rels = {rel for (rel,) in book.cache.db.execute("SELECT rel FROM html")}
    book.cache.close()
    victim = sorted((demo / "cases").glob("*.yaml"))[0]
    assert f"cases/{victim.name}" in rels  # the victim has letters
    victim.unlink()
    book, _ = load(demo)  # the cache is pruned of the file and of its letters' HTML
    assert book is not None and book.cache is not None and book.cache.db is not None
    left = {rel for (rel,) in book.cache.db.execute("SELECT rel FROM html")}
    assert left == rels - {f"cases/{victim.name}"}  # the other cases keep theirs


def test_an_edited_case_takes_its_letter_html_with_it(demo: Path) -> None:
    """Any command after an edit drops the letters made from the file's old bytes."""
    book, _ = load(demo)
    assert book is not None and book.cache is not None and book.cache.db is not None
    _all_letters(book)
    before = dict(book.cache.db.execute("SELECT rel, digest FROM html"))
    book.cache.close()
    victim = sorted((demo / "cases").glob("*.yaml"))[0]
    assert f"cases/{victim.name}" in before
    victim.write_text(victim.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    book, _ = load(demo)
    assert book is not None and book.cache is not None and book.cache.db is not None
    after = dict(book.cache.db.execute("SELECT rel, digest FROM html"))
    assert f"cases/{victim.name}" not in after
    assert after == {rel: d for rel, d in before.items() if rel != f"cases/{victim.name}"}


def test_an_unchanged_case_is_not_rendered_again(demo: Path) -> None:
    first = _all_letters(load(demo)[0])
    book, _ = load(demo)
    assert book is not None
    source = collect_inputs(book, "governance", date(2026, 11, 23)).letter_source
    assert isinstance(source, LetterRenderer)
    owner = next(f for f in book.files if any(x.case == f.case_id for x in first))
    case = owner.case
    assert case is not None
    mine = [x for x in first if x.case == case.id]

    # Read back whole: same titles, dates and HTML, without rendering (no Markdown kept).
    again = source(case, owner.digest) or []
    assert [(x.title, x.date, x.html) for x in again] == [(x.title, x.date, x.html) for x in mine]
    assert all(x.markdown == "" for x in again)
    key = source.last_key
    assert key.startswith(CASE_KEY) and book.cache is not None
    book.cache.put_html(
        key, '[["Planted", null, "<p>from the cache</p>"]]', owner.rel, owner.digest
    )
    assert [x.html for x in source(case, owner.digest) or []] == ["<p>from the cache</p>"]

    # A changed record is rendered again (its key changes).
    changed = case.model_copy(update={"service": case.service + " (renamed)"})
    assert [x.html for x in source(changed) or []] == [x.html for x in mine]

    # A changed template changes every case's key: rendered again, with the new text.
    template = next((demo / "policy" / "letters").rglob("_base.md.j2"))
    template.write_text(template.read_text(encoding="utf-8") + "\nAdded line.\n", "utf-8")
    book, _ = load(demo)
    assert book is not None
    source = collect_inputs(book, "governance", date(2026, 11, 23)).letter_source
    assert isinstance(source, LetterRenderer)
    fresh = source(next(c for c in book.each_case() if c.id == case.id)) or []
    assert fresh and all("Added line." in x.html for x in fresh)


def test_a_case_read_from_a_file_is_keyed_by_the_files_digest(demo: Path) -> None:
    """A governance build walking the files passes each file's digest: the same bytes give
    the same record, so its letters are found without dumping the record; other bytes (even
    a comment more) are another key, rendered anew; without a digest, the record is the key."""
    book, _ = load(demo)
    assert book is not None and book.cache is not None
    source = collect_inputs(book, "governance", date(2026, 11, 23)).letter_source
    assert isinstance(source, LetterRenderer)
    f = next(f for f in book.files if f.case is not None and (source(f.case) or []))
    case = f.case
    assert case is not None
    by_record = source.last_key
    letters = source(case, f.digest) or []
    by_file = source.last_key
    assert letters and by_file != by_record
    book.cache.put_html(by_file, '[["Planted", null, "<p>planted</p>"]]', f.rel, f.digest)
    assert [x.html for x in source(case, f.digest) or []] == ["<p>planted</p>"]
    # Another file's bytes (say, a comment more) are another key: rendered, not the plant.
    other = source(case, "0" * 64) or []
    assert source.last_key not in (by_file, by_record)
    assert [x.html for x in other] == [x.html for x in letters]
    assert [x.html for x in source(case) or []] == [x.html for x in letters]
