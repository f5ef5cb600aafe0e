"""The governance build's per-case results (decision 30): a warm build serves each unchanged
case's inputs and page from the record cache without validating or replaying its record, and
the site it builds is byte for byte the site a cold build makes. Anything a case's page
depends on (its file, policy/, the date, the repository URL) makes it be worked out again; a
damaged row is a miss; purging, and a file leaving the casebook, leave no row behind.
"""

from __future__ import annotations

import filecmp
import shutil
import sqlite3
import sys
from datetime import date
from pathlib import Path

import pytest

from casebook.check.loading import load
from casebook.model import Case
from casebook.publish.site import BuildOptions, build_site
from casebook.publish.site.build import generate
from casebook.publish.site.wire import collect_inputs
from casebook.store import cases as store_cases
from casebook.store.cache import CACHE_NAME, cache_dir, forget
from tests.conftest import REPO

AS_OF = date(2026, 11, 23)
URL = "https://github.com/council/casebook"


def _book(root: Path, use_cache: bool = True) -> store_cases.Casebook:
    book, _ = load(root, use_cache=use_cache)
    assert book is not None
    return book


def pages(
    root: Path,
    as_of: date = AS_OF,
    repo_url: str | None = None,
    letters: bool = True,
    use_cache: bool = True,
) -> dict[str, str]:
    """The generated governance Markdown, as `casebook site build` makes it."""
    book = _book(root, use_cache)
    inputs = collect_inputs(book, "governance", as_of, letters, repo_url)
    tree = generate(book, "governance", as_of, inputs, repo_url)
    if book.cache is not None:
        book.cache.close()
    return tree.pages


def rows(root: Path) -> list[tuple[str, str, str | None]]:
    folder = cache_dir(root)
    assert folder is not None
    if not (folder / CACHE_NAME).exists():
        return []
    db = sqlite3.connect(folder / CACHE_NAME)
    try:
        return list(db.execute("SELECT rel, key, page FROM site ORDER BY rel"))
    finally:
        db.close()


def _letter_keys(root: Path) -> set[str]:
    folder = cache_dir(root)
    assert folder is not None
    db = sqlite3.connect(folder / CACHE_NAME)
    try:
        return {k for (k,) in db.execute("SELECT key FROM html WHERE key LIKE 'letters:%'")}
    finally:
        db.close()


def _casebook(dest: Path, generated: int = 0) -> Path:
    """The demo casebook, or a generated one of ``generated`` cases, with the site folder."""
    if generated:
        sys.path.insert(0, str(REPO / "benchmarks"))
        from generate import generate as make

        make(dest, generated, REPO / "policy")
    else:
        dest.mkdir()
        for part in ("policy", "cases"):
            shutil.copytree(REPO / part, dest / part)
    shutil.copytree(REPO / "site", dest / "site")
    return dest


def counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The calls a build makes, in order: "read" (a case file parsed), "validate" (a record
    from the record cache), "replay" (a timeline derived), "letters" (a case's rendered)."""
    from casebook.engine import timeline as timeline_mod
    from casebook.publish.letters.render import Renderer

    calls: list[str] = []

    def counted(name: str, real):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(name)
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(Case, "model_validate_json", counted("validate", Case.model_validate_json))
    monkeypatch.setattr(store_cases, "read_model", counted("read", store_cases.read_model))
    monkeypatch.setattr(timeline_mod, "derive", counted("replay", timeline_mod.derive))
    monkeypatch.setattr(Renderer, "render_case", counted("letters", Renderer.render_case))
    return calls


@pytest.fixture
def demo_book(tmp_path: Path) -> Path:
    return _casebook(tmp_path / "demo")


def _same_tree(a: Path, b: Path) -> None:
    """``diff -r``: the same files, byte for byte."""
    cmp = filecmp.dircmp(a, b)
    assert not cmp.left_only and not cmp.right_only, (cmp.left_only, cmp.right_only)
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    assert not mismatch and not errors, (a, mismatch, errors)
    for sub in cmp.common_dirs:
        _same_tree(a / sub, b / sub)


@pytest.mark.parametrize("generated", [0, 30], ids=["demo", "generated 30 cases"])
def test_a_warm_build_is_byte_identical_to_a_cold_one(tmp_path: Path, generated: int) -> None:
    root = _casebook(tmp_path / "book", generated)
    outs = []
    for n in range(2):  # cold (empty cache), then warm (every case from the results)
        book = _book(root)
        inputs = collect_inputs(book, "governance", AS_OF, repo_url=URL)
        out = tmp_path / f"out{n}"
        build_site(BuildOptions(root, "governance", out, AS_OF, URL), inputs, book=book)
        outs.append(out)
        stored = rows(root)
        assert len(stored) == len(book.files) and all(page for _, _, page in stored)
    _same_tree(outs[0], outs[1])
    assert len(list((outs[0] / "cases").iterdir())) >= min(generated or 20, 20)


def test_a_warm_build_validates_and_replays_nothing(
    demo_book: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = pages(demo_book)
    calls = counting(monkeypatch)
    letters = _letter_keys(demo_book)
    assert letters
    warm = pages(demo_book)
    assert calls == []
    assert warm == cold
    # The letters of cases served from the results stay in the letter cache (for the next
    # date, when every page is made again but no letter needs rendering).
    assert _letter_keys(demo_book) == letters

    # The counting is real: a changed case file is validated, replayed and rendered again.
    victim = sorted((demo_book / "cases").glob("*.yaml"))[0]
    victim.write_text(victim.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert pages(demo_book) == cold
    assert {"read", "replay"} <= set(calls)
    # The inputs pass (which writes the case's page too: ``governance.page_ahead``), that case
    # only; and once more for its letters: the letter rows are tied to the file's bytes, so
    # any edit drops them (an address corrected out of the record must not stay in the cache:
    # RecordCache.save). The page pass replays nothing (it did a third time, issue 14).
    assert calls.count("replay") == 2
    assert calls.count("read") == 1 and calls.count("validate") == 1  # was 2

    # A new date: every case replayed, but no letter rendered (they come from the cache).
    calls.clear()
    pages(demo_book, as_of=date(2026, 11, 24))
    assert calls.count("replay") > 20 and "letters" not in calls


@pytest.mark.parametrize("generated", [0, 30], ids=["demo", "generated 30 cases"])
def test_a_cold_build_validates_and_replays_each_case_once_for_its_page(
    tmp_path: Path, generated: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: the inputs pass writes each case's page while it holds the record
    (``governance.page_ahead``), so a cold build validates each record from the cache once
    (it did twice), renders its letters once, and replays it once besides its letters' own
    replays (the page pass did a third time); the pages are those of a build without the
    cache, which works page by page in the page pass."""
    root = _casebook(tmp_path / "book", generated)
    uncached = pages(root, use_cache=False)
    calls = counting(monkeypatch)
    cold = pages(root)
    n = len(list((root / "cases").glob("*.yaml")))
    assert calls.count("validate") == n
    assert 0 < calls.count("letters") <= n
    assert calls.count("replay") == n + calls.count("letters")
    assert cold == uncached


def test_changes_are_never_served_stale(demo_book: Path) -> None:
    cold = pages(demo_book)
    assert pages(demo_book) == cold == pages(demo_book, use_cache=False)

    # One case file: its page changes (and only pages that show the case).
    victim = sorted((demo_book / "cases").glob("*.yaml"))[0]
    text = victim.read_text(encoding="utf-8")
    case_id = victim.stem
    book = _book(demo_book, use_cache=False)
    name = next(c.person.name for c in book.cases() if c.id == case_id)
    victim.write_text(text.replace(name, "Quentin Placeholder"), encoding="utf-8")
    edited = pages(demo_book)
    assert edited == pages(demo_book, use_cache=False)
    assert "Quentin Placeholder" in edited[f"cases/{case_id}.md"]
    assert edited[f"cases/{case_id}.md"] != cold[f"cases/{case_id}.md"]

    # A person's name in policy/people.yaml: every case page naming them.
    people = demo_book / "policy" / "people.yaml"
    staff = "Harriet Whitfield"
    naming = [p for p, t in edited.items() if p.startswith("cases/") and staff in t]
    assert naming
    people.write_text(
        people.read_text(encoding="utf-8").replace(staff, "Harriet Renamed"), encoding="utf-8"
    )
    renamed = pages(demo_book)
    assert renamed == pages(demo_book, use_cache=False)
    assert all(staff not in renamed[p] and "Harriet Renamed" in renamed[p] for p in naming)

    # The as-of date, and the repository URL of the approval links.
    later = date(2027, 3, 1)
    moved = pages(demo_book, as_of=later)
    assert moved == pages(demo_book, as_of=later, use_cache=False) != renamed
    linked = pages(demo_book, repo_url=URL)
    assert linked == pages(demo_book, repo_url=URL, use_cache=False)
    assert any(f"{URL}/pull/" in t for p, t in linked.items() if p.startswith("cases/"))
    assert not any(f"{URL}/pull/" in t for t in renamed.values())
    # Without letters, and back: each is its own key.
    bare = pages(demo_book, repo_url=URL, letters=False)
    assert bare == pages(demo_book, repo_url=URL, letters=False, use_cache=False) != linked
    assert pages(demo_book, repo_url=URL) == linked


def test_a_damaged_row_falls_back_to_the_file(demo_book: Path) -> None:
    cold = pages(demo_book)
    folder = cache_dir(demo_book)
    assert folder is not None
    db = sqlite3.connect(folder / CACHE_NAME)
    stored = list(db.execute("SELECT rel FROM site ORDER BY rel"))
    assert len(stored) > 3
    # Garbage, JSON of the wrong shape, a page that is not text, an inputs row broken.
    db.execute("UPDATE site SET page = 'not json {' WHERE rel = ?", stored[0])
    db.execute("UPDATE site SET page = '[1, 2]' WHERE rel = ?", stored[1])
    db.execute("""UPDATE site SET page = json_set(page, '$.page', 7) WHERE rel = ?""", stored[2])
    db.execute("UPDATE site SET inputs = '{\"obligations\": 3}' WHERE rel = ?", stored[3])
    db.commit()
    db.close()
    assert pages(demo_book) == cold
    # The damaged rows were written again, whole.
    again = pages(demo_book)
    assert again == cold
    assert all(page and page.startswith("{") for _, _, page in rows(demo_book))


def test_no_row_outlives_its_case_file_or_a_purge(demo_book: Path, cli) -> None:  # type: ignore[no-untyped-def]
    pages(demo_book)
    files = sorted((demo_book / "cases").glob("*.yaml"))
    assert [rel for rel, _, _ in rows(demo_book)] == [f"cases/{f.name}" for f in files]

    # A case file that leaves the casebook: its row goes at the next load (any command).
    files[0].unlink()
    _book(demo_book).cache.close()  # type: ignore[union-attr]
    assert [rel for rel, _, _ in rows(demo_book)] == [f"cases/{f.name}" for f in files[1:]]

    # A row another version of casebook left for a file that is gone: pruned too.
    folder = cache_dir(demo_book)
    assert folder is not None
    db = sqlite3.connect(folder / CACHE_NAME)
    db.execute("INSERT INTO site VALUES ('cases/GONE.yaml', 'k', '{}', 'Quentin Placeholder', 'd')")
    db.commit()
    db.close()
    _book(demo_book).cache.close()  # type: ignore[union-attr]
    assert "cases/GONE.yaml" not in [rel for rel, _, _ in rows(demo_book)]

    # A changed file or date: one row per file, the old one replaced or pruned by the build.
    keys = {key for _, key, _ in rows(demo_book)}
    pages(demo_book, as_of=date(2027, 1, 5))
    assert len(rows(demo_book)) == len(files) - 1
    assert not keys & {key for _, key, _ in rows(demo_book)}

    # `casebook purge` and ``forget``: no site row left anywhere.
    res = cli(
        "--root",
        demo_book,
        "purge",
        files[1].stem,
        "--as-of",
        "2027-01-05",
        "--ground",
        "erasure request (UK GDPR Art. 17)",
    )
    assert res.code == 0, res.err
    assert rows(demo_book) == []
    pages(demo_book)
    assert rows(demo_book)
    forget(demo_book)
    assert rows(demo_book) == []


def fail_letters_of_first_case(
    m: pytest.MonkeyPatch, root: Path, error: Exception, calls: list[str] | None = None
) -> Path:
    """Make rendering the letters of the casebook's first case file raise ``error`` (inside
    the ``monkeypatch`` context ``m``); ``calls`` collects the ids of every case rendered.
    Returns that file."""
    from casebook.publish.letters.render import Renderer

    victim = sorted((root / "cases").glob("*.yaml"))[0]
    real = Renderer.render_case

    def failing(self, case, *args, **kwargs):  # type: ignore[no-untyped-def]
        if calls is not None:
            calls.append(case.id)
        if case.id == victim.stem:
            raise error
        return real(self, case, *args, **kwargs)

    m.setattr(Renderer, "render_case", failing)
    return victim


def test_failed_letters_are_not_stored(
    demo_book: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from casebook.errors import CasebookError

    with monkeypatch.context() as m:
        victim = fail_letters_of_first_case(m, demo_book, CasebookError("template broken"))
        broken = pages(demo_book)
    # Said once, by the page pass (which renders them again: the row was not kept).
    warning = f"letters of {victim.stem} not rendered (CasebookError)"
    assert capsys.readouterr().err.count(warning) == 1
    page = f"cases/{victim.stem}.md"
    assert "could not be rendered" in broken[page]
    assert f"cases/{victim.name}" not in [rel for rel, _, _ in rows(demo_book)]
    # Rendered again next time, not served from the results as it was.
    fixed = pages(demo_book)
    assert "could not be rendered" not in fixed[page]
    assert fixed == pages(demo_book, use_cache=False)
    assert f"cases/{victim.name}" in [rel for rel, _, page in rows(demo_book) if page]


def test_a_damaged_letter_row_is_rendered_again(demo_book: Path) -> None:
    """The whole-case letter rows (``wire.CASE_KEY``) are read back as JSON too: a damaged one
    renders the case's letters again instead of stopping the build."""
    cold = pages(demo_book, use_cache=False)
    pages(demo_book)
    folder = cache_dir(demo_book)
    assert folder is not None
    db = sqlite3.connect(folder / CACHE_NAME)
    db.execute("DELETE FROM site")  # so the pages are made again, asking for their letters
    damaged = db.execute(
        "UPDATE html SET value = CASE WHEN rowid % 2 = 0 THEN 'not json [' ELSE '[[1]]' END "
        "WHERE key LIKE 'letters:%'"
    ).rowcount
    db.commit()
    db.close()
    assert damaged > 3
    assert pages(demo_book) == cold
    assert pages(demo_book) == cold


def test_letters_the_templates_refuse_are_stored_with_their_page_and_said_again(
    demo_book: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refusal by the templates (``LetterContentError``) follows from the record and policy/
    alone, as the page does: the page that says so is kept, served by the next build without
    rendering again, and that build says again that the letters were not rendered. Any change
    to the key (here policy/) renders them again."""
    from casebook.errors import LetterContentError

    calls: list[str] = []
    with monkeypatch.context() as m:
        refused = LetterContentError("the template refuses this record")
        victim = fail_letters_of_first_case(m, demo_book, refused, calls)
        page = f"cases/{victim.stem}.md"
        warning = f"letters of {victim.stem} not rendered (LetterContentError)"
        first = pages(demo_book)
        # Once: the inputs pass writes the page ahead quietly; the page pass says it.
        assert capsys.readouterr().err.count(warning) == 1
        assert victim.stem in calls
        assert "could not be rendered" in first[page]
        assert f"cases/{victim.name}" in [rel for rel, _, p in rows(demo_book) if p]
        calls.clear()
        again = pages(demo_book)
        assert calls == []  # every page from the results: nothing rendered
        assert again == first
        assert warning in capsys.readouterr().err  # said again
        # policy/ changes (the council mends the template): worked out again.
        settings = demo_book / "policy" / "settings.yaml"
        settings.write_text(settings.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        pages(demo_book)
        assert victim.stem in calls
