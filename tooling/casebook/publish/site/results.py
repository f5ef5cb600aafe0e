"""What a governance build made of each case file, kept for the next build (decision 30).

A warm governance build spent most of its own time validating each record from the record
cache and replaying it twice: once for the inputs (obligations, breach periods, the register's
review and expiry dates: ``wire.collect_inputs``) and once for the case's page and summary
(``governance.governance_tree``). Both depend only on the case file's bytes and on things that
are the same for every case of a build, so they are stored per file in the record cache's
``site`` table under::

    key = SHA-256(salt + the file's digest)

where the salt (``wire.results_salt``) covers policy/ and the code (``store.cases.fingerprint``),
the as-of date, the audience, the repository URL, whether letters are rendered, and the
versions of the libraries that shape a page (Jinja, Markdown, nh3, pydantic). A row under
another key is not read. Values are JSON (never pickle: the cache is a file on disk, and
reading it must not be able to run code); a row that does not decode is a miss, and the file
decides, as for the record cache itself.

What a row does not cover is decided again on every build from what is known without the
record: whether the case is withheld (deletion log, past its deletion date, unknown
procedure: ``view.withheld_reason``), and the register's review and expiry dates are read back
from the inputs. A case whose letters could not be rendered is not stored, unless the
templates refused them (``LetterContentError``: that follows from the record and policy/, as
the page does); its row says so, and a build that serves it says again that they were not
rendered.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import TypeAdapter

from casebook.engine.obligations import Obligation
from casebook.model import Restriction
from casebook.publish.site.inputs import Breach, BreachPeriod, RegisterRow
from casebook.publish.site.view import CaseSummary
from casebook.store.cache import RecordCache
from casebook.store.cases import CaseFile
from casebook.store.reader import Policy

# What decoding a damaged row can raise: it is then a miss.
_BAD = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError)
# The ``failed`` values a row may hold: none, or the templates' refusal of the record.
KEPT_FAILURES = ("", "LetterContentError")
_RESTRICTIONS: TypeAdapter[list[Restriction]] = TypeAdapter(list[Restriction])


@dataclass(frozen=True, slots=True)
class CaseInputs:
    """One case's share of ``SiteInputs``: its obligations and breach periods, and its next
    review and expiry from the register."""

    obligations: list[Obligation]
    periods: list[BreachPeriod]
    dates: tuple[date | None, date | None]


@dataclass(frozen=True, slots=True)
class CachedPage:
    """One case's governance page as written, and what the pages that list cases need of it."""

    text: str
    summary: CaseSummary
    letters_key: str  # the letter cache's key of the case's letters ("" when none)
    # The kind of failure when the templates refused the case's letters (the page says they
    # were not rendered; the build says so again), else "".
    letters_failed: str = ""


