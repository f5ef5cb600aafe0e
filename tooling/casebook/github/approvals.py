"""`casebook approvals`: are the approvals on a pull request enough for the decisions it records?

A pull request that records a decision is the decision's approval. GitHub's branch protection
can require "N approvals" or code owners by path, but not "this decision moves a case to stage 2,
so the Head of Service, the Senior IG Officer and an independent signatory must approve". This
module works that out, the way palantir/policy-bot does for its rules:

1. Diff the case files between the fork point of the pull request and its head, event by
   event (``record_changes``): decisions added, rewritten or removed; a change of the case's
   procedure; and rewrites of the past (events, the referral), which the append-only record
   refuses unless the procedure sets ``corrections``. Deleted, moved and symlinked case files
   fail closed.
2. For each, replay the case against its procedure to find the transition, and so the roles the
   procedure requires (``approval.requires``), independence included.
3. Count the reviews that stand: each user's latest review that approves or blocks
   (``APPROVED``, ``CHANGES_REQUESTED``, ``DISMISSED``; a plain comment changes nothing, as on
   GitHub); an approval only if given on the current head commit; never the author of the pull
   request nor anyone who committed to it; only logins mapped to a person in ``people.yaml``.
4. Roles, people and procedures are read from the base branch, never from the pull request:
   a pull request cannot grant itself a role or relax its own procedure.
5. The people named in the decision (``decided_by``) must be among those who approved, and the
   procedure's requirements must be met by them (``approval.evaluate``), with independence judged
   against the base branch's whole record of the case, whatever the pull request edits.
6. Contributors GitHub could not match to an account, and co-authors named by
   ``Co-authored-by:`` lines, are matched by git e-mail in people.yaml (a co-author also by
   GitHub's no-reply address), or the evaluation fails; so does a commit list GitHub capped
   at 250. A co-author counts as a committer: they cannot approve.

Everything here is a pure function of what git and GitHub said; the CLI fetches and prints.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel

from casebook.engine.appeals import appeals
from casebook.engine.authority import describe, evaluate
from casebook.engine.replay import involved_before, people_in_event
from casebook.engine.timeline import timeline
from casebook.github.client import Review, Status, co_author_emails
from casebook.model import Case, Decision, People, Procedure
from casebook.model.case import AppealOutcomeEvent, RetentionFlag
from casebook.model.procedure import Requirement
from casebook.store.gitrepo import Git, NotRegularFile
from casebook.store.reader import CASES_DIR, PEOPLE_FILE, PROCEDURES_DIR, validate
from casebook.store.yamlio import YamlLoadError, load_bytes

STATUS_CONTEXT = "casebook/approvals"
# Review states that set where a reviewer stands; COMMENTED and PENDING do not.
STANDING_STATES = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})

# added / changed / removed: a decision; procedure: the case's procedure changed;
# rewritten / deleted: a past fact (an event, the referral) changed or gone; retention-flag: a
# retention exception recorded (it keeps the record past its deletion date).
ChangeKind = Literal[
    "added", "changed", "removed", "procedure", "rewritten", "deleted", "retention-flag"
]


@dataclass(frozen=True, slots=True)
class Reviewer:
    """Where one GitHub user stands on the pull request, and why."""

    login: str
    state: str  # their standing review's state
    person: str | None  # person id in people.yaml (base branch), when mapped
    counts: bool
    reason: str  # why it does not count ("" when it counts)

    def as_json(self) -> dict[str, object]:
        return {
            "login": self.login,
            "state": self.state,
            "person": self.person,
            "counts": self.counts,
            "reason": self.reason or None,
        }


@dataclass(frozen=True, slots=True)
class DecisionResult:
    case: str
    file: str
    # Position in the case's events (at head; at the fork point when removed or rewritten);
    # None for a change to the case itself (its procedure, its referral).
    index: int | None
    change: ChangeKind
    to: str
    date: str
    transition: str | None  # the procedure's label for the move
    requires: tuple[str, ...]  # what the procedure requires, in words
    decided_by: tuple[str, ...]
    approved_by: tuple[str, ...]  # person ids whose approval counts towards this decision
    missing: tuple[str, ...]  # one line per thing still missing

    @property
    def approved(self) -> bool:
        return not self.missing

    def as_json(self) -> dict[str, object]:
        return {
            "case": self.case,
            "file": self.file,
            "event": self.index,
            "change": self.change,
            "to": self.to,
            "date": self.date,
            "transition": self.transition,
            "requires": list(self.requires),
            "decided_by": list(self.decided_by),
            "approved": self.approved,
            "approved_by": list(self.approved_by),
            "missing": list(self.missing),
        }


@dataclass(frozen=True, slots=True)
class ApprovalReport:
    base: str
    fork_point: str
    head: str
    decisions: tuple[DecisionResult, ...]
    reviewers: tuple[Reviewer, ...]
    # Problems that stop the evaluation of a file or of the whole pull request (fail closed).
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems and all(d.approved for d in self.decisions)

    def status(self, target_url: str | None = None) -> Status:
        """The commit status: no names, no case details, only counts."""
        n = len(self.decisions)
        if self.problems:
            text = f"Cannot evaluate: {len(self.problems)} problem(s); see the check's log"
        elif n == 0:
            text = "No decisions recorded in this pull request"
        else:
            short = sum(not d.approved for d in self.decisions)
            text = (
                f"All {n} decision(s) approved by the required roles"
                if short == 0
                else f"{short} of {n} decision(s) lack required approvals"
            )
        return Status("success" if self.ok else "failure", text, STATUS_CONTEXT, target_url)

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "base": self.base,
            "fork_point": self.fork_point,
            "head": self.head,
            "decisions": [d.as_json() for d in self.decisions],
            "reviewers": [r.as_json() for r in self.reviewers],
            "problems": list(self.problems),
        }

    def as_text(self) -> str:
        lines = [
            f"casebook approvals: head {self.head[:12]}, base {self.base[:12]} "
            f"(fork point {self.fork_point[:12]})"
        ]
        for p in self.problems:
            lines.append(f"PROBLEM: {p}")
        if not self.decisions and not self.problems:
            lines.append("No decisions are added, changed or removed by this pull request.")
        for d in self.decisions:
            mark = "APPROVED" if d.approved else "NOT APPROVED"
            what = d.transition or f"decision to {d.to!r}"
            where = f" events[{d.index}]" if d.index is not None else ""
            when = f", {d.date}" if d.date else ""
            lines.append(f"{mark}: {d.file}{where} ({d.change}{when}): {what}")
            if d.requires:
                lines.append(f"  requires: {'; '.join(d.requires)}")
            lines.append(f"  decided_by: {', '.join(d.decided_by) or '-'}")
            lines.append(f"  approved by: {', '.join(d.approved_by) or 'nobody yet'}")
            for m in d.missing:
                lines.append(f"  missing: {m}")
        if self.reviewers:
            lines.append("Reviews:")
            for r in self.reviewers:
                who = f"{r.login} ({r.person})" if r.person else r.login
                verdict = "counts" if r.counts else f"does not count: {r.reason}"
                lines.append(f"  {who}: {r.state}, {verdict}")
        lines.append(f"Result: {self.status().state} - {self.status().description}")
        return "\n".join(lines)


# --- Reviews ------------------------------------------------------------------------------


def standing_reviews(reviews: Iterable[Review]) -> dict[str, Review]:
    """Each user's latest review that sets their standing (GitHub's own rule for approvals).

    Keyed by lower-cased login: GitHub logins are case-insensitive.
    """
    latest: dict[str, Review] = {}
    for r in sorted(reviews, key=lambda r: r.id):
        if r.login is None or r.state not in STANDING_STATES:
            continue
        latest[r.login.lower()] = r
    return latest


def judge_reviewers(
    reviews: Iterable[Review],
    head_sha: str,
    author: str | None,
    committers: Iterable[str],
    people: People,
) -> list[Reviewer]:
    by_login = {p.github.lower(): p.id for p in people.people if p.github}
    banned_author = author.lower() if author else None
    banned_committers = {c.lower() for c in committers}
    out = []
    for key, r in sorted(standing_reviews(reviews).items()):
        login = r.login or key
        person = by_login.get(key)
        reason = ""
        if r.state == "DISMISSED":
            reason = "the review was dismissed"
        elif r.state != "APPROVED":
            reason = f"the latest review is {r.state}"
        elif key == banned_author:
            reason = "the author of the pull request cannot approve it"
        elif key in banned_committers or (
            r.user_id is not None and account_key(r.user_id) in banned_committers
        ):
            reason = "committed to the pull request or is named its co-author, so cannot approve it"
        elif r.commit_id != head_sha:
            old = (r.commit_id or "an unknown commit")[:12]
            reason = f"approved {old}, not the head {head_sha[:12]}: approve again after the push"
        elif person is None:
            reason = "login is not mapped to anyone in policy/people.yaml on the base branch"
        out.append(Reviewer(login, r.state, person, not reason, reason))
    return out


# --- Reading records at a commit ----------------------------------------------------------


def _parse(git: Git, rev: str, path: str, model: type[BaseModel]) -> tuple[Any, str | None]:
    """(model, None) or (None, why it could not be read)."""
    try:
        data = git.read(rev, path)
    except NotRegularFile as exc:
        return None, str(exc)
    if data is None:
        return None, f"{path} does not exist at {rev[:12]}"
    try:
        raw = load_bytes(data)
    except YamlLoadError as exc:
        where = f":{exc.problem.line}" if exc.problem.line else ""
        return None, f"{path}{where} at {rev[:12]}: {exc.problem.message}"
    loaded = validate(path, "", raw, model)
    if loaded.model is None:
        first = loaded.findings[0]
        fld = f" {first.field}:" if first.field else ""
        return None, f"{path} at {rev[:12]}:{fld} {first.message} (casebook check says more)"
    return loaded.model, None


@dataclass(slots=True)
class BasePolicy:
    people: People | None
    procedures: dict[str, Procedure] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def read_base_policy(git: Git, base: str) -> BasePolicy:
    people, why = _parse(git, base, PEOPLE_FILE, People)
    policy = BasePolicy(people)
    if why:
        policy.problems.append(f"roles cannot be read from the base branch: {why}")
    for path in git.list_dir(base, PROCEDURES_DIR):
        if not path.endswith(".yaml"):
            continue
        proc, why = _parse(git, base, path, Procedure)
        if why:
            policy.problems.append(f"a procedure on the base branch is invalid: {why}")
        elif proc is not None:
            policy.procedures[proc.id] = proc
    return policy


# --- What a pull request changes in a case ------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecisionChange:
    """A decision the pull request takes, rewrites or removes.

    ``added``: a decision at head with no counterpart at the fork point; ``removed``: a decision
    at the fork point that is gone at head; ``changed``: a decision at the fork point replaced
    by a different one at the same place. A changed decision needs both the authority to take
    the new one and the authority to undo the old one.
    """

    change: ChangeKind
    file: str
    case: Case  # the case the decision is in (head; the fork point's for a removal)
    index: int
    decision: Decision
    # The case as it was at the fork point, when it existed (for independence).
    before: Case | None
    # For ``changed``: where the replaced decision was at the fork point.
    old_index: int | None = None


@dataclass(frozen=True, slots=True)
class RecordRewrite:
    """A past fact at the fork point that the pull request rewrites or deletes.

    ``what`` names it (``events[2] (contact)``, ``referral``); ``index`` is its event index at
    the fork point, or None for a field of the case itself.
    """

    file: str
    before: Case
    what: str
    how: Literal["rewritten", "deleted"]
    index: int | None
    date: str


@dataclass(frozen=True, slots=True)
class ProcedureChange:
    """The case's ``procedure:`` changed: a decision about the whole case."""

    file: str
    before: Case
    after: Case


