"""The runtime's errors: one base class, one subclass per thing that can go wrong."""

from __future__ import annotations


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
    """Waiting for a job's result took longer than the caller allowed."""
