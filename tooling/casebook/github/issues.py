"""`casebook issues sync`: one GitHub issue per obligation coming due, so no review is missed.

Each issue carries a hidden marker, ``<!-- casebook:key=KEY -->``, with the obligation's stable
key; a run finds its issues again by listing every issue with the ``review-due`` label (open and
closed, all pages) and reading the markers. GitHub's search is not used: its index lags, and a
sync that cannot see the issue it opened a minute ago opens a duplicate.

The sync is idempotent: running it twice changes nothing the second time. It

* opens an issue for each obligation not yet met whose due date is within ``within`` days;
* updates the title and body when the due date moves (or the obligation becomes overdue), with
  a comment saying what moved;
* reopens a closed issue whose obligation is due again;
* closes, with a comment, the issue of an obligation that is met or no longer exists;
* closes later duplicates of the same key (left by two runs at once, or a hand-made copy).

It is also safe to stop at any point (a 5xx, a timeout, a dropped connection) and run again:
after one fault and one clean re-run there are no duplicate issues, no duplicate comments, no
half-updated issues and no lost updates (``tests/github/test_issues_faults.py`` proves it by
injecting a fault at every request of a scripted run). Three rules make it so:

* one request per issue change: title, body and state go in a single PATCH, which is safe to
  repeat;
* the comment first, the PATCH second: every comment carries a hidden note,
  ``<!-- casebook:note=KEY;EVENT -->`` (EVENT such as ``moved:2026-06-05:2026-06-12``), and is
  posted only when the issue's last casebook note is not already that one. A run stopped
  between the two leaves the issue as it was, so the next run plans the same change, finds its
  comment there and only PATCHes;
* look, then create: a POST that may have been carried out although no answer came back
  (``GitHubError.maybe_applied``) is followed by a look for its marker (the issue's key, the
  comment's note) and repeated only when it is not there.

Titles and bodies carry the case id, the kind of obligation and its dates, never a name or any
other personal data: issues are read by everyone with access to the repository and are kept by
GitHub outside the purge of a case's history. ``forbidden`` is a last guard: any text from the
case records (names, contact details) found in an obligation's label drops the label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal
from urllib.parse import quote, unquote

from casebook.engine.obligations import Obligation
from casebook.errors import GitHubError
from casebook.github.client import GitHub, Issue
from casebook.model.case import CASE_ID

LABEL = "review-due"
LABEL_COLOR = "d93f0b"
LABEL_DESCRIPTION = "Something a case record needs by a date (opened by casebook issues sync)"
_MARKER = re.compile(r"<!--\s*casebook:key=(\S+?)\s*-->")
_NOTE = re.compile(r"<!--\s*casebook:note=(\S+?)\s*-->")
_DUE = re.compile(r"^\*\*Due:\*\* (\d{4}-\d{2}-\d{2})", re.M)

Op = Literal["create", "update", "reopen", "close", "keep"]


def encode_key(key: str) -> str:
    # Inside an HTML comment "--" and ">" would end it early; spaces would end the marker.
    return quote(key, safe="/:").replace("-", "%2D") if "--" in key else quote(key, safe="/:-")


def marker(key: str) -> str:
    return f"<!-- casebook:key={encode_key(key)} -->"


def key_of(body: str) -> str | None:
    m = _MARKER.search(body or "")
    return unquote(m.group(1)) if m else None


def note(key: str, event: str) -> str:
    """The hidden line a casebook comment ends with: which issue key, which change."""
    return f"<!-- casebook:note={encode_key(key)};{quote(event, safe=':/')} -->"


def last_note(comments: Sequence[str]) -> str | None:
    """The note of the newest comment that has one (people's comments have none)."""
    for body in reversed(comments):
        found = _NOTE.findall(body or "")
        if found:
            return f"<!-- casebook:note={found[-1]} -->"
    return None


@dataclass(frozen=True, slots=True)
class Action:
    op: Op
    key: str
    case: str | None
    number: int | None  # the issue, when it exists
    title: str
    body: str | None = None
    comment: str | None = None
    state_reason: str | None = None
    why: str = ""
    # What the comment says happened, for its note (see ``note``): e.g. "moved:OLD:NEW".
    event: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "op": self.op,
            "key": self.key,
            "case": self.case,
            "issue": self.number,
            "title": self.title,
            "why": self.why,
        }

    def as_text(self, applied: bool) -> str:
        verb = {
            "create": ("would open", "opened"),
            "update": ("would update", "updated"),
            "reopen": ("would reopen", "reopened"),
            "close": ("would close", "closed"),
            "keep": ("unchanged", "unchanged"),
        }[self.op][applied]
        num = f"#{self.number}" if self.number else "new issue"
        return f"{verb} {num}: {self.title} [{self.key}]{' - ' + self.why if self.why else ''}"