@dataclass(frozen=True, slots=True)
class OutcomeChange:
    """An appeal outcome the pull request adds: approved like a decision, by the hearers."""

    file: str
    case: Case
    index: int
    outcome: AppealOutcomeEvent
    before: Case | None


@dataclass(frozen=True, slots=True)
class FlagAdded:
    """A retention exception the pull request records (``retention_flags[index]`` at head).

    A flag keeps the record past its deletion date (``suspend``: indefinitely), so it is a
    decision like any other: the person it names in ``by`` must approve the head commit. A
    flag that reappears without the ``lifted`` the base branch gave it counts as new.
    """

    file: str
    case: Case
    index: int
    flag: RetentionFlag


Change = DecisionChange | RecordRewrite | ProcedureChange | OutcomeChange | FlagAdded


def _added_flags(file: str, before: Case | None, after: Case) -> list[FlagAdded]:
    """Flags at head with no counterpart at the fork point (each counterpart used once)."""
    remaining = [_key(f) for f in (before.retention_flags if before is not None else [])]
    out = []
    for i, f in enumerate(after.retention_flags):
        # Adding ``lifted`` is the one change a recorded flag may take.
        for k in (_key(f), _key(f.model_copy(update={"lifted": None}))):
            if k in remaining:
                remaining.remove(k)
                break
        else:
            out.append(FlagAdded(file, after, i, f))
    return out


