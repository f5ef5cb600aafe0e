"""Retention: when an ended case must be deleted, and the published exceptions.

A state's ``retention`` says how long a case in that state is kept (Wealden: "Dormant cases will
usually be deleted 24 months after moving to this stage, if there is no further activity within
that period"). The clock starts on the date of the decision into the state, and starts again
from any later contact from the person or representation made for them (that is the "further
activity" the text names; notes and letters by the council are not).

A published exception ("does not apply to customers who ... have a repeated history of
contact") is recorded on the case as a ``retention_flags`` entry: which exception, why, when,
by whom. An exception is not a licence to keep a record for ever (UK GDPR Article 5(1)(e)):
a flagged case is kept for a further full period from the date the flag was last recorded,
and then its exception must be reviewed: delete the record, or record the flag again with
the reasons it still applies. So a flagged case has a ``retention-review`` obligation instead
of a ``deletion`` one, on the later of the two dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casebook.engine.replay import add_period, show_period
from casebook.engine.timeline import Timeline, timeline
from casebook.model import ENDED_KINDS, Case, Procedure
from casebook.model.case import ContactLogged, Representation, RetentionFlag


@dataclass(frozen=True, slots=True)
class RetentionStatus:
    case: str
    procedure: str
    state: str
    state_label: str
    ended_on: date  # the decision that moved the case into its ended state
    clock_from: date  # ended_on, or the last activity after it
    deletion_due: date | None  # None: the procedure states no retention for this state
    flags: tuple[RetentionFlag, ...]  # published exceptions that apply
    rule: str  # plain English: "24 months after moving to Closed and dormant"
    step_index: int

    @property
    def kind(self) -> str:
        return "retention-review" if self.flags else "deletion"

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
            "action": self.kind,
            "exceptions": [f.exception for f in self.flags],
            "past_due": self.past_due(as_of),
            "rule": self.rule,
        }


def retention_status(tl: Timeline) -> RetentionStatus | None:
    """Where an ended case stands on ``tl.as_of``; None while the case is not ended."""
    case, proc, derived = tl.case, tl.procedure, tl
    as_of = tl.as_of or date.max
    last = derived.last
    st = proc.states.get(derived.state)
    if last is None or st is None or st.kind not in ENDED_KINDS:
        return None
    ended_on = last.decision.date
    clock_from = ended_on
    for ev in case.events[last.index + 1 :]:
        if ev.date > as_of:
            continue
        activity = isinstance(ev, Representation) or (
            isinstance(ev, ContactLogged) and ev.direction == "in"
        )
        if activity and ev.date > clock_from:
            clock_from = ev.date
    if st.retention is None:
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
    spec = st.retention
    due = add_period(clock_from, spec.delete_after)
    exceptions = {e.id for e in spec.exceptions}
    flags = tuple(
        f for f in case.retention_flags if f.exception in exceptions and f.recorded <= as_of
    )
    rule = f"{show_period(spec.delete_after)} after moving to {st.label}"
    if clock_from > ended_on:
        rule = f"{show_period(spec.delete_after)} after the last activity ({clock_from})"
    if flags:
        latest = max(f.recorded for f in flags)
        due = max(due, add_period(latest, spec.delete_after))
        rule += (
            f"; exception {', '.join(sorted({f.exception for f in flags}))} recorded "
            f"{latest}: review it by {due}"
        )
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
    )


def retention_report(cases: list[tuple[Case, Procedure]], as_of: date) -> list[RetentionStatus]:
    """Every ended case with its deletion date, soonest first (no date last)."""
    statuses = (retention_status(timeline(case, proc, as_of)) for case, proc in cases)
    out = [s for s in statuses if s is not None]
    out.sort(key=lambda s: (s.deletion_due is None, s.deletion_due or date.max, s.case))
    return out
