"""Rendering letters: Markdown from the template, then HTML with the letterhead, then PDF.

The public entry point is :func:`render_letters` (used by `casebook letters` and by the site):
a pure function of the casebook on disk and its arguments. The same case, templates and
letterhead give the same bytes in every format: no clock is read, PDF metadata carries no dates,
and nothing depends on the machine's locale.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from casebook.engine.timeline import Timeline, timeline
from casebook.errors import ConfigError, LetterContentError, UsageError
from casebook.model import Case, Procedure
from casebook.model.case import Representative
from casebook.publish.letters import phrases
from casebook.publish.letters.items import Missing, resolve_all
from casebook.publish.letters.letterhead import (
    LETTERHEAD_DIR,
    Letterhead,
    LoadedLetterhead,
    letterhead_env,
    load_letterhead,
    template_problems,
)
from casebook.publish.letters.mdtext import escape, to_html
from casebook.publish.letters.source import LetterJob, LetterSource, pending_jobs, recorded_jobs
from casebook.publish.letters.templates import (
    TemplateFacts,
    letter_template,
    make_env,
    render_markdown,
)
from casebook.publish.templating import refuse_lone_surrogate, template_problem
from casebook.store.cases import Casebook
from casebook.store.paths import PathMissing, PathRefused, confined, path_problem, read_confined
from casebook.store.reader import PUBLISHED_DIR

Format = Literal["md", "html", "pdf"]
FORMATS: tuple[Format, ...] = ("md", "html", "pdf")

# Adjustments the tool cannot make itself: the officer must arrange them.
_ARRANGE = {
    "easy-read": "an easy read version",
    "braille": "a Braille copy",
    "audio": "an audio version",
    "interpreter": "a translation or interpreter",
}


@dataclass(frozen=True, slots=True)
class RenderedLetter:
    """One letter in one format, ready to write to disk or serve."""

    case_id: str
    letter_id: str
    title: str
    date: date
    fmt: Format
    filename: str  # e.g. "2026-03-10-monitoring-letter.pdf"; unique within the case
    content: bytes
    # The Markdown each mandatory item's block printed (for tests and for the site).
    items: dict[str, str]
    large_print: bool
    recorded: bool  # False for a draft of a letter that is due but not yet recorded
    notes: tuple[str, ...]  # what the officer must still do (e.g. arrange a Braille copy)


@dataclass(frozen=True, slots=True)
class RenderedEnclosure:
    procedure_id: str
    fmt: Format
    filename: str
    content: bytes


_PUBLISHED: dict[tuple[str, int, int], str] = {}


def published_text(root: Path, proc: Procedure) -> str | None:
    """The published procedure (cached by path, mtime and size: `check` asks once per case).

    None when ``text:`` cannot be read, including a path outside ``policy/published/`` or
    through a link (``store.paths``; `check` names the reason).
    """
    try:
        path = confined(root, PUBLISHED_DIR, proc.text)
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size)
        if key not in _PUBLISHED:
            _PUBLISHED[key] = read_confined(root, PUBLISHED_DIR, proc.text).decode("utf-8")
        return _PUBLISHED[key]
    except (PathRefused, OSError, UnicodeDecodeError):
        return None


class PolicyTexts:
    """The letterhead and each procedure's published text as one run sees them: each found
    and read once, however many letters or cases ask.

    ``load_letterhead`` and ``published_text`` confine the path on every call (a walk below
    the casebook with an ``lstat`` of each part, then ``resolve``): asked once per case, that
    was about a tenth of a cold `casebook check` of 1,000 cases and a fifth of the letters'
    time in a governance build (issue 14). One instance lives for one command (a check, a
    site build, a `casebook letters` run), so an edit made during the run is seen by the next.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._letterhead: LoadedLetterhead | None = None
        self._published: dict[str, str | None] = {}

    def letterhead(self) -> LoadedLetterhead:
        if self._letterhead is None:
            self._letterhead = load_letterhead(self.root)
        return self._letterhead

    def published(self, proc: Procedure) -> str | None:
        """``published_text`` of ``proc`` (keyed by its ``text:`` path: versions may share)."""
        if proc.text not in self._published:
            self._published[proc.text] = published_text(self.root, proc)
        return self._published[proc.text]

    def unread(self) -> bool:
        """Whether a text asked for so far could not be read (no letterhead, or a published
        text None). The reason may not be in the file's bytes (an I/O error, a file replaced
        while it was read), so a letter refused for a missing item is then not known to be
        refused for good (decision 30: only such a refusal is kept with the page)."""
        lh = self._letterhead
        return (lh is not None and lh.letterhead is None) or None in self._published.values()


