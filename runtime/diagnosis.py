"""One line that says what is wrong with the way we reach Redis, and how to fix it.

redis-py reports the server's raw text ("HELLO must be called with the client
already authenticated") or a socket error ("Connection reset by peer"). The
people reading it want the cause and the fix: a missing or wrong password,
a user whose ACL lacks a command, a plain connection to a TLS port, nothing
listening. ``explain`` turns an error into that line; it never raises.
"""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from redis.exceptions import AuthenticationError, AuthorizationError, NoPermissionError

from .errors import RedisAccessError
from .retrying import ACCESS_ERRORS

ACL_DOCS = "see the ACL line in docs/runtime.md"
TLS_PROBE_TIMEOUT_S = 1.0

_COMMAND = re.compile(r"run the '([^']+)' command")


@dataclass(frozen=True, slots=True)
class Target:
    """What a Redis URL names, for messages (never the password itself).

    ``address`` is ``host:port``, the hosts of a Cluster or Sentinel URL
    (``h1:p1,h2:p2``), or a Unix socket's path.
    """

    scheme: str
    address: str
    path: str
    user: str | None
    has_password: bool

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        scheme = parts.scheme or "redis"
        address = parts.netloc.rpartition("@")[2] or "localhost:6379"
        if scheme == "unix":
            address = parts.path
        elif ":" not in address:
            address += ":6379"
        single = scheme in ("redis", "rediss")
        return cls(
            scheme=scheme,
            address=address,
            path=(parts.path or "/0") if single else parts.path,
            user=unquote(parts.username) if parts.username else None,
            has_password=bool(parts.password),
        )

    @property
    def user_name(self) -> str:
        return self.user or "default"

    @property
    def db(self) -> str:
        return self.path.lstrip("/") or "0"

    def url_with_password(self) -> str:
        user = self.user or ""
        if self.scheme == "unix":
            return f"unix://{user}:PASSWORD@{self.path}"
        return f"{self.scheme}://{user}:PASSWORD@{self.address}{self.path}"


_SCRIPT_DENIED = "can't run this command"


def is_access_error(error: BaseException) -> bool:
    """Redis refused these credentials or this command: waiting will not help."""
    return isinstance(error, ACCESS_ERRORS) or _SCRIPT_DENIED in str(error)


def refused(error: BaseException, url: str, *, prefix: str = "jobs") -> RedisAccessError:
    """The error a worker stops with when Redis refuses it (``raise refused(e, url) from e``)."""
    return RedisAccessError(explain(error, url, prefix=prefix))


def explain(error: BaseException, url: str, *, prefix: str = "jobs", tls_probe: bool = True) -> str:
    """The cause of ``error`` (met while using ``url``) and its fix, in one line.

    A connection error on a plain URL costs one TLS handshake probe (up to a
    second) unless ``tls_probe`` is False (the caller probed already).
    """
    target = Target.parse(url)
    text = " ".join(str(error).split())
    if isinstance(error, AuthenticationError):
        return _authentication(target)
    if isinstance(error, (NoPermissionError, AuthorizationError)) or _SCRIPT_DENIED in text:
        return _permission(target, text, prefix)
    if isinstance(error, ssl.SSLError) or "SSL" in text:
        if target.scheme == "rediss" and ("WRONG_VERSION" in text or "record layer" in text):
            return (
                f"the server at {target.address} does not speak TLS: "
                "use redis:// instead of rediss:// in REDIS_URL"
            )
        return f"TLS with the server at {target.address} failed: {text}"
    if tls_probe and "refused" not in text and looks_like_tls(url):
        return tls_port_line(url)
    if "refused" in text:
        return (
            f"cannot reach Redis at {target.address}: connection refused "
            "(is it running, and is REDIS_URL right?)"
        )
    return f"cannot reach Redis at {target.address}: {text}"


def tls_port_line(url: str) -> str:
    """The line for a plain ``redis://`` URL that reached a TLS port."""
    return (
        f"the server at {Target.parse(url).address} looks like TLS: "
        "use rediss:// instead of redis:// in REDIS_URL"
    )


def _authentication(target: Target) -> str:
    if not target.has_password:
        return f"Redis requires a password: add it to REDIS_URL as {target.url_with_password()}"
    return (
        f"Redis rejected the password of user '{target.user_name}' "
        "(wrong password, or the user is disabled): fix it in REDIS_URL "
        f"({target.url_with_password()})"
    )


def _permission(target: Target, text: str, prefix: str) -> str:
    match = _COMMAND.search(text)
    if match:
        return f"user '{target.user_name}' may not run {match.group(1).upper()}: {ACL_DOCS}"
    if _SCRIPT_DENIED in text:
        return (
            f"user '{target.user_name}' may not run a command the runtime's Lua scripts use "
            f"(`jobctl doctor` lists which): {ACL_DOCS}"
        )
    if "key" in text:
        return f"user '{target.user_name}' may not use the keys {prefix}:*: {ACL_DOCS}"
    return f"user '{target.user_name}' is not allowed this ({text}): {ACL_DOCS}"


def looks_like_tls(url: str) -> bool:
    """Whether a plain ``redis://`` URL points at a port that answers a TLS handshake.

    A TLS server answers a ClientHello with a handshake, or with a TLS alert
    (for instance when it wants a client certificate); a plain Redis answers
    with RESP text, which OpenSSL reports as a wrong version number.
    """
    parts = urlsplit(url)
    if parts.scheme != "redis" or parts.hostname is None:
        return False
    try:
        host, port = parts.hostname, parts.port or 6379
    except ValueError:
        return False
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        raw = socket.create_connection((host, port), TLS_PROBE_TIMEOUT_S)
        with raw, context.wrap_socket(raw, server_hostname=host):
            return True
    except ssl.SSLError as error:
        return "ALERT" in (error.reason or "").upper()
    except OSError:
        return False
