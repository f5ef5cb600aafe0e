"""Appeals in a case: each ``appeal`` event with the decision it is against, the procedure's
appeal rule for it, its window and reply clock, and its outcome. Read by obligations (the reply
due, the outcome letter), `check` (window, hearers, outcomes) and letters (drafts).

An appeal is against the decision at ``events[against]``; the rule is the procedure's
``appeals`` entry whose ``against`` names the state that decision moved the case into. The
window is the rule's ``window`` clock counted from the decision (or from what its ``starts``
names, e.g. the first ``restriction-letter`` sent after it); while that start has not happened
the window has not opened and an appeal is in time. The reply is due ``reply`` after the day
the appeal was received; its outcome is the first ``appeal-outcome`` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from casebook.engine.replay import Step, appealed_step
from casebook.engine.timeline import Timeline
from casebook.model.case import Appeal, AppealOutcomeEvent
from casebook.model.procedure import AppealRule


@dataclass(frozen=True, slots=True)
class AppealView:
    index: int  # the appeal event, in case.events
    appeal: Appeal
    appealed: Step | None  # the decision under appeal (None: ``against`` is not a decision)
    rule: AppealRule | None  # None: the procedure allows no appeal against that decision
    window_ends: date | None  # last day to appeal (None: no rule, or the window not opened)
    reply_due: date | None  # None: no rule
    outcome_index: int | None = None
    outcome: AppealOutcomeEvent | None = None

    @property
    def late(self) -> bool:
        """Received after the window closed."""
        return self.window_ends is not None and self.appeal.date > self.window_ends


def appeals(tl: Timeline) -> list[AppealView]:
    """Every appeal recorded on or before ``tl.as_of`` (all when None), in event order."""
    case = tl.case
    steps = tl.on(None).steps
    out: list[AppealView] = []
    for i, ev in enumerate(case.events):
        if not isinstance(ev, Appeal) or (tl.as_of is not None and ev.date > tl.as_of):
            continue
        appealed = appealed_step(case, i, steps)
        rule = tl.rules(appealed).appeal_against(appealed.to_state) if appealed else None
        window_ends = reply_due = None
        if appealed is not None and rule is not None:
            window_ends = tl.clock_end(appealed, rule.window)
            reply_due = tl.add(ev.date, rule.reply)
        found = next(
            (
                (j, o)
                for j, o in enumerate(case.events)
                if isinstance(o, AppealOutcomeEvent)
                and o.appeal == i
                and (tl.as_of is None or o.date <= tl.as_of)
            ),
            None,
        )
        out.append(
            AppealView(
                i,
                ev,
                appealed,
                rule,
                window_ends,
                reply_due,
                found[0] if found else None,
                found[1] if found else None,
            )
        )
    return out


def outcome_letter(view: AppealView) -> str | None:
    """The letter the procedure sends for this appeal's outcome, if any."""
    if view.rule is None or view.outcome is None:
        return None
    spec = view.rule.outcomes.get(view.outcome.outcome)
    return spec.letter if spec is not None else None
