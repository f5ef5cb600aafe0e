"""Where the site gets what other commands compute: obligations (`casebook due`), breaches,
the register's review and expiry dates (`casebook register`), the deletion log and letters.

Kept apart from the page generators so that each page can be tested with values a test
builds, and so that what is not computed shows as "not computed" rather than as "nothing".
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

from casebook.engine.obligations import Obligation
from casebook.errors import CasebookError
from casebook.model import ACTIVE_KINDS, Case
from casebook.publish.site.adapters import RowLike, breach_periods, review_dates
from casebook.publish.site.build import Audience
from casebook.publish.site.inputs import BreachPeriod, RenderedLetter, SiteInputs
from casebook.store.cases import Casebook, fingerprint, gc_paused

# Keys of whole cases' letters in the letter HTML cache (``LetterRenderer``); the other keys
# there are single letters' (``_with_html``).
CASE_KEY = "letters:"


def collect_inputs(
    book: Casebook, audience: Audience, as_of: date, letters: bool = True
) -> SiteInputs:
    """Everything the audience's pages show that the site does not compute itself.

    Both audiences: ``obligations`` (a case whose "deletion" obligation is overdue is kept off
    both sites; the staff build works out only those) and ``purged`` (case ids in the deletion
    log never appear). Governance only: ``breaches`` per monitoring period, next review and
    expiry from the register, letters.
    """
    from casebook.engine.breaches import analyse
    from casebook.engine.obligations import book_log_reviews, obligations_for, retention_obligation
    from casebook.engine.retention import retention_status
    from casebook.engine.timeline import Timeline, timeline
    from casebook.publish.register import register_row
    from casebook.store.ledgers import load_deletion_log

    log, _ = load_deletion_log(book.root, book.policy.settings)  # errors: `casebook check`
    purged = frozenset(log.ids()) if log is not None else frozenset()
    policy = book.policy
    staff = policy.people.by_id()
    due: list[Obligation] = book_log_reviews(book, as_of) if audience == "governance" else []
    periods: list[BreachPeriod] = []
    rows: list[RowLike] = []
    timelines: dict[str, Timeline] = {}
    # Each case replayed once; the same functions as `casebook due` and `casebook register`.
    with gc_paused():
        for case in book.each_case():
            proc = policy.procedures.get(case.procedure)
            if proc is None:
                continue
            tl = timeline(case, proc, as_of)
            if audience == "staff":
                # Staff pages need only the deletion dates (a case past its date is withheld),
                # and only the timelines of the cases they show (active ones).
                deletion = retention_obligation(retention_status(tl, policy.settings))
                due += [deletion] if deletion is not None else []
                state = proc.states.get(tl.state)
                if state is not None and state.kind in ACTIVE_KINDS:
                    timelines[case.id] = tl
                continue
            # Governance: no timeline kept (each holds its case): the pages replay each case
            # again as they are written, one at a time (issue 14).
            obs = obligations_for(tl, policy.settings)
            due += obs
            if audience == "governance":
                report = analyse(tl)
                periods += breach_periods(case.id, report)
                rows.append(register_row(tl, staff, policy.settings, obs, report))
    due.sort(key=lambda o: (o.due, o.case, o.kind, o.key))
    inputs = SiteInputs(obligations=due, purged=purged, timelines=timelines)
    if audience != "governance":
        return inputs
    inputs = replace(inputs, breaches=periods, review_dates=review_dates(rows))
    if letters:
        inputs = replace(inputs, letter_source=LetterRenderer(book))
    return inputs


class LetterRenderer:
    """A case's letters rendered to Markdown (as ``casebook letters`` does) and converted to
    HTML (``_with_html``), asked for as each case page is written (``SiteInputs.letter_source``):
    the build holds one case's letters at a time. ``finish`` prunes the letter HTML cache to
    the letters this build saw, and saves it.

    With a record cache, a case's letters (title, date, HTML) are stored whole under the digest
    of its record, of policy/ and the code (``store.cases.fingerprint``) and of the template
    and converter libraries: rendering the Markdown (Jinja, letterhead, published texts) took
    most of a warm governance build (issue 14), and an unchanged case renders the same letters.
    Letters that could not be rendered are not stored (they are tried again next time)."""

    def __init__(self, book: Casebook) -> None:
        from casebook.publish.letters.render import (
            Renderer,  # the staff build never needs the letter machinery
        )

        self.book = book
        self.renderer = Renderer(book)
        self.keys: set[str] = set()
        self.salt = self.case_salt = b""
        if book.cache is not None:
            self.salt = _converter_digest()
            # A case's letters depend on its record, on policy/ (procedures, templates,
            # letterhead, published texts, people) and on the code: ``fingerprint`` covers the
            # last two; no clock is read (recorded letters only).
            self.case_salt = hashlib.sha256(
                self.salt + fingerprint(book.root).encode() + _lib_versions("jinja2")
            ).digest()

    def __call__(self, case: Case) -> list[RenderedLetter] | None:
        cache = self.book.cache
        key = ""
        if cache is not None:
            record = case.model_dump_json().encode()
            key = CASE_KEY + hashlib.sha256(self.case_salt + record).hexdigest()
            self.keys.add(key)
            got = cache.html(key)
            if got is not None:
                return [
                    RenderedLetter(case.id, title, "", date.fromisoformat(d) if d else None, html)
                    for title, d, html in json.loads(got)
                ]
        out = self._render(case)
        if cache is not None and out is not None:
            value = [(x.title, x.date.isoformat() if x.date else None, x.html) for x in out]
            cache.put_html(key, json.dumps(value))
        return out

    def _render(self, case: Case) -> list[RenderedLetter] | None:
        try:
            rendered = self.renderer.render_case(case, "md")
        except CasebookError as exc:
            # Case id and kind of problem only: the message may quote the record.
            print(
                f"casebook site: letters of {case.id} not rendered ({type(exc).__name__}); "
                "run `casebook check`",
                file=sys.stderr,
            )
            return None
        out = [
            RenderedLetter(x.case_id, x.title, x.content.decode("utf-8"), x.date) for x in rendered
        ]
        return _with_html(self.book, out, self.keys, self.salt)

    def finish(self) -> None:
        cache = self.book.cache
        if cache is not None:
            cache.keep_html(self.keys)
            cache.save()


def _with_html(
    book: Casebook,
    letters: list[RenderedLetter],
    keys: set[str] | None = None,
    salt: bytes | None = None,
) -> list[RenderedLetter]:
    """Each letter with its sanitised HTML, from the record cache when the same Markdown was
    converted before (Markdown and nh3 take most of a governance build's letter time; issue
    14), stored there otherwise. Keyed by the digest of the Markdown and of the converting code
    and libraries, so a changed letter or converter never gets old HTML.

    ``keys`` collects the keys used, for ``LetterRenderer.finish`` to prune the rest; without
    it, the cache is pruned to ``letters`` and saved here."""
    from casebook.publish.site.case_page import letter_body

    cache = book.cache
    if cache is None:
        return [replace(x, html=letter_body(x.markdown)) for x in letters]
    salt = _converter_digest() if salt is None else salt
    seen: set[str] = set() if keys is None else keys
    out = []
    for letter in letters:
        key = hashlib.sha256(salt + letter.markdown.encode()).hexdigest()
        seen.add(key)
        html = cache.html(key)
        if html is None:
            html = letter_body(letter.markdown)
            cache.put_html(key, html)
        out.append(replace(letter, html=html))
    if keys is None:
        cache.keep_html(seen)
        cache.save()
    return out


def _converter_digest() -> bytes:
    from casebook.publish.site import case_page

    h = hashlib.sha256(Path(case_page.__file__).read_bytes())
    h.update(_lib_versions("markdown", "nh3"))
    return h.digest()


def _lib_versions(*libs: str) -> bytes:
    from importlib.metadata import version

    return "".join(f"{lib} {version(lib)}\n" for lib in libs).encode()
