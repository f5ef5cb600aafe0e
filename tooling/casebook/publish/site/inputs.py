"""What the site shows that other parts of casebook compute, taken as plain values.

The site generator does not work out obligations, breaches, the register's review and expiry
dates, or letter text: ``casebook due`` / ``register`` and ``casebook letters`` do. It takes
their results here, so each page can be tested with values a test constructs, and a part that
has not been computed says so on the page instead of looking like "nothing is due".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from casebook.engine.obligations import Obligation
from casebook.engine.timeline import Timeline
from casebook.model import Case


@dataclass(frozen=True, slots=True)
class Breach:
    """One contact that broke a restriction in force."""

    date: date
    channel: str
    restriction: str  # the restriction broken, in plain English
    event: int | None = None  # index in case.events


@dataclass(frozen=True, slots=True)
class BreachPeriod:
    """The breaches counted in one monitoring period of one case."""

    case: str
    start: date
    end: date | None  # None: the period is open
    breaches: tuple[Breach, ...] = ()
    contacts: int | None = None  # incoming contacts logged in the period, when counted

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One line of the central register."""

    case: str
    procedure: str
    service: str
    state: str  # the state's label
    state_kind: str
    since: date
    restrictions: tuple[str, ...]  # types of the restrictions in force ("spoc", "volume")
    last_decision: date | None
    approved_in: str | None
    last_review: date | None
    next_review: date | None = None  # computed by the register (#3); None when unknown
    expires: date | None = None  # end of the current period or restriction, when known
    version: str | None = None  # the procedure version the last decision was judged under


@dataclass(frozen=True, slots=True)
class RenderedLetter:
    """A letter rendered to Markdown by ``casebook letters``."""

    case: str
    title: str
    markdown: str
    date: date | None = None
    # The letter as sanitised HTML (``case_page.letter_body``), when already converted (the
    # build reads it from the record cache by the Markdown's digest); empty: convert it.
    html: str = ""


class CaseLetters(Protocol):
    """Renders one case's letters when its page is written (``wire.LetterRenderer``), so a
    build holds one case's letters at a time, not every letter of the casebook (issue 14).

    ``keys``: the letter cache keys this build uses (``finish`` keeps those); ``last_key``: the
    key of the case asked for last ("" without a cache), stored with its page so that a later
    build serving that page from the site results keeps the letters too (decision 30)."""

    keys: set[str]
    last_key: str
    # After a call that returned None: the kind of the failure when it follows from the record
    # and policy/ alone (a template refusing the record: ``LetterContentError``), so a page
    # saying so may be stored with them (decision 30); "" for any other failure.
    last_failure: str
    # False when what the last call returned (letters or a refusal) must not be kept: a
    # letterhead or published text it needed could not be read, which may not follow from
    # policy/'s bytes (an I/O error, a file replaced during the build).
    last_kept: bool
    # True while a page is written ahead (``governance.page_ahead``): a failure is then not
    # announced, as the page pass announces it (or renders the letters again).
    quiet: bool

    def __call__(self, case: Case, digest: str = "") -> list[RenderedLetter] | None:
        """The case's letters, each with its HTML; None when they could not be rendered.
        ``digest``: of the case file ``case`` was read from ("" when not known)."""
        ...

    def not_rendered(self, case_id: str, kind: str) -> None:
        """Tell the person building that the case's letters were not rendered (``kind``: the
        failure's class name), as a failed rendering does."""
        ...

    def finish(self) -> None:
        """Called once every case has been asked for (the build's letter HTML cache is
        pruned to the letters it saw)."""
        ...


@dataclass(frozen=True, slots=True)
class SiteInputs:
    """Results of other commands. ``None`` means "not computed for this build"."""

    obligations: list[Obligation] | None = None
    breaches: list[BreachPeriod] | None = None
    register: list[RegisterRow] | None = None
    # Next review and expiry by case id, from `casebook register` (adapters.review_dates):
    # filled into the register the site builds from the records when ``register`` is None.
    review_dates: dict[str, tuple[date | None, date | None]] | None = None
    letters: list[RenderedLetter] | None = None
    # Where the letters come from when ``letters`` is None: rendered case by case as the
    # pages are written (``casebook site build``); None too: not rendered for this build.
    letter_source: CaseLetters | None = None
    # Cases whose letters could not be rendered (the case page says so).
    letters_failed: frozenset[str] = field(default_factory=frozenset)
    # Case ids in the deletion log: purged, and never to be published again.
    purged: frozenset[str] = field(default_factory=frozenset)
    # Each case's timeline by case id, computed once by ``wire.inputs_for`` (the pages read
    # it rather than replaying the case again); a case missing here is replayed by the view.
    timelines: dict[str, Timeline] = field(default_factory=dict)
    # Each governance case's inputs, page and summary from the last build, per case file
    # (``results.SiteResults``, decision 30): set by ``wire.collect_inputs`` with a record
    # cache, for these inputs only. Typed ``object`` because ``results`` builds on this module
    # (no import circle); ``governance_tree`` uses it only when it is a ``SiteResults``.
    results: object | None = None

    def past_retention(self, as_of: date) -> dict[str, date]:
        """Cases whose deletion date has passed: kept off both sites (the record is overdue
        for purging; the site must not spread it further). From the "deletion" obligations."""
        out: dict[str, date] = {}
        for o in self.obligations or []:
            if o.kind == "deletion" and o.overdue(as_of):
                out[o.case] = o.due
        return out