def letter_source(
    book: Casebook,
    case: Case,
    job: LetterJob,
    texts: PolicyTexts | None = None,
    tl: Timeline | None = None,
) -> LetterSource:
    """What letter ``job`` of ``case`` is filled from. ``texts`` and ``tl`` (the case's
    timeline over every recorded decision) save reading and replaying again per letter."""
    policy = book.policy
    full = policy.procedures[case.procedure]
    # A letter follows a decision, and says what the procedure in force on its date says.
    proc = full.at(job.step.decision.date) if job.step is not None else full
    texts = texts or PolicyTexts(book.root)
    tl = tl if tl is not None else timeline(case, full)
    return LetterSource(
        case=case,
        procedure=proc,
        people=policy.people,
        taxonomy=policy.taxonomy,
        settings=policy.settings,
        letterhead=texts.letterhead().letterhead,
        published=texts.published(proc),
        job=job,
        person_by_id=policy.people.by_id(),
        job_steps=tl.steps,
        timeline=tl,
    )


def recipient_problem(src: LetterSource) -> Missing | None:
    """A letter recorded as posted needs an address; one e-mailed needs an e-mail address."""
    rec = _recipient(src)
    via = src.job.event.via if src.job.event else None
    if via in ("post", "post-and-email") and not rec["lines"][1:]:
        return Missing(
            f"the letter is recorded as sent by post but {rec['name']} has no postal address",
            "add contact.address for the person (or the representative the letter went to)",
        )
    if via in ("email", "post-and-email") and not rec["email"]:
        return Missing(
            f"the letter is recorded as sent by e-mail but {rec['name']} has no e-mail address",
            "add contact.email for the person (or the representative the letter went to)",
        )
    return None


def _address_lines(address: str | None) -> list[str]:
    if not address:
        return []
    parts = address.splitlines() if "\n" in address else address.split(",")
    return [p.strip() for p in parts if p.strip()]


def _representative(case: Case, to: str | None) -> Representative | None:
    if not to:
        return None
    for rep in case.person.representatives:
        if rep.name.casefold() == to.strip().casefold():
            return rep
    return None


def _recipient(src: LetterSource) -> dict[str, Any]:
    case = src.case
    to = src.job.event.to if src.job.event else None
    rep = _representative(case, to)
    if rep is not None:
        contact = rep.contact
        lines = [rep.name]
        if rep.organisation:
            lines.append(rep.organisation)
        lines += _address_lines(contact.address if contact else None)
        email = str(contact.email) if contact and contact.email else None
        return {"name": rep.name, "lines": lines, "email": email, "about": case.person.name}
    contact = case.person.contact
    return {
        "name": case.person.name,
        "lines": [case.person.name, *_address_lines(contact.address)],
        "email": str(contact.email) if contact.email else None,
        "about": None,
    }


def _sender(src: LetterSource) -> dict[str, Any] | None:
    people = src.person_by_id
    spec = src.procedure.letters.get(src.job.letter_id)
    pid: str | None = src.job.event.by if src.job.event else None
    if pid is None and spec is not None:
        for role in spec.sender_roles:
            holders = src.people.holders(role)
            if holders:
                pid = holders[0].id
                break
    if pid is None and src.job.step is not None:
        pid = src.job.step.decision.decided_by[0]
    person = people.get(pid) if pid else None
    if person is None:
        return None
    title = person.job_title
    if title is None:
        labels = [src.people.roles[r].label for r in person.roles if r in src.people.roles]
        title = labels[0] if labels else None
    return {
        "name": person.name,
        "job_title": title,
        "email": str(person.email) if person.email else None,
        "phone": person.phone,
        "service": person.service,
    }


