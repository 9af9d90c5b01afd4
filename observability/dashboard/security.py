"""Who may change queues from the dashboard: the operator token, sessions and CSRF.

The operator sets a token (``--token`` or ``JOBCTL_DASHBOARD_TOKEN``); without
one the dashboard is read-only. Signing in with the token sets a session
cookie (HttpOnly, SameSite=Strict) whose value is a random nonce signed with a
key drawn when the server starts. Every action form carries a CSRF token
derived from that nonce, and an action is allowed only when both match (or
when the request itself carries ``Authorization: Bearer <token>``, which a
foreign page cannot make a browser send). A ``Origin`` header naming another
site is refused as well. Comparisons are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

COOKIE = "jobctl_session"


def _sign(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Guard:
    token: str | None
    """The operator token; None makes the dashboard read-only."""
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    @property
    def writable(self) -> bool:
        return bool(self.token)

    def token_matches(self, given: str) -> bool:
        return bool(self.token) and hmac.compare_digest(given.encode(), (self.token or "").encode())

    def new_session(self) -> str:
        nonce = secrets.token_hex(16)
        return f"{nonce}.{_sign(self.key, 'session:' + nonce)}"

    def session_nonce(self, cookies: Mapping[str, str]) -> str | None:
        """The nonce of a valid session cookie, else None."""
        if not self.writable:
            return None
        nonce, _, signature = cookies.get(COOKIE, "").partition(".")
        if not nonce or not hmac.compare_digest(signature, _sign(self.key, "session:" + nonce)):
            return None
        return nonce

    def csrf_token(self, nonce: str) -> str:
        return _sign(self.key, "csrf:" + nonce)

    def may_act(
        self, cookies: Mapping[str, str], form: Mapping[str, str], headers: Mapping[str, str]
    ) -> bool:
        """Whether a POST may change anything (token and CSRF, or a bearer token)."""
        if not self.writable or not _same_origin(headers):
            return False
        bearer = headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            return self.token_matches(bearer[7:].strip())
        nonce = self.session_nonce(cookies)
        if nonce is None:
            return False
        return hmac.compare_digest(form.get("csrf", ""), self.csrf_token(nonce))


def _same_origin(headers: Mapping[str, str]) -> bool:
    origin = headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    host = headers.get("host", "")
    return origin in (f"http://{host}", f"https://{host}")
