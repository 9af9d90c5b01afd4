"""Import redis-py without the OpenTelemetry metrics SDK it loads and does not use.

redis-py 8 imports ``redis.observability.providers`` with the client (through
its parsers and maintenance notifications), and that module tries
``from opentelemetry.sdk.metrics import MeterProvider`` at import time. When
the SDK is installed (any application that exports traces or metrics has it),
this loads the whole metrics SDK: about a tenth of a worker's start-up, and of
``jobctl stats``. Nothing in redis-py reads the two names that import sets
(``MeterProvider``, used in annotations only, and that module's
``OTEL_AVAILABLE``); everything that does work, including redis-py's own
metrics once an application turns them on, imports OpenTelemetry again when it
runs.

``skip_sdk_metrics_import`` makes that one import fail, and only that one: a
finder answers ``ModuleNotFoundError`` for ``opentelemetry.sdk.metrics``
when the import comes straight from ``redis.observability.providers``'s
module code, in the thread running it, then removes itself. Any other import
of the SDK, before or after, in any thread, is untouched. If redis is already
imported, there is nothing left to skip and no finder is installed.
``tests/runtime/test_runtime_redis_otel.py`` checks both that the SDK stays
unloaded and that redis-py's metrics still record with an SDK set up later.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import FrameType, ModuleType

_SDK_METRICS = "opentelemetry.sdk.metrics"
_IMPORTER = "redis.observability.providers"
_IMPORT_MACHINERY = frozenset({"importlib._bootstrap", "importlib._bootstrap_external"})


def _importing_module(frame: FrameType | None) -> str | None:
    """The module whose code runs the import being resolved (skipping importlib's frames)."""
    while frame is not None:
        name = frame.f_globals.get("__name__")
        if name not in _IMPORT_MACHINERY and name != __name__:
            return name if isinstance(name, str) else None
        frame = frame.f_back
    return None


class _SkipSdkMetrics:
    """A ``sys.meta_path`` finder refusing the SDK to redis-py's providers module alone."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != _SDK_METRICS:
            return None
        caller = sys._getframe(1)  # pyright: ignore[reportPrivateUsage]
        if _importing_module(caller) != _IMPORTER:
            return None
        _remove(self)
        raise ModuleNotFoundError(f"{_SDK_METRICS} is not loaded for {_IMPORTER}", name=fullname)


def _remove(finder: _SkipSdkMetrics) -> None:
    if finder in sys.meta_path:
        sys.meta_path.remove(finder)


def skip_sdk_metrics_import() -> None:
    """Have the first import of redis-py leave the OpenTelemetry metrics SDK unloaded."""
    if _IMPORTER in sys.modules or any(isinstance(f, _SkipSdkMetrics) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _SkipSdkMetrics())
