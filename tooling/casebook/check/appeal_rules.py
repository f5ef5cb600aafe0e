"""Rules that hold a case's appeals to its procedure's ``appeals`` (see
``casebook.engine.appeals`` for how an appeal is matched to its decision and rule)."""

from __future__ import annotations

from collections.abc import Iterator

from casebook.check.context import CaseContext
from casebook.check.procedure_rules import graded
from casebook.engine.appeals import appeals
from casebook.engine.authority import evaluate
from casebook.model.case import Appeal, AppealOutcomeEvent, Decision
from casebook.model.findings import Finding, Loc


def _err(rule: str, msg: str, loc: Loc) -> Finding:
    return Finding("error", rule, msg, loc=loc)


def appeal_records(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``appeal``: an appeal is against a decision the procedure allows to be appealed;
    an outcome answers an appeal, once, with an outcome the procedure allows.

    Rule ``appeal-window``: received within the window ("This must be done within 10 working
    days of receipt of the letter"), per the window's severity.
    """
    case, proc = ctx.case, ctx.procedure
    views = {v.index: v for v in appeals(ctx.derived)}
    for view in views.values():
        loc: Loc = ("events", view.index, "against")
        target = case.events[view.appeal.against]
        if not isinstance(target, Decision):
            yield _err(
                "appeal",
                f"events[{view.appeal.against}] is a {target.type}, not a decision: an appeal is "
                "against a decision",
                loc,
            )
            continue
        if view.rule is None:
            allowed = sorted({s for a in proc.appeals for s in a.against})
            yield _err(
                "appeal",
                f"procedure {proc.id} gives no right of appeal against a decision into "
                f"{target.to!r}"
                + (
                    f"; appeals are against decisions into: {', '.join(allowed)}" if allowed else ""
                ),
                loc,
            )
            continue
        if view.late and view.window_ends is not None:
            found = graded(
                view.rule.window.severity,
                "appeal-window",
                f"appeal received {view.appeal.date}, after the window closed on "
                f"{view.window_ends} (source: {view.rule.window.source!r})",
                ("events", view.index, "date"),
                view.appeal,
            )
            if found is not None:
                yield found
    answered: dict[int, int] = {}
    for j, ev in enumerate(case.events):
        if not isinstance(ev, AppealOutcomeEvent):
            continue
        loc = ("events", j, "appeal")
        target_ev = case.events[ev.appeal]
        if not isinstance(target_ev, Appeal):
            yield _err(
                "appeal",
                f"events[{ev.appeal}] is a {target_ev.type}, not an appeal: an appeal-outcome "
                "answers an appeal",
                loc,
            )
            continue
        if ev.appeal in answered:
            yield _err(
                "appeal",
                f"the appeal at events[{ev.appeal}] was already decided at "
                f"events[{answered[ev.appeal]}]; record a further decision instead",
                loc,
            )
            continue
        answered[ev.appeal] = j
        answered_view = views.get(ev.appeal)
        if answered_view is None or answered_view.rule is None:
            continue  # the appeal itself is reported above
        rule = answered_view.rule
        if ev.outcome not in rule.outcomes:
            yield _err(
                "appeal",
                f"{rule.label}: outcome {ev.outcome!r} is not one this procedure allows "
                f"({', '.join(rule.outcomes)})",
                ("events", j, "outcome"),
            )
        if ev.date < target_ev.date:
            yield _err("appeal", f"decided {ev.date}, before the appeal of {target_ev.date}", loc)


def appeal_hearers(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``appeal-hearer``: the people in ``heard_by`` hold the roles the appeal rule's
    ``hears`` asks for, and none of them decided or was consulted on the decision under appeal
    ("A senior member of staff who was not involved in the original decision")."""
    case = ctx.case
    people = ctx.person_by_id
    views = {v.index: v for v in appeals(ctx.derived)}
    for j, ev in enumerate(case.events):
        if not isinstance(ev, AppealOutcomeEvent):
            continue
        view = views.get(ev.appeal)
        if view is None or view.rule is None or view.appealed is None:
            continue
        d = view.appealed.decision
        where = f"events[{view.appealed.index}]"
        involved = {pid: f"{where}.decided_by" for pid in d.decided_by}
        for pid in d.consulted:
            involved.setdefault(pid, f"{where}.consulted")
        reqs = [r.model_copy(update={"independent": True}) for r in view.rule.hears]
        outcome = evaluate(reqs, ev.heard_by, people, involved, case.service)
        if not outcome.met:
            yield _err(
                "appeal-hearer",
                f"{view.rule.label} is not heard by the right people: "
                + "; ".join(outcome.missing).replace(
                    "independent of the case", "not involved in the decision under appeal"
                )
                + f" (heard_by: {', '.join(ev.heard_by)})",
                ("events", j, "heard_by"),
            )


def appeal_replies(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``appeal-reply``: the outcome of an appeal is decided within the reply clock
    ("This should be done within 10 working days"): overdue is a finding of the clock's
    severity, late a warning."""
    views = {v.index: v for v in appeals(ctx.derived)}
    for ob in ctx.obligations:
        if ob.kind != "appeal-reply" or ob.event is None:
            continue
        view = views.get(ob.event)
        if view is None or view.rule is None:
            continue
        reply = view.rule.reply
        loc: Loc = ("events", ob.event)
        if ob.met_by is not None and ob.late:
            found = graded(
                reply.severity,
                "appeal-reply",
                f"{ob.label}: decided {ob.met_on}, after it was due ({ob.due})",
                ("events", ob.met_by, "date"),
                ctx.case.events[ob.met_by],
            )
        elif not ob.met and ob.overdue(ctx.as_of):
            found = graded(
                reply.severity,
                "appeal-reply",
                f"{ob.label}: due {ob.due} (source: {reply.source!r}); record the outcome "
                "with type: appeal-outcome",
                loc,
                view.appeal,
            )
        else:
            found = None
        if found is not None:
            yield found
