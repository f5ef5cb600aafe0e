"""SIGTERM and Ctrl-C (SIGINT): stop cleanly, leaving no temporary with personal data behind.

Python's default for SIGTERM is to die at once, running no ``finally``: a site build stopped
by a CI cancel or a service manager left its build folder (megabytes of pages with personal
data) beside ``--out`` until the next build. Here both signals raise ``Stopped`` in the main
thread, so every ``finally`` runs: ``subprocess.run`` kills and reaps the site builder
(MkDocs or Zensical run as a child process, never in-process), the build folder is removed,
and an output half swapped is put back. Then ``casebook.store.temporary.remove_own`` removes
whatever temporary this process still has, and the command exits 128 + the signal's number
(130 for SIGINT, 143 for SIGTERM, as shells do) with one line on stderr.

``Stopped`` is a ``BaseException`` but not a ``KeyboardInterrupt``: Click would turn the
latter into "Aborted!" with exit 1, and ``except Exception`` must not swallow it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stopped(BaseException):
    """The run was stopped by ``signum``; raised by the handler, caught by ``cli.main.run``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@contextmanager
def stops_cleanly() -> Iterator[None]:
    """Within: SIGINT and SIGTERM raise ``Stopped`` once; the previous handlers after.

    A second signal while the first is being handled (the clean-up running) is ignored: it
    would interrupt the removal of the temporaries or the putting back of an old site.
    Outside the main thread (signals cannot be handled there) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping = False

    def handler(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        raise Stopped(signum)

    previous = {s: signal.signal(s, handler) for s in SIGNALS}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)
