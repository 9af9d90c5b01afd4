"""Seeing the queues: Prometheus metrics, OpenTelemetry traces and a web dashboard.

Each part is optional and needs its extra: ``metrics`` (prometheus-client),
``otel`` (opentelemetry-api) and ``dashboard`` (jinja2). Importing this package
imports none of them; the runtime never imports this package, it only calls the
hooks of ``jobcontracts.runtime.observe`` when something is attached.
"""