def council_name(src: LetterSource) -> str:
    lh = src.letterhead
    return lh.council if lh is not None and lh.council else src.settings.council


def _council(src: LetterSource) -> dict[str, Any]:
    lh = src.letterhead
    return {
        "name": council_name(src),
        "address": tuple(lh.address) if lh else (),
        "phone": lh.phone if lh else None,
        "email": str(lh.email) if lh and lh.email else None,
        "website": lh.website if lh else None,
        "formats": lh.formats if lh else None,
    }


def large_print(case: Case) -> bool:
    return any(a.type == "large-print" for a in case.person.adjustments)


def letter_context(src: LetterSource, values: dict[str, object]) -> dict[str, Any]:
    """What a letter template sees (documented in docs/letters.md)."""
    step = src.job.step
    spec = src.procedure.letters[src.job.letter_id]
    decision = None
    if step is not None:
        state = src.procedure.states.get(step.to_state)
        decision = {
            "date": step.decision.date,
            "state": state.label if state else step.to_state,
            "label": step.transition.label if step.transition else step.to_state,
            "reasons": step.decision.reasons,
            "until": step.decision.until,
        }
    return {
        "council": _council(src),
        "procedure": {
            "id": src.procedure.id,
            "title": src.procedure.title,
            "version": src.procedure.version,
        },
        "case": {"id": src.case.id, "service": src.case.service},
        "person": {"name": src.case.person.name},
        "recipient": {**_recipient(src), "via": src.job.event.via if src.job.event else None},
        "sender": _sender(src),
        "letter": {
            "id": src.job.letter_id,
            "title": spec.title,
            "date": src.job.date,
            "recorded": src.job.event is not None,
        },
        "decision": decision,
        "items": values,
        # The items this letter must contain (a shared part can word itself to fit).
        "required": [i.item for i in spec.required],
        "large_print": large_print(src.case),
    }


def _what(case: Case, job: LetterJob) -> str:
    return f"{case.id} letter {job.letter_id!r} of {phrases.long_date(job.date)}"


