"""The central register: one row per case, derived from the records as of one date.

"A central register will record the date of the review, details of the consideration made and
the date when the restriction expires or is to be extended until" (Wealden); "a central log of
those who have restricted contact with the Council" (York). ``register_rows`` is a pure function
of the casebook and a date; `casebook register` prints it and the site renders it.

The person's name is in ``RegisterRow.person`` for the governance site; the command line leaves
it out unless asked (``--names``), so that a register piped into a log, a ticket or a CI job
carries case ids, not people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casebook.engine.breaches import BreachReport, analyse
from casebook.engine.obligations import Obligation, obligations_for
from casebook.engine.retention import retention_status
from casebook.engine.timeline import Timeline, timeline
from casebook.model import ACTIVE_KINDS
from casebook.model import Person as StaffMember
from casebook.model.case import ReviewHeld
from casebook.model.settings import Settings
from casebook.publish.handling import describe
from casebook.store.cases import Casebook


@dataclass(frozen=True, slots=True)
class DecisionEntry:
    date: date
    to: str
    label: str  # the target state's label
    decided_by: tuple[str, ...]  # names of the people who decided
    version: str | None = None  # the procedure version it was judged under (None: unversioned)

    def text(self) -> str:
        under = f" [procedure version {self.version}]" if self.version else ""
        return f"{self.date} {self.label} ({', '.join(self.decided_by)}){under}"


@dataclass(frozen=True, slots=True)
class RegisterRow:
    case: str
    procedure: str
    service: str
    person: str  # the person's name: governance only (see the module docstring)
    state: str
    state_label: str
    active: bool  # restrictions or monitoring in force
    since: date
    restrictions: tuple[str, ...]  # in force on as_of, in plain English
    decisions: tuple[DecisionEntry, ...]
    last_review: date | None
    last_review_outcome: str | None
    next_review: date | None
    next_review_latest: date | None
    expires: date | None  # when the current period or the last dated restriction ends
    contacts_this_period: int
    breaches_this_period: int
    breaches_summary: str | None  # "12 contacts, 3 outside the arrangements"
    deletion_due: date | None
    overdue: tuple[str, ...]  # kinds of obligation overdue on as_of

    @property
    def first_decision(self) -> date | None:
        return self.decisions[0].date if self.decisions else None

    @property
    def last_decision(self) -> DecisionEntry | None:
        return self.decisions[-1] if self.decisions else None

    def as_json(self, names: bool = False) -> dict[str, object]:
        last = self.last_decision
        out: dict[str, object] = {
            "case": self.case,
            "procedure": self.procedure,
            "service": self.service,
            "state": self.state,
            "state_label": self.state_label,
            "active": self.active,
            "since": self.since.isoformat(),
            "restrictions": list(self.restrictions),
            "decisions": [
                {
                    "date": d.date.isoformat(),
                    "to": d.to,
                    "label": d.label,
                    "decided_by": list(d.decided_by),
                    "version": d.version,
                }
                for d in self.decisions
            ],
            "first_decision": _iso(self.first_decision),
            "last_decision": _iso(last.date if last else None),
            "decided_by": list(last.decided_by) if last else [],
            "version": last.version if last else None,
            "last_review": _iso(self.last_review),
            "last_review_outcome": self.last_review_outcome,
            "next_review": _iso(self.next_review),
            "next_review_latest": _iso(self.next_review_latest),
            "expires": _iso(self.expires),
            "contacts_this_period": self.contacts_this_period,
            "breaches_this_period": self.breaches_this_period,
            "breaches_summary": self.breaches_summary,
            "deletion_due": _iso(self.deletion_due),
            "overdue": list(self.overdue),
        }
        if names:
            out = {"case": self.case, "person": self.person, **out}
        return out


CSV_COLUMNS = [
    "case",
    "procedure",
    "service",
    "state",
    "since",
    "restrictions",
    "first_decision",
    "last_decision",
    "decided_by",
    "last_review",
    "next_review",
    "next_review_latest",
    "expires",
    "breaches_summary",
    "deletion_due",
    "overdue",
]


def csv_record(row: RegisterRow, names: bool = False) -> list[str]:
    """One CSV line: lists joined with "; ", dates ISO, absent values empty."""
    data = row.as_json()
    values: list[str] = []
    for col in (["person"] if names else []) + CSV_COLUMNS:
        if col == "person":
            values.append(row.person)
            continue
        value = data[col]
        if col == "state":
            value = row.state_label
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        values.append("" if value is None else str(value))
    return [csv_safe(v) for v in values]


# Characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection"):
# =HYPERLINK(...) leaks data, +cmd|... runs commands in old Excel.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """``value`` as a CSV cell no spreadsheet runs: a leading = + - @ tab or CR gets a ``'``.

    OWASP's advice for CSV injection: prefix such cells with a single quote, which Excel and
    LibreOffice show as text and hide. Every cell of the register's CSV goes through this.
    """
    return "'" + value if value.startswith(_FORMULA_START) else value


def register_rows(book: Casebook, as_of: date) -> list[RegisterRow]:
    """Every valid case with a known procedure, in case id order."""
    policy = book.policy
    staff = policy.people.by_id()
    rows = []
    for case in book.each_case():
        proc = policy.procedures.get(case.procedure)
        if proc is not None:
            rows.append(register_row(timeline(case, proc, as_of), staff, policy.settings))
    rows.sort(key=lambda r: r.case)
    return rows


def register_row(
    tl: Timeline,
    staff: dict[str, StaffMember],
    settings: Settings,
    obs: list[Obligation] | None = None,
    report: BreachReport | None = None,
) -> RegisterRow:
    """One case's row as of ``tl.as_of``. ``obs`` and ``report``, when a caller already has
    them (the site needs them too), are not worked out again."""
    case, proc, derived = tl.case, tl.procedure, tl
    if tl.as_of is None:
        raise ValueError("a register row is as of a date")
    as_of = tl.as_of
    st = proc.states.get(derived.state)
    active = st is not None and st.kind in ACTIVE_KINDS
    channels = {c.id: c.label for c in proc.channels}
    intervals = tl.intervals
    in_force = [x for x in intervals if x.covers(as_of)]
    restrictions = tuple(describe(x.restriction, staff, channels, proc.measures) for x in in_force)
    decisions = tuple(
        DecisionEntry(
            s.decision.date,
            s.to_state,
            proc.states[s.to_state].label if s.to_state in proc.states else s.to_state,
            tuple(staff[p].name if p in staff else p for p in s.decision.decided_by),
            tl.version(s),
        )
        for s in derived.steps
    )
    reviews = [e for e in case.events if isinstance(e, ReviewHeld) and e.date <= as_of]
    last_review = reviews[-1] if reviews else None
    if obs is None:
        obs = obligations_for(tl, settings)
    open_reviews = [o for o in obs if o.kind == "review" and not o.met]
    next_review = open_reviews[0] if open_reviews else None
    expires = None
    if active and derived.last is not None:
        expires = tl.period_end(derived.last)
        if expires is None:
            ends = [x.end for x in in_force if x.end is not None]
            expires = max(ends) if ends else None
    report = report or analyse(tl)
    period = report.current(as_of) if active else None
    status = retention_status(tl, settings)
    return RegisterRow(
        case=case.id,
        procedure=proc.id,
        service=case.service,
        person=case.person.name,
        state=derived.state,
        state_label=st.label if st else derived.state,
        active=active,
        since=derived.since,
        restrictions=restrictions,
        decisions=decisions,
        last_review=last_review.date if last_review else None,
        last_review_outcome=last_review.outcome if last_review else None,
        next_review=next_review.due if next_review else None,
        next_review_latest=next_review.latest if next_review else None,
        expires=expires,
        contacts_this_period=period.contacts if period else 0,
        breaches_this_period=period.outside if period else 0,
        breaches_summary=period.text if period else None,
        deletion_due=status.deletion_due if status else None,
        overdue=tuple(sorted({o.kind for o in obs if o.overdue(as_of)})),
    )


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None
