"""redis-py's first import, without its probe for the OpenTelemetry SDK.

redis-py 8 runs ``from opentelemetry.sdk.metrics import MeterProvider`` when its
package is imported (``redis.observability.providers``) only to name a type in
annotations; its metrics go through the global provider of the OpenTelemetry
API, looked up when they are turned on. Where the SDK is installed that import
costs about 30 ms, a tenth of a command's start-up. ``install`` puts a finder in
front of the import system that, the first time ``redis`` is imported, lets
redis-py's package run while ``opentelemetry.sdk.metrics`` looks absent, and
then removes itself; the package keeps redis-py's own loader. An SDK already
imported (the application configured OpenTelemetry first) is left alone, and so
is a redis-py already imported.
"""

from __future__ import annotations

import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # importlib.abc costs --help a few milliseconds
    from importlib.abc import Loader

_PROBED = "opentelemetry.sdk.metrics"


class _WithoutSdkProbe:
    """Runs redis-py's package with the SDK module marked absent, then unmarks it."""

    def __init__(self, loader: Loader, finder: _FirstRedisImport) -> None:
        self._loader = loader
        self._finder = finder

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__loader__ = self._loader  # what redis-py and tools see is its own loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        blocked = _PROBED not in sys.modules
        if blocked:
            sys.modules[_PROBED] = None  # type: ignore[assignment]  # "absent" to import
        try:
            self._loader.exec_module(module)
        finally:
            if blocked and _PROBED in sys.modules and not _is_module(sys.modules[_PROBED]):
                del sys.modules[_PROBED]
            if self._finder in sys.meta_path:  # not while the import system iterates it
                sys.meta_path.remove(self._finder)


def _is_module(entry: object) -> bool:
    return entry is not None  # the import system marks "absent" with None


class _FirstRedisImport:
    """Wraps the loader of the first ``redis`` import; other imports pass it by."""

    def __init__(self) -> None:
        self._done = False

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "redis" or self._done:
            return None
        self._done = True
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or _PROBED in sys.modules:
            return None  # the finders after this one import it as usual
        spec.loader = cast("Loader", _WithoutSdkProbe(spec.loader, self))
        return spec


def install() -> None:
    """Make redis-py's first import skip the SDK probe (nothing if redis is imported)."""
    if "redis" in sys.modules or any(isinstance(f, _FirstRedisImport) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _FirstRedisImport())
