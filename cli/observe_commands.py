"""``jobctl metrics`` and ``jobctl dashboard`` (a worker's ``--metrics-port``: ``worker_run``).

The observability modules need optional extras; they are imported only when a
command asks for them, and a missing extra is one error line that names it.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from .ops import OutOption, PrefixOption, UrlOption
from .output import fail, need_extra

HostOption = Annotated[
    str, typer.Option("--host", help="Address to listen on (0.0.0.0 for every interface).")
]


def _domains(out: Path) -> list[str]:
    domains = sorted(p.parent.name for p in out.glob("*/__init__.py"))
    if not domains:
        raise fail(f"{out}/ holds no domain packages; run `jobctl generate`")
    return domains


def _wait_for_signal() -> None:
    """Block the main thread until SIGTERM or SIGINT."""
    stop = threading.Event()

    def handle(signum: int, frame: object) -> None:
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handle)
    stop.wait()


def metrics_command(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port for /metrics.")],
    host: HostOption = "127.0.0.1",
    out: OutOption = Path("generated"),
    redis_url: UrlOption = None,
    prefix: PrefixOption = "jobs",
) -> None:
    """Serve queue sizes and live workers of every domain as Prometheus metrics."""
    from jobcontracts.runtime.connection import Connection

    exporter = need_extra("metrics", "jobcontracts.observability.exporter")
    domains = _domains(out)
    connection = Connection(redis_url, prefix=prefix)
    try:
        server = exporter.serve_queue_gauges(port, host, connection, domains)
    except exporter.MetricsPortError as error:
        raise fail(str(error)) from error
    typer.echo(f"queue metrics of {', '.join(domains)} on http://{host}:{server.port}/metrics")
    try:
        _wait_for_signal()
    finally:
        server.close()
        connection.close()


def dashboard_command(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to serve on.")] = 8080,
    host: HostOption = "127.0.0.1",
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="JOBCTL_DASHBOARD_TOKEN",
            help="Operator token that allows actions (retry, purge, pause); read-only without.",
        ),
    ] = None,
    out: OutOption = Path("generated"),
    redis_url: UrlOption = None,
    prefix: PrefixOption = "jobs",
) -> None:
    """Serve a web dashboard of every domain's queue: counts, jobs, errors, workers, actions."""
    app_module = need_extra("dashboard", "jobcontracts.observability.dashboard.app")
    server_module = need_extra("dashboard", "jobcontracts.observability.dashboard.server")
    from jobcontracts.observability.dashboard.data import DashboardData
    from jobcontracts.observability.dashboard.security import Guard
    from jobcontracts.runtime.connection import Connection

    domains = _domains(out)
    connection = Connection(redis_url, prefix=prefix)
    dashboard = app_module.Dashboard(DashboardData(connection, domains), Guard(token or None))
    try:
        server = server_module.DashboardServer(dashboard, host, port)
    except server_module.DashboardPortError as error:
        raise fail(str(error)) from error
    mode = "actions need the operator token" if token else "read-only (no --token)"
    typer.echo(f"dashboard of {', '.join(domains)} on {server.url}/ ({mode})")
    try:
        server.start()
        _wait_for_signal()
    finally:
        server.close()
        connection.close()


def register_observe_commands(app: typer.Typer) -> None:
    app.command("metrics")(metrics_command)
    app.command("dashboard")(dashboard_command)
