"""What a Redis URL says about the deployment: one server, a Sentinel group or a Cluster.

``parse_url`` turns ``REDIS_URL`` into an ``Endpoint`` without touching a
socket, so a malformed URL fails at once with one line that names the problem.
The schemes:

- ``redis://`` / ``rediss://`` / ``unix://``: one server, passed to redis-py as is;
- ``redis+cluster://[user:password@]host:port[,host:port...]`` (``rediss+cluster``
  with TLS): the seed nodes of a Redis Cluster;
- ``redis+sentinel://[user:password@]host:port[,host:port...]/SERVICE[/DB]``
  (``rediss+sentinel`` with TLS): the sentinels and the monitored service name.

Query parameters shared by every scheme: ``wait_replicas=N`` and
``wait_timeout_ms=T`` make enqueue and settlement wait for N replicas (WAIT).
TLS: ``ssl_ca_certs``, ``ssl_certfile``, ``ssl_keyfile``, ``ssl_cert_reqs``
(``none``/``optional``/``required``) and ``ssl_check_hostname``. Sentinels that
require their own password take ``sentinel_username`` and ``sentinel_password``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from .errors import TopologyError

__all__ = ["Endpoint", "ReplicaWait", "TopologyError", "parse_url", "redact"]

Kind = Literal["single", "cluster", "sentinel"]

TLS_PARAMS = frozenset(
    {"ssl_ca_certs", "ssl_certfile", "ssl_keyfile", "ssl_cert_reqs", "ssl_check_hostname"}
)
SENTINEL_PARAMS = frozenset({"sentinel_username", "sentinel_password"})
WAIT_PARAMS = frozenset({"wait_replicas", "wait_timeout_ms"})
DEFAULT_WAIT_TIMEOUT_MS = 1000

_SCHEMES: dict[str, tuple[Kind, bool]] = {
    "redis+cluster": ("cluster", False),
    "rediss+cluster": ("cluster", True),
    "redis+sentinel": ("sentinel", False),
    "rediss+sentinel": ("sentinel", True),
}


@dataclass(frozen=True, slots=True)
class ReplicaWait:
    """Wait until ``replicas`` replicas hold a write before it counts as done (WAIT)."""

    replicas: int
    timeout_ms: int


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A parsed Redis URL. ``url`` is what redis-py gets for a single server."""

    kind: Kind
    url: str
    nodes: tuple[tuple[str, int], ...] = ()
    tls: bool = False
    username: str | None = None
    password: str | None = None
    db: int = 0
    service: str = ""
    tls_options: tuple[tuple[str, str], ...] = ()
    sentinel_auth: tuple[tuple[str, str], ...] = ()
    wait: ReplicaWait | None = None

    def node_url(self, host: str, port: int) -> str:
        """A ``redis://`` URL for one node, with this endpoint's credentials and TLS."""
        creds = ""
        if self.password is not None:
            creds = f"{quote(self.username or '', safe='')}:{quote(self.password, safe='')}@"
        elif self.username:
            creds = f"{quote(self.username, safe='')}@"
        host_part = f"[{host}]" if ":" in host else host
        scheme = "rediss" if self.tls else "redis"
        return urlunsplit(
            (scheme, f"{creds}{host_part}:{port}", f"/{self.db}", urlencode(self.tls_options), "")
        )

    def describe(self) -> str:
        """Where this endpoint points, without secrets (for messages)."""
        hosts = ",".join(f"{h}:{p}" for h, p in self.nodes)
        if self.kind == "cluster":
            return f"cluster seeds {hosts}"
        if self.kind == "sentinel":
            return f"sentinel service {self.service!r} at {hosts}"
        return redact(self.url)


def redact(url: str) -> str:
    """The URL without its passwords (user part, ``password=`` queries), for logs and messages."""
    url = re.sub(r"([?&](?:sentinel_)?password=)[^&]*", r"\1***", url)
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    creds, _, host = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if user else f"{scheme}://***@{host}"


def _wait(params: dict[str, str], url: str) -> ReplicaWait | None:
    raw = params.pop("wait_replicas", None)
    timeout_raw = params.pop("wait_timeout_ms", None)
    if raw is None:
        if timeout_raw is not None:
            raise TopologyError(f"{redact(url)}: wait_timeout_ms needs wait_replicas")
        return None
    try:
        replicas = int(raw)
        timeout = DEFAULT_WAIT_TIMEOUT_MS if timeout_raw is None else int(timeout_raw)
    except ValueError as error:
        raise TopologyError(
            f"{redact(url)}: wait_replicas and wait_timeout_ms must be integers"
        ) from error
    if replicas < 0 or timeout < 1:
        raise TopologyError(f"{redact(url)}: wait_replicas must be >= 0, wait_timeout_ms >= 1")
    return ReplicaWait(replicas, timeout) if replicas else None


def _hosts(netloc: str, url: str) -> tuple[str | None, str | None, tuple[tuple[str, int], ...]]:
    creds, at, hostlist = netloc.rpartition("@")
    username: str | None = None
    password: str | None = None
    if at:
        user, colon, secret = creds.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
    nodes: list[tuple[str, int]] = []
    for item in hostlist.split(","):
        host, colon, port = item.strip().rpartition(":")
        host = host.strip("[]")
        if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise TopologyError(f"{redact(url)}: {item.strip()!r} is not host:port")
        nodes.append((host, int(port)))
    return username, password, tuple(nodes)


def parse_url(url: str) -> Endpoint:
    """Read a Redis URL; raises ``TopologyError`` with one line saying what is wrong."""
    split = urlsplit(url)
    scheme = split.scheme.lower()
    params = dict(parse_qsl(split.query, keep_blank_values=True))
    had_wait = bool(WAIT_PARAMS & set(params))
    wait = _wait(params, url)
    if scheme not in _SCHEMES:
        if scheme not in ("redis", "rediss", "unix"):
            raise TopologyError(
                f"{redact(url)}: unknown scheme {split.scheme!r} (use redis://, rediss://, "
                "unix://, redis+cluster://, rediss+cluster:// or redis+sentinel://)"
            )
        plain = urlunsplit(split._replace(query=urlencode(params))) if had_wait else url
        return Endpoint("single", plain, wait=wait)
    kind, tls = _SCHEMES[scheme]
    unknown = sorted(set(params) - TLS_PARAMS - (SENTINEL_PARAMS if kind == "sentinel" else set()))
    if unknown:
        raise TopologyError(f"{redact(url)}: unknown parameter(s) {', '.join(unknown)}")
    if not tls and any(name in TLS_PARAMS for name in params):
        raise TopologyError(f"{redact(url)}: TLS parameters need the rediss+ scheme")
    username, password, nodes = _hosts(split.netloc, url)
    tls_options = tuple(sorted((k, v) for k, v in params.items() if k in TLS_PARAMS))
    sentinel_auth = tuple(sorted((k, v) for k, v in params.items() if k in SENTINEL_PARAMS))
    path = [part for part in split.path.split("/") if part]
    service, db = "", 0
    if kind == "cluster" and path:
        raise TopologyError(f"{redact(url)}: a cluster URL takes no path (a cluster has only db 0)")
    if kind == "sentinel":
        if not 1 <= len(path) <= 2 or (len(path) == 2 and not path[1].isdigit()):
            raise TopologyError(f"{redact(url)}: expected /SERVICE or /SERVICE/DB after the hosts")
        service = unquote(path[0])
        db = int(path[1]) if len(path) == 2 else 0
    return Endpoint(
        kind,
        url,
        nodes,
        tls,
        username,
        password,
        db,
        service,
        tls_options,
        sentinel_auth,
        wait,
    )
