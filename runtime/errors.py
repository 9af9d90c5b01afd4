"""The runtime's errors: one base class, one subclass per thing that can go wrong."""

from __future__ import annotations

from typing import Any

import redis


class JobContractsError(Exception):
    """Base of every error the runtime raises on purpose."""


class Unrecoverable(JobContractsError):
    """Raised by a handler to fail its job now, skipping the remaining attempts."""


class MissingHandlerError(JobContractsError):
    """A worker was created with handlers that do not implement every job of the domain."""


class UnknownJobError(JobContractsError):
    """A job name that the domain does not declare."""


class InvalidPayloadError(JobContractsError):
    """A payload failed validation; nothing was written to Redis.

    ``domain``, ``job_name`` and ``fields`` (the dotted paths of the failing
    fields, by wire name) say what was wrong without parsing the message.
    """

    def __init__(
        self, message: str, *, domain: str = "", job_name: str = "", fields: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.domain = domain
        self.job_name = job_name
        self.fields = fields


class InvalidOptionsError(JobContractsError):
    """Job options that contradict each other or are out of range."""


class JobNotFoundError(JobContractsError):
    """No job with that id exists (it never did, or retention removed it)."""


class JobDeadError(JobContractsError):
    """The job ended in the dead-letter queue, so it has no result."""


class ResultTimeoutError(JobContractsError, TimeoutError):
    """Waiting for a job's result took longer than the caller allowed.

    The message names the job and the wait; ``domain``, ``job_id``,
    ``job_name`` and ``timeout_ms`` carry the same for code.
    """

    def __init__(
        self,
        message: str,
        *,
        domain: str = "",
        job_id: str = "",
        job_name: str = "",
        timeout_ms: int = 0,
    ) -> None:
        super().__init__(message)
        self.domain = domain
        self.job_id = job_id
        self.job_name = job_name
        self.timeout_ms = timeout_ms


class TopologyError(JobContractsError):
    """The Redis URL, or the deployment it names, cannot work: fix the configuration.

    A malformed URL, a cluster URL pointing at a server without cluster
    support, a Sentinel service name no sentinel monitors.
    """


class RoutingError(JobContractsError, redis.ConnectionError):
    """A Cluster kept redirecting, or had no reachable primary, for the whole retry budget.

    A connection error: workers log it and keep trying; ``jobctl`` prints one line.
    """


class NotReplicatedError(JobContractsError):
    """A write reached the primary, but fewer replicas than ``wait_replicas`` confirmed it.

    ``reply`` is the script's reply: the write happened, but a failover now
    could lose it. A producer may retry with the same ``job_id``.
    """

    def __init__(self, message: str, *, acked: int, reply: Any) -> None:
        super().__init__(message)
        self.acked = acked
        self.reply = reply


class RedisAccessError(JobContractsError):
    """Redis refused this client: credentials, ACL permissions, or TLS on one side only.

    Waiting does not fix these, so workers stop with this error instead of
    retrying; the message says what is wrong and how to fix it.
    """


class ChildHandlerError(JobContractsError):
    """A handler run by ``in_process`` raised in its child process.

    The message reads ``Type: message (in child process PID running
    module:qualname)``; ``type_name`` and ``traceback_text`` are the child's.
    """

    def __init__(self, message: str, *, type_name: str, traceback_text: str) -> None:
        super().__init__(message)
        self.type_name = type_name
        self.traceback_text = traceback_text


class ChildProcessDied(JobContractsError):
    """The child process running an ``in_process`` handler ended before it replied."""
