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
from typing import TYPE_CHECKING

from casebook.engine.obligations import Obligation
from casebook.errors import CasebookError, ConfigError, LetterContentError
from casebook.model import ACTIVE_KINDS, Case
from casebook.publish.site.adapters import breach_periods
from casebook.publish.site.build import Audience
from casebook.publish.site.inputs import BreachPeriod, RenderedLetter, SiteInputs
from casebook.store.cases import (
    Casebook,
    gc_paused,
    library_versions,
    run_fingerprint,
)

if TYPE_CHECKING:
    # The staff build never needs the letter machinery: imported when first used.
    from casebook.publish.letters.render import Renderer

# Keys of whole cases' letters in the letter HTML cache (``LetterRenderer``); the other keys
# there are single letters' (``_with_html``).
CASE_KEY = "letters:"


def collect_inputs(
    book: Casebook,
    audience: Audience,
    as_of: date,
    letters: bool = True,
    repo_url: str | None = None,
) -> SiteInputs:
    """Everything the audience's pages show that the site does not compute itself.

    Both audiences: ``obligations`` (a case whose "deletion" obligation is overdue is kept off
    both sites; the staff build works out only those) and ``purged`` (case ids in the deletion
    log never appear). Governance only: ``breaches`` per monitoring period, next review and
    expiry from the register, letters.

    Governance with a record cache: each case's share is read from the site results of an
    earlier build with the same key (``results.SiteResults``: the file's bytes, policy/, the
    code, ``as_of``, ``repo_url``, ``letters``), without validating or replaying the record;
    the inputs carry those results to the page pass, which serves the case's page the same way
    when built with the same ``repo_url`` and ``as_of``.
    """
    from casebook.engine.breaches import analyse
    from casebook.engine.obligations import book_log_reviews, obligations_for, retention_obligation
    from casebook.engine.retention import retention_status
    from casebook.engine.timeline import Timeline, timeline
    from casebook.publish.register import register_row
    from casebook.publish.site.governance import page_ahead
    from casebook.publish.site.results import CaseInputs, SiteResults
    from casebook.publish.site.view import CaseView, SiteData
    from casebook.store.ledgers import load_deletion_log

    log, problems = load_deletion_log(book.root, book.policy.settings)
    if log is None:
        # Fail closed: without the log the site cannot tell which case ids were purged, and a
        # purged record restored by a revert would be published again.
        raise ConfigError(
            "the deletion log cannot be read, so the site cannot tell which cases were "
            "purged; nothing was built (`casebook check` shows the same):\n"
            + "\n".join(f.as_text() for f in problems if f.severity == "error")
        )
    purged = frozenset(log.ids())
    policy = book.policy
    staff = policy.people.by_id()
    if audience == "staff":
        due: list[Obligation] = []
        timelines: dict[str, Timeline] = {}
        with gc_paused():
            for one in book.each_case():
                proc = policy.procedures.get(one.procedure)
                if proc is None:
                    continue
                tl = timeline(one, proc, as_of)
                # Staff pages need only the deletion dates (a case past its date is withheld),
                # and only the timelines of the cases they show (active ones).
                deletion = retention_obligation(retention_status(tl, policy.settings))
                due += [deletion] if deletion is not None else []
                state = proc.states.get(tl.state)
                if state is not None and state.kind in ACTIVE_KINDS:
                    timelines[one.id] = tl
        due.sort(key=lambda o: (o.due, o.case, o.kind, o.key))
        return SiteInputs(obligations=due, purged=purged, timelines=timelines)

    # Worked out once per run: loading stored the policy findings under it already.
    fp = run_fingerprint(book.root, book.cache) if book.cache is not None else ""
    results = None
    if book.cache is not None:
        salt = results_salt(fp, as_of, audience, repo_url, letters)
        results = SiteResults(book.cache, salt, repo_url, letters, as_of)
    due = book_log_reviews(book, as_of)
    periods: list[BreachPeriod] = []
    dates: dict[str, tuple[date | None, date | None]] = {}
    source = LetterRenderer(book, fp) if letters else None
    # With site results, the page of a case read here is written here too (``page_ahead``),
    # while its record and timeline are in memory; not for a case whose id is a procedure's
    # (the central log review's obligations are listed under it: never stored, as in the
    # page pass).
    ahead: SiteData | None = None
    shared = {o.case for o in due if o.kind == "log-review"}
    if results is not None:
        ahead = SiteData(policy, as_of, SiteInputs(purged=purged), [], {}, repo_url)
    # Each case replayed once (the same functions as `casebook due` and `casebook register`),
    # or not at all when an earlier build stored its share. No timeline kept (each holds its
    # case): the pages replay a case again as they are written, one at a time (issue 14).
    with gc_paused():
        for f in book.files:
            if not f.valid:  # an unreadable file: ``f.case`` is None (``each_case`` skips it)
                continue
            got = results.inputs(f) if results is not None else None
            if got is None:
                case = f.case
                proc = policy.procedures.get(case.procedure) if case is not None else None
                if case is None or proc is None:
                    f.release()
                    continue
                tl = timeline(case, proc, as_of)
                obs = obligations_for(tl, policy.settings)
                report = analyse(tl)
                row = register_row(tl, staff, policy.settings, obs, report)
                dated = (row.next_review, row.expires)
                got = CaseInputs(obs, breach_periods(case.id, report), dated)
                if results is not None:
                    results.put_inputs(f, got)
                if results is not None and ahead is not None and case.id not in shared:
                    own = SiteInputs(
                        obligations=obs,
                        purged=purged,
                        breaches=got.periods,
                        review_dates={case.id: dated},
                    )
                    view = CaseView(
                        case, proc, tl, proc.states.get(tl.state), tuple(tl.in_force(as_of))
                    )
                    page_ahead(f, view, own, replace(ahead, inputs=own), source, results)
                f.release()
                case_id = case.id
            elif f.procedure not in policy.procedures or f.case_id is None:
                continue  # as above: a case the site cannot place has no inputs
            else:
                case_id = f.case_id
            due += got.obligations
            periods += got.periods
            dates[case_id] = got.dates  # as ``adapters.review_dates``: the last file wins
    due.sort(key=lambda o: (o.due, o.case, o.kind, o.key))
    inputs = SiteInputs(
        obligations=due, purged=purged, breaches=periods, review_dates=dates, results=results
    )
    if source is not None:
        inputs = replace(inputs, letter_source=source)
    if book.cache is not None:
        book.cache.save()  # the rows written so far: another process may want the cache
    return inputs