@dataclass
class Renderer:
    """Renders letters for one casebook; keeps the template environments between letters."""

    book: Casebook

    def __post_init__(self) -> None:
        self.env: SandboxedEnvironment = make_env(self.book.root)
        self.parsed: dict[str, TemplateFacts] = {}  # each template file parsed once a run
        self.html_env = _html_env(self.book.root)
        self.texts = PolicyTexts(self.book.root)

    def case(self, case_id: str) -> Case:
        f = self.book.file_for(case_id)  # an index, not a scan of every file per case
        if f is not None:
            if f.case is None:
                raise LetterContentError(
                    f"{f.rel} is not a valid case record; run `casebook check` and fix it"
                )
            return f.case
        raise UsageError(f"no case {case_id!r} in {self.book.root / 'cases'}")

    def timeline(self, case: Case) -> Timeline:
        """The case replayed over every recorded decision (what its letters are made from)."""
        proc = self.book.policy.procedures.get(case.procedure)
        if proc is None:
            raise LetterContentError(f"{case.id}: unknown procedure {case.procedure!r}")
        return timeline(case, proc)

    def jobs(
        self, case: Case, pending_on: date | None = None, tl: Timeline | None = None
    ) -> list[LetterJob]:
        tl = tl if tl is not None else self.timeline(case)
        jobs = recorded_jobs(tl)
        if pending_on is not None:
            jobs += pending_jobs(tl, pending_on)
        return jobs

    def markdown(
        self, case: Case, job: LetterJob, tl: Timeline | None = None
    ) -> tuple[str, dict[str, str]]:
        src = letter_source(self.book, case, job, self.texts, tl)
        proc = src.procedure
        spec = proc.letters.get(job.letter_id)
        what = _what(case, job)
        if spec is None:
            raise LetterContentError(f"{what}: procedure {proc.id} defines no such letter")
        problem = recipient_problem(src)
        if problem is not None:
            raise LetterContentError(f"{what}: {problem.reason}; {problem.fix}")
        values, missing = resolve_all(src)
        required = [i.item for i in spec.required]
        rendered = render_markdown(
            self.env,
            letter_template(proc.id, job.letter_id, spec.template),
            letter_context(src, values),
            required,
            values,
            missing,
            what,
            self.parsed,
        )
        return rendered.text, rendered.items

    def render(
        self, case_id: str, fmt: Format, pending_on: date | None = None
    ) -> list[RenderedLetter]:
        return self.render_case(self.case(case_id), fmt, pending_on)

    def render_case(
        self, case: Case, fmt: Format, pending_on: date | None = None
    ) -> list[RenderedLetter]:
        """``render`` for a record already in hand (the site has every record loaded)."""
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        out = []
        used: dict[str, int] = {}
        tl = self.timeline(case)  # one replay for all of the case's letters
        for job in self.jobs(case, pending_on, tl):
            md, items = self.markdown(case, job, tl)
            spec = self.book.policy.procedures[case.procedure].letters[job.letter_id]
            big = large_print(case)
            title = f"{case.id}: {spec.title}"
            if fmt == "md":
                content = md.encode("utf-8")
            else:
                html = self.html(md, title, big)
                content = html.encode("utf-8") if fmt == "html" else to_pdf(html, self.book.root)
            stem = f"{job.date.isoformat()}-{job.letter_id}" + ("" if job.event else "-draft")
            used[stem] = used.get(stem, 0) + 1
            if used[stem] > 1:
                stem += f"-{used[stem]}"
            # No adjustment details here: they may describe a disability, and notes are printed.
            notes = tuple(
                f"{case.id} needs {_ARRANGE[a.type]} of the {spec.title.lower()}: arrange it "
                "(see the case's adjustments)"
                for a in case.person.adjustments
                if a.type in _ARRANGE
            )
            out.append(
                RenderedLetter(
                    case.id,
                    job.letter_id,
                    spec.title,
                    job.date,
                    fmt,
                    f"{stem}.{fmt}",
                    content,
                    items,
                    big,
                    job.event is not None,
                    notes,
                )
            )
        return out

    def check_letterhead(self) -> None:
        """Check ``policy/letterhead/letter.html.j2`` once, before any letter is printed.

        Raises ConfigError (file:line: message, one line per problem) for a syntax error, a
        missing include, a name casebook does not give it or a key letterhead.yaml cannot have
        (``letterhead.template_problems``, what `casebook check` reports too): it is the same
        for every case, so a run stops once (exit 2) rather than failing each case.
        """
        problems = template_problems(self.html_env)
        if problems:
            raise ConfigError("\n".join(p.as_text() for p in problems))

    def html(self, md: str, title: str, big: bool, kind: str = "letter") -> str:
        body = to_html(md)
        lh = self.texts.letterhead()
        if lh.letterhead is None:
            raise ConfigError(f"cannot print letters: {lh.problem}")
        return _wrap(
            self.html_env, self.book.root, lh.letterhead, self.book, body, title, big, kind
        )

    def enclosure(self, procedure_id: str, fmt: Format) -> RenderedEnclosure:
        proc = self.book.policy.procedures.get(procedure_id)
        if proc is None:
            raise UsageError(f"no procedure {procedure_id!r}")
        text = self.texts.published(proc)
        if text is None:
            why = path_problem(self.book.root, PUBLISHED_DIR, proc.text)
            raise ConfigError(why or f"{PUBLISHED_DIR}/{proc.text} cannot be read as UTF-8")
        md = f"# Enclosure: {escape(proc.title)}\n\n" + "\n\n".join(
            escape(p.strip()) for p in re.split(r"\n\s*\n", text) if p.strip()
        )
        md = md.rstrip("\n") + "\n"
        if fmt == "md":
            content = md.encode("utf-8")
        else:
            html = self.html(md, f"Enclosure: {proc.title}", False, "enclosure")
            content = html.encode("utf-8") if fmt == "html" else to_pdf(html, self.book.root)
        return RenderedEnclosure(procedure_id, fmt, f"{procedure_id}.{fmt}", content)


