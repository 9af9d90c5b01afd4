"""Serving ``/metrics``: one HTTP endpoint per process, from prometheus-client.

``jobctl worker --metrics-port`` serves the attempt series of its workers and
the queue gauges of their domains; ``jobctl metrics`` serves the queue gauges
alone. A port that is taken becomes ``MetricsPortError`` with one clear line.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence
from dataclasses import dataclass
from threading import Thread
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

from jobcontracts.runtime import Connection, Worker, default_connection

from .metrics import JobMetrics
from .queue_gauges import QueueCollector


class MetricsPortError(Exception):
    """The metrics endpoint cannot listen where it was asked to."""


@dataclass(frozen=True, slots=True)
class MetricsServer:
    server: WSGIServer
    thread: Thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(port: int, host: str, registry: CollectorRegistry) -> MetricsServer:
    """Listen on ``host:port`` in a daemon thread; refuses a taken port with one line."""
    try:
        server, thread = start_http_server(port, addr=host, registry=registry)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise MetricsPortError(
                f"metrics port {port} on {host} is already in use; "
                "give each worker process its own --metrics-port"
            ) from error
        raise MetricsPortError(f"cannot serve metrics on {host}:{port}: {error}") from error
    return MetricsServer(server, thread)


def serve_queue_gauges(
    port: int,
    host: str,
    connection: Connection,
    domains: Sequence[str],
    registry: CollectorRegistry | None = None,
) -> MetricsServer:
    """``jobctl metrics``: queue sizes and live workers of ``domains``, nothing else."""
    registry = registry or CollectorRegistry()
    registry.register(QueueCollector([(connection, domains)]))
    return serve(port, host, registry)


def serve_worker_metrics(
    port: int, host: str, workers: Sequence[Worker], registry: CollectorRegistry = REGISTRY
) -> MetricsServer:
    """Attach ``JobMetrics`` to ``workers`` and serve it with their domains' queue gauges.

    The port is bound first, so a taken port fails before anything is registered.
    """
    server = serve(port, host, registry)
    metrics = JobMetrics(registry)
    for worker in workers:
        worker.observers.append(metrics)
    by_connection: dict[int, tuple[Connection, list[str]]] = {}
    for worker in workers:
        connection = worker.connection or default_connection()
        by_connection.setdefault(id(connection), (connection, []))[1].append(worker.domain)
    registry.register(QueueCollector(list(by_connection.values())))
    return server
