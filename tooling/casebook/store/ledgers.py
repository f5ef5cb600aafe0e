"""Reading (and, for the deletion log, appending to) the casebook-wide ledgers.

Both files are optional: a missing file is an empty ledger. A file that is present but invalid
gives findings with file, line and field, never an exception; commands that would write to it
refuse instead (``ConfigError``), so a broken deletion log is never overwritten.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import yaml

from casebook.errors import ConfigError
from casebook.model.findings import Finding
from casebook.model.ledgers import DeletionLog, LogReviewHeld, LogReviews, Tombstone
from casebook.model.settings import Settings
from casebook.store import locks
from casebook.store.cases import write_atomic
from casebook.store.paths import PathMissing, PathRefused, confined, policy_file, read_confined
from casebook.store.reader import SETTINGS_FILE, read_model, with_line

__all__ = [
    "DeletionLog",
    "LogReviewHeld",
    "LogReviews",
    "Tombstone",
    "append_tombstone",
    "load_deletion_log",
    "load_log_reviews",
]

DELETION_LOG_HEADER = (
    "# The deletion log: one tombstone per purged case (written by `casebook purge`).\n"
    "# Tombstones hold no personal data: the case id, procedure, key dates, ground and the\n"
    "# date of the purge only. `casebook check` fails if a purged id appears in cases/ again.\n"
)


def ledger_path(root: Path, value: str) -> Path | None:
    """The ledger a settings value names, confined to ``policy/`` (``store.paths``).

    None when the file does not exist yet (an empty ledger); ``PathRefused`` when the value
    is absolute, outside ``policy/``, has ``..`` or passes through a link.
    """
    folder, rel = policy_file(value)
    try:
        return confined(root, folder, rel)
    except PathMissing:
        return None


def _refused(root: Path, field: str, exc: PathRefused) -> list[Finding]:
    try:
        text: str | None = read_confined(root, "policy", "settings.yaml").decode("utf-8")
    except (PathRefused, UnicodeDecodeError):
        text = None
    return [with_line(Finding("error", "policy", str(exc), loc=(field,)), SETTINGS_FILE, text)]


def load_deletion_log(root: Path, settings: Settings) -> tuple[DeletionLog | None, list[Finding]]:
    try:
        path = ledger_path(root, settings.deletion_log)
    except PathRefused as exc:
        return None, _refused(root, "deletion_log", exc)
    if path is None:
        return DeletionLog(), []
    loaded = read_model(root, path, DeletionLog, "deletion-log")
    return loaded.model, loaded.findings


def load_log_reviews(root: Path, settings: Settings) -> tuple[LogReviews | None, list[Finding]]:
    try:
        path = ledger_path(root, settings.log_reviews)
    except PathRefused as exc:
        return None, _refused(root, "log_reviews", exc)
    if path is None:
        return LogReviews(), []
    loaded = read_model(root, path, LogReviews, "log-review")
    return loaded.model, loaded.findings


def append_tombstone(root: Path, settings: Settings, tombstone: Tombstone) -> Path:
    """Add a tombstone to the deletion log, atomically. Refuses to touch an invalid log.

    The log is read and written under its lock (``store.locks``): two purges at once both
    keep their tombstone. ``locks.Busy`` when another command holds it past the timeout.
    """
    path = root / settings.deletion_log
    # Read once before the lock too: a deletion_log outside policy/ is refused (a finding)
    # before any lock file is made beside it.
    log, findings = load_deletion_log(root, settings)
    lock = locks.hold(path, settings.deletion_log) if log is not None else nullcontext()
    with lock:
        if log is not None:
            log, findings = load_deletion_log(root, settings)
        if log is None:
            raise ConfigError(
                f"{settings.deletion_log} is not valid, so nothing was purged:\n"
                + "\n".join(f.as_text() for f in findings)
            )
        if tombstone.id in log.ids():
            raise ConfigError(f"{tombstone.id} is already in {settings.deletion_log}")
        entries = [*log.purged, tombstone]
        # Python mode keeps dates as dates, so they are written as YAML dates (unquoted).
        payload = {"purged": [t.model_dump(exclude_none=True) for t in entries]}
        text = DELETION_LOG_HEADER + yaml.safe_dump(payload, sort_keys=False, allow_unicode=True)
        write_atomic(path, text.encode("utf-8"))
    return path
