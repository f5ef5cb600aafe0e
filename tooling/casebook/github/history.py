"""`casebook history`: a case's audit trail, from git.

Every commit that changed the case's file (following renames), with its date, author and the
pull request that brought it into the main line. The pull request is found from the main line's
own commits: a merge commit says "Merge pull request #N from ...", a squash merge ends its
title with "(#N)". A commit on the main line that is neither was pushed directly, which branch
protection should have prevented (docs/github-setup.md). With a GitHub client, each pull
request's approvers are read too (the reviews standing on its final head).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace
from typing import Literal

from casebook.errors import UsageError
from casebook.github.approvals import standing_reviews
from casebook.github.client import GitHub
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
    approvers: tuple[str, ...] | None = None  # GitHub logins, when looked up

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


def with_approvers(entries: list[HistoryEntry], gh: GitHub, repo: str) -> list[HistoryEntry]:
    """Fill in who approved each pull request (standing approvals on its final head)."""
    cache: dict[int, tuple[str, ...]] = {}
    out = []
    for e in entries:
        if e.pr is None:
            out.append(e)
            continue
        if e.pr not in cache:
            pull = gh.get_pull(repo, e.pr)
            standing = standing_reviews(gh.list_reviews(repo, e.pr))
            cache[e.pr] = tuple(
                sorted(
                    r.login
                    for r in standing.values()
                    if r.login and r.state == "APPROVED" and r.commit_id == pull.head_sha
                )
            )
        out.append(replace(e, approvers=cache[e.pr]))
    return out
