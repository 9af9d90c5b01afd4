"""A TCP proxy on loopback that loses one reply: the fault behind a retried enqueue.

It forwards bytes both ways between a client and a real Redis. Once armed with
a marker, the first command that carries it is forwarded, Redis's reply is
read (so the command certainly ran) and then dropped: the proxy closes the
client's connection instead of answering, as a network cut would.
"""

from __future__ import annotations

import socket
import threading
from contextlib import suppress
from urllib.parse import urlsplit


class LossyProxy:
    def __init__(self, upstream_url: str) -> None:
        parts = urlsplit(upstream_url)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self._db = parts.path or "/0"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._marker: bytes | None = None
        self._lock = threading.Lock()
        self.dropped = 0
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self._listener.getsockname()[1]}{self._db}"

    def drop_reply_to(self, marker: bytes) -> None:
        """Lose the reply to the next command containing ``marker`` (once)."""
        with self._lock:
            self._marker = marker

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            _Link(self, client, socket.create_connection(self._upstream)).start()

    def take_marker(self, data: bytes) -> bool:
        with self._lock:
            if self._marker is not None and self._marker in data:
                self._marker = None
                return True
            return False


class _Link:
    """One proxied connection: a pump each way."""

    def __init__(self, proxy: LossyProxy, client: socket.socket, server: socket.socket) -> None:
        self._proxy = proxy
        self._client = client
        self._server = server
        self._swallow = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self._up, daemon=True).start()
        threading.Thread(target=self._down, daemon=True).start()

    def _up(self) -> None:
        with suppress(OSError):
            while data := self._client.recv(65536):
                if self._proxy.take_marker(data):
                    self._swallow.set()  # before Redis can answer
                self._server.sendall(data)
        self._close()

    def _down(self) -> None:
        with suppress(OSError):
            while data := self._server.recv(65536):
                if self._swallow.is_set():
                    self._proxy.dropped += 1  # Redis ran the command; its reply is lost
                    break
                self._client.sendall(data)
        self._close()

    def _close(self) -> None:
        for sock in (self._client, self._server):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with suppress(OSError):
                sock.close()
