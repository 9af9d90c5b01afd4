"""The reconnect policy: ride out outages, never retry a refusal.

redis-py's ``AuthenticationError`` and ``AuthorizationError`` subclass
``ConnectionError``, so a stock ``Retry`` treats a wrong password like a Redis
restart. The connect retry nested inside the command retry (and inside the
health-check retry) then multiply: one PING to a server that wants a password
opened 81 connections and took over a minute before saying why. A refusal
does not heal by waiting, so these classes give up on it at once; every
other connection or timeout error is retried as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis
import redis.asyncio.retry
import redis.retry
from redis.exceptions import AuthenticationError, AuthorizationError, NoPermissionError

T = TypeVar("T")

ACCESS_ERRORS: tuple[type[Exception], ...] = (
    AuthenticationError,
    AuthorizationError,
    NoPermissionError,
)
"""Redis refused us (credentials or ACL): a configuration error, never an outage."""

OUTAGE_ERRORS: tuple[type[Exception], ...] = (redis.ConnectionError, redis.TimeoutError)


def is_outage(error: Exception) -> bool:
    """True for errors worth retrying later: Redis unreachable, not Redis saying no."""
    return not isinstance(error, ACCESS_ERRORS)


def _only_outages(
    is_retryable: Callable[[Exception], bool] | None,
) -> Callable[[Exception], bool]:
    if is_retryable is None:
        return is_outage
    return lambda error: is_outage(error) and is_retryable(error)


class OutageRetry(redis.retry.Retry):
    """``redis.retry.Retry`` that re-raises access errors on the first try."""

    def __init__(self, backoff: Any, retries: int) -> None:
        super().__init__(backoff, retries, supported_errors=OUTAGE_ERRORS)

    def call_with_retry(
        self,
        do: Callable[[], T],
        fail: Callable[..., Any],
        is_retryable: Callable[[Exception], bool] | None = None,
        with_failure_count: bool = False,
    ) -> T:
        return super().call_with_retry(
            do, fail, _only_outages(is_retryable), with_failure_count=with_failure_count
        )


class AsyncOutageRetry(redis.asyncio.retry.Retry):
    """The asyncio twin of ``OutageRetry`` (the sync class would disable asyncio retries)."""

    def __init__(self, backoff: Any, retries: int) -> None:
        super().__init__(backoff, retries, supported_errors=OUTAGE_ERRORS)  # type: ignore[arg-type]

    async def call_with_retry(
        self,
        do: Callable[[], Awaitable[T]],
        fail: Callable[..., Any],
        is_retryable: Callable[[Exception], bool] | None = None,
        with_failure_count: bool = False,
    ) -> T:
        return await super().call_with_retry(
            do, fail, _only_outages(is_retryable), with_failure_count=with_failure_count
        )
