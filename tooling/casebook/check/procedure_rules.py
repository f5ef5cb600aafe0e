"""Rules that hold a case's history to its procedure."""

from __future__ import annotations

from collections.abc import Iterator

from casebook.check.context import CaseContext
from casebook.engine.authority import evaluate
from casebook.engine.replay import Step, add_period, involved_before
from casebook.model import ACTIVE_KINDS
from casebook.model.findings import Finding, Loc
from casebook.model.procedure import Period


def _err(rule: str, msg: str, loc: Loc) -> Finding:
    return Finding("error", rule, msg, loc=loc)


def _warn(rule: str, msg: str, loc: Loc) -> Finding:
    return Finding("warning", rule, msg, loc=loc)


def event_order(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``event-order``: events are appended in date order, none before the referral."""
    previous = ctx.case.referral.date
    for i, ev in enumerate(ctx.case.events):
        if ev.date < previous:
            what = "the referral" if i == 0 else f"events[{i - 1}] ({previous})"
            yield _err(
                "event-order",
                f"dated {ev.date}, before {what}; events are a history: keep them in date order",
                ("events", i, "date"),
            )
        else:
            previous = ev.date


def future_events(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``future-event``: nothing is recorded as having happened after --as-of."""
    if ctx.case.referral.date > ctx.as_of:
        yield _err(
            "future-event",
            f"referral dated {ctx.case.referral.date}, after {ctx.as_of}",
            ("referral", "date"),
        )
    for i, ev in enumerate(ctx.case.events):
        if ev.date > ctx.as_of:
            yield _err(
                "future-event",
                f"dated {ev.date}, after the check date {ctx.as_of}; "
                "record events once they have happened",
                ("events", i, "date"),
            )


def transitions(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``transition``: each decision is a move the procedure allows from the state before."""
    proc = ctx.procedure
    for step in ctx.derived.steps:
        if step.transition is not None or step.to_state not in proc.states:
            continue  # unknown target states are reported by the reference rule
        allowed = sorted({t.to for t in proc.transitions if step.from_state in t.from_})
        yield _err(
            "transition",
            f"procedure {proc.id} does not allow a decision from {step.from_state!r} to "
            f"{step.to_state!r}; from {step.from_state!r} it allows: "
            f"{', '.join(allowed) or 'nothing (the case has ended)'}",
            ("events", step.index, "to"),
        )


def approvals(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``approval``: the people named decided with the roles, independence and
    consultation the procedure requires."""
    people = ctx.person_by_id
    for step in ctx.derived.steps:
        t = step.transition
        if t is None:
            continue
        d = step.decision
        loc: Loc = ("events", step.index)
        involved = involved_before(ctx.case, step.index)
        if t.approval.requires:
            outcome = evaluate(t.approval.requires, d.decided_by, people, involved)
            if not outcome.met:
                yield _err(
                    "approval",
                    f"'{t.label}' is not decided by the right people: "
                    + "; ".join(outcome.missing)
                    + f" (decided_by: {', '.join(d.decided_by)})",
                    (*loc, "decided_by"),
                )
        if t.approval.consult:
            outcome = evaluate(t.approval.consult, [*d.consulted, *d.decided_by], people, involved)
            if not outcome.met:
                yield _err(
                    "approval",
                    f"'{t.label}' requires consultation: "
                    + "; ".join(outcome.missing)
                    + "; list the people consulted under 'consulted'",
                    (*loc, "consulted"),
                )


def expected_prior(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``prior-step``: a step the text says normally follows another (a prior warning)."""
    visited = {ctx.procedure.initial}
    for step in ctx.derived.steps:
        t = step.transition
        waived = step.decision.prior_step_waived
        if t and t.expects_prior and not waived and not visited.intersection(t.expects_prior):
            yield _warn(
                "prior-step",
                f"'{t.label}' normally follows {' or '.join(t.expects_prior)}, which this case "
                "has not been through; if that was deliberate, say why in the decision's "
                "prior_step_waived",
                ("events", step.index, "to"),
            )
        visited.add(step.to_state)


def restrictions_allowed(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``restriction``: restrictions of a type the target state allows, with sane dates."""
    proc = ctx.procedure
    for step in ctx.derived.steps:
        state = proc.states.get(step.to_state)
        if state is None:
            continue
        d = step.decision
        loc: Loc = ("events", step.index)
        for j, r in enumerate(d.restrictions):
            rloc: Loc = (*loc, "restrictions", j)
            if state.kind not in ACTIVE_KINDS:
                yield _err(
                    "restriction",
                    f"state {step.to_state!r} is {state.kind}: no "
                    "restrictions can be in force there",
                    (*rloc, "type"),
                )
            elif r.type not in state.restrictions:
                yield _err(
                    "restriction",
                    f"restriction type {r.type!r} is not allowed in state {step.to_state!r} "
                    f"of {proc.id}; allowed: {', '.join(state.restrictions) or 'none'}",
                    (*rloc, "type"),
                )
            if r.start is not None and r.start < d.date:
                yield _err(
                    "restriction",
                    f"starts {r.start}, before the decision of {d.date} that imposes it",
                    (*rloc, "start"),
                )
            if r.end is not None and r.end < d.date:
                yield _err(
                    "restriction",
                    f"ends {r.end}, before the decision of {d.date} that imposes it",
                    (*rloc, "end"),
                )
        yield from _until(step, ctx)


def _until(step: Step, ctx: CaseContext) -> Iterator[Finding]:
    d = step.decision
    state = ctx.procedure.states[step.to_state]
    if d.until is None:
        return
    loc: Loc = ("events", step.index, "until")
    if d.until <= d.date:
        yield _err("period", f"until {d.until} is not after the decision date {d.date}", loc)
        return
    if state.period is None:
        return
    default = add_period(d.date, state.period)
    if d.until < default and not state.period.may_be_shorter:
        yield _err(
            "period",
            f"the {step.to_state} period is fixed at "
            f"{_show(state.period)} (ends {default}); it cannot end on {d.until}",
            loc,
        )
    if d.until > default and not state.period.may_be_extended:
        yield _err(
            "period",
            f"the {step.to_state} period is {_show(state.period)} (ends "
            f"{default}); extend it by a further decision, not by 'until'",
            loc,
        )


def _show(p: Period) -> str:
    parts = []
    if p.months:
        parts.append(f"{p.months} month{'s' if p.months != 1 else ''}")
    if p.days:
        parts.append(f"{p.days} day{'s' if p.days != 1 else ''}")
    return " and ".join(parts)


def letters_recorded(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``letter``: each letter a decision requires is recorded as sent, in time.

    What is required and when is derived once, in ``casebook.obligations``."""
    proc = ctx.procedure
    people = ctx.person_by_id
    for ob in ctx.obligations:
        if ob.kind != "letter":
            continue
        letter_id = ob.key.rsplit("/", 1)[1]
        letter = proc.letters[letter_id]
        decided = ob.event if ob.event is not None else 0
        loc: Loc = ("events", decided)
        if ob.met_by is None:
            msg = (
                f"the decision of {ctx.case.events[decided].date} requires the letter "
                f"{letter_id!r} ({letter.title}), due by {ob.due}; once it is sent, run casebook "
                f"log letter {ctx.case.id} --letter {letter_id} --date YYYY-MM-DD "
                "--by PERSON-ID --via post|email"
            )
            if ob.overdue(ctx.as_of):
                yield _err("letter", msg + " (overdue)", loc)
            else:
                yield _warn("letter", msg, loc)
            continue
        sent = ctx.case.events[ob.met_by]
        if ob.late:
            yield _warn(
                "letter",
                f"letter {letter_id!r} sent {sent.date}, after it was due ({ob.due})",
                ("events", ob.met_by, "date"),
            )
        by = getattr(sent, "by", None)
        if (
            letter.sender_roles
            and by in people
            and not set(letter.sender_roles).intersection(people[by].roles)
        ):
            yield _warn(
                "letter",
                f"letter {letter_id!r} is to be sent by "
                f"{' or '.join(letter.sender_roles)}; {by} holds none of those roles",
                ("events", ob.met_by, "by"),
            )


def notifications_recorded(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``notify``: the people a procedure says must be told were told (see
    ``casebook.obligations``)."""
    for ob in ctx.obligations:
        if ob.kind != "notification" or ob.met:
            continue
        list_id = ob.key.rsplit("/", 1)[-1]
        msg = (
            f"{ob.label}: due by {ob.due}; casebook notify {ctx.case.id} --send sends and "
            f"records it; if it went another way, run casebook log notification "
            f"{ctx.case.id} --list {list_id} --date YYYY-MM-DD --by PERSON-ID"
        )
        loc: Loc = ("events", ob.event if ob.event is not None else 0)
        yield (
            _err("notify", msg + " (overdue)", loc)
            if ob.overdue(ctx.as_of)
            else _warn("notify", msg, loc)
        )
