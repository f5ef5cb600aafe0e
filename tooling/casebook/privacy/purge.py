"""Purging a case: delete the record, leave a tombstone, and say how to clean git history.

Deleting ``cases/ID.yaml`` from the working tree is not deletion: every earlier commit still
holds the file, and so does every clone, the checker's cache and any built site. ``purge``
does what a program safely can (the tombstone, the file, the local cache) and returns the
exact steps an administrator must run for the rest; see docs/commands/purge.md.

Order matters: the tombstone is written (atomically) before the file is removed, so a crash
in between leaves a record that `casebook check` reports as a returned purged id, never a
deletion without a trace.
"""

from __future__ import annotations

import hashlib
import re
import shlex
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from casebook.check.loading import require
from casebook.engine.retention import retention_status
from casebook.engine.timeline import timeline
from casebook.errors import RecordError, UsageError
from casebook.model import Case
from casebook.model.case import CASE_ID
from casebook.model.ledgers import Tombstone
from casebook.model.settings import Settings
from casebook.model.textmatch import mentions, normalise
from casebook.store import locks, safefile
from casebook.store.cache import LEGACY_DIR, forget
from casebook.store.ledgers import append_tombstone, load_deletion_log
from casebook.store.reader import CASES_DIR


@dataclass(frozen=True, slots=True)
class Step:
    """One thing the administrator must do; ``commands`` are argv lists, run in order."""

    text: str
    commands: tuple[tuple[str, ...], ...] = ()

    def shell(self) -> list[str]:
        return [shlex.join(c) for c in self.commands]


@dataclass(frozen=True, slots=True)
class PurgeResult:
    tombstone: Tombstone
    removed: str  # the path removed, relative to the casebook root
    deletion_log: str
    steps: tuple[Step, ...]
    # The tombstone was already in the log: an earlier purge of this record was stopped
    # before it removed the file.
    resumed: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "purged": self.tombstone.id,
            "removed": self.removed,
            "deletion_log": self.deletion_log,
            "tombstone": self.tombstone.model_dump(mode="json", exclude_none=True),
            "steps": [
                {"text": s.text, "commands": [list(c) for c in s.commands]} for s in self.steps
            ],
        }


def purge(root: Path, case_id: str, as_of: date, ground: str | None = None) -> PurgeResult:
    """Remove a case record and log a tombstone. Raises UsageError when it must not be done."""
    if not CASE_ID.match(case_id):
        raise UsageError(f"{case_id!r} is not a case id (PREFIX-YYYY-NNNN, e.g. MC-2026-0007)")
    book = require(root)
    rel = f"{CASES_DIR}/{case_id}.yaml"
    entry = next((f for f in book.files if f.rel == rel), None)
    if entry is None:
        raise UsageError(f"no case {case_id}: {rel} does not exist")
    case = entry.case
    if case is None:
        problems = "\n".join(f.as_text() for f in entry.findings)
        raise UsageError(
            f"{rel} is not a valid record, so its dates cannot be put in the deletion log; "
            f"fix it first:\n{problems}"
        )
    proc = book.policy.procedures.get(case.procedure)
    if proc is None:
        raise UsageError(f"{rel}: unknown procedure {case.procedure!r}")
    derived = timeline(case, proc, as_of)
    status = retention_status(derived, book.policy.settings)
    if ground is None:
        if status is None or status.deletion_due is None or not status.past_due(as_of):
            when = (
                f"not due for deletion until {status.deletion_due}"
                if status is not None and status.deletion_due is not None
                else "kept while its retention exception applies (" + status.rule + ")"
                if status is not None and status.review_due is not None
                else "not in a state with a deletion date"
            )
            raise UsageError(
                f"{case_id} is {when}; to delete it now (for example on a UK GDPR erasure "
                "request), give the reason with --ground"
            )
        ground = f"retention period ended: {status.rule}"
    ground = ground.strip()
    if not ground:
        raise UsageError(
            "--ground is empty; state the ground, e.g. 'erasure request (UK GDPR Art. 17)'"
        )
    _no_personal_data(ground, case)
    try:
        tombstone = Tombstone(
            id=case.id,
            procedure=case.procedure,
            referred=case.referral.date,
            first_decision=derived.steps[0].decision.date if derived.steps else None,
            closed=status.ended_on if status else None,
            deletion_due=status.deletion_due if status else None,
            ground=ground,
            purged=as_of,
        )
    except ValidationError as exc:  # the ground is the only value the user typed
        why = "; ".join(str(e["msg"]) for e in exc.errors())
        raise UsageError(f"--ground: {why}") from None
    settings = book.policy.settings
    # Under the record's lock (store.locks), from the re-read to the removal: an event another
    # command records at the same moment is neither lost unseen nor written after the purge.
    with locks.hold(entry.path, rel):
        now = safefile.read_bytes(root, entry.path)
        if entry.digest and hashlib.sha256(now).hexdigest() != entry.digest:
            raise RecordError(
                f"{rel} changed while casebook was working on it; nothing was purged, run "
                "the command again"
            )
        earlier = _interrupted(root, settings, tombstone)
        try:
            if earlier is None:
                append_tombstone(root, settings, tombstone)
            else:
                tombstone = earlier
            entry.path.unlink()
        finally:
            # The cache holds the validated record (personal data), possibly of earlier
            # versions of the file too: all of it goes (it rebuilds itself on the next run),
            # even when the run is stopped (SIGTERM, Ctrl-C) between these steps.
            forget(root)
    paths = history_paths(root, case_id, rel, settings.deletion_log)
    steps = history_steps(rel, case_id, settings.deletion_log, origin_url(root), paths)
    return PurgeResult(tombstone, rel, settings.deletion_log, steps, resumed=earlier is not None)


