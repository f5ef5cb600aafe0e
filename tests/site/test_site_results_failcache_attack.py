"""Holes an outside review found in keeping the page of a case whose letters the templates
refused (decision 30, last addendum: a ``site`` row marked ``failed``).

- A ``LetterContentError`` is not only a template refusing the record: an item the policy texts
  fill (the enclosed published text, the letterhead's ombudsman or complaints route) is
  "missing" when that file could not be read, and the letter is then refused with
  ``LetterContentError`` too. A read that failed once (an I/O error, a file replaced while the
  build ran) is not a function of the key (``fingerprint`` read the file fine), so the page
  saying "could not be rendered" must not be kept: the next build would serve it.
- A template could draw on chance (Jinja's ``random`` filter, ``lipsum`` global), so its
  refusal (or its letter) was not a function of the key at all: the sandboxed environments
  no longer offer either, and such a template is a template error, which is never kept.
- The ``failed`` value of a row is printed to stderr as it is: a damaged row (control
  characters, a huge string) must be a miss, as any other damaged row is.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from casebook.store.cache import CACHE_NAME, cache_dir
from tests.site.test_site_results_cache import _casebook, fail_letters_of_first_case, pages, rows


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return _casebook(tmp_path / "demo")


def test_a_policy_text_that_could_not_be_read_once_is_not_kept_as_a_refusal(
    book: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The published texts could not be read during one build (simulated: ``published_text``
    answers None, as it does on any OSError): letters needing the enclosure are refused with
    ``LetterContentError``. The next build, the files readable again and nothing changed,
    must render them, not serve the refused pages."""
    from casebook.publish.letters import render

    cold = pages(book, use_cache=False)
    capsys.readouterr()
    with monkeypatch.context() as m:
        m.setattr(render, "published_text", lambda root, proc: None)
        broken = pages(book)
    err = capsys.readouterr().err
    refused = [p for p, text in broken.items() if "could not be rendered" in text]
    assert refused, "no letter needs the published text: the test proves nothing"
    assert "(LetterContentError)" in err
    again = pages(book)
    assert again == cold, [p for p in refused if again[p] != cold[p]]
    assert "not rendered" not in capsys.readouterr().err


def test_a_letterhead_that_could_not_be_read_once_is_not_kept_as_a_refusal(
    book: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As above for the letterhead (``load_letterhead`` answers no letterhead, as it does on
    an OSError): items it fills are missing and the letters refused with
    ``LetterContentError``; the next build must not serve that."""
    from casebook.publish.letters import letterhead, render

    cold = pages(book, use_cache=False)
    capsys.readouterr()
    with monkeypatch.context() as m:
        unreadable = letterhead.LoadedLetterhead(None, "policy/letterhead/letterhead.yaml: EIO")
        m.setattr(render, "load_letterhead", lambda root: unreadable)
        broken = pages(book)
    assert any("could not be rendered" in text for text in broken.values())
    assert "(LetterContentError)" in capsys.readouterr().err
    assert pages(book) == cold


@pytest.mark.parametrize(
    "value",
    [
        "LetterContentError)\n\x1b[2J\x1b[31mcasebook site: all letters rendered",
        "E" * 5_000_000,
        "Jane Example, 1 High Street",
    ],
    ids=["control characters", "huge", "not a kind"],
)
def test_a_damaged_failed_value_is_a_miss(
    book: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str,
) -> None:
    """Only the kinds casebook writes (``LetterContentError``) are read back; anything else in
    ``failed`` is a damaged row: the case is worked out again, and nothing of the value is
    printed."""
    from casebook.errors import LetterContentError

    with monkeypatch.context() as m:
        refused = LetterContentError("the template refuses this record")
        victim = fail_letters_of_first_case(m, book, refused)
        first = pages(book)
    capsys.readouterr()
    rel = f"cases/{victim.name}"
    assert rel in [r for r, _, p in rows(book) if p]
    folder = cache_dir(book)
    assert folder is not None
    db = sqlite3.connect(folder / CACHE_NAME)
    (stored,) = db.execute("SELECT page FROM site WHERE rel = ?", (rel,)).fetchone()
    row = json.loads(stored)
    assert row["failed"] == "LetterContentError"
    row["failed"] = value
    db.execute("UPDATE site SET page = ? WHERE rel = ?", (json.dumps(row), rel))
    db.commit()
    db.close()
    again = pages(book)  # the template no longer refuses: a miss renders the letters
    err = capsys.readouterr().err
    assert value[:40] not in err
    assert len(err) < 10_000
    assert "could not be rendered" not in again[f"cases/{victim.stem}.md"]
    assert again != first


def test_a_template_cannot_draw_on_chance(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A letter template that prints a required item only when ``random`` says so would be
    refused at one build and not at the next, with nothing in the key changed; the refusal
    would be kept (and its letters, when not refused, cached). No template may use chance
    (here ``_base.md.j2`` asks ``random`` whether to print a mark): such a template is a
    template error (``ConfigError``), and no page of it is kept."""
    from casebook.publish.templating import sandboxed_env

    env = sandboxed_env(book, "policy/letters", autoescape=False)
    assert "random" not in env.filters
    assert "lipsum" not in env.globals
    base = book / "policy" / "letters" / "_base.md.j2"
    base.write_text(
        base.read_text(encoding="utf-8") + "{% if [true, false] | random %}!{% endif %}\n",
        encoding="utf-8",
    )
    got = pages(book)
    err = capsys.readouterr().err
    assert "(ConfigError)" in err and "(LetterContentError)" not in err
    assert any("could not be rendered" in text for text in got.values())
    folder = cache_dir(book)
    assert folder is not None
    db = sqlite3.connect(folder / CACHE_NAME)
    kept = [json.loads(p).get("failed") for (p,) in db.execute("SELECT page FROM site") if p]
    db.close()
    assert "LetterContentError" not in kept
