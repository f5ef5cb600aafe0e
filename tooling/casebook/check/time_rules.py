"""Rules about time: obligations due or overdue, reviews, breaches, retention, purged ids.

Case rules (``(ctx) -> findings``):

* ``overdue`` (error): an obligation (review, end of a monitoring or no-contact period) not met
  by its last permitted day. A missed review is what an Ombudsman finds against a council.
* ``due-soon`` (warning): an open obligation due within ``settings.warning_days``, or a review
  past its usual date but not yet past the latest permitted one.
* ``late`` (warning): met, but after the last permitted day. History cannot be changed, so this
  never fails the check; it is there to be seen (and explained) at the next review.
* ``retention`` (error): the record is past its deletion date (or its retention exception is
  past its review date).
* ``review`` (error): a review with nothing to review, dated before the decision it reviews, or
  setting a next review later than the procedure allows.
* ``breach`` (warning): a contact outside the arrangements in force (``casebook.breaches``).
* ``recommenced`` (warning): contact while dormant, where the procedure can reintroduce measures.

Book rules (``(book, as_of) -> findings``): ``deletion-log`` and ``purged-id`` (a purged case
must never come back), ``log-review`` (the ledger of central-log reviews, and the procedure's
``log_review`` obligation: ``overdue`` / ``due-soon``), and ``retention`` warnings for ended
states whose procedure states no retention period.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from casebook.check.context import CaseContext
from casebook.check.procedure_rules import graded
from casebook.engine.authority import evaluate
from casebook.engine.obligations import Obligation, book_log_reviews
from casebook.engine.replay import add_period, involved_before
from casebook.model import ACTIVE_KINDS
from casebook.model.case import ContactLogged, Decision, Note, ReviewHeld
from casebook.model.findings import Finding, Loc
from casebook.model.procedure import Review
from casebook.store import safefile
from casebook.store.cases import Casebook
from casebook.store.ledgers import load_deletion_log, load_log_reviews
from casebook.store.reader import with_line

OWN_RULES = {"letter", "notification", "trigger", "appeal-reply"}  # reported by their own rules
RETENTION_KINDS = {"deletion", "retention-review"}
# What to do, as the command that records it ({case}: the case id). Hints speak in commands,
# not YAML keys: nobody should have to edit a case file by hand to act on a finding.
_DECIDE = "casebook log decision {case} --date YYYY-MM-DD --to STATE --decided-by PERSON-ID ..."
ACTION = {
    "review": "hold the review, then run casebook log review {case} --date YYYY-MM-DD "
    "--by PERSON-ID --outcome continue|change|close --notes TEXT",
    "monitoring-ends": "record the decision on the outcome: run "
    + _DECIDE
    + " (or casebook close {case})",
    "no-contact-ends": "record the decision: run " + _DECIDE,
    "dormant-from": "record the decision: run " + _DECIDE,
    "period-ends": "record the decision: run " + _DECIDE + " (or casebook close {case})",
    "restriction-ends": "to renew it, run " + _DECIDE + " --keep-restrictions; or let it "
    "lapse and tell staff",
}


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def obligation_findings(ob: Obligation, as_of: date, warning_days: int, hint: str) -> list[Finding]:
    """Findings for one obligation (without file or line)."""
    loc: Loc = ("events", ob.event) if ob.event is not None else ()
    window = as_of + timedelta(days=warning_days)
    if ob.kind in RETENTION_KINDS:
        if as_of > ob.due:
            return [
                Finding(
                    "error",
                    "retention",
                    f"{ob.label}; the record was due for "
                    f"{'deletion' if ob.kind == 'deletion' else 'this review'} on {ob.due} "
                    f"({_days((as_of - ob.due).days)} ago)",
                    loc=loc,
                )
            ]
        if ob.due <= window:
            return [Finding("warning", "due-soon", f"{ob.label}: due {ob.due}", loc=loc)]
        return []
    if ob.overdue(as_of):
        limit = f"at the latest {ob.latest}" if ob.latest else f"due {ob.due}"
        late_by = (as_of - ob.limit).days
        return [
            Finding(
                "error",
                "overdue",
                f"{ob.label}: {limit}, overdue by {_days(late_by)}; {hint}",
                loc=loc,
            )
        ]
    if not ob.met and ob.due <= window:
        if ob.due < as_of and ob.latest:
            msg = f"{ob.label}: was due {ob.due}; {hint} by {ob.latest} at the latest"
        else:
            msg = f"{ob.label}: due {ob.due}" + (
                f" (at the latest {ob.latest})" if ob.latest else ""
            )
        return [Finding("warning", "due-soon", msg, loc=loc)]
    if ob.late and ob.met_on is not None:
        where: Loc = ("events", ob.met_by) if ob.met_by is not None else loc
        return [
            Finding(
                "warning",
                "late",
                f"{ob.label}: met on {ob.met_on}, {_days((ob.met_on - ob.limit).days)} after "
                f"{'the latest permitted date' if ob.latest else 'it was due'} ({ob.limit})",
                loc=where,
            )
        ]
    return []


def obligations_due(ctx: CaseContext) -> Iterator[Finding]:
    """Rules ``overdue``, ``due-soon``, ``late`` and ``retention``."""
    for ob in ctx.obligations:
        if ob.kind in OWN_RULES:
            continue
        hint = ACTION.get(ob.kind, "record what was done").format(case=ob.case)
        yield from obligation_findings(ob, ctx.as_of, ctx.settings.warning_days, hint)


def reviews_valid(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``review``: each review reviews a decision in force, and asks for the next in time;
    rule ``review-by``: by the people the state's ``review`` names."""
    proc = ctx.procedure
    current: Decision | None = None
    for i, ev in enumerate(ctx.case.events):
        if isinstance(ev, Decision):
            current = ev
            continue
        if not isinstance(ev, ReviewHeld):
            continue
        st = proc.states.get(current.to) if current else None
        if current is None or st is None or st.kind not in ACTIVE_KINDS:
            what = f"the case is {st.label}" if st else "no decision has been recorded"
            yield Finding(
                "error",
                "review",
                f"review on {ev.date}, but there are no arrangements to review: {what}",
                loc=("events", i, "date"),
            )
            continue
        if ev.date < current.date:
            yield Finding(
                "error",
                "review",
                f"review dated {ev.date}, before the decision of {current.date} it reviews",
                loc=("events", i, "date"),
            )
        for found in (_review_by(ctx, st.review, ev, i), _review_consult(ctx, st.review, ev, i)):
            if found is not None:
                yield found
        if ev.next_review is None:
            continue
        if ev.next_review <= ev.date:
            yield Finding(
                "error",
                "review",
                f"next_review {ev.next_review} is not after the review date {ev.date}",
                loc=("events", i, "next_review"),
            )
        elif st.review is not None and st.review.latest is not None:
            limit = add_period(ev.date, st.review.latest)
            if ev.next_review > limit:
                yield Finding(
                    "error",
                    "review",
                    f"next_review {ev.next_review} is later than the procedure allows: "
                    f"reviews of {st.label} are never more than "
                    f"{st.review.latest.months or st.review.latest.days} "
                    f"{'months' if st.review.latest.months else 'days'} apart "
                    f"(by {limit})",
                    loc=("events", i, "next_review"),
                )


