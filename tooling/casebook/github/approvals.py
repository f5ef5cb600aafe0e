"""`casebook approvals`: are the approvals on a pull request enough for the decisions it records?

A pull request that records a decision is the decision's approval. GitHub's branch protection
can require "N approvals" or code owners by path, but not "this decision moves a case to stage 2,
so the Head of Service, the Senior IG Officer and an independent signatory must approve". This
module works that out, the way palantir/policy-bot does for its rules:

1. Diff the case files between the fork point of the pull request and its head; the decisions
   present at head and absent or different at the fork point are the ones it records (a decision
   it removes is reported too: history is append-only).
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
   against the case's history at the fork point and at head (``engine.involved_before``).

Everything here is a pure function of what git and GitHub said; the CLI fetches and prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel

from casebook.engine.authority import describe, evaluate
from casebook.engine.replay import involved_before
from casebook.engine.timeline import timeline
from casebook.github.client import Review, Status
from casebook.model import Case, Decision, People, Procedure
from casebook.store.gitrepo import Git
from casebook.store.reader import CASES_DIR, PEOPLE_FILE, PROCEDURES_DIR, validate
from casebook.store.yamlio import YamlLoadError, load_bytes

STATUS_CONTEXT = "casebook/approvals"
# Review states that set where a reviewer stands; COMMENTED and PENDING do not.
STANDING_STATES = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})

ChangeKind = Literal["added", "changed", "removed"]


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
    index: int  # position in the case's events (at head; at the fork point when removed)
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
            lines.append(f"{mark}: {d.file} events[{d.index}] ({d.change}, {d.date}): {what}")
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
        elif key in banned_committers:
            reason = "committed to the pull request, so cannot approve it"
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
    data = git.read(rev, path)
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


# --- Which decisions a pull request records -----------------------------------------------


@dataclass(frozen=True, slots=True)
class DecisionChange:
    change: ChangeKind
    file: str
    case: Case  # the case the decision is in (head; the fork point's for a removal)
    index: int
    decision: Decision
    # The case as it was at the fork point, when it existed (for independence).
    before: Case | None
    # Events of ``before`` up to which its history is unchanged (for independence).
    before_upto: int


def _same(a: Decision, b: Decision) -> bool:
    # Filling in approved_in ("#42") after the fact is bookkeeping, not a new decision.
    return a.model_dump(exclude={"approved_in"}) == b.model_dump(exclude={"approved_in"})


def decision_changes(file: str, before: Case | None, after: Case | None) -> list[DecisionChange]:
    """Decisions present at head and absent or different before, and those removed."""
    old = before.decisions() if before is not None else []
    new = after.decisions() if after is not None else []
    unmatched_old = list(old)
    fresh: list[tuple[int, Decision]] = []
    for i, d in new:
        hit = next((k for k, (_, o) in enumerate(unmatched_old) if _same(o, d)), None)
        if hit is None:
            fresh.append((i, d))
        else:
            unmatched_old.pop(hit)
    # History before the first decision that changed is common to both versions.
    upto = min((j for j, _ in unmatched_old), default=len(before.events) if before else 0)
    out: list[DecisionChange] = []
    for k, (i, d) in enumerate(fresh):
        kind: ChangeKind = "changed" if k < len(unmatched_old) else "added"
        assert after is not None
        out.append(DecisionChange(kind, file, after, i, d, before, upto))
    for j, d in unmatched_old[len(fresh) :]:
        assert before is not None
        out.append(DecisionChange("removed", file, before, j, d, before, j))
    return out


# --- Evaluating ---------------------------------------------------------------------------


def evaluate_change(
    ch: DecisionChange,
    policy: BasePolicy,
    approvers: Mapping[str, str],  # person id -> login, approvals that count
) -> DecisionResult:
    d = ch.decision

    def result(
        transition: str | None,
        missing: Iterable[str],
        requires: tuple[str, ...] = (),
        approved_by: tuple[str, ...] = (),
    ) -> DecisionResult:
        return DecisionResult(
            case=ch.case.id,
            file=ch.file,
            index=ch.index,
            change=ch.change,
            to=d.to,
            date=d.date.isoformat(),
            transition=transition,
            requires=requires,
            decided_by=tuple(d.decided_by),
            approved_by=approved_by,
            missing=tuple(missing),
        )

    proc = policy.procedures.get(ch.case.procedure)
    people = policy.people
    if proc is None or people is None:
        return result(
            None,
            [
                f"procedure {ch.case.procedure!r} is not on the base branch; add or change "
                "procedures in a pull request of their own, then record decisions under them"
            ],
        )
    step = next((s for s in timeline(ch.case, proc).steps if s.index == ch.index), None)
    t = step.transition if step is not None else None
    if t is None:
        origin = step.from_state if step is not None else "?"
        return result(
            None,
            [
                f"procedure {proc.id} does not allow a decision from {origin!r} to {d.to!r} "
                "(casebook check explains); it cannot be approved"
            ],
        )
    involved = dict(involved_before(ch.case, ch.index))
    if ch.before is not None:
        # Someone named in the case before this pull request stays "involved" even if the pull
        # request edits them out of the earlier history.
        for pid, where in involved_before(ch.before, ch.before_upto).items():
            involved.setdefault(pid, f"{where} on the base branch")
    by_id = people.by_id()
    missing: list[str] = []
    if ch.change == "removed":
        # Taking a decision out of the history needs the same authority as taking it.
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
    outcome = evaluate(t.approval.requires, candidates, by_id, involved)
    if not outcome.met:
        scope = "approvals" if ch.change == "removed" else "approvals by the people in decided_by"
        missing += [f"{line} ({scope})" for line in outcome.missing]
    return result(
        t.label,
        missing,
        tuple(describe(r) for r in t.approval.requires),
        tuple(dict.fromkeys(candidates)),
    )


def evaluate_pull(
    git: Git,
    base_rev: str,
    head_rev: str,
    reviews: Iterable[Review],
    author: str | None,
    committers: Iterable[str],
) -> ApprovalReport:
    base = git.resolve(base_rev)
    head = git.resolve(head_rev)
    fork = git.merge_base(base, head)
    policy = read_base_policy(git, base)
    problems = list(policy.problems)
    people = policy.people or People.model_construct(roles={}, people=[], mailing_lists={})
    reviewers = judge_reviewers(reviews, head, author, committers, people)
    approvers = {r.person: r.login for r in reviewers if r.counts and r.person}

    changes: list[DecisionChange] = []
    for c in git.changed(fork, head, CASES_DIR + "/"):
        paths = [p for p in (c.old_path, c.new_path) if p]
        if not any(PurePosixPath(p).suffix == ".yaml" for p in paths):
            continue
        before = after = None
        if c.old_path:
            before, why = _parse(git, fork, c.old_path, Case)
            if why:
                # The base branch's own record is broken: judge the head version on its own.
                before = None
        if c.new_path:
            after, why = _parse(git, head, c.new_path, Case)
            if why:
                problems.append(f"cannot read a case at head: {why}")
                continue
        else:
            problems.append(
                f"{c.old_path} is deleted; a case leaves the casebook through the retention "
                "purge procedure, not through a pull request"
            )
            continue
        changes += decision_changes(c.new_path or c.old_path or "", before, after)

    results = tuple(evaluate_change(ch, policy, approvers) for ch in changes)
    return ApprovalReport(base, fork, head, results, tuple(reviewers), tuple(problems))
