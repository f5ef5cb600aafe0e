"""Rule ``letter-content``: every letter the case records can be written with the content its
procedure makes mandatory.

A recorded letter whose mandatory items the case cannot fill (no single point of contact chosen,
no monitoring period, no reasons) is an error naming the item and how to fix the record. A
letter that a decision requires but the case does not yet record gets the same check as a
warning, so the gap is found before the letter is due.
"""

from __future__ import annotations

from collections.abc import Iterator

from casebook.check.context import CaseContext
from casebook.model.case import LetterSent
from casebook.model.findings import Finding, Loc, Severity
from casebook.publish.letters.items import RESOLVERS, Missing
from casebook.publish.letters.render import recipient_problem
from casebook.publish.letters.source import LetterJob, LetterSource, pending_jobs, recorded_jobs

RULE = "letter-content"
# Items filled from policy files; without a casebook folder they cannot be checked here.
_FILE_ITEMS = frozenset({"policy-copy", "ombudsman", "how-to-access-services"})


def letter_content(ctx: CaseContext) -> Iterator[Finding]:
    proc = ctx.procedure
    texts = ctx.policy_texts
    letterhead = texts.letterhead().letterhead if texts is not None else None
    published = texts.published(proc) if texts is not None else None

    def source(job: LetterJob) -> LetterSource:
        return LetterSource(
            ctx.case,
            proc,
            ctx.people,
            ctx.taxonomy,
            ctx.settings,
            letterhead,
            published,
            job,
            ctx.person_by_id,
            ctx.derived.steps,
            ctx.derived,
        )

    if not proc.letters:
        return
    for job in recorded_jobs(ctx.derived):
        assert job.event_index is not None
        loc: Loc = ("events", job.event_index)
        yield from _check(ctx, source(job), (*loc, "letter"), "error")
        problem = recipient_problem(source(job))
        if problem is not None:
            yield Finding("error", RULE, f"{problem.reason}; {problem.fix}", loc=(*loc, "via"))
    for job in pending_jobs(ctx.derived_as_of, ctx.as_of):
        assert job.step is not None
        yield from _check(ctx, source(job), ("events", job.step.index), "warning")


def _check(ctx: CaseContext, src: LetterSource, loc: Loc, severity: Severity) -> Iterator[Finding]:
    spec = ctx.procedure.letters.get(src.job.letter_id)
    if spec is None or not spec.required:
        return  # an unknown letter is the reference rule's finding
    what = f"letter {src.job.letter_id!r} ({spec.title})"
    for req in spec.required:
        if ctx.root is None and req.item in _FILE_ITEMS:
            continue
        resolver = RESOLVERS.get(req.item)
        if resolver is None:
            continue  # an unknown item is a policy finding
        got = resolver(src)
        if isinstance(got, Missing):
            lead = what if src.job.event else f"{what}, due after this decision,"
            yield Finding(
                severity,
                RULE,
                f"{lead} must give {req.label} (item {req.item!r}), but {got.reason}; "
                f"to fix: {got.fix}",
                loc=loc,
            )


DELIVERY = "letter-delivery"


def letter_delivery(ctx: CaseContext) -> Iterator[Finding]:
    """Rule ``letter-delivery``: a letter is delivered as its procedure says ("All
    correspondence relating to the Unacceptable Actions Policy will be in writing and by
    letter"): the letter event's ``via`` is one of the rule's ``via`` (``letters.<id>.delivery``,
    else the procedure's ``delivery``). ``must`` is an error; ``should`` / ``normally`` /
    ``usually`` a warning that ``departure: {rule: letter-delivery, reason}`` clears."""
    proc = ctx.procedure
    for i, ev in enumerate(ctx.case.events):
        if not isinstance(ev, LetterSent):
            continue
        rule = proc.delivery_of(ev.letter)
        if rule is None or ev.via in rule.via:
            continue
        departure = ev.departure
        if rule.severity != "must" and departure is not None and departure.rule == DELIVERY:
            continue
        yield Finding(
            "error" if rule.severity == "must" else "warning",
            DELIVERY,
            f"{ev.letter} went by {ev.via}; {proc.id} says it {rule.severity} go by "
            f"{' or '.join(rule.via)} ({rule.source})",
            loc=("events", i, "via"),
        )
