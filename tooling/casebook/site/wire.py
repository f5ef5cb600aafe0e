"""Where the site gets what other commands compute: obligations (`casebook due`), breaches,
the register's review and expiry dates (`casebook register`), the deletion log and letters.

Kept apart from the page generators so that each page can be tested with values a test
builds, and so that what is not computed shows as "not computed" rather than as "nothing".
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date

from ..casebook import Casebook
from ..errors import CasebookError
from .adapters import breach_periods, review_dates
from .build import Audience
from .inputs import RenderedLetter, SiteInputs


def collect_inputs(
    book: Casebook, audience: Audience, as_of: date, letters: bool = True
) -> SiteInputs:
    """Everything the audience's pages show that the site does not compute itself.

    Both audiences: ``obligations`` (a case whose "deletion" obligation is overdue is kept off
    both sites) and ``purged`` (case ids in the deletion log never appear). Governance only:
    ``breaches`` per monitoring period, next review and expiry from the register, letters.
    """
    from ..ledgers import load_deletion_log
    from ..obligations import obligations

    log, _ = load_deletion_log(book.root, book.policy.settings)  # errors: `casebook check`
    inputs = SiteInputs(
        obligations=obligations(book, as_of),
        purged=frozenset(log.ids()) if log is not None else frozenset(),
    )
    if audience != "governance":
        return inputs
    from ..breaches import analyse
    from ..register import register_rows

    periods = []
    for case in book.cases():
        proc = book.policy.procedures.get(case.procedure)
        if proc is not None:
            periods += breach_periods(case.id, analyse(case, proc, as_of))
    inputs = replace(
        inputs,
        breaches=periods,
        review_dates=review_dates(register_rows(book, as_of)),
    )
    if letters:
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
