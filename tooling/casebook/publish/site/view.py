"""What the pages are made from: each case replayed once, and what is kept off the site."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from casebook.engine.obligations import Obligation
from casebook.engine.timeline import Timeline, timeline
from casebook.model import ACTIVE_KINDS, ENDED_KINDS, Case, Procedure, Restriction, State
from casebook.model.people import Person as Staff
from casebook.publish.site.inputs import RegisterRow, SiteInputs
from casebook.store.reader import Policy


@dataclass(frozen=True, slots=True)
class CaseView:
    case: Case
    proc: Procedure
    derived: Timeline  # as of the site's date
    state: State | None  # None when a decision names a state the procedure does not have
    in_force: tuple[Restriction, ...]

    @property
    def id(self) -> str:
        return self.case.id

    @property
    def kind(self) -> str:
        return self.state.kind if self.state else "unknown"

    @property
    def active(self) -> bool:
        return self.kind in ACTIVE_KINDS

    @property
    def ended(self) -> bool:
        return self.kind in ENDED_KINDS

    @property
    def state_label(self) -> str:
        return self.state.label if self.state else self.derived.state


@dataclass(slots=True)
class SiteData:
    policy: Policy
    as_of: date
    inputs: SiteInputs
    cases: list[CaseView]  # every case that may be published, in id order
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

    def procedure_title(self, pid: str) -> str:
        proc = self.policy.procedures.get(pid)
        return proc.title if proc else pid


def site_data(
    policy: Policy,
    cases: Iterable[Case],
    as_of: date,
    inputs: SiteInputs | None = None,
    repo_url: str | None = None,
    keep: Callable[[CaseView], bool] | None = None,
) -> SiteData:
    """Replay every case as of ``as_of`` and decide which may appear at all; with ``keep``,
    only the views it accepts are kept (the staff site keeps active cases only, so a build
    of 10,000 cases holds the quarter it shows, not all: issue 14). ``cases`` is read once."""
    inputs = inputs or SiteInputs()
    past = inputs.past_retention(as_of)
    views: list[CaseView] = []
    withheld: dict[str, str] = {}
    for case in cases:
        if case.id in inputs.purged:
            withheld[case.id] = "listed in the deletion log (purged): the file must not exist"
            continue
        if case.id in past:
            withheld[case.id] = f"past its deletion date ({past[case.id].isoformat()})"
            continue
        proc = policy.procedures.get(case.procedure)
        if proc is None:  # `casebook check` reports it; the site cannot place the case
            withheld[case.id] = f"unknown procedure {case.procedure!r}"
            continue
        known = inputs.timelines.get(case.id)
        derived = known.on(as_of) if known is not None else timeline(case, proc, as_of)
        state = proc.states.get(derived.state)
        in_force = tuple(derived.in_force(as_of))
        view = CaseView(case, proc, derived, state, in_force)
        if keep is None or keep(view):
            views.append(view)
    views.sort(key=lambda v: v.case.id)
    withheld = dict(sorted(withheld.items()))
    return SiteData(policy, as_of, inputs, views, withheld, repo_url)