def results_salt(
    fp: str, as_of: date, audience: Audience, repo_url: str | None, letters: bool
) -> bytes:
    """What every case's site results depend on besides the case file's bytes (decision 30):
    policy/ and the code (``fp``: ``store.cases.fingerprint``, the key cached findings and
    letters use), the date, the audience, the repository URL of the approval links, whether
    letters are rendered, and the letter converter (its source, Markdown and nh3 versions;
    ``fp`` already covers Jinja, pydantic and the other ``FINDING_LIBRARIES``)."""
    h = hashlib.sha256(b"casebook site results 1\n")
    h.update(fp.encode() + b"\n")
    h.update(f"{as_of.isoformat()}\n{audience}\n{repo_url!r}\n{letters}\n".encode())
    h.update(_converter_digest())
    return h.digest()


class LetterRenderer:
    """A case's letters rendered to Markdown (as ``casebook letters`` does) and converted to
    HTML (``_with_html``), asked for as each case page is written (``SiteInputs.letter_source``):
    the build holds one case's letters at a time. ``finish`` prunes the letter HTML cache to
    the letters this build saw, and saves it.

    With a record cache, a case's letters (title, date, HTML) are stored whole under the digest
    of its record, of policy/ and the code (``store.cases.fingerprint``) and of the template
    and converter libraries: rendering the Markdown (Jinja, letterhead, published texts) took
    most of a warm governance build (issue 14), and an unchanged case renders the same letters.
    Letters that could not be rendered are not stored (they are tried again next time); the
    governance results may keep the page of a case whose letters the templates refused
    (``last_failure``)."""

    def __init__(self, book: Casebook, fp: str = "") -> None:
        self.book = book
        # Made when a case's letters are first rendered: a warm build, whose letters all come
        # from the cache (or whose pages all come from the site results), never needs it.
        self._renderer: Renderer | None = None
        self.keys: set[str] = set()
        self.last_key = ""
        self.last_failure = ""
        self.last_kept = True
        self.quiet = False
        self.salt = self.case_salt = b""
        if book.cache is not None:
            self.salt = _converter_digest()
            # A case's letters depend on its record, on policy/ (procedures, templates,
            # letterhead, published texts, people) and on the code: ``fingerprint`` covers the
            # last two, and Jinja's version with them; no clock is read (recorded letters only).
            self.case_salt = hashlib.sha256(
                self.salt + (fp or run_fingerprint(book.root, book.cache)).encode()
            ).digest()

    def __call__(self, case: Case, digest: str = "") -> list[RenderedLetter] | None:
        cache = self.book.cache
        key = ""
        self.last_failure = ""
        self.last_kept = True
        if cache is not None:
            # The file's digest stands for the record (the same bytes give the same record);
            # without it, the record itself, dumped (a tenth of a cold build's letter time at
            # 1,000 cases; issue 14). The two cannot meet: a digest is hex, a dump starts "{".
            record = digest.encode() if digest else case.model_dump_json().encode()
            key = CASE_KEY + hashlib.sha256(self.case_salt + record).hexdigest()
            self.keys.add(key)
            self.last_key = key
            got = cache.html(key)
            if got is not None:
                try:
                    return [
                        RenderedLetter(
                            case.id, title, "", date.fromisoformat(d) if d else None, str(html)
                        )
                        for title, d, html in json.loads(got)
                    ]
                except (TypeError, ValueError, RecursionError):
                    pass  # a damaged row: render the letters again (and store them anew)
        out = self._render(case)
        # Letters made while a policy text could not be read lack what it says (or were
        # refused for it): neither is stored, nor is the page showing them (decision 30).
        texts = self._renderer.texts if self._renderer is not None else None
        self.last_kept = texts is None or not texts.unread()
        if not self.last_kept:
            self.last_failure = ""
        elif cache is not None and out is not None:
            value = [(x.title, x.date.isoformat() if x.date else None, x.html) for x in out]
            cache.put_html(key, json.dumps(value), *_owner(self.book, case.id))
        return out

    def _render(self, case: Case) -> list[RenderedLetter] | None:
        try:
            if self._renderer is None:
                from casebook.publish.letters.render import Renderer as Made

                self._renderer = Made(self.book)
            rendered = self._renderer.render_case(case, "md")
        except CasebookError as exc:
            self.not_rendered(case.id, type(exc).__name__)
            # Only a refusal by the templates follows from the record and policy/ alone (an
            # unreadable letterhead may be readable next time): only then may the page that
            # says so be kept with them. A letterhead or published text that could not be read
            # leaves items missing, which the templates refuse too: that is not kept either.
            # (``__call__`` clears it when a policy text could not be read.)
            refused = type(exc) is LetterContentError
            self.last_failure = LetterContentError.__name__ if refused else ""
            return None
        out = [
            RenderedLetter(x.case_id, x.title, x.content.decode("utf-8"), x.date) for x in rendered
        ]
        return _with_html(self.book, out, self.keys, self.salt, case.id)

    def not_rendered(self, case_id: str, kind: str) -> None:
        if self.quiet:
            return
        # Case id and kind of problem only: the message may quote the record.
        print(
            f"casebook site: letters of {case_id} not rendered ({kind}); run `casebook check`",
            file=sys.stderr,
        )

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
    case_id: str | None = None,
) -> list[RenderedLetter]:
    """Each letter with its sanitised HTML, from the record cache when the same Markdown was
    converted before (Markdown and nh3 take most of a governance build's letter time; issue
    14), stored there otherwise. Keyed by the digest of the Markdown and of the converting code
    and libraries, so a changed letter or converter never gets old HTML.

    ``keys`` collects the keys used, for ``LetterRenderer.finish`` to prune the rest; without
    it, the cache is pruned to ``letters`` and saved here. Each row is tied to the case file
    the letters came from (``case_id``, default the letters' own), so that editing or
    removing that file drops it (``RecordCache.put_html``)."""
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
            cache.put_html(key, html, *_owner(book, case_id or letter.case))
        out.append(replace(letter, html=html))
    if keys is None:
        cache.keep_html(seen)
        cache.save()
    return out


def _owner(book: Casebook, case_id: str) -> tuple[str, str]:
    """(path, digest) of the case file holding ``case_id``; ("", "") when none is known,
    which ``RecordCache.save`` then drops at once."""
    f = book.file_for(case_id)
    return (f.rel, f.digest) if f is not None else ("", "")


def _converter_digest() -> bytes:
    from casebook.publish.letters import mdtext
    from casebook.publish.site import case_page

    h = hashlib.sha256(Path(case_page.__file__).read_bytes())
    h.update(Path(mdtext.__file__).read_bytes())
    h.update(library_versions("cmarkgfm", "nh3"))
    return h.digest()
