"""`casebook history`: a case's audit trail, from git.

Every commit that changed the case's file (following renames), with its date, author and the
pull request that brought it into the main line. The pull request is found from the main line's
own commits: a merge commit says "Merge pull request #N from ...", a squash merge ends its
title with "(#N)". A commit on the main line that is neither was pushed directly, which branch
protection should have prevented (docs/github-setup.md). With a GitHub client, each pull
request's approvers are read too: those whose approvals counted, by the rules of `approvals`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from typing import Literal

from casebook.errors import UsageError
from casebook.github.approvals import (
    UnknownContributor,
    judge_reviewers,
    known_contributors,
    read_base_policy,
)
from casebook.github.client import GitHub
from casebook.model import People
from casebook.model.case import CASE_ID
from casebook.store.gitrepo import Git
from casebook.store.reader import CASES_DIR

# At most 9 ASCII digits: a commit message is anyone's text, and int() of 5,000 digits raises.
_MERGE = re.compile(r"^Merge pull request #([0-9]{1,9})\b")
_SQUASH = re.compile(r"\(#([0-9]{1,9})\)\s*$")

Via = Literal["merge", "squash", "direct"]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    sha: str
    date: str
    author: str
    subject: str
    path: str
    pr: int | None
    via: Via | None  # None when the commit is not (yet) on the main line
    mainline: str | None  # the main-line commit that brought it in
    # GitHub logins whose approvals counted (as `approvals` counts them), when looked up.
    approvers: tuple[str, ...] | None = None
    # Why the approvals cannot be trusted (as `approvals` would have failed closed).
    approval_problems: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {
            "commit": self.sha,
            "date": self.date,
            "author": self.author,
            "subject": self.subject,
            "path": self.path,
            "pr": self.pr,
            "via": self.via,
            "mainline_commit": self.mainline,
            "approved_by": list(self.approvers) if self.approvers is not None else None,
            "approval_problems": list(self.approval_problems),
        }

    def as_text(self) -> str:
        if self.pr is not None:
            how = f"PR #{self.pr} ({self.via})"
        elif self.via == "direct":
            how = "pushed directly"
        else:
            how = "not on the main line"
        approved = (
            f" approved by {', '.join(self.approvers) or 'nobody'}"
            if self.approvers is not None
            else ""
        )
        if self.approval_problems:
            approved += f" (unverified: {'; '.join(self.approval_problems)})"
        return f"{self.date}  {self.sha[:12]}  {self.author}  {how}{approved}  {self.subject}"


def pr_number(message: str) -> tuple[int, Via] | None:
    subject = message.strip().splitlines()[0] if message.strip() else ""
    if m := _MERGE.match(subject):
        return int(m.group(1)), "merge"
    if m := _SQUASH.search(subject):
        return int(m.group(1)), "squash"
    return None


def case_history(git: Git, case_id: str, rev: str = "HEAD") -> list[HistoryEntry]:
    if not CASE_ID.match(case_id):
        raise UsageError(f"{case_id!r} is not a case id: use PREFIX-YYYY-NNNN, e.g. MC-2026-0007")
    path = f"{CASES_DIR}/{case_id}.yaml"
    entries = git.file_log(path, rev)
    if not entries:
        raise UsageError(f"no commit in {rev} ever touched {path}")
    chain = git.first_parent_chain(rev)  # newest first
    oldest_first = list(reversed(chain))
    on_chain = {sha: i for i, sha in enumerate(oldest_first)}
    out = []
    for e in entries:
        if e.sha in on_chain:
            idx: int | None = on_chain[e.sha]
        else:
            # The main line contains the commit from some point on; find the first such commit.
            flags = _Contains(git, e.sha, oldest_first)
            idx = bisect_left(flags, True)
            idx = idx if idx < len(oldest_first) else None
        if idx is None:
            out.append(HistoryEntry(e.sha, e.date, e.author, e.subject, e.path, None, None, None))
            continue
        main = oldest_first[idx]
        found = pr_number(git.message(main))
        pr: int | None = found[0] if found else None
        via: Via = found[1] if found else "direct"
        out.append(HistoryEntry(e.sha, e.date, e.author, e.subject, e.path, pr, via, main))
    return out


class _Contains:
    """A lazy list of booleans "main-line commit i contains sha" for bisect (monotonic)."""

    def __init__(self, git: Git, sha: str, chain: list[str]) -> None:
        self.git, self.sha, self.chain = git, sha, chain

    def __len__(self) -> int:
        return len(self.chain)

    def __getitem__(self, i: int) -> bool:
        return self.git.is_ancestor(self.sha, self.chain[i])


def with_approvers(
    entries: list[HistoryEntry], gh: GitHub, repo: str, git: Git
) -> list[HistoryEntry]:
    """Fill in whose approvals of each pull request counted, by the rules of `approvals`.

    An approval counts when it stands on the pull request's final head, was not given by its
    author or anyone who committed to it (GitHub's account, else the git e-mail matched in
    people.yaml), and the login maps to a person in people.yaml as it was on the base branch
    when the pull request was merged: the main line just before its main-line commit. Anything
    that made `approvals` fail closed (an unknown contributor, a capped commit list, roles that
    cannot be read) is carried in ``approval_problems``.
    """
    cache: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    out = []
    for e in entries:
        if e.pr is None or e.mainline is None:
            out.append(e)
            continue
        if e.pr not in cache:
            cache[e.pr] = _counted(gh, repo, git, e.pr, e.mainline)
        approvers, problems = cache[e.pr]
        out.append(replace(e, approvers=approvers, approval_problems=problems))
    return out


def _counted(
    gh: GitHub, repo: str, git: Git, number: int, mainline: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    pull = gh.get_pull(repo, number)
    reviews = gh.list_reviews(repo, number)
    commits = gh.list_pull_commits(repo, number)
    try:
        base = git.resolve(mainline + "^1")
    except UsageError:
        return (), (f"the main line has no commit before {mainline[:12]}; roles unknown",)
    policy = read_base_policy(git, base)
    problems = list(policy.problems)
    people = policy.people or People.model_construct(roles={}, people=[], mailing_lists={})
    unknown = [UnknownContributor(c.sha, r, m) for c in commits for r, m in c.unknown]
    more, unknown_problems = known_contributors(unknown, people)
    problems += unknown_problems
    if pull.commits is None or pull.commits > len(commits):
        problems.append("GitHub did not list all the pull request's commits (at most 250)")
    logins = [login for c in commits for login in c.logins] + more
    reviewers = judge_reviewers(reviews, pull.head_sha, pull.author, logins, people)
    return tuple(sorted(r.login for r in reviewers if r.counts)), tuple(problems)