class SiteResults:
    """The ``site`` rows of one governance build (made by ``wire.collect_inputs``).

    ``keys`` gathers the keys this build read or wrote; ``finish`` drops every other row (an
    edited case, a changed policy or date leaves no older copy) and commits. ``repo_url``,
    ``letters`` and ``as_of``: what the salt was made for, so that the page pass serves rows
    only to a build with the same (``governance.governance_tree``)."""

    def __init__(
        self,
        cache: RecordCache,
        salt: bytes,
        repo_url: str | None,
        letters: bool,
        as_of: date,
    ):
        self.cache = cache
        self.salt = salt
        self.repo_url = repo_url
        self.letters = letters
        self.as_of = as_of
        self.keys: set[str] = set()

    def key(self, f: CaseFile) -> str | None:
        """The file's key, or None when its bytes are unknown (no digest: not cacheable)."""
        if not f.digest or f.case_id is None or f.procedure is None:
            return None
        return hashlib.sha256(self.salt + f.digest.encode()).hexdigest()

    def inputs(self, f: CaseFile) -> CaseInputs | None:
        """The file's stored inputs, or None (absent, another key, or not decodable)."""
        key = self.key(f)
        text = self.cache.site_inputs(f.rel, key) if key is not None else None
        if key is None or text is None:
            return None
        try:
            got = _inputs_from(json.loads(text))
        except _BAD:
            return None
        self.keys.add(key)
        return got

    def put_inputs(self, f: CaseFile, got: CaseInputs) -> None:
        """Store the file's inputs (its page comes later: ``put_page``)."""
        key = self.key(f)
        if key is not None:
            self.cache.put_site(f.rel, key, json.dumps(_inputs_to(got)), digest=f.digest)
            self.keys.add(key)

    def page(
        self, f: CaseFile, policy: Policy, review_dates: dict[str, tuple[date | None, date | None]]
    ) -> CachedPage | None:
        """The file's page and summary, or None (absent, withheld when stored, not decodable,
        or naming a procedure policy/ no longer has)."""
        key = self.key(f)
        text = self.cache.site_page(f.rel, key) if key is not None else None
        if key is None or text is None:
            return None
        try:
            got = _page_from(json.loads(text), f, policy, review_dates)
        except _BAD:
            return None
        if got is not None:
            self.keys.add(key)
        return got

    def put_page(
        self,
        f: CaseFile,
        text: str,
        summary: CaseSummary,
        letters_key: str,
        letters_failed: str = "",
    ) -> None:
        """Add the page to the row ``put_inputs`` (or an earlier build) wrote for this key.
        ``letters_failed``: the kind of failure when the templates refused the case's letters
        (a pure function of the key's inputs, as the page is)."""
        key = self.key(f)
        if key is not None:
            value = {"page": text, "letters": letters_key, "summary": _summary_to(summary)}
            if letters_failed:
                value["failed"] = letters_failed
            self.cache.put_site_page(f.rel, key, json.dumps(value))

    def drop(self, f: CaseFile) -> None:
        """Forget the file's row: its letters failed, so it is worked out again next time."""
        key = self.key(f)
        self.keys.discard(key or "")
        self.cache.drop_site(f.rel)

    def finish(self) -> None:
        self.cache.keep_site(self.keys)
        self.cache.save()


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _undate(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _inputs_to(got: CaseInputs) -> dict[str, Any]:
    return {
        "obligations": [
            [
                o.case,
                o.procedure,
                o.kind,
                o.due.isoformat(),
                _day(o.latest),
                o.key,
                o.label,
                o.met,
                _day(o.met_on),
                o.met_by,
                o.event,
            ]
            for o in got.obligations
        ],
        "periods": [
            [
                p.case,
                p.start.isoformat(),
                _day(p.end),
                [[b.date.isoformat(), b.channel, b.restriction, b.event] for b in p.breaches],
                p.contacts,
            ]
            for p in got.periods
        ],
        "dates": [_day(got.dates[0]), _day(got.dates[1])],
    }


def _inputs_from(value: dict[str, Any]) -> CaseInputs:
    obligations = [
        Obligation(
            str(case),
            str(proc),
            str(kind),
            date.fromisoformat(due),
            _undate(latest),
            str(key),
            str(label),
            bool(met),
            _undate(met_on),
            met_by,
            event,
        )
        for case, proc, kind, due, latest, key, label, met, met_on, met_by, event in value[
            "obligations"
        ]
    ]
    periods = [
        BreachPeriod(
            str(case),
            date.fromisoformat(start),
            _undate(end),
            tuple(Breach(date.fromisoformat(d), str(ch), str(r), ev) for d, ch, r, ev in found),
            contacts,
        )
        for case, start, end, found, contacts in value["periods"]
    ]
    review, expires = value["dates"]
    return CaseInputs(obligations, periods, (_undate(review), _undate(expires)))


def _summary_to(s: CaseSummary) -> dict[str, Any]:
    r = s.row
    return {
        "name": s.name,
        "derived_state": s.derived_state,
        "since": s.since.isoformat(),
        # As JSON text: the models are strict, and take a date only as JSON (as the record
        # cache stores records).
        "in_force": _RESTRICTIONS.dump_json(list(s.in_force), by_alias=True).decode(),
        "row": [
            r.service,
            r.state,
            r.state_kind,
            r.since.isoformat(),
            list(r.restrictions),
            _day(r.last_decision),
            r.approved_in,
            _day(r.last_review),
            r.version,
        ],
    }


def _page_from(
    value: dict[str, Any],
    f: CaseFile,
    policy: Policy,
    review_dates: dict[str, tuple[date | None, date | None]],
) -> CachedPage | None:
    case_id, pid = f.case_id, f.procedure
    proc = policy.procedures.get(pid or "")
    if proc is None or case_id is None:
        return None
    s = value["summary"]
    service, state, kind, since, restrictions, last, approved_in, reviewed, version = s["row"]
    # As ``view.basic_row``: next review and expiry from this build's inputs.
    next_review, expires = review_dates.get(case_id, (None, None))
    row = RegisterRow(
        case=case_id,
        procedure=proc.id,
        service=str(service),
        state=str(state),
        state_kind=str(kind),
        since=date.fromisoformat(since),
        restrictions=tuple(str(x) for x in restrictions),
        last_decision=_undate(last),
        approved_in=approved_in,
        last_review=_undate(reviewed),
        next_review=next_review,
        expires=expires,
        version=version,
    )
    derived = str(s["derived_state"])
    summary = CaseSummary(
        case_id,
        str(s["name"]),
        proc,
        proc.states.get(derived),
        derived,
        date.fromisoformat(s["since"]),
        tuple(_RESTRICTIONS.validate_json(s["in_force"])),
        row,
    )
    page = value["page"]
    if not isinstance(page, str):
        raise TypeError(page)
    failed = value.get("failed", "")
    # Only what ``put_page`` writes: anything else is a damaged row (the value is printed).
    if failed not in KEPT_FAILURES:
        raise ValueError("failed")
    return CachedPage(page, summary, str(value["letters"] or ""), failed)
