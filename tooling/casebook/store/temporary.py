"""Temporary files and folders that never outlive an interrupted run.

Every temporary casebook makes beside its target (a record being rewritten, a site or letters
folder being built) is named ``.casebook-tmp.PID.RANDOM.NAME`` (``PATTERN``):

* the repository's ``.gitignore`` ignores ``.casebook-tmp.*``, so a half-written copy of a
  record (personal data) left by ``kill -9`` or a power cut is never committed;
* the next casebook run that writes in that folder removes the temporaries of processes that
  are no longer running (``clean_stale``), so nothing stays behind for long. A temporary of a
  running process is left alone, unless it is older than ``STALE_AFTER`` (the process id was
  reused by an unrelated program).
* a run stopped by SIGTERM or Ctrl-C removes its own temporaries before it exits
  (``remove_own``, called by the command line's signal handling in ``casebook.cli.stop``);
* SIGKILL cannot be caught: meanwhile a temporary folder is owner-only (0o700, ``mkdtemp``)
  and a temporary file owner-only (0o600, ``mkstemp``) until renamed into place, so other
  users of the machine cannot read the personal data in it.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

PREFIX = ".casebook-tmp."
PATTERN = re.compile(r"^\.casebook-tmp\.(\d+)\.")
# A casebook run takes minutes at most; a day-old temporary is stale whatever its process id.
STALE_AFTER = 24 * 3600.0
# The folders this process has made temporaries in (``remove_own`` looks there). Folders,
# not the temporaries themselves: a folder is noted before its temporary is made, so a signal
# arriving between ``mkdtemp`` returning and the caller keeping the path loses nothing.
_FOLDERS: set[Path] = set()


def prefix(name: str) -> str:
    """The prefix of this process's temporaries for ``name`` (NAME goes last, for people)."""
    del name
    return f"{PREFIX}{os.getpid()}."


def new_file(folder: Path, name: str) -> tuple[int, Path]:
    """An open file descriptor and the path of a new temporary file in ``folder``."""
    clean_stale(folder)
    _FOLDERS.add(Path(os.path.abspath(folder)))  # noqa: PTH100 - no symlink resolution
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=prefix(name), suffix=f".{name}")
    return fd, Path(tmp)


def new_dir(folder: Path, name: str) -> Path:
    """A new temporary folder in ``folder``."""
    clean_stale(folder)
    _FOLDERS.add(Path(os.path.abspath(folder)))  # noqa: PTH100 - no symlink resolution
    return Path(tempfile.mkdtemp(dir=folder, prefix=prefix(name), suffix=f".{name}"))


def clean_stale(folder: Path) -> list[Path]:
    """Remove temporaries in ``folder`` left by casebook runs that ended; returns them.

    Never raises: cleaning is a courtesy, and a folder we cannot list is reported by the write
    that follows.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        m = PATTERN.match(entry.name)
        if m is None:
            continue
        pid = int(m.group(1))
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if pid == os.getpid() or (_running(pid) and age < STALE_AFTER):
            continue
        if _remove(entry):
            removed.append(Path(entry.path))
    return removed


def _remove(entry: os.DirEntry[str]) -> bool:
    """Remove a temporary (a folder with what it holds, or a file); False when it could not."""
    try:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)  # noqa: PTH108
    except OSError:
        return False
    return True


def remove_own() -> list[Path]:
    """Remove every temporary this process still has (a run being stopped); returns them.

    Only names with this process's id (``prefix``) in the folders it wrote temporaries in:
    whatever was renamed into place is no longer a temporary and stays. Never raises.
    """
    removed: list[Path] = []
    mine = prefix("")
    for folder in sorted(_FOLDERS):
        try:
            entries = [e for e in os.scandir(folder) if e.name.startswith(mine)]
        except OSError:
            continue
        removed += [Path(entry.path) for entry in entries if _remove(entry)]
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    except OSError:
        return False
    return True