def _key(event: object) -> str:
    """The identity of an event for the diff: all its fields, except bookkeeping.

    Filling in ``approved_in`` ("#42") after the fact is bookkeeping, not a new decision.
    """
    assert isinstance(event, BaseModel)
    exclude = {"approved_in"} if isinstance(event, Decision | AppealOutcomeEvent) else None
    return json.dumps(event.model_dump(mode="json", exclude=exclude), sort_keys=True)


def _event_name(case: Case, i: int) -> str:
    return f"events[{i}] ({case.events[i].type})"


def record_changes(file: str, before: Case | None, after: Case) -> list[Change]:
    """Everything the pull request changes in one case that needs judging.

    Events are matched between the fork point and head as sequences (``difflib``), so an event
    inserted anywhere is new, and one edited, moved or deleted is a rewrite of the past. Fields
    of the case that record the past (``id``, ``referral``, ``officers``, ``retention_flags``)
    may only grow. ``person`` and ``service`` are current details and may be updated.
    """
    if before is None:
        outcomes = [
            OutcomeChange(file, after, i, e, None)
            for i, e in enumerate(after.events)
            if isinstance(e, AppealOutcomeEvent)
        ]
        return [
            *(DecisionChange("added", file, after, i, d, None) for i, d in after.decisions()),
            *outcomes,
            *_added_flags(file, None, after),
        ]
    out: list[Change] = []
    moved = before.procedure != after.procedure
    if moved:
        out.append(ProcedureChange(file, before, after))
    for name in ("id", "referral"):
        if getattr(before, name) != getattr(after, name):
            out.append(RecordRewrite(file, before, name, "rewritten", None, ""))
    if any(pid not in after.officers for pid in before.officers):
        out.append(RecordRewrite(file, before, "officers", "deleted", None, ""))
    # A flag may gain ``lifted`` (the exception no longer applies); nothing else may change.
    kept = [_key(f) for f in after.retention_flags]
    kept += [_key(f.model_copy(update={"lifted": None})) for f in after.retention_flags]
    if any(_key(f) not in kept for f in before.retention_flags):
        out.append(RecordRewrite(file, before, "retention_flags", "rewritten", None, ""))
    else:  # (a rewrite is refused already: its replacement is not also a new flag)
        out += _added_flags(file, before, after)

    old = [_key(e) for e in before.events]
    new = [_key(e) for e in after.events]
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" and not moved:
            continue
        gone = [
            i
            for i in range(i1, i2)
            if tag != "equal" and not isinstance(before.events[i], Decision)
        ]
        how: Literal["rewritten", "deleted"] = "rewritten" if tag == "replace" else "deleted"
        for i in gone:
            ev = before.events[i]
            out.append(
                RecordRewrite(file, before, _event_name(before, i), how, i, ev.date.isoformat())
            )
        if tag != "equal":
            out += [
                OutcomeChange(file, after, j, e, before)
                for j in range(j1, j2)
                if isinstance(e := after.events[j], AppealOutcomeEvent)
            ]
        old_d = [i for i in range(i1, i2) if isinstance(before.events[i], Decision)]
        new_d = [j for j in range(j1, j2) if isinstance(after.events[j], Decision)]
        if moved:
            # Under another procedure every decision means something else: undo each old one
            # and take each new one.
            old_d, new_d = list(old_d), list(new_d)
            pairs: list[tuple[int, int]] = []
        else:
            pairs = list(zip(old_d, new_d, strict=False))
            old_d, new_d = old_d[len(pairs) :], new_d[len(pairs) :]
        for i, j in pairs:
            d = after.events[j]
            assert isinstance(d, Decision)
            out.append(DecisionChange("changed", file, after, j, d, before, old_index=i))
        for j in new_d:
            d = after.events[j]
            assert isinstance(d, Decision)
            out.append(DecisionChange("added", file, after, j, d, before))
        for i in old_d:
            d = before.events[i]
            assert isinstance(d, Decision)
            out.append(DecisionChange("removed", file, before, i, d, before))
    return out