def kind_words(kind: str) -> str:
    return kind.replace("-", " ").replace("_", " ")


def render(ob: Obligation, as_of: date, forbidden: Sequence[str] = ()) -> tuple[str, str]:
    """The issue's title and body: case id, kind, dates; nothing about the person."""
    words = kind_words(ob.kind)
    due = ob.due.isoformat()
    if ob.overdue(as_of):
        title = f"{ob.case}: {words} overdue (due {due})"
    elif as_of > ob.due and ob.latest is not None:
        title = f"{ob.case}: {words} past due {due} (limit {ob.latest.isoformat()})"
    else:
        title = f"{ob.case}: {words} due {due}"
    label = ob.label.strip()
    lowered = label.lower()
    if len(label) > 200 or any(t and t.lower() in lowered for t in forbidden):
        label = ""
    is_case = bool(CASE_ID.match(ob.case))
    lines = [
        marker(ob.key),
        f"**Case:** {ob.case} (procedure `{ob.procedure}`)"
        if is_case
        else f"**Procedure:** `{ob.procedure}` (the whole register, not one case)",
        f"**What is due:** {label + ' (' + words + ')' if label else words}",
        f"**Due:** {ob.due.isoformat()}",
    ]
    if ob.latest is not None and ob.latest != ob.due:
        lines.append(f"**At the latest:** {ob.latest.isoformat()} (the procedure's limit)")
    lines += [
        "",
        (
            f"Record it in `cases/{ob.case}.yaml` through a pull request."
            if is_case
            else "Record it in the procedure's log through a pull request."
        )
        + " The daily `casebook issues sync` closes this issue once the record shows it done.",
        "",
        "_Opened by casebook. Refer to the case only by its id: no names, contact details or "
        "descriptions of behaviour in this issue or its comments._",
    ]
    return title, "\n".join(lines)


def _due_in(body: str) -> str | None:
    m = _DUE.search(body or "")
    return m.group(1) if m else None


