"""Rules that hold a case's history to its procedure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date

from casebook.check.context import CaseContext
from casebook.engine.authority import evaluate, same_service
from casebook.engine.replay import Step, involved_before, show_period
from casebook.model import ACTIVE_KINDS, Person, Procedure
from casebook.model.case import ReviewHeld
from casebook.model.findings import Finding, Loc
from casebook.model.procedure import Capacity, MinTime, Severity


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
        if step.outcome is not None:
            continue  # an appeal outcome: the appeal rules judge it
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
        involved = involved_before(ctx.case, step.index, people)
        service = ctx.case.service
        if t.approval.requires:
            outcome = evaluate(t.approval.requires, d.decided_by, people, involved, service)
            if not outcome.met:
                yield _err(
                    "approval",
                    f"'{t.label}' is not decided by the right people: "
                    + "; ".join(outcome.missing)
                    + f" (decided_by: {', '.join(d.decided_by)})",
                    (*loc, "decided_by"),
                )
        if t.approval.consult:
            outcome = evaluate(
                t.approval.consult, [*d.consulted, *d.decided_by], people, involved, service
            )
            if not outcome.met:
                yield _err(
                    "approval",
                    f"'{t.label}' requires consultation: "
                    + "; ".join(outcome.missing)
                    + "; list the people consulted under 'consulted'",
                    (*loc, "consulted"),
                )


def _holds(people: Mapping[str, Person], pid: str, roles: list[str]) -> bool:
    """Does ``pid`` hold one of ``roles``? An unknown person is the reference rule's finding,
    so counts as holding them here (one finding per mistake)."""
    person = people.get(pid)
    return person is None or bool(set(roles).intersection(person.roles))


def referral_by(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``referral-by``: the referral is made by someone the capacity allows (000: "should
    be provided by the councillor"; 001: "refer ... to their line manager", who records it),
    with the capacity's ``by_severity``."""
    ref = ctx.case.referral
    cap = next((c for c in ctx.procedure.referral if c.id == ref.capacity), None)
    if cap is not None and cap.by_line_manager:
        found = _line_manager(ctx, cap)
        if found is not None:
            yield found
            return
    if cap is not None and cap.by_same_service:
        person = ctx.person_by_id.get(ref.by)
        if person is not None and not same_service(person, ctx.case.service):
            found = graded(
                cap.by_severity,
                "referral-by",
                f"a referral in the capacity {cap.id!r} ({cap.label}) is made by someone of the "
                f"case's service ({ctx.case.service}); {ref.by} is of "
                f"{person.service or 'no service in policy/people.yaml'} "
                f"(source: {cap.source!r})",
                ("referral", "by"),
                ref,
            )
            if found is not None:
                yield found
                return
    if cap is None or not cap.by_roles or _holds(ctx.person_by_id, ref.by, cap.by_roles):
        return
    found = graded(
        cap.by_severity,
        "referral-by",
        f"a referral in the capacity {cap.id!r} ({cap.label}) is made by "
        f"{' or '.join(cap.by_roles)}; {ref.by} holds none of those roles "
        f"(source: {cap.source!r})",
        ("referral", "by"),
        ref,
    )
    if found is not None:
        yield found


def _line_manager(ctx: CaseContext, cap: Capacity) -> Finding | None:
    """Rule ``referral-by`` for a capacity with ``by_line_manager`` (001: "Staff members should
    always refer behaviours which they believe are unacceptable to their line manager"): the
    referral names the member of staff who raised it (``reported_by``), and its ``by`` is
    their ``line_manager`` in policy/people.yaml. None when it is, or when a person is unknown
    (the reference rule's finding)."""
    ref, people = ctx.case.referral, ctx.person_by_id
    if ref.reported_by is None:
        why = (
            f"the referral does not say who raised it, so {ref.by} cannot be shown to be their "
            "line manager; name the member of staff under referral.reported_by"
        )
    elif ref.reported_by not in people or ref.by not in people:
        return None
    else:
        manager = people[ref.reported_by].line_manager
        if manager == ref.by:
            return None
        why = (
            f"{ref.reported_by} raised it, and policy/people.yaml gives no line_manager for them"
            if manager is None
            else f"{ref.reported_by} raised it, and their line manager is {manager} "
            f"(policy/people.yaml), not {ref.by}"
        )
    return graded(
        cap.by_severity,
        "referral-by",
        f"a referral in the capacity {cap.id!r} ({cap.label}) is recorded by the line manager "
        f"of the member of staff who raised it; {why} (source: {cap.source!r})",
        ("referral", "by"),
        ref,
    )