# --- Evaluating ---------------------------------------------------------------------------


def _involved(case: Case | None, skip: int | None = None) -> dict[str, str]:
    """Everyone the base branch's whole record of the case names, and where.

    Independence is judged against this, whatever the pull request does to the earlier
    history: editing someone out of an old event does not make them independent. ``skip`` is
    the decision being undone or rewritten (its own signatories are not "prior knowledge").
    """
    if case is None:
        return {}
    seen: dict[str, str] = {case.referral.by: "referral.by on the base branch"}
    for pid in case.officers:
        seen.setdefault(pid, "officers on the base branch")
    for i, event in enumerate(case.events):
        if i == skip:
            continue
        for pid in people_in_event(event):
            seen.setdefault(pid, f"events[{i}] on the base branch")
    return seen


@dataclass(frozen=True, slots=True)
class _Judged:
    transition: str | None
    requires: tuple[str, ...]
    approved_by: tuple[str, ...]
    missing: tuple[str, ...]


def _services(ch: DecisionChange) -> tuple[str, ...]:
    """The case's service on the base branch, then in the change (one when unchanged)."""
    return tuple(dict.fromkeys([*([ch.before.service] if ch.before else []), ch.case.service]))


def _judge_decision(
    case: Case,
    index: int,
    d: Decision,
    policy: BasePolicy,
    approvers: Mapping[str, str],
    involved: Mapping[str, str],
    undo: bool,
    services: tuple[str, ...] = (),
) -> _Judged:
    """Is the decision at ``case.events[index]`` approved (``undo``: may it be undone)?

    Taking a decision needs everyone in ``decided_by`` to approve, and them to meet the
    procedure's requirements; undoing one needs approvals that meet the requirements it
    needed, from anyone whose approval counts.
    """
    proc = policy.procedures.get(case.procedure)
    people = policy.people
    if proc is None or people is None:
        return _Judged(
            None,
            (),
            (),
            (
                f"procedure {case.procedure!r} is not on the base branch; add or change "
                "procedures in a pull request of their own, then record decisions under them",
            ),
        )
    step = next((s for s in timeline(case, proc).steps if s.index == index), None)
    t = step.transition if step is not None else None
    if t is None:
        origin = step.from_state if step is not None else "?"
        return _Judged(
            None,
            (),
            (),
            (
                f"procedure {proc.id} does not allow a decision from {origin!r} to {d.to!r} "
                "(casebook check explains); it cannot be approved",
            ),
        )
    by_id = people.by_id()
    involved = {**dict(involved_before(case, index, by_id)), **dict(involved)}
    missing: list[str] = []
    if undo:
        candidates = list(approvers)
    else:
        for pid in d.decided_by:
            if pid not in approvers:
                no_login = pid not in by_id or not by_id[pid].github
                missing.append(
                    f"{pid} is named in decided_by but has not approved the head commit"
                    + (" (no github login in people.yaml on the base branch)" if no_login else "")
                )
        candidates = [p for p in d.decided_by if p in approvers]
    # "The relevant Head of Service": of the case's service on the base branch as well as in
    # the change, so a pull request cannot choose its decider by changing the case's service.
    for service in dict.fromkeys(services or (case.service,)):
        outcome = evaluate(t.approval.requires, candidates, by_id, involved, service)
        if not outcome.met:
            scope = "approvals" if undo else "approvals by the people in decided_by"
            missing += [f"{line} ({scope})" for line in outcome.missing if line not in missing]
    return _Judged(
        t.label,
        tuple(describe(r) for r in t.approval.requires),
        tuple(dict.fromkeys(candidates)),
        tuple(missing),
    )


