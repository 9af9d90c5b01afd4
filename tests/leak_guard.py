"""A test module that leaves a socket, file or process open fails: the leak points at its module.

An unclosed socket is only noticed when the garbage collector frees it, which
happens whenever allocations happen to trigger a collection: its
``ResourceWarning`` surfaced under whichever test ran then, or nowhere at all
when the collection ran between tests (outside a test, Python ignores the
warning). So:

- ``ResourceWarning`` is an error for the whole session, between tests too.
  Raised while an object is freed, it cannot propagate; it goes to pytest's
  hook for such exceptions, which reports it at the next step of a test as a
  ``PytestUnraisableExceptionWarning`` (an error too: ``pyproject.toml``).
- After the last test of each module the garbage is collected, so what the
  module left behind is reported by that test's teardown at the latest.

Collecting once per module costs a fraction of what once per test would.
``PYTHONTRACEMALLOC=20`` adds where the leaked object was allocated.
"""

from __future__ import annotations

import contextlib
import gc
import warnings
from collections.abc import Generator, Iterator
from typing import Any

import pytest

_filters_before = pytest.StashKey[list[Any]]()
"""The warning filters before the session, put back after it (pytester runs nest sessions)."""


def pytest_sessionstart(session: pytest.Session) -> None:
    session.stash[_filters_before] = list(warnings.filters)
    warnings.filterwarnings("error", category=ResourceWarning)


def pytest_sessionfinish(session: pytest.Session) -> None:
    before = session.stash.get(_filters_before, None)
    if before is not None:
        warnings.filters[:] = before  # type: ignore[index]


@pytest.fixture(scope="module", autouse=True)
def collect_garbage_after_module() -> Iterator[None]:
    yield
    gc.collect()


@contextlib.contextmanager
def resource_warnings() -> Generator[list[str]]:
    """The ResourceWarnings raised in the block and by collecting the garbage at its end.

    The garbage is collected on entry too: what earlier tests left is not the block's.
    """
    gc.collect()
    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield found
        gc.collect()
    found += [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
