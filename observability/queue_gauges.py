"""Queue sizes and live workers, read from Redis when Prometheus scrapes.

One pipelined round trip per domain (routed to its Cluster node when there
is one): a ZCARD per state set (and the LLEN of the priority-0 waiting
LIST), the pause flag and one ZCOUNT of live workers, so a scrape costs the
same whether a queue holds ten jobs or ten million. When Redis cannot be
reached the scrape still answers, with ``jobcontracts_redis_up 0``.
"""

# pyright: reportUnknownMemberType=false, reportUnknownArgumentType=false, reportUnknownVariableType=false
# (redis-py types its commands' **kwargs as unknown; results are cast where used.)

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from jobcontracts.runtime import Connection
from jobcontracts.runtime.connection import CONNECTION_ERRORS
from jobcontracts.runtime.keys import QueueKeys
from jobcontracts.runtime.routing import call_routed

from .workers import count_live_workers_cmd

log = logging.getLogger(__name__)

STATES = ("waiting", "delayed", "active", "failed", "completed", "dead")
"""The ``state`` label values, in the order of the sets counted below."""


def _state_sets(keys: QueueKeys) -> tuple[str, ...]:
    """The ZSET of each state; waiting jobs of priority 0 are in ``keys.fifo`` besides."""
    return (keys.wait, keys.delayed, keys.active, keys.retry, keys.completed, keys.dead)


class QueueCollector(Collector):
    """``jobcontracts_queue_jobs{domain,state}``, ``jobcontracts_workers{domain}`` and friends.

    ``sources`` pairs each connection with the domains read through it (workers
    of one process may use different Redis servers).
    """

    def __init__(self, sources: Sequence[tuple[Connection, Sequence[str]]]) -> None:
        self._sources = [
            (connection, [(d, QueueKeys.build(connection.prefix, d)) for d in sorted(set(domains))])
            for connection, domains in sources
        ]

    def describe(self) -> Iterable[Metric]:
        return self._families()

    @staticmethod
    def _families() -> list[GaugeMetricFamily]:
        return [
            GaugeMetricFamily(
                "jobcontracts_queue_jobs",
                "Jobs in the queue, by state.",
                labels=["domain", "state"],
            ),
            GaugeMetricFamily(
                "jobcontracts_queue_paused", "1 while the queue is paused.", labels=["domain"]
            ),
            GaugeMetricFamily(
                "jobcontracts_workers",
                "Workers whose liveness record is current.",
                labels=["domain"],
            ),
            GaugeMetricFamily("jobcontracts_redis_up", "1 when the last scrape reached Redis."),
        ]

    def collect(self) -> Iterable[Metric]:
        jobs, paused, workers, up = self._families()
        reached = True
        per = len(STATES) + 2
        for connection, keyset in self._sources:
            try:
                replies = [n for _, keys in keyset for n in _read(connection, keys)]
            except CONNECTION_ERRORS as error:
                log.warning("queue metrics: cannot reach Redis (%s)", error)
                reached = False
                continue
            for index, (domain, _) in enumerate(keyset):
                reply = replies[index * per : (index + 1) * per]
                for state, count in zip(STATES, reply, strict=False):
                    jobs.add_metric([domain, state], int(count))
                paused.add_metric([domain], int(reply[len(STATES)]))
                workers.add_metric([domain], int(reply[len(STATES) + 1]))
        up.add_metric([], 1 if reached else 0)
        return [jobs, paused, workers, up]


def _read(connection: Connection, keys: QueueKeys) -> list[int]:
    now = connection.now_ms()

    def run(node: Connection) -> list[int]:
        pipe = node.sync_client().pipeline(transaction=False)
        pipe.llen(keys.fifo)
        for key in _state_sets(keys):
            pipe.zcard(key)
        pipe.exists(keys.paused)
        count_live_workers_cmd(pipe, keys, now)
        listed, waiting, *rest = pipe.execute()
        return [int(listed) + int(waiting), *rest]

    return call_routed(connection, keys.base, run)