def _norm(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").strip()


def plan(
    obligations: Iterable[Obligation],
    issues: Iterable[Issue],
    as_of: date,
    within_days: int,
    forbidden: Sequence[str] = (),
) -> list[Action]:
    """What to do so that the issues match the obligations. Pure: no GitHub calls."""
    horizon = as_of + timedelta(days=within_days)
    obs: dict[str, Obligation] = {}
    for ob in obligations:
        # The same key twice: keep the one still to do, else the first.
        if ob.key not in obs or (obs[ob.key].met and not ob.met):
            obs[ob.key] = ob
    by_key: dict[str, list[Issue]] = {}
    for issue in issues:
        if issue.is_pull_request:
            continue
        key = key_of(issue.body)
        if key is not None:
            by_key.setdefault(key, []).append(issue)
    actions: list[Action] = []
    today = as_of.isoformat()
    for key, found in sorted(by_key.items()):
        # Keep one issue per key: an open one if any, else the oldest; close the others.
        found.sort(key=lambda i: (i.state != "open", i.number))
        keep, extra = found[0], found[1:]
        by_key[key] = [keep]
        for dup in extra:
            if dup.state == "open":
                actions.append(
                    Action(
                        "close",
                        key,
                        obs[key].case if key in obs else None,
                        dup.number,
                        dup.title,
                        comment=f"Closed by casebook on {today}: duplicate of #{keep.number}.",
                        state_reason="not_planned",
                        why=f"duplicate of #{keep.number}",
                        event=f"duplicate:{keep.number}",
                    )
                )
    for key, ob in sorted(obs.items()):
        existing = by_key.get(key, [None])[0]
        title, body = render(ob, as_of, forbidden)
        if ob.met:
            if existing is not None and existing.state == "open":
                actions.append(
                    Action(
                        "close",
                        key,
                        ob.case,
                        existing.number,
                        existing.title,
                        comment=f"Closed by casebook on {today}: the case record shows this done.",
                        state_reason="completed",
                        why="met",
                        event="met",
                    )
                )
            continue
        if existing is None:
            if ob.due <= horizon:
                why = "overdue" if ob.overdue(as_of) else f"due within {within_days} day(s)"
                actions.append(Action("create", key, ob.case, None, title, body, why=why))
            continue
        old_due, new_due = _due_in(existing.body), ob.due.isoformat()
        moved = old_due is not None and old_due != new_due
        if existing.state != "open":
            if ob.due <= horizon:
                actions.append(
                    Action(
                        "reopen",
                        key,
                        ob.case,
                        existing.number,
                        title,
                        body,
                        comment=f"Reopened by casebook on {today}: due again ({new_due}).",
                        state_reason="reopened",
                        why="due again",
                        event=f"reopened:{new_due}",
                    )
                )
            continue
        if _norm(existing.title) != _norm(title) or _norm(existing.body) != _norm(body):
            comment = (
                f"casebook on {today}: the due date moved from {old_due} to {new_due}."
                if moved
                else None
            )
            why = f"due date moved from {old_due} to {new_due}" if moved else "text refreshed"
            if "overdue" in title and "overdue" not in existing.title:
                why = "now overdue"
            actions.append(
                Action(
                    "update",
                    key,
                    ob.case,
                    existing.number,
                    title,
                    body,
                    comment,
                    why=why,
                    event=f"moved:{old_due}:{new_due}" if moved else "",
                )
            )
        else:
            actions.append(Action("keep", key, ob.case, existing.number, title))
    for key, found in sorted(by_key.items()):
        issue = found[0]
        if key not in obs and issue.state == "open":
            actions.append(
                Action(
                    "close",
                    key,
                    None,
                    issue.number,
                    issue.title,
                    comment=(
                        f"Closed by casebook on {today}: the case records no longer give rise to "
                        "this (the record changed, or the case ended)."
                    ),
                    state_reason="not_planned",
                    why="no longer applies",
                    event="gone",
                )
            )
    return actions


def ensure_label(gh: GitHub, repo: str) -> bool:
    """Create the label when missing. True when it was created."""
    if any(name.lower() == LABEL for name in gh.list_labels(repo)):
        return False
    gh.create_label(repo, LABEL, LABEL_COLOR, LABEL_DESCRIPTION)
    return True


def create_issue_once(gh: GitHub, repo: str, a: Action) -> Issue:
    """Open the issue for ``a.key``, never twice: after an answer that leaves it unknown whether
    GitHub opened it, look for an issue carrying the key's marker before opening another."""
    try:
        return gh.create_issue(repo, a.title, a.body or "", [LABEL])
    except GitHubError as exc:
        if not exc.maybe_applied:
            raise
    for issue in gh.list_issues(repo, LABEL):
        if not issue.is_pull_request and key_of(issue.body) == a.key:
            return issue
    return gh.create_issue(repo, a.title, a.body or "", [LABEL])


def comment_once(gh: GitHub, repo: str, number: int, key: str, event: str, text: str) -> bool:
    """Post ``text`` with the note (key, event) unless the issue's last note is already that
    one. True when a comment was posted by this call."""
    mark = note(key, event)
    if last_note(gh.list_comments(repo, number)) == mark:
        return False  # an earlier run posted it, then stopped before its PATCH
    body = f"{text}\n\n{mark}"
    try:
        gh.create_comment(repo, number, body)
    except GitHubError as exc:
        if not exc.maybe_applied:
            raise
        if last_note(gh.list_comments(repo, number)) == mark:
            return True
        gh.create_comment(repo, number, body)
    return True


def apply(gh: GitHub, repo: str, actions: Iterable[Action]) -> list[Action]:
    """Carry the plan out; returns the actions with the numbers of created issues filled in.

    Each change is a comment (when there is one) and then a single PATCH; see the module's
    docstring for why that order makes a stopped run repairable. A GitHub failure stops the
    run with a message saying how far it got.
    """
    todo = list(actions)
    done: list[Action] = []
    try:
        for a in todo:
            _apply_one(gh, repo, a, done)
    except GitHubError as exc:
        changed = sum(a.op != "keep" for a in done)
        left = sum(a.op != "keep" for a in todo) - changed
        raise GitHubError(
            f"{exc}\nissues sync stopped: {changed} change(s) made, {left} not made. Run it "
            "again: a re-run finishes what this one left undone and repeats nothing.",
            exc.status,
        ) from None
    return done


def _apply_one(gh: GitHub, repo: str, a: Action, done: list[Action]) -> None:
    if a.op == "create":
        issue = create_issue_once(gh, repo, a)
        a = replace(a, number=issue.number)
    elif a.op in ("update", "reopen", "close") and a.number is not None:
        if a.comment:
            comment_once(gh, repo, a.number, a.key, a.event or a.op, a.comment)
        if a.op == "update":
            fields: dict[str, object] = {"title": a.title, "body": a.body}
        elif a.op == "reopen":
            fields = {"state": "open", "state_reason": "reopened", "title": a.title, "body": a.body}
        else:
            fields = {"state": "closed", "state_reason": a.state_reason}
        gh.update_issue(repo, a.number, fields)
    done.append(a)


@dataclass(frozen=True, slots=True)
class SyncResult:
    applied: bool
    as_of: date
    label_created: bool
    actions: tuple[Action, ...]

    def counts(self) -> dict[str, int]:
        out = {op: 0 for op in ("create", "update", "reopen", "close", "keep")}
        for a in self.actions:
            out[a.op] += 1
        return out

    def as_json(self) -> dict[str, object]:
        return {
            "applied": self.applied,
            "as_of": self.as_of.isoformat(),
            "label": LABEL,
            "label_created": self.label_created,
            "counts": self.counts(),
            "actions": [a.as_json() for a in self.actions],
        }

    def as_text(self) -> str:
        lines = [a.as_text(self.applied) for a in self.actions if a.op != "keep"]
        c = self.counts()
        if self.label_created:
            lines.insert(0, f"created the label {LABEL!r}")
        mode = "" if self.applied else " (dry run: nothing changed; add --apply to do it)"
        lines.append(
            f"{c['create']} to open, {c['update']} to update, {c['reopen']} to reopen, "
            f"{c['close']} to close, {c['keep']} unchanged{mode}"
            if not self.applied
            else f"{c['create']} opened, {c['update']} updated, {c['reopen']} reopened, "
            f"{c['close']} closed, {c['keep']} unchanged"
        )
        return "\n".join(lines)


def sync(
    gh: GitHub,
    repo: str,
    obligations: Iterable[Obligation],
    as_of: date,
    within_days: int,
    do_apply: bool,
    forbidden: Sequence[str] = (),
) -> SyncResult:
    issues = gh.list_issues(repo, LABEL)
    actions = plan(obligations, issues, as_of, within_days, forbidden)
    if not do_apply:
        return SyncResult(False, as_of, False, tuple(actions))
    created = ensure_label(gh, repo) if any(a.op == "create" for a in actions) else False
    return SyncResult(True, as_of, created, tuple(apply(gh, repo, actions)))
