"""The runtime imports redis-py without the OpenTelemetry metrics SDK; redis-py's metrics work.

Each case runs in a fresh interpreter: this one imported redis long ago.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("opentelemetry.sdk") is None,
    reason="needs the OpenTelemetry SDK installed",
)


def _run(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_runtime_imports_redis_without_the_sdk() -> None:
    out = _run(
        """
        import sys
        import jobcontracts.runtime.connection
        from jobcontracts.runtime.redis_otel import _SkipSdkMetrics
        print("redis.observability.providers" in sys.modules)
        print("opentelemetry.sdk.metrics" in sys.modules)
        print(any(isinstance(finder, _SkipSdkMetrics) for finder in sys.meta_path))
        import opentelemetry.sdk.metrics
        print(opentelemetry.sdk.metrics.MeterProvider.__name__)
        """
    )
    # redis-py's providers module was imported, the SDK was not, the finder is gone,
    # and the application can still import the SDK itself.
    assert out.splitlines() == ["True", "False", "False", "MeterProvider"]


def test_an_sdk_imported_first_is_left_alone() -> None:
    out = _run(
        """
        import sys
        import opentelemetry.sdk.metrics
        import jobcontracts.runtime.connection
        import redis.observability.providers as providers
        print(providers.MeterProvider is opentelemetry.sdk.metrics.MeterProvider)
        """
    )
    assert out == "True"


def test_redis_py_metrics_still_record(redis_url: str) -> None:
    out = _run(
        """
        import sys
        import jobcontracts.runtime.connection  # redis imported the runtime's way
        assert "opentelemetry.sdk.metrics" not in sys.modules
        import redis
        from opentelemetry import metrics
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from redis.observability import MetricGroup, OTelConfig, get_observability_instance

        reader = InMemoryMetricReader()
        metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
        get_observability_instance().init(OTelConfig(metric_groups=[MetricGroup.COMMAND]))
        client = redis.Redis.from_url(sys.argv[1])
        client.ping()
        client.close()
        data = reader.get_metrics_data()
        for resource in data.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    print(metric.name)
        """,
        redis_url,
    )
    assert "db.client.operation.duration" in out.splitlines()
