"""`casebook site serve`: preview a built site on this machine only.

A plain static file server on a loopback address. It is for checking a build, not for
publishing: the site carries personal data and is served to staff only behind the council's
sign-in (docs/deployment.md).
"""

from __future__ import annotations

import ipaddress
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from casebook.errors import UsageError

# Sent with every response; docs/deployment.md sets the same in nginx.
HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    # Material needs inline scripts and styles; everything else comes from this origin only.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}


class _Handler(SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        for name, value in HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A missing page gets the site's own 404 page (as nginx does: docs/deployment.md)."""
        page = Path(self.directory) / "404.html"
        if code != 404 or self.command not in ("GET", "HEAD") or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404, message)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # No access log: request paths name cases, and the preview needs none.
        return


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A server for ``directory`` on a loopback address; ``port=0`` picks a free port."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise UsageError(
            f"--bind {host}: the preview serves personal data and listens on this machine only "
            "(127.0.0.1, ::1 or localhost). Publish the site behind the council's sign-in: "
            "see docs/deployment.md"
        )
    if not (directory / "index.html").is_file():
        raise UsageError(f"{directory} holds no built site; run `casebook site build` first")
    handler = partial(_Handler, directory=str(directory))
    try:
        return ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
