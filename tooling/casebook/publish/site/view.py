"""What the pages are made from: each case replayed once, and what is kept off the site."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from casebook.engine.obligations import Obligation
from casebook.engine.timeline import Timeline, timeline
from casebook.model import ACTIVE_KINDS, ENDED_KINDS, Case, Procedure, Restriction, State
from casebook.model.case import ReviewHeld
from casebook.model.people import Person as Staff
from casebook.publish.site.inputs import RegisterRow, SiteInputs
from casebook.store.reader import Policy


class _Kinds:
    """What a case's state is, for a class with a ``state`` (None when a decision names a
    state the procedure does not have): shared by ``CaseView`` and ``CaseSummary``."""

    __slots__ = ()
    state: State | None

    @property
    def kind(self) -> str:
        return self.state.kind if self.state else "unknown"

    @property
    def active(self) -> bool:
        return self.kind in ACTIVE_KINDS

    @property
    def ended(self) -> bool:
        return self.kind in ENDED_KINDS


@dataclass(frozen=True, slots=True)
class CaseView(_Kinds):
    case: Case
    proc: Procedure
    derived: Timeline  # as of the site's date
    state: State | None  # None when a decision names a state the procedure does not have
    in_force: tuple[Restriction, ...]

    @property
    def id(self) -> str:
        return self.case.id

    @property
    def state_label(self) -> str:
        return self.state.label if self.state else self.derived.state


@dataclass(frozen=True, slots=True)
class CaseSummary(_Kinds):
    """What the register, home page and reports need of one case, kept after its page is
    written instead of its record and timeline (a 10,000-case build holds these, not every
    case: issue 14). Made by ``summarise``."""

    id: str
    name: str
    proc: Procedure
    state: State | None
    derived_state: str  # the state id the timeline reached (may be unknown to ``proc``)
    since: date
    in_force: tuple[Restriction, ...]
    row: RegisterRow  # the register's row from the record alone (``register.basic_row``)

    @property
    def state_label(self) -> str:
        return self.state.label if self.state else self.derived_state


@dataclass(slots=True)
class SiteData:
    policy: Policy
    as_of: date
    inputs: SiteInputs
    cases: list[CaseSummary]  # every case that may be published, in id order
    # Kept off both sites, by case id: why, for the governance home page (ids only).
    withheld: dict[str, str] = field(default_factory=dict)
    repo_url: str | None = None  # for links to the pull requests that approved decisions
    _register: list[RegisterRow] | None = None
    _open: dict[str, list[Obligation]] | None = None

    @property
    def people(self) -> dict[str, Staff]:
        return self.policy.people.by_id()

    def open_obligations(self, case_id: str) -> list[Obligation]:
        """The case's obligations not yet met (grouped once: a site has thousands of cases)."""
        if self._open is None:
            self._open = defaultdict(list)
            for o in self.inputs.obligations or []:
                if not o.met:
                    self._open[o.case].append(o)
        return self._open.get(case_id, [])

    def sort(self) -> None:
        """Cases in id order, withheld ones too (once every case has been added)."""
        self.cases.sort(key=lambda v: v.id)
        self.withheld = dict(sorted(self.withheld.items()))

    def procedure_title(self, pid: str) -> str:
        proc = self.policy.procedures.get(pid)
        return proc.title if proc else pid


def case_views(
    policy: Policy,
    cases: Iterable[Case],
    as_of: date,
    inputs: SiteInputs,
    withheld: dict[str, str],
    past: dict[str, date] | None = None,
) -> Iterator[CaseView]:
    """Each case that may appear on a site, replayed as of ``as_of``, one at a time and in the
    order of ``cases`` (read once); the others go into ``withheld`` (case id: why).
    ``past``: ``inputs.past_retention(as_of)`` when the caller has it already."""
    past = inputs.past_retention(as_of) if past is None else past
    for case in cases:
        why = withheld_reason(case.id, case.procedure, policy, inputs, past)
        if why is not None:
            withheld[case.id] = why
            continue
        proc = policy.procedures[case.procedure]
        known = inputs.timelines.get(case.id)
        derived = known.on(as_of) if known is not None else timeline(case, proc, as_of)
        state = proc.states.get(derived.state)
        yield CaseView(case, proc, derived, state, tuple(derived.in_force(as_of)))


def withheld_reason(
    case_id: str, procedure: str, policy: Policy, inputs: SiteInputs, past: dict[str, date]
) -> str | None:
    """Why the case is kept off the site, or None. From its id and procedure only (known
    without validating the record: ``store.cases.CaseFile``), the deletion log and the
    "deletion" obligations (``past``: ``SiteInputs.past_retention``)."""
    if case_id in inputs.purged:
        return "listed in the deletion log (purged): the file must not exist"
    if case_id in past:
        return f"past its deletion date ({past[case_id].isoformat()})"
    if procedure not in policy.procedures:  # `casebook check` reports it; the site cannot place it
        return f"unknown procedure {procedure!r}"
    return None


def basic_row(view: CaseView, inputs: SiteInputs, as_of: date) -> RegisterRow:
    """What the register shows from the record alone (no review or expiry dates).

    Next review and expiry come from ``casebook register`` (``SiteInputs.review_dates``);
    blank until they are passed in.
    """
    last = view.derived.last
    reviews = [e.date for e in view.case.events if isinstance(e, ReviewHeld) and e.date <= as_of]
    next_review, expires = (inputs.review_dates or {}).get(view.id, (None, None))
    return RegisterRow(
        case=view.id,
        procedure=view.proc.id,
        service=view.case.service,
        state=view.state_label,
        state_kind=view.kind,
        since=view.derived.since,
        restrictions=tuple(r.type for r in view.in_force),
        last_decision=last.decision.date if last else None,
        approved_in=last.decision.approved_in if last else None,
        last_review=max(reviews) if reviews else None,
        next_review=next_review,
        expires=expires,
        version=view.derived.version(last) if last else view.proc.version,
    )


def summarise(view: CaseView, inputs: SiteInputs, as_of: date) -> CaseSummary:
    return CaseSummary(
        view.id,
        view.case.person.name,
        view.proc,
        view.state,
        view.derived.state,
        view.derived.since,
        view.in_force,
        basic_row(view, inputs, as_of),
    )


def site_data(
    policy: Policy,
    cases: Iterable[Case],
    as_of: date,
    inputs: SiteInputs | None = None,
    repo_url: str | None = None,
) -> SiteData:
    """Every case that may appear, summarised (the pages that list cases need no more)."""
    inputs = inputs or SiteInputs()
    data = SiteData(policy, as_of, inputs, [], {}, repo_url)
    for view in case_views(policy, cases, as_of, inputs, data.withheld):
        data.cases.append(summarise(view, inputs, as_of))
    data.sort()
    return data
