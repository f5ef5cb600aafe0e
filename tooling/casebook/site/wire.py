"""Where the site gets what other commands compute: letters now; obligations, breaches and
register rows when `casebook due` / `register` land (integration points listed below).

Kept apart from the page generators so that each page can be tested with values a test
builds, and so that what is not computed shows as "not computed" rather than as "nothing".
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date

from ..casebook import Casebook
from ..errors import CasebookError
from .build import Audience
from .inputs import RenderedLetter, SiteInputs


def collect_inputs(
    book: Casebook, audience: Audience, as_of: date, letters: bool = True
) -> SiteInputs:
    """Everything the audience's pages show that the site does not compute itself.

    Integration points (each ``None`` until wired, and the pages say so):
    - ``obligations``: ``list[casebook.obligations.Obligation]`` for every case as of
      ``as_of`` (reviews, letters, notifications, "deletion" dates: a case whose "deletion"
      obligation is overdue is kept off both sites);
    - ``breaches``: ``list[BreachPeriod]``, one per monitoring period of each case;
    - ``review_dates``: next review and expiry by case, from ``register_rows``;
    - ``purged``: case ids in the deletion log.
    ``site/adapters.py`` converts the time work's results (see its docstring for the wiring).
    """
    from ..obligations import obligations  # the time work (#3), now on main

    inputs = SiteInputs(obligations=obligations(book, as_of))
    if audience == "governance" and letters:
        rendered, failed = _letters(book)
        inputs = replace(inputs, letters=rendered, letters_failed=failed)
    return inputs


def _letters(book: Casebook) -> tuple[list[RenderedLetter], frozenset[str]]:
    from ..letters.render import Renderer  # the staff build never needs the letter machinery

    renderer = Renderer(book)
    out: list[RenderedLetter] = []
    failed: set[str] = set()
    for case in book.cases():
        try:
            rendered = renderer.render(case.id, "md")
        except CasebookError as exc:
            # Case id and kind of problem only: the message may quote the record.
            print(
                f"casebook site: letters of {case.id} not rendered ({type(exc).__name__}); "
                "run `casebook check`",
                file=sys.stderr,
            )
            failed.add(case.id)
            continue
        out += [
            RenderedLetter(x.case_id, x.title, x.content.decode("utf-8"), x.date) for x in rendered
        ]
    return out, frozenset(failed)
