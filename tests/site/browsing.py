"""What the browser tests share: Debian's chromium through Playwright, a site served on 127.0.0.1.

The browser is Debian's own (/usr/bin/chromium, installed by .ci/install), never a downloaded
one: the tests download nothing.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, NoReturn

import pytest

from casebook.publish.site.serve import make_server
from tests.conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts"


def unavailable(why: str) -> NoReturn:
    # In CI the browser is installed by .ci/install: its absence is a failure, not a skip.
    if os.environ.get("CI") == "true":
        pytest.fail(f"{why} (CI=true: .ci/install should have installed it)")
    pytest.skip(why)


def launch(playwright: Any) -> Any:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is not installed")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)


def sync_playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError:
        unavailable("playwright is not installed")
    return start()


class Served:
    """A built site (or any folder with an index.html) on a free port of 127.0.0.1."""

    def __init__(self, directory: Path) -> None:
        self.server = make_server(directory, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