def spoc_holders(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``spoc``: the single point of contact a decision names (a ``spoc`` restriction's
    ``officer``) holds one of the roles of the procedure's ``spoc`` (000: "This person will be
    the Customer & ICT Services Business Manager", a must; 001: "will usually be the Customer
    Relations Officer", a warning that a recorded reason clears)."""
    rule = ctx.procedure.spoc
    if rule is None:
        return
    for i, ev in enumerate(ctx.case.events):
        for j, r in enumerate(ev.field("restrictions") or []):
            officer = r.field("officer")
            if r.type != "spoc" or not isinstance(officer, str):
                continue
            if _holds(ctx.person_by_id, officer, rule.roles):
                continue
            found = graded(
                rule.severity,
                "spoc",
                f"the single point of contact is to be {' or '.join(rule.roles)}; {officer} "
                f"holds none of those roles (source: {rule.source!r})",
                ("events", i, "restrictions", j, "officer"),
                ev,
            )
            if found is not None:
                yield found


def graded(
    severity: Severity, rule: str, msg: str, loc: Loc, event: object | None = None
) -> Finding | None:
    """A finding for breaking a rule of this ``severity``: "must" is an error; "should",
    "normally" and "usually" are warnings, cleared (None) when ``event`` records a departure
    from ``rule`` with its reason (``departure: {rule: ..., reason: ...}``)."""
    if severity == "must":
        return _err(rule, msg, loc)
    dep = getattr(event, "departure", None)
    if dep is not None and dep.rule == rule:
        return None
    return _warn(
        rule,
        f"{msg} (the procedure says this {severity} applies; if departing from it was "
        f"deliberate, record departure: {{rule: {rule}, reason: ...}} on the event)",
        loc,
    )


def expected_prior(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``prior-step``: a step the text expects first (a prior warning), per the guard's
    severity. A recorded reason (``departure`` for ``prior-step``, or the older
    ``prior_step_waived``) clears a "normally"; a "must" can be skipped only where the referral
    names one of ``skip_when_behaviours``, and then with a reason."""
    visited = {ctx.procedure.initial}
    named = set(ctx.case.referral.behaviours)
    for step in ctx.derived.steps:
        t = step.transition
        guard = t.prior if t else None
        visited.add(step.to_state)
        if t is None or guard is None or (visited - {step.to_state}).intersection(guard.states):
            continue
        d = step.decision
        reason = d.prior_step_waived or (
            d.departure.reason if d.departure and d.departure.rule == "prior-step" else None
        )
        loc: Loc = ("events", step.index, "to")
        expected = " or ".join(guard.states)
        if guard.severity != "must":
            if reason is None:
                found = graded(
                    guard.severity,
                    "prior-step",
                    f"'{t.label}' follows {expected}, which this case has not been through",
                    loc,
                    d,
                )
                if found is not None:
                    yield found
            continue
        allowed = named.intersection(guard.skip_when_behaviours)
        if not allowed:
            yield _err(
                "prior-step",
                f"'{t.label}' must follow {expected}, which this case has not been through"
                + (
                    f"; it may be skipped only for {', '.join(guard.skip_when_behaviours)}"
                    if guard.skip_when_behaviours
                    else ""
                ),
                loc,
            )
        elif reason is None:
            yield _err(
                "prior-step",
                f"'{t.label}' skips {expected} ({', '.join(sorted(allowed))}): record why "
                "under departure: {rule: prior-step, reason: ...}",
                loc,
            )
    return


def _entered(ctx: CaseContext, step: Step) -> Step | None:
    """The decision that put the case into the state ``step`` leaves."""
    before = [s for s in ctx.derived.steps if s.index < step.index]
    return before[-1] if before else None


def guards(ctx: CaseContext) -> Iterator[Finding]:
    """Rules ``min-time`` ("If after three months": not before the state's period, or a
    minimum of its own, has run) and ``exceptional`` ("in extreme circumstances": the decision
    records why, and names a behaviour the guard allows)."""
    tl = ctx.derived
    named = set(ctx.case.referral.behaviours)
    for step in tl.steps:
        t = step.transition
        if t is None:
            continue
        d = step.decision
        mt = t.guards.min_time
        prev = _entered(ctx, step)
        if mt is not None and prev is not None:
            found = _min_time(ctx, step, prev, mt)
            if found is not None:
                yield found
        ex = t.guards.exceptional
        if ex is None:
            continue
        if d.exceptional is None:
            found = graded(
                ex.severity,
                "exceptional",
                f"'{t.label}' is only for exceptional circumstances: say why they are under "
                "the decision's exceptional",
                ("events", step.index, "to"),
                d,
            )
            if found is not None:
                yield found
        if ex.behaviours and not named.intersection(ex.behaviours):
            found = graded(
                ex.severity,
                "exceptional",
                f"'{t.label}' is only for {', '.join(ex.behaviours)}; the referral names "
                f"{', '.join(ctx.case.referral.behaviours)}",
                ("referral", "behaviours"),
                d,
            )
            if found is not None:
                yield found


def _min_time(ctx: CaseContext, step: Step, prev: Step, mt: MinTime) -> Finding | None:
    tl, t, d = ctx.derived, step.transition, step.decision
    assert t is not None
    if mt.after_period:
        period = tl.rules(prev).states[step.from_state].period
        if period is None and prev.decision.until is None:
            return None  # the state has no period: nothing to wait for
        earliest = tl.period_end(prev)
        what = f"the {step.from_state} period"
    else:
        assert mt.length is not None
        start = tl.clock_start(prev, mt.length.starts)
        earliest = tl.add(start, mt.length) if start else None
        what = f"{show_period(mt.length)} in {step.from_state}"
    loc: Loc = ("events", step.index, "date")
    if earliest is None:  # its clock has not started (the letter that starts it is not sent)
        return graded(
            mt.severity, "min-time", f"'{t.label}' is decided before {what} has started", loc, d
        )
    if d.date < earliest:
        return graded(
            mt.severity,
            "min-time",
            f"'{t.label}' on {d.date} is too early: not before {what} has run ({earliest})",
            loc,
            d,
        )
    return None


def exclusions(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``scope``: a referral the procedure excludes ("does not apply to issues or actions
    relating to County Councillors"), by its ``subject`` or ``request``."""
    ref = ctx.case.referral
    for ex in ctx.procedure.exclusions:
        if ref.subject is not None and ref.subject in ex.subjects:
            field, value = "subject", ref.subject
        elif ref.request is not None and ref.request in ex.requests:
            field, value = "request", ref.request
        else:
            continue
        found = graded(
            ex.severity,
            "scope",
            f"procedure {ctx.procedure.id} does not apply to a referral with {field} "
            f"{value!r} (exclusion {ex.id}: {ex.source})",
            ("referral", field),
        )
        if found is not None:
            yield found


def restrictions_allowed(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``restriction``: restrictions of a type the target state allows, with sane dates."""
    proc = ctx.procedure
    for step in ctx.derived.steps:
        state = ctx.derived.rules(step).states.get(step.to_state)
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
    """Rule ``period``: a decision's ``until`` within what the state's period allows.

    ``fixed``: exactly the length; ``max`` ("up to three months"): no later than it; ``min``:
    no earlier; ``open``: any end. A decision continuing the same state (``stage-1 ->
    stage-1``) extends the period in force: under ``min`` or ``open`` its end need only be
    later than the current end ("reserves the right to extend this"), however short the
    extension.
    """
    d = step.decision
    state = ctx.derived.rules(step).states[step.to_state]
    if d.until is None or step.outcome is not None:
        return
    loc: Loc = ("events", step.index, "until")
    if d.until <= d.date:
        yield _err("period", f"until {d.until} is not after the decision date {d.date}", loc)
        return
    period = state.period
    if period is None:
        return
    tl = ctx.derived
    start = tl.period_start(step) or d.date
    default = tl.add(start, period)
    flex = period.flex
    length = show_period(period)
    current = _current_end(step, ctx)
    if flex in ("min", "open") and current is not None and current < d.until < default:
        return  # an extension of the period in force, shorter than a full period
    if d.until < default and flex in ("fixed", "min"):
        what = "fixed at" if flex == "fixed" else "at least"
        yield _err(
            "period",
            f"the {step.to_state} period is {what} {length} (ends {default}); "
            f"it cannot end on {d.until}",
            loc,
        )
    if d.until > default and flex in ("fixed", "max"):
        what = "at most" if flex == "max" else ""
        yield _err(
            "period",
            f"the {step.to_state} period is {what + ' ' if what else ''}{length} (ends "
            f"{default}); it cannot be set to end on {d.until}"
            + ("" if flex == "max" else "; extend it by a further decision"),
            loc,
        )


def _current_end(step: Step, ctx: CaseContext) -> date | None:
    """The end of the period in force when ``step`` continues the same state, else None."""
    if step.from_state != step.to_state:
        return None
    before = [s for s in ctx.derived.steps if s.index < step.index]
    return ctx.derived.period_end(before[-1]) if before else None


def _rules_at(ctx: CaseContext, index: int | None) -> Procedure:
    """The version of the procedure the step at or before ``events[index]`` is judged under."""
    before = [s for s in ctx.derived.steps if index is not None and s.index <= index]
    return ctx.derived.rules(before[-1]) if before else ctx.procedure


def letters_recorded(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``letter``: each letter a decision requires is recorded as sent, in time.

    What is required and when is derived once, in ``casebook.obligations``."""
    people = ctx.person_by_id
    for ob in ctx.obligations:
        if ob.kind != "letter":
            continue
        letter_id = ob.key.rsplit("/", 1)[1]
        letter = _rules_at(ctx, ob.event).letters[letter_id]
        decided = ob.event if ob.event is not None else 0
        loc: Loc = ("events", decided)
        if ob.met_by is None:
            # A letter owed after a review (``review.letter``) arises from the review.
            what = "review" if isinstance(ctx.case.events[decided], ReviewHeld) else "decision"
            msg = (
                f"the {what} of {ctx.case.events[decided].date} requires the letter "
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
        by = sent.field("by")
        if (
            letter.sender_roles
            and by in people
            and not set(letter.sender_roles).intersection(people[by].roles)
        ):
            found = graded(
                letter.sender_severity,
                "letter-sender",
                f"letter {letter_id!r} is to be sent by "
                f"{' or '.join(letter.sender_roles)}; {by} holds none of those roles",
                ("events", ob.met_by, "by"),
                sent,
            )
            if found is not None:
                yield found


def waivers(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``waiver``: a decision waives only a letter its transition requires and marks
    ``waivable`` (002: "reserves the right to extend this without notice"). Elsewhere the
    letter is still owed (rule ``letter``) and the waiver is an error."""
    for step in ctx.derived.steps:
        t = step.transition
        if t is None:
            continue  # an impossible move is the transition rule's finding
        for k, w in enumerate(step.decision.waived):
            if t.waivable_letter(w.letter) is not None:
                continue
            why = (
                f"'{t.label}' does not require the letter {w.letter!r}"
                if w.letter not in t.letters
                else f"procedure {ctx.procedure.id} does not allow the letter {w.letter!r} to be "
                f"waived on '{t.label}' (no waivable entry on the transition): send it"
            )
            yield _err("waiver", why, ("events", step.index, "waived", k, "letter"))


def councillor_arrangement(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``councillor-arrangement``: a decision that restricts the person's e-mail (by the
    procedure's ``councillor_arrangement``: a restriction type, or a ``channels`` restriction
    leaving a channel out) also records how they can still reach their councillor (003 ¶12)."""
    rule = ctx.procedure.councillor_arrangement
    if rule is None:
        return
    for step in ctx.derived.steps:
        d = step.decision
        types: set[str] = {x.type for x in d.restrictions}
        if rule.arrangement_type in types:
            continue
        why: list[str] = sorted(types & set(rule.restriction_types))
        for x in d.restrictions:
            allowed = x.field("allowed")
            if x.type == "channels" and allowed is not None:
                why += [f"channels without {c}" for c in rule.channels_left_out if c not in allowed]
        if not why:
            continue
        found = graded(
            rule.severity,
            "councillor-arrangement",
            f"the decision restricts contact ({', '.join(why)}) but records no arrangement for "
            f"contacting councillors; add a restriction {{type: {rule.arrangement_type}, "
            f"summary: ...}} (source: {rule.source!r})",
            ("events", step.index, "restrictions"),
            d,
        )
        if found is not None:
            yield found


def triggered(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``trigger``: what a procedure's ``triggers`` require after behaviour is recorded
    in time (002: violence and serious threats "will always be reported to the Police").
    Overdue: an error where the trigger's severity is must, a warning otherwise."""
    by_id = {t.id: t for t in ctx.procedure.triggers}
    for ob in ctx.obligations:
        if ob.kind != "trigger":
            continue
        trig = by_id[ob.key.rsplit("/", 1)[1]]
        loc: Loc = ("events", ob.event) if ob.event is not None else ("referral", "behaviours")
        if ob.met_by is not None and ob.late:
            yield _warn("trigger", f"{ob.label}: recorded {ob.met_on}, due {ob.due}", loc)
        elif not ob.met and ob.overdue(ctx.as_of):
            msg = f"{ob.label}: due {ob.due} (source: {trig.source!r})"
            yield (
                _err("trigger", msg, loc) if trig.severity == "must" else _warn("trigger", msg, loc)
            )
        elif not ob.met:
            yield _warn("trigger", f"{ob.label}: due {ob.due}", loc)


def notifications_recorded(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``notify``: the people a procedure says must be told were told (see
    ``casebook.obligations``); rule ``notification-sender``: by someone holding one of the
    rule's ``by_roles`` ("the Customer Relations Officer will inform by email"), with its
    ``by_severity``."""
    for ob in ctx.obligations:
        if ob.kind != "notification":
            continue
        if ob.met:
            found = _notification_sender(ctx, ob.event, ob.met_by, ob.key.rsplit("/", 1)[-1])
            if found is not None:
                yield found
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


def _notification_sender(
    ctx: CaseContext, decided: int | None, sent: int | None, list_id: str
) -> Finding | None:
    step = next((s for s in ctx.derived.steps if s.index == decided), None)
    if step is None or step.transition is None or sent is None:
        return None
    rule = next((n for n in step.transition.notify if n.list_id == list_id), None)
    ev = ctx.case.events[sent]
    by = ev.field("by")
    if rule is None or not rule.by_roles or not isinstance(by, str):
        return None
    if _holds(ctx.person_by_id, by, rule.by_roles):
        return None
    return graded(
        rule.by_severity,
        "notification-sender",
        f"the notification to {list_id!r} is to be sent by {' or '.join(rule.by_roles)}; "
        f"{by} holds none of those roles (source: {rule.source!r})",
        ("events", sent, "by"),
        ev,
    )