def _interrupted(root: Path, settings: Settings, tombstone: Tombstone) -> Tombstone | None:
    """The tombstone of this very record already in the deletion log, or None.

    A purge stopped (SIGTERM, Ctrl-C, a power cut) after it logged the tombstone and before
    it removed the file leaves both; running it again removes the file under that tombstone
    rather than refusing ("already in the deletion log") and leaving the record for ever. Only
    a tombstone of the same procedure and referral date: a different record with a purged id
    is refused by ``append_tombstone`` as before.
    """
    log, _ = load_deletion_log(root, settings)
    earlier = None if log is None else log.ids().get(tombstone.id)
    if earlier is None or (earlier.procedure, earlier.referred) != (
        tombstone.procedure,
        tombstone.referred,
    ):
        return None
    return earlier


def history_paths(root: Path, case_id: str, rel: str, deletion_log: str) -> tuple[str, ...]:
    """Every path at which the record was ever committed, on any branch or tag; ``rel`` first.

    A case file renamed (``cases/draft.yaml`` to ``cases/MC-2026-0007.yaml``), or first
    committed elsewhere, is still in history under its old path; removing only the current
    path would keep the record. Found in two passes:

    1. ``git log --all --no-renames -S CASE-ID``: every path whose content gained or lost the
       id (without rename detection a rename is a delete and an add, so both paths show);
    2. each such path is kept only if one of its versions is this record, i.e. a file whose
       top-level ``id:`` is the case id: a letter or another case that only mentions the id,
       and the deletion log, are not removed from history.

    Paths are relative to the repository's top level as ``filter-repo --path`` wants them
    (the casebook may be a subfolder). Outside a git repository: just ``rel``.
    """
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None:
        return (rel,)
    prefix = _git(root, "rev-parse", "--show-prefix") or ""
    mentioned = _git(
        Path(top.strip()), "log", "--all", "--no-renames", "--format=", "--name-only",
        "-S", case_id,
    )  # fmt: skip
    own = prefix.strip() + rel
    skip = {own, prefix.strip() + deletion_log}
    candidates = sorted({p for p in (mentioned or "").splitlines() if p and p not in skip})
    record = re.compile(rf"(?m)^id:[ \t]*(['\"]?){re.escape(case_id)}\1[ \t]*(#.*)?\r?$")
    found = [p for p in candidates if _held_record(Path(top.strip()), p, record)]
    return (own, *found)


def _held_record(top: Path, path: str, record: re.Pattern[str]) -> bool:
    """True when some committed version of ``path`` is the record (top-level ``id:``)."""
    raw = _git(top, "log", "--all", "--no-renames", "--format=", "--raw", "--no-abbrev", "--", path)
    blobs = {
        line.split()[3]
        for line in (raw or "").splitlines()
        if line.startswith(":") and len(line.split()) >= 5 and set(line.split()[3]) != {"0"}
    }
    if not blobs:
        return False
    try:
        out = subprocess.run(
            ["git", "-C", str(top), "cat-file", "--batch"],
            input=("\n".join(sorted(blobs)) + "\n").encode(),
            capture_output=True,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError):
        return True  # cannot tell: removing too much beats keeping the record
    return bool(record.search(out.stdout.decode("utf-8", "replace")))


