"""Nothing per case may scan every case: work per case must not grow with the casebook (issue 14).

Counted, not timed (timing on a shared machine misleads): on generated casebooks of 50 and
500 cases, the same work (the governance site's pages, looking up every case for letters
and notifications) is run while counting
- every element visited in the casebook's file list and in the obligation list (a scan of
  either per case shows as visits growing with the square of the number of cases), and
- every Python function call (sys.setprofile), for per-case loops hidden elsewhere.
Each count per case at 500 must stay within FACTOR of the count per case at 50.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

AS_OF = date(2026, 11, 23)
FACTOR = 1.5  # a per-case scan makes this about 10 (500 / 50)


class Counted(list[Any]):
    """A list that counts the elements its iterators hand out."""

    visits = 0

    def __iter__(self) -> Iterator[Any]:
        for item in super().__iter__():
            Counted.visits += 1
            yield item


def work(root: Path) -> tuple[int, int, int]:
    """(cases, element visits, Python calls) of the per-case work on one casebook."""
    from casebook.check.loading import load
    from casebook.publish.letters.render import Renderer
    from casebook.publish.notify import Notifier
    from casebook.publish.site.build import generate as pages
    from casebook.publish.site.wire import collect_inputs

    book, _ = load(root)
    assert book is not None
    inputs = collect_inputs(book, "governance", AS_OF, letters=False)
    ids = [f.path.stem for f in book.files]
    book.files = Counted(book.files)
    inputs = dataclasses.replace(inputs, obligations=Counted(inputs.obligations or []))
    calls = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    Counted.visits = 0
    sys.setprofile(count)
    try:
        renderer, notifier = Renderer(book), Notifier(book)
        for case_id in ids:
            renderer.case(case_id)
            notifier.case(case_id)
        pages(book, "governance", AS_OF, inputs)
    finally:
        sys.setprofile(None)
    return len(ids), Counted.visits, calls


@pytest.mark.slow
def test_work_per_case_does_not_grow_with_the_casebook(tmp_path: Path) -> None:
    from generate import generate

    small = work(generate(tmp_path / "small", 50, REPO / "policy"))
    large = work(generate(tmp_path / "large", 500, REPO / "policy"))
    for what, i in (("list visits", 1), ("Python calls", 2)):
        per_small, per_large = small[i] / small[0], large[i] / large[0]
        assert per_large <= FACTOR * per_small, (
            f"{what} per case: {per_small:.0f} at {small[0]} cases, "
            f"{per_large:.0f} at {large[0]} cases"
        )
