"""One writer at a time per casebook file: the lock every read-modify-write holds.

A record command reads a file, works out the new text, and renames the new text over it
(``cases.write_atomic``). Two commands doing that to one file at the same moment must not both
read the same old bytes: the second rename would silently drop the first command's event. So
every read-modify-write of a casebook file (a case, a ledger, a file ``casebook fmt`` rewrites)
holds ``hold(path)`` from before it reads the bytes it compares until after the rename, and
compares them under the lock.

How: ``fcntl.flock`` on a lock file beside the target, ``.casebook-lock.NAME.lock`` (``PREFIX``;
not ending in ``.yaml``, so no command takes it for a case file).

* Why flock and not a library: the standard library's flock is all this needs on Linux and
  macOS, the kernel releases it when its process dies (``kill -9``, a power cut ends every
  holder), and it writes nothing into the lock file. casebook does not run on Windows anyway
  (``write_atomic`` relies on ``os.fchmod``, which Windows' Python 3.11 lacks).
* Waiting is bounded: ``timeout`` seconds (``TIMEOUT``, or ``$CASEBOOK_LOCK_TIMEOUT``), then
  ``Busy`` (a ``RecordError``, exit 1: "another casebook command is writing cases/X.yaml; try
  again"). A lock is never held while anyone is asked a question, so the wait is for another
  command's write only (a second or two).
* Nothing stays behind: the holder removes the lock file before it lets go. A process that had
  opened the old file and then gets its lock sees that the name now points elsewhere (or
  nowhere) and starts again, so removing it is safe. A lock file left by a killed process is
  empty (it holds no personal data, its name is the file's), is ignored by git (``.gitignore``:
  ``.casebook-lock.*``), and is taken over and removed by the next write.
* Re-entrant within a process: ``purge`` holds the case's lock and then the deletion log's;
  ``apply`` inside a command that already holds the case's lock takes it again for free.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from casebook.errors import RecordError

PREFIX = ".casebook-lock."
# Seconds to wait for another command's write (they take well under a second; a casebook of
# 10,000 cases is validated before the lock is taken, not under it).
TIMEOUT = 30.0
TIMEOUT_ENV = "CASEBOOK_LOCK_TIMEOUT"
_POLL = 0.02

# Lock files this process holds: path -> (descriptor, depth). flock belongs to an open file
# description, so opening the same lock file twice in one process would wait on itself.
_held: dict[str, tuple[int, int]] = {}


class Busy(RecordError):
    """Another casebook command held the file's lock for longer than the timeout."""


def lock_path(path: Path) -> Path:
    """The lock file of ``path``: ``.casebook-lock.NAME.lock`` in the same folder."""
    return path.parent / f"{PREFIX}{path.name}.lock"


def timeout() -> float:
    """``$CASEBOOK_LOCK_TIMEOUT`` when it is a number of seconds >= 0, else ``TIMEOUT``."""
    raw = os.environ.get(TIMEOUT_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return TIMEOUT
    return value if value >= 0 else TIMEOUT


@contextmanager
def hold(path: Path, rel: str, wait: float | None = None) -> Iterator[None]:
    """Hold the exclusive lock of ``path`` (``rel`` names it in messages) for the block.

    Raises ``Busy`` after ``wait`` seconds (default ``timeout()``) when another process holds
    it, and ``RecordError`` when the lock file cannot be made (a read-only folder, a link
    planted in its place).
    """
    key = os.path.abspath(lock_path(path))  # noqa: PTH100 - lexical: the name, not a link's target
    if key in _held:
        fd, depth = _held[key]
        _held[key] = (fd, depth + 1)
        try:
            yield
        finally:
            fd, depth = _held[key]
            _held[key] = (fd, depth - 1)
        return
    fd = _acquire(key, rel, timeout() if wait is None else wait)
    _held[key] = (fd, 1)
    try:
        yield
    finally:
        del _held[key]
        # Remove the name first, then let go: whoever opened it meanwhile starts again.
        with suppress(OSError):
            os.unlink(key)  # noqa: PTH108
        os.close(fd)


def _acquire(name: str, rel: str, wait: float) -> int:
    deadline = time.monotonic() + wait
    # O_NOFOLLOW: a link planted at the lock's name is refused, never followed and created.
    # O_NONBLOCK: a FIFO planted there does not block the open (it is refused below).
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    while True:
        try:
            Path(name).parent.mkdir(parents=True, exist_ok=True)  # a casebook's first case
            fd = os.open(name, flags, 0o600)
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                os.close(fd)
                raise OSError(errno.EINVAL, "not a regular file")
        except OSError as exc:
            raise RecordError(
                f"{rel}: cannot make its lock file {os.path.basename(name)}: "  # noqa: PTH119
                f"{exc.strerror or exc}; nothing was written"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise RecordError(
                    f"{rel}: cannot lock it: {exc.strerror or exc}; nothing was written"
                ) from None
            if time.monotonic() >= deadline:
                raise Busy(
                    f"another casebook command is writing {rel}; try again (nothing was written)"
                ) from None
            time.sleep(_POLL)
            continue
        if _current(fd, name):
            return fd
        # The holder removed this file as it let go: lock the one that is there now.
        os.close(fd)


def _current(fd: int, name: str) -> bool:
    """True when ``fd`` is the regular file that ``name`` names now."""
    try:
        now = os.lstat(name)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return stat.S_ISREG(now.st_mode) and (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino)
