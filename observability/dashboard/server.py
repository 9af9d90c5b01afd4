"""Serving the dashboard over HTTP with the standard library's threading server.

A dashboard has a handful of concurrent readers, so one thread per request
is plenty, and it keeps the extra down to jinja2. This module only turns
sockets into ``Request`` values and ``Response`` values back into bytes.
"""

from __future__ import annotations

import errno
import logging
import threading
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from jobcontracts.runtime.connection import CONNECTION_ERRORS

from .app import Dashboard, Request, Response

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 64 * 1024


class DashboardPortError(Exception):
    """The dashboard cannot listen where it was asked to."""


def _cookies(header: str | None) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header or "")
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def _handler(dashboard: Dashboard) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "jobctl-dashboard"

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            form: dict[str, str] = {}
            if method == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_FORM_BYTES:
                    self._send(Response(413, b"form too large", [("Content-Type", "text/plain")]))
                    return
                form = dict(parse_qsl(self.rfile.read(length).decode("utf-8", "replace")))
            request = Request(
                method,
                url.path,
                dict(parse_qsl(url.query)),
                form,
                _cookies(self.headers.get("Cookie")),
                {k.lower(): v for k, v in self.headers.items()},
            )
            try:
                response = dashboard.handle(request)
            except CONNECTION_ERRORS as error:
                message = f"cannot reach Redis: {error}".encode()
                response = Response(503, message, [("Content-Type", "text/plain; charset=utf-8")])
            self._send(response)

        def _send(self, response: Response) -> None:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("dashboard: " + format, *args)

    return Handler


class DashboardServer:
    """The dashboard listening on ``host:port`` (0 picks a free port)."""

    def __init__(self, dashboard: Dashboard, host: str, port: int) -> None:
        try:
            self.httpd = ThreadingHTTPServer((host, port), _handler(dashboard))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise DashboardPortError(
                    f"dashboard port {port} on {host} is already in use"
                ) from error
            raise DashboardPortError(
                f"cannot serve the dashboard on {host}:{port}: {error}"
            ) from error
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        """Serve in a background thread (tests); ``serve_forever`` blocks instead."""
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
