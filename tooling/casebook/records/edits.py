"""Changing case records: the core of `casebook new`, `casebook log ...` and `casebook close`.

Every change goes through one pipeline (``plan_edit`` / ``plan_new`` then ``apply``):

1. read the file with ruamel.yaml's round trip and add the new content;
2. prove the rest of the file is untouched (only lines added; see ``yamledit.only_inserted``);
3. read the result back with the strict loader, validate it against the schema and run the same
   case rules as `casebook check` (``check.case_findings``);
4. refuse when the change brings a new error (errors the case already had are shown, not
   blocking: a late letter must not stop anyone logging a phone call); otherwise
5. write the file atomically (``casebook.write_atomic``) under the file's lock
   (``store.locks``), after reading it again: when another command changed it in the
   meantime, the change is made again to what it wrote and validated again (steps 1-4).

Nothing here prompts or prints: the CLI does that.
"""

from __future__ import annotations

import codecs
import difflib
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from casebook.check.rules import CaseContext
from casebook.check.run import case_findings
from casebook.engine.timeline import timeline
from casebook.errors import RecordError, UsageError
from casebook.model import ENDED_KINDS, Case, Procedure
from casebook.model.case import CASE_ID
from casebook.model.findings import Finding, has_errors, sort_key
from casebook.store import locks, safefile, yamledit
from casebook.store.cases import MAX_RECORD_BYTES, Casebook, CaseFile, too_large, write_atomic
from casebook.store.ledgers import ledger_path
from casebook.store.paths import PathRefused
from casebook.store.reader import CASES_DIR, validate
from casebook.store.yamlio import YamlLoadError, load_text

CASE_FIELDS: tuple[str, ...] = tuple(f.alias or n for n, f in Case.model_fields.items())

# Rules about what is still to be done after an event (a letter to send, people to tell). Their
# errors never block a write: recording a decision made last month must not be refused because
# its letter, recorded next, is "overdue" until then. They are shown as things to do.
OBLIGATION_RULES: frozenset[str] = frozenset({"letter", "notify"})


def field_order(model: type[BaseModel]) -> list[str]:
    """The keys of ``model`` as written in YAML, in declaration order."""
    return [f.alias or name for name, f in model.model_fields.items()]


