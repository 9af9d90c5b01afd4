"""Concurrent blocking ``enqueue`` calls of one queue share one script call, across threads.

The threaded twin of ``coalescing``. A thread that finds no add of its queue
in flight sends its job at once, as before: a producer thread alone pays one
uncontended lock here. Threads that arrive while an add is in flight queue
their jobs and block; when the add returns, the thread that sent it hands the
queued jobs (at most ``MAX_BATCH``) to the first of their threads, which sends
them as one ``add_jobs`` call, and so on: no thread of our own, and no thread
waits for more than the call in flight and its own.

Each caller keeps its own result and its own error, as in ``coalescing``: the
script answers ``(id, created)`` per job in order; if a shared call fails with
an error reply, each job of it goes back to its own thread, which sends it
alone (ids are fixed before the first try, and the script checks every job
before writing any, so nothing was written); an error not about a job (Redis
unreachable after the retries) is raised in every thread of the call.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Sequence

import redis

from .coalescing import MAX_BATCH, Added
from .connection import Connection
from .scripts import queue_scripts
from .wire import AddJobArgs


class _Slot:
    """One blocked caller: its job, and what the thread that sent it left for it."""

    __slots__ = ("batch", "error", "gate", "job", "reply")

    def __init__(self, job: AddJobArgs) -> None:
        self.job = job
        self.gate = threading.Lock()
        self.gate.acquire()  # released once: with a reply, an error, or a batch to send
        self.reply: Added | None = None
        self.error: BaseException | None = None
        self.batch: list[_Slot] | None = None
        """Set when this thread is to send ``batch`` (itself first)."""


class _ThreadBatcher:
    """The adds of one queue on one connection, from any thread.

    It does not hold the connection (every caller passes it): it is a value of a
    mapping weakly keyed by that connection.
    """

    def __init__(self, domain: str) -> None:
        self._domain = domain
        self._lock = threading.Lock()
        self._busy = False
        self._waiting: list[_Slot] = []

    def add(self, connection: Connection, job: AddJobArgs) -> Added:
        with self._lock:
            if self._busy:
                slot = _Slot(job)
                self._waiting.append(slot)
            else:
                self._busy = True
                slot = None
        if slot is None:
            try:
                return self._send(connection, [job])[0]
            finally:
                self._hand_on()
        self._wait(connection, slot)
        if slot.batch is not None:
            self._run(connection, slot.batch)
        if slot.error is not None:
            raise slot.error
        if slot.reply is None:  # its shared call failed on an error reply: alone now
            return self._send(connection, [job])[0]
        return slot.reply

    def _wait(self, connection: Connection, slot: _Slot) -> None:
        try:
            slot.gate.acquire()
        except BaseException:  # an interrupt: leave unless the job is already on its way
            with self._lock:
                if slot in self._waiting:
                    self._waiting.remove(slot)
                    raise
            slot.gate.acquire()
            if slot.batch is not None:
                self._run(connection, slot.batch)
            raise

    def _hand_on(self) -> None:
        """Give what queued meanwhile to its first thread to send, or mark the queue free."""
        with self._lock:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            if not batch:
                self._busy = False
                return
            batch[0].batch = batch
        batch[0].gate.release()

    def _run(self, connection: Connection, batch: list[_Slot]) -> None:
        """Send ``batch`` (whose first slot is this thread's) and leave each slot its outcome.

        An error reply sends each job back to its thread, to go alone; so does an
        interrupt of this thread (its own raises here), since the jobs may or may
        not have been added; any other error is every thread's.
        """
        try:
            replies: list[Added] | None = self._send(connection, [slot.job for slot in batch])
        except redis.ResponseError:
            replies = None
        except Exception as error:
            for slot in batch:
                slot.error = error
            replies = None
        except BaseException:
            self._finish(batch)
            raise
        if replies is not None:
            for slot, reply in zip(batch, replies, strict=True):
                slot.reply = reply
        self._finish(batch)

    def _finish(self, batch: list[_Slot]) -> None:
        self._hand_on()
        for slot in batch[1:]:
            slot.gate.release()

    def _send(self, connection: Connection, jobs: Sequence[AddJobArgs]) -> list[Added]:
        scripts = queue_scripts(connection, self._domain)
        connection.sync_clock()
        return scripts.add_jobs(connection.now_ms(), jobs)


_lock = threading.Lock()
_batchers: weakref.WeakKeyDictionary[Connection, dict[str, _ThreadBatcher]] = (
    weakref.WeakKeyDictionary()
)


def add_job_shared(connection: Connection, domain: str, job: AddJobArgs) -> Added:
    """Add one job (its ``add_jobs`` arguments), sharing a script call with other threads'."""
    per_domain = _batchers.get(connection)
    batcher = per_domain.get(domain) if per_domain is not None else None
    if batcher is None:
        with _lock:
            per_domain = _batchers.setdefault(connection, {})
            batcher = per_domain.setdefault(domain, _ThreadBatcher(domain))
    return batcher.add(connection, job)


def _after_fork_in_child() -> None:
    """A child must not wait for threads that did not come with it: start afresh."""
    global _lock
    _lock = threading.Lock()
    _batchers.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
