"""Golden letters: for each letter of each procedure, the first demo case that records it,
rendered as Markdown and HTML and compared byte for byte with tests/golden/letters/.

After an intended change to a template, the letterhead or a demo case:
``python -m pytest tests/letters/test_golden.py --update-golden`` (or
CASEBOOK_UPDATE_GOLDEN=1), then review the diff of tests/golden/ like any other change.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from casebook.check.loading import load
from casebook.publish.letters import Renderer
from casebook.publish.letters.render import large_print, to_pdf
from tests.conftest import REPO

from .helpers import pdftotext

GOLDEN = REPO / "tests" / "golden" / "letters"


@cache
def _book():
    book, findings = load(REPO, use_cache=False)
    assert book is not None, findings
    return book


def _procedure_letters() -> list[tuple[str, str]]:
    book = _book()
    return sorted(
        (pid, lid) for pid, proc in book.policy.procedures.items() for lid in proc.letters
    )


@cache
def _example(procedure_id: str, letter_id: str) -> tuple[str, int] | None:
    """(case id, index among that case's letters) of the first demo case recording the letter."""
    book = _book()
    renderer = Renderer(book)
    for case in book.cases():
        if case.procedure != procedure_id:
            continue
        for i, job in enumerate(renderer.jobs(case)):
            if job.letter_id == letter_id:
                return case.id, i
    return None


LETTERS = _procedure_letters()


def test_demo_covers_every_letter_of_every_procedure():
    missing = [f"{p}/{lid}" for p, lid in LETTERS if _example(p, lid) is None]
    assert not missing, f"no demo case records these letters: {missing}"


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize(("procedure_id", "letter_id"), LETTERS)
def test_golden_letter(procedure_id, letter_id, fmt, golden):
    found = _example(procedure_id, letter_id)
    assert found is not None
    case_id, index = found
    letter = Renderer(_book()).render(case_id, fmt)[index]
    assert letter.letter_id == letter_id
    golden(GOLDEN / procedure_id / f"{letter_id}.{fmt}", letter.content)


def test_every_demo_letter_renders_in_every_format_and_pdfs_carry_their_items():
    """Every letter recorded in every demo case renders; one PDF per procedure letter is read
    back with pdftotext and must contain each mandatory item's text."""
    book = _book()
    renderer = Renderer(book)
    total = 0
    for case in book.cases():
        for fmt in ("md", "html"):
            total += len(renderer.render(case.id, fmt))
    assert total == 2 * sum(len(renderer.jobs(c)) for c in book.cases())
    for procedure_id, letter_id in LETTERS:
        found = _example(procedure_id, letter_id)
        assert found is not None
        case_id, index = found
        case = renderer.case(case_id)
        md, items = renderer.markdown(case, renderer.jobs(case)[index])
        pdf = to_pdf(renderer.html(md, case_id, large_print(case)), renderer.book.root)
        text = " ".join(pdftotext(pdf).split())
        assert items, (procedure_id, letter_id)
        for item, block in items.items():
            words = _plain(block)
            assert words and words in text, (procedure_id, letter_id, item, words)


def _plain(markdown_block: str) -> str:
    """The first line of an item's block with Markdown syntax removed (as PDF text shows it)."""
    for line in markdown_block.splitlines():
        line = line.strip().lstrip("-").strip().replace("\\", "").replace("**", "")
        if len(line) > 12:
            return " ".join(line.split())[:60].rsplit(" ", 1)[0]
    return ""


def test_golden_files_are_all_in_use():
    expected = {GOLDEN / p / f"{lid}.{fmt}" for p, lid in LETTERS for fmt in ("md", "html")}
    present = {p for p in GOLDEN.rglob("*") if p.is_file()} if GOLDEN.is_dir() else set()
    assert present <= expected, sorted(str(Path(p).relative_to(REPO)) for p in present - expected)