def compact(data: Mapping[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is None or an empty list/dict (the model's defaults)."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        if isinstance(v, Mapping):
            v = compact(v)
        if v is None or (isinstance(v, list | dict | tuple) and not v):
            continue
        out[k] = v
    return out


@dataclass(slots=True)
class Edit:
    """A change to one case file, validated and ready to write (or refused)."""

    path: Path
    rel: str
    before: bytes | None  # None for a new file
    after: str
    case: Case | None
    # Errors this change would bring: any one of them blocks the write.
    new_errors: list[Finding] = field(default_factory=list)
    # Errors the case had before the change (shown, not blocking).
    old_errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    # Where a finding in the new content comes from, e.g. events[7] -> "contacts.csv line 9".
    origins: dict[int, str] = field(default_factory=dict)
    bom: bool = False  # the file starts with a UTF-8 byte-order mark, kept when written
    # The same change made again to other bytes (the file as another command left it), for
    # ``apply``; None for a new file.
    replan: Callable[[bytes], Edit] | None = None

    @property
    def ok(self) -> bool:
        return not self.new_errors

    @property
    def data(self) -> bytes:
        """The bytes to write: the new text, with the file's byte-order mark if it had one."""
        return (codecs.BOM_UTF8 if self.bom else b"") + self.after.encode("utf-8")

    def diff(self) -> str:
        old = (self.before or b"").decode("utf-8-sig").splitlines(keepends=True)
        new = self.after.splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, self.rel, self.rel))


def case_path(book: Casebook, case_id: str) -> CaseFile:
    """The file of an existing case, or a UsageError naming the id and the nearest ids."""
    if not CASE_ID.match(case_id):
        raise UsageError(f"{case_id!r} is not a case id: use PREFIX-YYYY-NNNN, e.g. MC-2026-0007")
    for f in book.files:
        if f.path.stem == case_id:
            return f
    known = [f.path.stem for f in book.files]
    hint = difflib.get_close_matches(case_id, known, n=1, cutoff=0.7)
    msg = f"unknown case id {case_id!r}: there is no {CASES_DIR}/{case_id}.yaml"
    if hint:
        msg += f"; did you mean {hint[0]}?"
    raise UsageError(msg)


def valid_case(f: CaseFile) -> Case:
    if f.case is None:
        errors = "\n".join(x.as_text() for x in f.findings if x.severity == "error")
        raise RecordError(
            f"{f.rel} has errors; fix them (casebook check shows the same list) before "
            f"recording anything in it:\n{errors}"
        )
    return f.case


_CHANGED = (
    "{rel} changed while casebook was working on it; nothing was written, run the command again"
)


def plan_edit(
    book: Casebook,
    case_id: str,
    change: Callable[[CommentedMap, Case], None],
    as_of: date,
) -> Edit:
    """Apply ``change`` to a round-trip copy of the case and validate the result.

    The change is made to the bytes on disk now. When they are not the bytes the casebook was
    loaded from (another command wrote in between), the record is read again from them: an
    event placed by the old record's dates would land out of order in the new text. ``apply``
    does the same again under the file's lock (``Edit.replan``) if the file changes between
    this plan and the write.
    """
    f = case_path(book, case_id)
    loaded = valid_case(f)
    before = safefile.read_bytes(book.root, f.path)
    if f.digest and hashlib.sha256(before).hexdigest() == f.digest:
        edit = _plan(book, f.path, f.rel, before, loaded, change, as_of)
    else:
        edit = _plan(book, f.path, f.rel, before, _reread(f.rel, before), change, as_of)

    def replan(now: bytes) -> Edit:
        return _plan(book, f.path, f.rel, now, _reread(f.rel, now), change, as_of)

    edit.replan = replan
    return edit


def _reread(rel: str, data: bytes) -> Case:
    """The record in ``data``, the bytes another command just wrote; RecordError when they
    are not a valid record (nothing is written on top of a broken file)."""
    if len(data) > MAX_RECORD_BYTES:
        raise RecordError(too_large(rel, len(data)).as_text())
    try:
        text = data.decode("utf-8-sig")
        loaded = validate(rel, text, load_text(text), Case)
    except (UnicodeDecodeError, YamlLoadError):
        loaded = None
    if loaded is None or loaded.model is None:
        raise RecordError(
            f"{rel} was changed by another command while casebook was working on it and is "
            "not a valid record now; nothing was written (`casebook check` shows why)"
        )
    return loaded.model


def _plan(
    book: Casebook,
    path: Path,
    rel: str,
    before: bytes,
    old_case: Case,
    change: Callable[[CommentedMap, Case], None],
    as_of: date,
) -> Edit:
    bom = before.startswith(codecs.BOM_UTF8)
    text = before.decode("utf-8-sig")
    after = _edited(rel, text, change, old_case)
    written = (codecs.BOM_UTF8 if bom else b"") + after.encode("utf-8")
    if len(written) > MAX_RECORD_BYTES:
        raise RecordError(too_large(rel, len(written)).as_text())
    if not yamledit.only_inserted(before, written):
        raise RecordError(
            f"{rel}: casebook cannot add to this file without changing lines already in it "
            "(its indentation, style or line endings are unusual). Run `casebook fmt "
            f"{rel}`, commit that change on its own, then try again."
        )
    edit = _validated(book, path, rel, before, after, as_of)
    edit.bom = bom
    old = _rule_findings(book, path, rel, text, old_case, as_of)
    old_keys = {_key(x) for x in old}
    edit.old_errors = [x for x in edit.new_errors if _key(x) in old_keys]
    fresh = [x for x in edit.new_errors if _key(x) not in old_keys]
    edit.new_errors = [x for x in fresh if x.rule not in OBLIGATION_RULES]
    edit.warnings += [x for x in fresh if x.rule in OBLIGATION_RULES]
    # Only what this change brings: "the letter is due by ..." after a decision.
    edit.warnings = [x for x in edit.warnings if _key(x) not in old_keys]
    return edit


def _edited(rel: str, text: str, change: Callable[[CommentedMap, Case], None], case: Case) -> str:
    """``text`` (no byte-order mark) after ``change``, in the file's own line breaks.

    Appending events splices the new lines in (``yamledit.append_block_items``: linear, every
    existing byte kept). Other changes, and a case without a block list of events yet, go
    through ruamel.yaml's round trip on LF text; the file's line break is put back after.
    """
    if isinstance(change, AppendEvents) and change.appends_only(case):
        spliced = yamledit.append_block_items(text, "events", change.in_date_order())
        if spliced is not None:
            return spliced
    newline = yamledit.newline_of(text)
    lf = text.replace("\r\n", "\n").replace("\r", "\n") if newline != "\n" else text
    try:
        y, data = yamledit.load_for_edit(lf)
    except yamledit.EditError as exc:
        raise RecordError(f"{rel}: cannot be edited: {exc}") from None
    change(data, case)
    return yamledit.with_newline(yamledit.dump(y, data), newline)


def _key(f: Finding) -> tuple[str, str | None, str]:
    return (f.rule, f.field, f.message)


def _validated(
    book: Casebook, path: Path, rel: str, before: bytes | None, after: str, as_of: date
) -> Edit:
    try:
        raw = load_text(after)
    except YamlLoadError as exc:  # pragma: no cover - ruamel wrote something the loader refuses
        p = exc.problem
        problem = Finding("error", p.rule, p.message, file=rel, line=p.line)
        return Edit(path, rel, before, after, None, [problem])
    loaded = validate(rel, after, raw, Case)
    if loaded.model is None:
        return Edit(path, rel, before, after, None, list(loaded.findings))
    found = _rule_findings(book, path, rel, after, loaded.model, as_of)
    errors = [x for x in found if x.severity == "error"]
    warnings = [x for x in found if x.severity == "warning"]
    return Edit(path, rel, before, after, loaded.model, errors, warnings=warnings)


def _rule_findings(
    book: Casebook, path: Path, rel: str, text: str, case: Case, as_of: date
) -> list[Finding]:
    """The findings `casebook check` would report for this one case with this text."""
    policy = book.policy
    out: list[Finding] = []
    if case.id != path.stem:
        out.append(
            Finding(
                "error",
                "file-name",
                f"case id {case.id!r} does not match the file name {path.name}",
                case=case.id,
                file=rel,
                loc=("id",),
            )
        )
    proc = policy.procedures.get(case.procedure)
    if proc is None:
        known = ", ".join(sorted(policy.procedures))
        out.append(
            Finding(
                "error",
                "reference",
                f"unknown procedure {case.procedure!r}; procedures: {known}",
                case=case.id,
                file=rel,
                loc=("procedure",),
            )
        )
        return out
    ctx = CaseContext(
        case,
        proc,
        policy.people,
        policy.people.by_id(),
        policy.taxonomy,
        policy.settings,
        as_of,
    )
    cf = CaseFile(path, rel, case, [], text)
    out += case_findings(cf, ctx)
    return sorted(out, key=sort_key)


def apply(edit: Edit) -> Edit:
    """Write a validated edit; returns the edit written.

    Under the file's lock (``store.locks``: held from the re-read until after the rename, so
    two commands cannot both write over the same old bytes) the file is read again. Unchanged
    since the plan: the edit is written. Changed by another command meanwhile: the change is
    made again to the new bytes (``Edit.replan``) and validated again, so both commands'
    events are kept; RecordError when it now brings errors, when the file is new and another
    command has just made it (``casebook new``), and ``locks.Busy`` (exit 1) when another
    command holds the lock for longer than the timeout.
    """
    if not edit.ok:
        raise RecordError("refusing to write a record with errors")  # pragma: no cover
    with locks.hold(edit.path, edit.rel):
        # lstat, not exists(): a dangling link swapped in must be refused, not written through.
        exists = edit.path.exists() or edit.path.is_symlink()
        current = safefile.read_bytes(edit.path.parent, edit.path) if exists else None
        if _digest(current) != _digest(edit.before):
            if edit.before is None:
                raise RecordError(
                    f"{edit.rel} was made by another command while casebook was working on "
                    "it (the same case id); nothing was written, run the command again"
                )
            if current is None or edit.replan is None:
                raise RecordError(_CHANGED.format(rel=edit.rel))
            edit = edit.replan(current)
            if edit.new_errors:
                errors = "\n  ".join(x.as_text() for x in edit.new_errors[:50])
                raise RecordError(
                    f"{edit.rel} not written: another command changed it meanwhile, and "
                    f"the change would now bring {len(edit.new_errors)} error(s):\n  {errors}"
                )
        write_atomic(edit.path, edit.data)
    return edit


def _digest(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None


# --- adding events -----------------------------------------------------------------------


def insert_position(dates: Sequence[date], on: date) -> int:
    """Where an event dated ``on`` goes in a history with these dates: after every event of
    the same day or earlier, so events stay in date order (rule ``event-order``) and events of
    one day keep the order they were recorded in. ``len(dates)`` appends."""
    for i, d in enumerate(dates):
        if d > on:
            return i
    return len(dates)


def placed_at(old: Sequence[date], new: Sequence[date]) -> list[int]:
    """The index each of ``new`` (in order) ends up at once ``append_events`` has added them
    all to a history dated ``old``: for pointing a finding back at its CSV row."""
    slots: list[tuple[date, int | None]] = [(d, None) for d in old]
    for n, on in sorted(enumerate(new), key=lambda x: x[1]):
        slots.insert(insert_position([d for d, _ in slots], on), (on, n))
    where = {n: i for i, (_, n) in enumerate(slots) if n is not None}
    return [where[n] for n in range(len(new))]


def _shifted_corrections(case: Case, at: int) -> list[str]:
    """Events after ``at`` whose ``corrects`` points at ``at`` or later: inserting there would
    change which event they correct (an index), so the insertion is refused."""
    return [
        f"events[{i}].corrects: {ev.corrects}"
        for i, ev in enumerate(case.events)
        if i >= at and ev.corrects is not None and ev.corrects >= at
    ]


@dataclass(frozen=True, slots=True)
class AppendEvents:
    """A change that adds ``events`` (plain dicts, YAML keys, each with a ``date``) to the
    case's ``events``, each in date order: at the end, or, for an event reported late (a call
    logged after the decision that followed it), before the first event dated after it. Only
    lines are inserted: the events already there keep their text (``yamledit.only_inserted``).

    Raises RecordError when an insertion would move an event that a later ``corrects`` names
    by its index.
    """

    events: tuple[Mapping[str, Any], ...]

    def in_date_order(self) -> list[dict[str, Any]]:
        """The new events, earliest first (a stable sort: one day's keep their order)."""
        return sorted((dict(e) for e in self.events), key=lambda e: e["date"])

    def appends_only(self, case: Case) -> bool:
        """True when every new event goes after the last one recorded (the fast splice)."""
        if not case.events:
            return True
        last = case.events[-1].date
        return all(isinstance(e.get("date"), date) and e["date"] >= last for e in self.events)

    def __call__(self, data: CommentedMap, case: Case) -> None:
        seq = data.get("events")
        if not isinstance(seq, CommentedSeq) or (not seq and seq.fa.flow_style()):
            # No events yet (or `events: []`): a block list in the canonical layout.
            yamledit.insert_key(data, "events", yamledit.node(self.in_date_order()), CASE_FIELDS)
            return
        original = [ev.date for ev in case.events]
        dates = list(original)
        for e in self.in_date_order():
            on = e["date"]
            at = insert_position(dates, on) if isinstance(on, date) else len(dates)
            if at < len(dates):
                moved = _shifted_corrections(case, insert_position(original, on))
                if moved:
                    raise RecordError(
                        f"an event of {on} belongs among the earlier events (date order), but "
                        f"{', '.join(moved)} names an event by its position, which would "
                        "change; record it with a note instead (casebook cannot renumber "
                        "corrections)"
                    )
            seq.insert(at, yamledit.node(e))
            dates.insert(at, on)


def append_events(events: Sequence[Mapping[str, Any]]) -> AppendEvents:
    """A change that adds ``events`` to the case's ``events`` in date order (``AppendEvents``)."""
    return AppendEvents(tuple(events))


# --- new cases ---------------------------------------------------------------------------


def prefix_for(book: Casebook, proc: Procedure) -> str:
    """Case-id letters: the procedure's ``case_prefix`` (or the initials of its id)."""
    del book  # one source of truth: the procedure file
    return proc.prefix


def taken_ids(book: Casebook) -> set[str]:
    """Ids in use: case files, and ids named in the deletion log (a purged id never returns)."""
    ids = {f.path.stem for f in book.files}
    try:  # confined to policy/ (store.paths); a refused path fails `check` on its own
        log = ledger_path(book.root, book.policy.settings.deletion_log)
        text = log.read_text(encoding="utf-8") if log is not None else ""
    except (PathRefused, OSError, UnicodeDecodeError):
        text = ""
    ids.update(re.findall(r"\b[A-Z]{2,6}-\d{4}-\d{4}\b", text))
    return ids


def next_id(book: Casebook, proc: Procedure, year: int) -> str:
    prefix = prefix_for(book, proc)
    pattern = re.compile(rf"^{re.escape(prefix)}-{year:04d}-(\d{{4}})$")
    numbers = [int(m.group(1)) for i in taken_ids(book) if (m := pattern.match(i))]
    n = max(numbers, default=0) + 1
    if n > 9999:
        raise RecordError(f"no free case id left for {prefix}-{year}")
    return f"{prefix}-{year:04d}-{n:04d}"


def plan_new(book: Casebook, record: Mapping[str, Any], as_of: date) -> Edit:
    """A new case file from plain data (YAML keys; ``id`` filled in when missing)."""
    data = dict(record)
    proc = book.policy.procedures.get(str(data.get("procedure")))
    if proc is None:
        known = ", ".join(sorted(book.policy.procedures))
        raise UsageError(f"unknown procedure {data.get('procedure')!r}; procedures: {known}")
    referral = data.get("referral") or {}
    when = referral.get("date")
    if "id" not in data:
        data = {"id": next_id(book, proc, when.year if isinstance(when, date) else as_of.year)} | {
            k: v for k, v in data.items()
        }
    case_id = str(data["id"])
    if not CASE_ID.match(case_id):
        raise UsageError(f"{case_id!r} is not a case id: use PREFIX-YYYY-NNNN")
    if case_id in taken_ids(book):
        raise UsageError(f"case id {case_id} is already taken; leave --id out to use the next one")
    ordered = {k: data[k] for k in CASE_FIELDS if k in data}
    ordered |= {k: v for k, v in data.items() if k not in ordered}
    root = yamledit.node(compact(ordered))
    root.yaml_set_start_comment(yamledit.SCHEMA_COMMENT)
    text = yamledit.dump(yamledit._yaml(), root)
    rel = f"{CASES_DIR}/{case_id}.yaml"
    return _validated(book, book.root / rel, rel, None, text, as_of)


# --- closing -----------------------------------------------------------------------------


def closing_states(case: Case, proc: Procedure) -> list[str]:
    """States of kind closed or dormant that the procedure allows from the case's state."""
    state = timeline(case, proc).state
    return [
        t.to
        for t in proc.transitions
        if state in t.from_ and t.to in proc.states and proc.states[t.to].kind in ENDED_KINDS
    ]


def current_restrictions(case: Case) -> list[dict[str, Any]]:
    """The restrictions of the latest decision, as YAML data (for --keep-restrictions)."""
    decisions = case.decisions()
    if not decisions:
        return []
    return [
        {"type": r.type}
        | r.model_dump(mode="python", by_alias=True, exclude_none=True, exclude_defaults=True)
        for r in decisions[-1][1].restrictions
    ]


def has_blocking(edit: Edit) -> bool:
    return has_errors(edit.new_errors)
