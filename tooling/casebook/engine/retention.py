"""Retention: when an ended case must be deleted, and the published exceptions.

A state's ``retention`` says how long a case in that state is kept (Wealden: "Dormant cases will
usually be deleted 24 months after moving to this stage, if there is no further activity within
that period"). The clock starts on the date of the decision into the state and, where the
state's ``retention.restart_on`` names them, starts again from each later event of those kinds
(``contact``: a contact from the person; ``representation``; ``meeting``): that is Wealden's
"further activity". A procedure that says nothing of further activity keeps the clock from the
decision (``restart_on: []``, the default); notes and letters by the council never restart it.

A published exception is recorded on the case as a ``retention_flags`` entry: which exception,
why, when, by whom, and ``lifted`` once it no longer applies. What a flag does is the
exception's ``effect`` in the procedure:

* ``extend``: the case is kept a further full period from the day the flag was last recorded,
  and then the flag must be reviewed (purge, or record it again with the reasons it still
  applies): a ``retention-review`` obligation on the later of the two dates.
* ``suspend`` (Wealden: "The retention policy of 24 months does not apply to customers who ..."):
  no deletion date at all while the flag stands; its review falls due
  ``settings.retention_flag_review_months`` after it was last recorded (UK GDPR Article
  5(1)(e): keeping a record needs a reason that is checked). Once lifted, the normal rule
  applies again; a record already past its normal date is due for deletion on the day the
  flag was lifted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from casebook.engine.replay import add_period, show_period
from casebook.engine.timeline import Timeline, timeline
from casebook.model import ENDED_KINDS, Case, Procedure
from casebook.model.case import ContactLogged, Event, RetentionFlag
from casebook.model.procedure import Retention
from casebook.model.settings import Settings


def _restarts(ev: Event, spec: Retention) -> bool:
    """Does ``ev`` count as further activity under ``spec.restart_on``?"""
    if ev.type not in spec.restart_on:
        return False
    return not isinstance(ev, ContactLogged) or ev.direction == "in"


@dataclass(frozen=True, slots=True)
class RetentionStatus:
    case: str
    procedure: str
    state: str
    state_label: str
    ended_on: date  # the decision that moved the case into its ended state
    clock_from: date  # ended_on, or the last activity after it
    deletion_due: date | None  # None: no retention stated, or an exception suspends deletion
    flags: tuple[RetentionFlag, ...]  # published exceptions that apply (not lifted)
    rule: str  # plain English: "24 months after moving to Closed and dormant"
    step_index: int
    # When a suspending exception must next be reviewed (None: no such flag stands).
    review_due: date | None = None

    @property
    def kind(self) -> str:
        return "retention-review" if self.flags else "deletion"

    @property
    def due(self) -> date | None:
        """The date of the obligation: the deletion date, else the flag's review date."""
        return self.deletion_due if self.deletion_due is not None else self.review_due

    def past_due(self, as_of: date) -> bool:
        return self.deletion_due is not None and as_of > self.deletion_due

    def as_json(self, as_of: date) -> dict[str, object]:
        return {
            "case": self.case,
            "procedure": self.procedure,
            "state": self.state,
            "ended_on": self.ended_on.isoformat(),
            "clock_from": self.clock_from.isoformat(),
            "deletion_due": self.deletion_due.isoformat() if self.deletion_due else None,
            "review_due": self.review_due.isoformat() if self.review_due else None,
            "action": self.kind,
            "exceptions": [f.exception for f in self.flags],
            "past_due": self.past_due(as_of),
            "rule": self.rule,
        }


def retention_status(tl: Timeline, settings: Settings) -> RetentionStatus | None:
    """Where an ended case stands on ``tl.as_of``; None while the case is not ended."""
    case, proc, derived = tl.case, tl.procedure, tl
    as_of = tl.as_of or date.max
    last = derived.last
    if last is not None:
        proc = tl.rules(last)
    st = proc.states.get(derived.state)
    if last is None or st is None or st.kind not in ENDED_KINDS:
        return None
    ended_on = last.decision.date
    clock_from = ended_on
    spec = st.retention
    if spec is None:
        return RetentionStatus(
            case.id,
            proc.id,
            derived.state,
            st.label,
            ended_on,
            clock_from,
            None,
            (),
            f"procedure {proc.id} states no retention period for {st.label}",
            last.index,
        )
    for ev in case.events[last.index + 1 :]:
        if ev.date <= as_of and ev.date > clock_from and _restarts(ev, spec):
            clock_from = ev.date
    due: date | None = add_period(clock_from, spec.delete_after)
    rule = f"{show_period(spec.delete_after)} after moving to {st.label}"
    if clock_from > ended_on:
        rule = f"{show_period(spec.delete_after)} after the last activity ({clock_from})"
    effects = {e.id: e.effect for e in spec.exceptions}
    known = [f for f in case.retention_flags if f.exception in effects and f.recorded <= as_of]
    flags = tuple(f for f in known if f.lifted is None or f.lifted.date > as_of)
    lifted = [
        f.lifted.date
        for f in known
        if f.lifted is not None and f.lifted.date <= as_of and effects[f.exception] == "suspend"
    ]
    review_due = None
    names = ", ".join(sorted({f.exception for f in flags}))
    if any(effects[f.exception] == "suspend" for f in flags):
        latest = max(f.recorded for f in flags if effects[f.exception] == "suspend")
        review_due = latest + relativedelta(months=settings.retention_flag_review_months)
        due = None
        rule = (
            f"not deleted while exception {names} applies (recorded {latest}); "
            f"review the exception by {review_due}"
        )
    elif flags:
        latest = max(f.recorded for f in flags)
        due = max(add_period(clock_from, spec.delete_after), add_period(latest, spec.delete_after))
        rule += f"; exception {names} recorded {latest}: review it by {due}"
    elif lifted and due is not None and max(lifted) > due:
        due = max(lifted)
        rule += f"; its exception was lifted on {due}"
    return RetentionStatus(
        case.id,
        proc.id,
        derived.state,
        st.label,
        ended_on,
        clock_from,
        due,
        flags,
        rule,
        last.index,
        review_due,
    )


def retention_report(
    cases: list[tuple[Case, Procedure]], as_of: date, settings: Settings
) -> list[RetentionStatus]:
    """Every ended case with its deletion (or exception review) date, soonest first."""
    statuses = (retention_status(timeline(case, proc, as_of), settings) for case, proc in cases)
    out = [s for s in statuses if s is not None]
    out.sort(key=lambda s: (s.due is None, s.due or date.max, s.case))
    return out
