"""Notifications a case still owes: what `casebook log notification` fills in by default.

A decision's transition may say "notify LIST within N days" (``notify`` in the procedure); the
obligation is met by a ``type: notification`` event for that list dated between the decision
and the next decision (``engine.obligations``). This lists the unmet ones, oldest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casebook.engine.obligations import obligations_for
from casebook.engine.timeline import timeline
from casebook.model import Case, Procedure
from casebook.model.settings import Settings


@dataclass(frozen=True, slots=True)
class Pending:
    list_id: str
    about: str  # the transition's label, e.g. "Stage 1: warn and start monitoring"
    decided: date  # the decision's date
    due: date


def pending_notifications(
    case: Case, proc: Procedure, settings: Settings, as_of: date
) -> list[Pending]:
    """The notifications the case's decisions (up to ``as_of``) require and it does not
    record, oldest decision first."""
    tl = timeline(case, proc, as_of)
    steps = {s.index: s for s in tl.steps}
    out = []
    for ob in obligations_for(tl, settings):
        if ob.kind != "notification" or ob.met or ob.event not in steps:
            continue
        step = steps[ob.event]
        about = step.transition.label if step.transition else step.to_state
        # The key is "<case>/notification/<event>/<list>" (engine.obligations).
        out.append(Pending(ob.key.rsplit("/", 1)[-1], about, step.decision.date, ob.due))
    return sorted(out, key=lambda p: (p.decided, p.list_id))
