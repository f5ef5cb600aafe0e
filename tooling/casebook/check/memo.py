"""`casebook check`'s memo of its last run: the whole output, given again when no input changed.

A check's output depends only on the casebook code, the files under ``policy/`` and ``cases/``,
the ledgers ``policy/settings.yaml`` names (``extras``: they may lie outside ``policy/``), the
check date and the options. ``inputs_stamp`` hashes the names and ``stat_key`` (size, times,
inode: ``casebook.store.cache.stat_key`` says when that could be wrong) of every one of those
files without reading any, so a check with nothing changed costs a walk of two folders and one
SQLite row (issue 14: warm, nothing changed, at most 0.05 of a cold check).

This module imports no model: the memo is consulted before the half second of pydantic
schema building that a real run needs. Not used with ``--no-cache`` or ``--changed-since``
(which depends on git, not only on files).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from casebook.store.cache import CACHE_VERSION, recall_run, remember_run, walk_stamp

# What a check reads below the casebook root (besides the ledgers, which are ``extras``).
INPUT_DIRS = ("policy", "cases")
_PACKAGE = Path(__file__).resolve().parents[1]


def inputs_stamp(root: Path) -> str:
    """A digest that changes when any input of a check may have changed: every file of the
    casebook code, of ``policy/`` and of ``cases/`` (names, sizes, times, inodes)."""
    h = hashlib.sha256(CACHE_VERSION.encode())
    walk_stamp(_PACKAGE, "", h)
    for rel in INPUT_DIRS:
        walk_stamp(root, rel, h)
    return h.hexdigest()


def extras_stamp(root: Path, extras: list[str]) -> str:
    h = hashlib.sha256()
    for rel in extras:
        walk_stamp(root, rel, h)
    return h.hexdigest()


def run_key(inputs: str, options: dict[str, object]) -> str:
    return hashlib.sha256((inputs + json.dumps(options, sort_keys=True)).encode()).hexdigest()


def recall(root: Path, inputs: str, options: dict[str, object]) -> tuple[int, bytes] | None:
    """(exit code, output) of the last run with these inputs and options, or None."""
    got = recall_run(root, run_key(inputs, options))
    if got is None:
        return None
    stored_inputs, extras_json, code, output = got
    try:
        extras = json.loads(extras_json)
        if stored_inputs != inputs or extras_stamp(root, extras["paths"]) != extras["stamp"]:
            return None
    except (TypeError, ValueError, KeyError, RecursionError):
        return None
    return code, output


def remember(
    root: Path,
    inputs: str,
    options: dict[str, object],
    extras: list[str],
    code: int,
    output: bytes,
) -> None:
    """Keep this run's output for the next run with the same inputs and options.

    ``inputs`` must have been stamped *before* the run read anything, so a file changed
    during the run makes the next run miss rather than replay a stale answer."""
    rels = sorted(set(extras))
    stamped = json.dumps({"paths": rels, "stamp": extras_stamp(root, rels)})
    remember_run(root, run_key(inputs, options), inputs, stamped, code, output)