def render_letters(
    book: Casebook, case_id: str, fmt: Format, pending_on: date | None = None
) -> list[RenderedLetter]:
    """Every letter recorded in case ``case_id``, rendered as ``fmt`` ("md", "html", "pdf").

    With ``pending_on``, also a draft (dated that day) of every letter a decision requires that
    the case does not yet record. Raises ``UsageError`` for an unknown case,
    ``LetterContentError`` when the case lacks mandatory content and ``ConfigError`` when a
    template or the letterhead is broken.
    """
    return Renderer(book).render(case_id, fmt, pending_on)


# --- HTML and PDF ----------------------------------------------------------------------------


def _html_env(root: Path) -> SandboxedEnvironment:
    return letterhead_env(root)


# An HTML letter opened in a browser loads nothing: the letterhead's stylesheet is inlined and
# its logo is a data: URI, so a request could only come from something planted in the
# letterhead or a template (an @import or url() in letter.css, an <img> or <link>), which
# would tell an outside server who opened which letter, and when. WeasyPrint's PDFs are
# guarded by casebook.publish.pdf's URL fetcher instead.
LETTER_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'"
)
_CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{LETTER_CSP}">'
# What may stand before the policy: nothing the browser could fetch from.
_DOCUMENT_START = re.compile(
    r"\A\s*(?:<!doctype[^>]*>\s*)?(?:<html\b[^>]*>\s*)?(?:<head\b[^>]*>)?", re.IGNORECASE
)


def with_csp(html: str) -> str:
    """``html`` with the letter's Content-Security-Policy as its first element.

    A policy in a ``<meta>`` applies only to what follows it, so it goes straight after the
    doctype, ``<html>`` and ``<head>`` tags that open the letterhead template (whichever of
    them are there), before anything the template itself puts in the head.
    """
    start = _DOCUMENT_START.match(html)
    at = start.end() if start else 0
    return html[:at] + _CSP_META + html[at:]


def _wrap(
    env: SandboxedEnvironment,
    root: Path,
    lh: Letterhead,
    book: Casebook,
    body: str,
    title: str,
    big: bool,
    kind: str,
) -> str:
    # Both optional, both confined to policy/letterhead/ without links: a letter.css or
    # logo.svg linked to another file would copy it into every letter.
    css = _letterhead_file(root, "letter.css")
    logo_svg = _letterhead_file(root, "logo.svg")
    logo = None
    if logo_svg is not None:
        logo = "data:image/svg+xml;base64," + base64.b64encode(logo_svg).decode()
    try:
        page = with_csp(
            env.get_template("letter.html.j2").render(
                title=title,
                council=lh.council or book.policy.settings.council,
                letterhead=lh,
                css=Markup(css.decode("utf-8") if css else ""),  # noqa: S704 - the council's own stylesheet, not case data
                logo=logo,
                body=Markup(body),  # noqa: S704 - sanitised above; case data was escaped
                large_print=big,
                kind=kind,
            )
        )
    except jinja2.TemplateError as exc:
        raise template_problem(LETTERHEAD_DIR, "letter.html.j2", exc) from None
    refuse_lone_surrogate(page, f"{LETTERHEAD_DIR}/letter.html.j2")
    return page


def _letterhead_file(root: Path, name: str) -> bytes | None:
    """An optional letterhead file's bytes; None when absent, ``ConfigError`` when refused."""
    try:
        return read_confined(root, LETTERHEAD_DIR, name)
    except PathMissing:
        return None


def to_pdf(html: str, root: Path) -> bytes:
    """Print a letter's HTML to PDF (no dates in the metadata: same input, same bytes).

    Through ``publish.pdf``: the only files it may load are the letterhead's own, from
    ``policy/letterhead/`` of the casebook at ``root``; nothing from the network.
    """
    from casebook.publish import pdf  # imported when a PDF is asked for (as mdtext.to_html)

    return pdf.to_pdf(html, assets=(root, LETTERHEAD_DIR))