def _review_by(ctx: CaseContext, spec: Review | None, ev: ReviewHeld, i: int) -> Finding | None:
    """Rule ``review-by``: at least one of the people holding the review holds one of the
    state's ``review.by_roles`` (002: "They will be conducted by the Senior Information
    Governance Manager, Team Manager"), with its ``by_severity``."""
    if spec is None or not spec.by_roles:
        return None
    people = ctx.person_by_id
    if any(p not in people or set(spec.by_roles).intersection(people[p].roles) for p in ev.by):
        return None  # an unknown person is the reference rule's finding
    return graded(
        spec.by_severity,
        "review-by",
        f"a review of these arrangements is held by {' or '.join(spec.by_roles)}; "
        f"{', '.join(ev.by)} hold none of those roles (source: {spec.source!r})",
        ("events", i, "by"),
        ev,
    )


def _review_consult(
    ctx: CaseContext, spec: Review | None, ev: ReviewHeld, i: int
) -> Finding | None:
    """Rule ``review-by``: the review consulted whom the state's ``review.consult`` names (002:
    "in consultation with the relevant senior managers/Directors"), as an approval's
    ``consult``: each requirement met by a different person among ``consulted`` and ``by``
    (independence and service as there), with the review's ``by_severity``."""
    if spec is None or not spec.consult:
        return None
    people = ctx.person_by_id
    if any(p not in people for p in [*ev.consulted, *ev.by]):
        return None  # an unknown person is the reference rule's finding
    involved = involved_before(ctx.case, i, people)
    outcome = evaluate(spec.consult, [*ev.consulted, *ev.by], people, involved, ctx.case.service)
    if outcome.met:
        return None
    return graded(
        spec.by_severity,
        "review-by",
        "a review of these arrangements is held in consultation: "
        + "; ".join(outcome.missing)
        + f"; list the people consulted under 'consulted' (source: {spec.consult[0].source!r})",
        ("events", i, "consulted"),
        ev,
    )


