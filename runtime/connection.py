"""Where Redis is: one place that turns configuration into clients.

INTERFACE STUB: the signatures are fixed (the generated code depends on them);
the bodies are implemented by the runtime.
"""

from __future__ import annotations


class Connection:
    """A Redis location plus the key prefix that namespaces every queue.

    ``url`` defaults to ``REDIS_URL``, then ``redis://$REDIS_HOST:$REDIS_PORT``.
    Keys look like ``{prefix}:{{domain}}:wait``; tests use their own prefix.
    """

    def __init__(self, url: str | None = None, *, prefix: str = "jobs") -> None:
        self.url = url
        self.prefix = prefix


def default_connection() -> Connection:
    """The process-wide connection built from the environment on first use."""
    raise NotImplementedError
