"""Metrics, traces, throughput history and the dashboard, against a real Redis."""