def _git(cwd: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(cwd), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def history_steps(
    rel: str,
    case_id: str,
    deletion_log: str,
    origin: str | None = None,
    paths: tuple[str, ...] | None = None,
) -> tuple[Step, ...]:
    """What the administrator must do so that the record leaves git history too.

    ``paths``: every path the record had in history (``history_paths``); default ``rel``.
    """
    url = origin or "<URL of the casebook repository>"
    work = f"purge-{case_id}"
    paths = paths or (rel,)
    every = tuple(arg for p in paths for arg in ("--path", p))
    where = f"the file (also committed as {', '.join(paths[1:])})" if len(paths) > 1 else "the file"
    return (
        Step(
            "1. In this clone: commit the removal and the tombstone (the message names the case "
            "id only), and merge it through the usual pull request.",
            (
                ("git", "add", "--all", "--", rel, deletion_log),
                ("git", "commit", "-m", f"Purge {case_id}"),
            ),
        ),
        Step(
            "2. Once merged, make a fresh clone (git filter-repo refuses to rewrite a clone "
            f"that has been worked in) and, inside {work}/, remove {where} from every "
            "commit of every branch and tag:",
            (
                ("git", "clone", "--no-local", url, work),
                ("git", "filter-repo", "--invert-paths", *every),
            ),
        ),
        Step(
            f"3. Inside {work}/: put the origin remote back (filter-repo removes it) and "
            "force-push every branch and tag. Branch protection may need lifting for this.",
            (
                ("git", "remote", "add", "origin", url),
                ("git", "push", "--force", "--all", "origin"),
                ("git", "push", "--force", "--tags", "origin"),
            ),
        ),
        Step(
            "4. The old commits are now unreachable but still stored until the server collects "
            "them. On GitHub: ask GitHub Support to remove cached views and the pull-request "
            f"references that still hold {rel} (pull requests keep their old commits), and to "
            "run garbage collection. On a server you run yourself, in the bare repository:",
            (
                ("git", "reflog", "expire", "--expire=now", "--all"),
                ("git", "gc", "--prune=now"),
            ),
        ),
        Step(
            "5. Ask everyone with a clone (and every CI cache) to delete it and clone again: "
            "an old clone still holds the record and would push it back."
        ),
        Step(
            "6. In every clone that is kept, after pulling the purge: run any casebook "
            "command once (it drops the cached record of a file that is gone, from the cache "
            f"under ~/.cache/casebook/), delete any old {LEGACY_DIR}/ folder, rebuild the "
            "internal site and remove any letters generated for the case.",
            (("rm", "-rf", LEGACY_DIR),),
        ),
    )


def origin_url(root: Path) -> str | None:
    """The casebook's origin remote, if it is a git clone that has one."""
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def _no_personal_data(ground: str, case: Case) -> None:
    """The tombstone is kept for ever: refuse a ground that names the person."""
    p = case.person
    values = [p.name, *p.known_as, p.contact.phone, p.contact.address]
    values.append(str(p.contact.email) if p.contact.email else None)
    values += [r.name for r in p.representatives]
    words = ground.casefold()
    # As written, and as words after folding case, punctuation, accents and look-alike
    # letters: "Mr Sample." or "Ѕample" must not reach a log that is kept for ever.
    for value in values:
        if (
            value
            and len(value.strip()) >= 3
            and (value.strip().casefold() in words or mentions(ground, value))
        ):
            raise UsageError(
                "the --ground must not contain personal data (it names the person or their "
                "contact details); state the ground only, e.g. 'erasure request (UK GDPR Art. 17)'"
            )
    digits = re.sub(r"\D", "", ground)
    phone = re.sub(r"\D", "", p.contact.phone or "")
    if len(phone) >= 6 and phone in digits:
        raise UsageError(
            "the --ground must not contain personal data (it holds the person's telephone "
            "number); state the ground only"
        )
    for part in {w for n in (p.name, *p.known_as) for w in normalise(n).split()}:
        if len(part) >= 3 and mentions(ground, part):
            raise UsageError(
                "the --ground must not contain personal data (it contains part of the "
                "person's name); state the ground only"
            )
