"""Paths written in policy files, confined to their folder and read as regular files.

A procedure's ``text:``, a letter's ``template:``, a Jinja include, the letterhead's files, the
ledgers named in ``policy/settings.yaml``: each is a path a council writes in a file merged by
pull request, and each is read (and printed into letters, PDFs and the site) by code running
where secrets live. Issue 16: "Templates, partials, the letterhead, `text:` in a procedure
(today `text: ../../../x` prints any file into the enclosure) and any other path in policy/
resolve inside their folder, as regular files".

The rule, everywhere: the path is relative (no leading ``/``, no drive, no backslash), has no
``..`` part, and no part of it below the casebook root is a symbolic link (checked with
``lstat``, so a link is refused whatever it points at: what a reviewer sees in the pull request
is what is read); the file is a regular file; its resolved path lies inside the folder.
``check`` reports a path that breaks this (``check.policy_rules``); the reading code refuses it
too (:func:`read_confined`), so a casebook that skipped `check` is still safe.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

from casebook.errors import ConfigError
from casebook.store import safefile

PROCEDURES_DIR = "policy/procedures"


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds ``policy/procedures/``.

    Here, not in ``store.reader``, so that finding the casebook imports no model (a warm
    ``check`` answers before any model is needed: ``casebook.check.memo``).
    """
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / PROCEDURES_DIR).is_dir():
            return folder
    raise ConfigError(
        f"no casebook found at or above {start}: expected a folder with {PROCEDURES_DIR}/ "
        "(run casebook from inside your casebook, or pass --root)"
    )


class PathRefused(ConfigError):
    """A path in a policy file that casebook will not read; the message says why."""


class PathMissing(PathRefused):
    """A well-formed confined path whose file does not exist (optional files are skipped)."""


def confined(root: Path, folder: str, rel: str) -> Path:
    """The file ``<root>/<folder>/<rel>``, after checking it is confined (see module doc).

    ``folder`` is casebook's own (e.g. ``policy/published``), relative to ``root`` with ``/``;
    ``rel`` is the value from the policy file. Raises :class:`PathMissing` when the file does
    not exist and :class:`PathRefused` for anything else; both name ``folder/rel``.
    """
    shown = f"{folder}/{rel}" if folder else rel
    where = f"{folder}/" if folder else "the casebook"
    if not rel.strip():
        raise PathRefused(f"an empty path cannot name a file in {where}")
    if "\x00" in rel or "\\" in rel:
        raise PathRefused(f"{rel!r}: write paths with / only (no backslash), relative to {where}")
    posix = PurePosixPath(rel)
    if posix.is_absolute() or PureWindowsPath(rel).drive or rel.startswith("~"):
        raise PathRefused(f"{rel!r} is absolute: write it relative to {where}")
    if ".." in posix.parts:
        raise PathRefused(f"{rel!r} goes outside {where} with '..'")
    # The walk below the root (a link anywhere refused, a regular file at the end) is the
    # safe reader's own: one implementation of "a regular file inside the casebook".
    current = root.joinpath(*PurePosixPath(folder).parts, *posix.parts)
    try:
        safefile.check_regular(root, current)
    except FileNotFoundError:
        raise PathMissing(f"{shown} not found") from None
    except safefile.UnsafeFile as exc:
        raise PathRefused(
            f"{shown} is not a regular file: it {exc.why}; casebook reads only regular files "
            f"inside {where}, never through links"
        ) from None
    except OSError as exc:
        raise PathRefused(f"{shown} cannot be read: {exc.strerror}") from None
    base = (root / folder).resolve()
    if not current.resolve().is_relative_to(base):  # belt and braces: nothing above allows it
        raise PathRefused(f"{shown} resolves outside {where}")
    return current


def path_problem(root: Path, folder: str, rel: str, *, missing_ok: bool = False) -> str | None:
    """Why ``confined(root, folder, rel)`` refuses, or None (also None if missing and allowed)."""
    try:
        confined(root, folder, rel)
    except PathMissing as exc:
        return None if missing_ok else str(exc)
    except PathRefused as exc:
        return str(exc)
    return None


def read_confined(root: Path, folder: str, rel: str) -> bytes:
    """The bytes of a confined file (raises as :func:`confined`, or ``PathRefused`` on I/O).

    Opened with ``O_NOFOLLOW`` and checked again with ``fstat``, so a file swapped for a link
    after the check is still refused.
    """
    path = confined(root, folder, rel)
    try:
        return safefile.read_bytes(root, path)  # O_NOFOLLOW, and fstat must match the check
    except safefile.UnsafeFile as exc:
        raise PathRefused(f"{folder}/{rel}: {exc.why}") from None
    except OSError as exc:
        raise PathRefused(f"{folder}/{rel} cannot be read: {exc.strerror}") from None


def policy_file(settings_value: str) -> tuple[str, str]:
    """A path from ``policy/settings.yaml`` (``policy/deletion-log.yaml``) as (folder, rel).

    Ledgers live in ``policy/``; a value outside it is refused (``PathRefused``).
    """
    head, sep, rest = settings_value.partition("/")
    if head != "policy" or not sep:
        raise PathRefused(f"{settings_value!r} must be a file inside policy/")
    return "policy", rest