def _judge_any(
    requirements: list[Requirement],
    policy: BasePolicy,
    approvers: Mapping[str, str],
    involved: Mapping[str, str],
    service: str | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(approved_by, missing) for requirements any approver may fill (``service``: the
    case's, for requirements of the same service)."""
    people = policy.people
    by_id = people.by_id() if people is not None else {}
    outcome = evaluate(requirements, list(approvers), by_id, involved, service)
    used = tuple(p for who in outcome.assignment.values() for p in who)
    return used, tuple(f"{line} (approvals)" for line in outcome.missing)


def evaluate_change(
    ch: Change,
    policy: BasePolicy,
    approvers: Mapping[str, str],  # person id -> login, approvals that count
) -> DecisionResult:
    if isinstance(ch, RecordRewrite):
        return _evaluate_rewrite(ch, policy, approvers)
    if isinstance(ch, ProcedureChange):
        return _evaluate_procedure(ch, policy, approvers)
    if isinstance(ch, OutcomeChange):
        return _evaluate_outcome(ch, policy, approvers)
    if isinstance(ch, FlagAdded):
        return _evaluate_flag(ch, approvers)
    d = ch.decision
    if ch.change == "removed":
        j = _judge_decision(
            ch.case,
            ch.index,
            d,
            policy,
            approvers,
            _involved(ch.before, ch.index),
            undo=True,
            services=_services(ch),
        )
    else:
        j = _judge_decision(
            ch.case,
            ch.index,
            d,
            policy,
            approvers,
            _involved(ch.before, ch.old_index),
            False,
            services=_services(ch),
        )
        if ch.change == "changed" and ch.before is not None and ch.old_index is not None:
            # Rewriting a decision also undoes the one it replaces.
            old = ch.before.events[ch.old_index]
            assert isinstance(old, Decision)
            u = _judge_decision(
                ch.before,
                ch.old_index,
                old,
                policy,
                approvers,
                _involved(ch.before, ch.old_index),
                undo=True,
                services=_services(ch),
            )
            j = _Judged(
                j.transition,
                tuple(dict.fromkeys(j.requires + u.requires)),
                tuple(dict.fromkeys(j.approved_by + u.approved_by)),
                j.missing
                + tuple(
                    f"to replace the decision as it was on the base branch "
                    f"(events[{ch.old_index}], to {old.to!r}): {m}"
                    for m in u.missing
                ),
            )
    return DecisionResult(
        case=ch.case.id,
        file=ch.file,
        index=ch.index,
        change=ch.change,
        to=d.to,
        date=d.date.isoformat(),
        transition=j.transition,
        requires=j.requires,
        decided_by=tuple(d.decided_by),
        approved_by=j.approved_by,
        missing=j.missing,
    )


def _evaluate_outcome(
    ch: OutcomeChange, policy: BasePolicy, approvers: Mapping[str, str]
) -> DecisionResult:
    """An appeal outcome needs everyone in ``heard_by`` to approve, and them to meet the appeal
    rule's ``hears``, none of them among the decided_by or consulted of the decision under
    appeal (as `check` judges it, rule ``appeal-hearer``)."""
    o = ch.outcome
    proc = policy.procedures.get(ch.case.procedure)
    people = policy.people
    missing: list[str] = []
    label: str | None = None
    requires: tuple[str, ...] = ()
    view = None
    if proc is not None and people is not None:
        view = next((v for v in appeals(timeline(ch.case, proc)) if v.index == o.appeal), None)
    if view is None or view.rule is None or view.appealed is None:
        missing.append(
            f"events[{o.appeal}] is not an appeal the procedure on the base branch allows "
            "(casebook check explains); the outcome cannot be approved"
        )
    else:
        assert people is not None
        label = f"appeal {o.outcome}: {view.rule.label}"
        d = view.appealed.decision
        involved = {p: f"events[{view.appealed.index}]" for p in [*d.decided_by, *d.consulted]}
        reqs = [r.model_copy(update={"independent": True}) for r in view.rule.hears]
        requires = tuple(describe(r) for r in view.rule.hears)
        for pid in o.heard_by:
            if pid not in approvers:
                missing.append(f"{pid} is named in heard_by but has not approved the head commit")
        candidates = [p for p in o.heard_by if p in approvers]
        outcome = evaluate(reqs, candidates, people.by_id(), involved, ch.case.service)
        missing += [
            f"{line} (approvals by the people in heard_by)".replace(
                "independent of the case", "not involved in the decision under appeal"
            )
            for line in outcome.missing
        ]
    return DecisionResult(
        case=ch.case.id,
        file=ch.file,
        index=ch.index,
        change="added",
        to=o.outcome,
        date=o.date.isoformat(),
        transition=label,
        requires=requires,
        decided_by=tuple(o.heard_by),
        approved_by=tuple(p for p in o.heard_by if p in approvers),
        missing=tuple(missing),
    )


def _evaluate_rewrite(
    ch: RecordRewrite, policy: BasePolicy, approvers: Mapping[str, str]
) -> DecisionResult:
    """A rewrite of the past: refused, unless the procedure sets an approval for corrections."""
    proc = policy.procedures.get(ch.before.procedure)
    corrections = proc.corrections if proc is not None else None
    label = f"{ch.how} {ch.what}"
    if corrections is None:
        pointer = f"corrects: {ch.index}" if ch.index is not None else "corrects"
        missing: tuple[str, ...] = (
            f"the record is append-only: {ch.what} was {ch.how}. Put it back as it was on the "
            f"base branch and add a new event that says what it corrects (`{pointer}`); "
            f"procedure {ch.before.procedure!r} on the base branch sets no approval for "
            "corrections",
        )
        requires: tuple[str, ...] = ("no rewrite of the past (no `corrections` approval)",)
        approved_by: tuple[str, ...] = ()
    else:
        approved_by, missing = _judge_any(
            corrections.requires, policy, approvers, _involved(ch.before), ch.before.service
        )
        requires = tuple(describe(r) for r in corrections.requires)
    return DecisionResult(
        case=ch.before.id,
        file=ch.file,
        index=ch.index,
        change=ch.how,
        to=ch.what,
        date=ch.date,
        transition=f"correction: {label}",
        requires=requires,
        decided_by=(),
        approved_by=approved_by,
        missing=missing,
    )


def _evaluate_flag(ch: FlagAdded, approvers: Mapping[str, str]) -> DecisionResult:
    """A recorded retention exception needs the approval of the person it names (``by``)."""
    by = ch.flag.by
    missing = (
        ()
        if by in approvers
        else (
            f"{by} is named as recording the retention exception {ch.flag.exception!r} but has "
            "not approved the head commit (a flag keeps the record past its deletion date)",
        )
    )
    return DecisionResult(
        case=ch.case.id,
        file=ch.file,
        index=None,
        change="retention-flag",
        to=ch.flag.exception,
        date=ch.flag.recorded.isoformat(),
        transition=f"retention exception {ch.flag.exception!r} (retention_flags[{ch.index}])",
        requires=(f"approval by {by}, who records it",),
        decided_by=(by,),
        approved_by=(by,) if by in approvers else (),
        missing=missing,
    )


def _evaluate_procedure(
    ch: ProcedureChange, policy: BasePolicy, approvers: Mapping[str, str]
) -> DecisionResult:
    """Moving a case to another procedure needs the authority over all its next steps.

    That is: approvals that would take every transition out of the case's state at the fork
    point, under its old procedure, so that a move is no way round the strictest of them.
    Each old decision is also undone, and each new one taken, under the procedure it belongs
    to (see ``record_changes``). A state with no way out cannot be moved: open a new case.
    """
    old_id, new_id = ch.before.procedure, ch.after.procedure

    def result(
        missing: Iterable[str], requires: tuple[str, ...] = (), by: tuple[str, ...] = ()
    ) -> DecisionResult:
        return DecisionResult(
            case=ch.after.id,
            file=ch.file,
            index=None,
            change="procedure",
            to=new_id,
            date="",
            transition=f"change of procedure from {old_id!r} to {new_id!r}",
            requires=requires,
            decided_by=(),
            approved_by=by,
            missing=tuple(missing),
        )

    old = policy.procedures.get(old_id)
    if policy.procedures.get(new_id) is None or old is None or policy.people is None:
        gone = new_id if old is not None else old_id
        return result([f"procedure {gone!r} is not on the base branch"])
    state = timeline(ch.before, old).state
    outs = [t for t in old.transitions if state in t.from_]
    if not outs:
        return result([f"state {state!r} of procedure {old_id!r} has no way out; open a new case"])
    involved = _involved(ch.before)
    requires: list[str] = []
    by: list[str] = []
    short: list[str] = []
    for t in outs:
        used, missing = _judge_any(
            t.approval.requires, policy, approvers, involved, ch.before.service
        )
        requires += [describe(r) for r in t.approval.requires]
        by += used
        short += [f"{t.label}: {m}" for m in missing]
    if short:
        short.insert(
            0,
            f"changing the procedure needs the approvals every next decision from {state!r} "
            f"under {old_id!r} would need",
        )
    return result(short, tuple(dict.fromkeys(requires)), tuple(dict.fromkeys(by)))


@dataclass(frozen=True, slots=True)
class UnknownContributor:
    """The author or committer of a pull request's commit that GitHub matched to no account
    (``author: null`` / ``committer: null`` in GET /pulls/N/commits), or a co-author its
    message names (``Co-authored-by:``, which GitHub's REST API does not resolve), with the
    git e-mail."""

    sha: str
    role: str  # "author", "committer" or "co-author"
    email: str | None


# GitHub's no-reply address for an account: ``ID+login@users.noreply.github.com`` (older
# accounts: ``login@...``). Trusted for co-authors only, where a wrong match can only bar
# someone from approving; an unmatched author with such an address is unknown, as any other.
# A login may carry an underscore (Enterprise Managed Users: ``name_shortcode``) or be a GitHub
# App's (``name[bot]``), whose no-reply addresses GitHub also credits as co-authors.
_NOREPLY = re.compile(
    r"^(?:(\d{1,20})\+)?([a-z0-9][a-z0-9_-]*(?:\[bot\])?)@users\.noreply\.github\.com$",
    re.IGNORECASE,
)


def account_key(user_id: int) -> str:
    """How a GitHub account ID stands among the logins barred from approving: ``#ID`` (no
    login contains ``#``), matched against a review's ``user.id``."""
    return f"#{user_id}"


def co_authors_in(git: Git, base_rev: str, head_rev: str) -> list[UnknownContributor]:
    """The co-authors that the commit messages of a pull request (from the fork point of
    ``base_rev`` and ``head_rev`` to ``head_rev``) name, read from the clone: offline, where
    GitHub's commit list is not at hand (online, ``client.commit_from_json`` reads the same
    lines from it)."""
    head = git.resolve(head_rev)
    fork = git.merge_base(git.resolve(base_rev), head)
    return [
        UnknownContributor(sha, "co-author", email)
        for sha, message in git.messages(fork, head)
        for email in co_author_emails(message)
    ]


def known_contributors(
    unknown: Iterable[UnknownContributor], people: People
) -> tuple[list[str], list[str]]:
    """(logins to treat as committers, problems) for commits GitHub could not attribute.

    Each is matched by its git e-mail against ``email`` and ``git_emails`` in people.yaml on
    the base branch: a match is that person, or each person given that address (their logins
    cannot approve); no match fails closed, since the unknown contributor might be one of the
    approvers. A co-author's GitHub no-reply address bars its login and its account ID
    (``account_key``).
    """
    # An address may be given to several people (a team mailbox): it could be any of them, so
    # it bars them all.
    by_email: dict[str, list[str | None]] = {}
    for p in people.people:
        for addr in (p.email, *p.git_emails):
            if addr:
                by_email.setdefault(str(addr).lower(), []).append(p.github)
    logins: list[str] = []
    problems: list[str] = []
    for u in unknown:
        key = (u.email or "").lower()
        listed = key in by_email if key else False
        if listed:
            logins += [login for login in by_email[key] if login]
        # A co-author's no-reply address bars its account even when people.yaml lists the
        # address too (perhaps for someone with no login there): barring more is the safe side.
        noreply = _NOREPLY.match(key) if u.role == "co-author" else None
        if noreply:
            # GitHub credits the address to the account of its ID, whatever the login says (a
            # renamed account keeps its ID): bar both.
            logins.append(noreply.group(2))
            if noreply.group(1):
                logins.append(account_key(int(noreply.group(1))))
        if listed or noreply:
            continue
        if u.role == "co-author":
            problems.append(
                f"commit {u.sha[:12]} names a co-author (Co-authored-by) whose e-mail "
                f"{u.email or '(none)'} is not in policy/people.yaml on the base branch, so "
                "casebook cannot tell whether an approver helped write it; add the address to "
                "that person's `email` or `git_emails`, or reword the commit without the line"
            )
            continue
        problems.append(
            f"commit {u.sha[:12]}: GitHub matched its {u.role} to no account and its git "
            f"e-mail {u.email or '(none)'} is not in policy/people.yaml on the base branch, so "
            "casebook cannot tell whether an approver made it; add the address to that "
            "person's `email` or `git_emails`, or recommit with an e-mail linked to GitHub"
        )
    return logins, list(dict.fromkeys(problems))


def evaluate_pull(
    git: Git,
    base_rev: str,
    head_rev: str,
    reviews: Iterable[Review],
    author: str | None,
    committers: Iterable[str],
    unknown: Iterable[UnknownContributor] = (),
    unlisted_commits: int = 0,
) -> ApprovalReport:
    """Judge a pull request: every change to a case against the approvals that count.

    ``committers`` are the logins GitHub matched to the commits; ``unknown`` the authors and
    committers it could not match; ``unlisted_commits`` how many of the pull request's commits
    GitHub did not list (it lists at most 250). An unknown contributor not in people.yaml, or
    any unlisted commit, fails the evaluation (``problems``): nobody can say who made them.
    """
    base = git.resolve(base_rev)
    head = git.resolve(head_rev)
    fork = git.merge_base(base, head)
    policy = read_base_policy(git, base)
    problems = list(policy.problems)
    people = policy.people or People.model_construct(roles={}, people=[], mailing_lists={})
    if unlisted_commits > 0:
        problems.append(
            f"GitHub did not list {unlisted_commits} of the pull request's commits (it lists "
            "at most 250), so casebook cannot tell who committed them and no approval can be "
            "trusted; split the pull request into smaller ones"
        )
    more, unknown_problems = known_contributors(unknown, people)
    problems += unknown_problems
    reviewers = judge_reviewers(reviews, head, author, [*committers, *more], people)
    approvers = {r.person: r.login for r in reviewers if r.counts and r.person}

    changes: list[Change] = []
    for c in git.changed(fork, head, CASES_DIR + "/"):
        paths = [p for p in (c.old_path, c.new_path) if p]
        if not any(_is_case_path(p, anywhere=True) for p in paths):
            continue
        before = None
        if c.old_path and _is_case_path(c.old_path, anywhere=True):
            before, why = _parse(git, fork, c.old_path, Case)
            if why:
                # The base branch's own record is broken: judge the head version on its own.
                before = None
        if c.new_path is None or not _is_case_path(c.new_path):
            where = f" to {c.new_path}" if c.new_path else ""
            problems.append(
                f"{c.old_path} is {'moved' + where if c.new_path else 'deleted'}; casebook "
                f"reads cases from {CASES_DIR}/<CASE-ID>.yaml only, and a case leaves the "
                "casebook through the retention purge procedure, not through a pull request"
            )
            continue
        after, why = _parse(git, head, c.new_path, Case)
        if why:
            problems.append(f"cannot read a case at head: {why}")
            continue
        if c.old_path and c.old_path != c.new_path and before is None:
            problems.append(f"{c.old_path} is renamed to {c.new_path} but cannot be read")
            continue
        changes += record_changes(c.new_path, before, after)

    results = tuple(evaluate_change(ch, policy, approvers) for ch in changes)
    return ApprovalReport(base, fork, head, results, tuple(reviewers), tuple(problems))


def _is_case_path(path: str, anywhere: bool = False) -> bool:
    """``cases/<name>.yaml`` (``anywhere``: any .yaml under cases/): where check reads cases."""
    p = PurePosixPath(path)
    if p.suffix != ".yaml":
        return False
    return anywhere or p.parent == PurePosixPath(CASES_DIR)