def breaches(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``breach``: each incoming contact outside the arrangements in force."""
    for b in ctx.breaches.breaches:
        yield Finding(
            "warning",
            "breach",
            f"contact on {b.date}{' at ' + b.time if b.time else ''} was outside the "
            f"arrangements: {b.message}",
            loc=("events", b.event),
        )


def recommenced(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``recommenced`` (warning): contact from the person while the case is dormant, where
    the procedure can bring special measures back ("urgent consideration will be given to the
    reintroduction of special measures if behaviour re-commences within the retention period").
    The text sets no deadline, so this is a prompt, not an obligation; the contact also restarts
    the retention clock (``casebook.retention``)."""
    derived, proc = ctx.derived_as_of, ctx.procedure
    st = proc.states.get(derived.state)
    last = derived.last
    if st is None or st.kind != "dormant" or last is None:
        return
    back = [
        t.to
        for t in proc.transitions
        if derived.state in t.from_
        and t.to in proc.states
        and proc.states[t.to].kind in ACTIVE_KINDS
    ]
    if not back:
        return
    events = ctx.case.events
    considered = max(
        (i for i, e in enumerate(events) if isinstance(e, Note) and e.date <= ctx.as_of),
        default=-1,
    )
    for i in range(last.index + 1, len(events)):
        ev = events[i]
        if i < considered:
            continue  # a later note records the consideration
        if isinstance(ev, ContactLogged) and ev.direction == "in" and ev.date <= ctx.as_of:
            yield Finding(
                "warning",
                "recommenced",
                f"contact on {ev.date} while the case is {st.label}: consider urgently whether "
                f"to bring special measures back ({', '.join(sorted(set(back)))}); run "
                f"casebook log decision {ctx.case.id} ..., or record a note of why not",
                loc=("events", i),
            )


# Book rules ---------------------------------------------------------------------------------


def purged_ids(book: Casebook, as_of: date) -> list[Finding]:
    """Rules ``deletion-log`` and ``purged-id``."""
    settings = book.policy.settings
    log, findings = load_deletion_log(book.root, settings)
    if log is None:
        return findings
    tombstones = log.ids()
    out = list(findings)
    if not tombstones:
        return out
    for f in book.files:
        # case_id is known without validating a cached record; the stem covers a broken file.
        ids = {f.case_id or f.path.stem, f.path.stem}
        for cid in sorted(ids & tombstones.keys()):
            t = tombstones[cid]
            out.append(
                with_line(
                    Finding(
                        "error",
                        "purged-id",
                        f"case {cid} was purged on {t.purged} ({settings.deletion_log}); a "
                        "purged record must never come back. Delete this file, and make sure "
                        "every clone was re-cloned after the history was rewritten",
                        case=cid,
                        loc=("id",),
                    ),
                    f.rel,
                    f.text,
                )
            )
    return out


def log_reviews(book: Casebook, as_of: date) -> list[Finding]:
    """Rule ``log-review`` (the ledger) and ``overdue``/``due-soon`` for central-log reviews."""
    settings = book.policy.settings
    ledger, out = load_log_reviews(book.root, settings)
    if ledger is not None:
        rel = settings.log_reviews
        path = book.root / rel
        try:
            text = safefile.read_text(book.root, path)
        except (OSError, UnicodeDecodeError, safefile.UnsafeFile):
            text = None  # load_log_reviews has reported why
        people = book.policy.people.by_id()
        for i, r in enumerate(ledger.reviews):
            proc = book.policy.procedures.get(r.procedure)
            loc: Loc = ("reviews", i)
            if proc is None:
                out.append(
                    with_line(
                        Finding(
                            "error",
                            "log-review",
                            f"unknown procedure {r.procedure!r}",
                            loc=(*loc, "procedure"),
                        ),
                        rel,
                        text,
                    )
                )
                continue
            if proc.log_review is None:
                out.append(
                    with_line(
                        Finding(
                            "warning",
                            "log-review",
                            f"procedure {proc.id} has no log_review; this entry meets nothing",
                            loc=(*loc, "procedure"),
                        ),
                        rel,
                        text,
                    )
                )
                continue
            if r.date > as_of:
                out.append(
                    with_line(
                        Finding(
                            "error",
                            "future-event",
                            f"dated {r.date}, after the check date {as_of}",
                            loc=(*loc, "date"),
                        ),
                        rel,
                        text,
                    )
                )
            roles = set(proc.log_review.by_roles)
            for j, pid in enumerate(r.by):
                person = people.get(pid)
                if person is None:
                    msg = f"unknown person {pid!r}; people are defined in policy/people.yaml"
                elif not roles & set(person.roles):
                    msg = (
                        f"{pid} holds none of the roles that review the log of {proc.id}: "
                        f"{', '.join(sorted(roles))}"
                    )
                else:
                    continue
                out.append(
                    with_line(Finding("error", "log-review", msg, loc=(*loc, "by", j)), rel, text)
                )
    for ob in book_log_reviews(book, as_of):
        hint = f"record the review in {settings.log_reviews}"
        for f in obligation_findings(ob, as_of, settings.warning_days, hint):
            out.append(Finding(f.severity, f.rule, f.message, file=settings.log_reviews))
    return out


def retention_stated(book: Casebook, as_of: date) -> list[Finding]:
    """Rule ``retention`` (warning): an ended state with cases in it but no retention period."""
    out = []
    for proc in book.policy.procedures.values():
        rel, text = book.policy.texts.get(proc.id, (None, None))
        for sid, st in proc.states.items():
            if st.kind in ("closed", "dormant") and st.retention is None:
                ends = [t for t in proc.transitions if t.to == sid]
                if not ends or any(
                    proc.states.get(t.to) and proc.states[t.to].kind == "dormant"
                    for t in proc.transitions
                    if sid in t.from_
                ):
                    continue  # unreachable, or a closed state that leads on to dormant
                f = Finding(
                    "warning",
                    "retention",
                    f"state {sid!r} ends a case but states no retention period: records would "
                    "be kept indefinitely (UK GDPR Article 5(1)(e)); add retention: with the "
                    "council's period",
                    loc=("states", sid),
                )
                out.append(with_line(f, rel, text) if rel else f)
    return out
