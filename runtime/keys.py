"""Redis key names of one queue, built in one place.

Every key of a queue shares the hash tag ``{<domain>}`` so the whole queue lives
in one Redis Cluster slot and every Lua script touches a single slot. Job hashes
are named inside Lua from ``job_prefix`` (which carries the same hash tag), so
they land in that slot too.
"""

from __future__ import annotations

from dataclasses import dataclass


def validate_name(kind: str, value: str) -> None:
    """Refuse names that would break the hash tag or the ``:``-separated layout."""
    if not value:
        raise ValueError(f"{kind} must not be empty")
    if any(ch in value for ch in "{}") or any(ch.isspace() for ch in value):
        raise ValueError(
            f"{kind} must not contain braces or whitespace: {value!r} (every key of a "
            "domain carries the hash tag {domain}; braces here would replace or break it "
            "and spread one queue over several Redis Cluster slots)"
        )


@dataclass(frozen=True, slots=True)
class QueueKeys:
    """All key names of one queue. ``base`` is ``{prefix}:{{domain}}:``."""

    base: str

    @classmethod
    def build(cls, prefix: str, domain: str) -> QueueKeys:
        validate_name("prefix", prefix)
        validate_name("domain", domain)
        return cls(f"{prefix}:{{{domain}}}:")

    @property
    def domain(self) -> str:
        """The domain named by the hash tag (``jobs:{github}:`` -> ``github``), for logs."""
        return self.base[self.base.index("{") + 1 : self.base.index("}")]

    @property
    def id(self) -> str:
        """STRING counter: the FIFO sequence (and ids of jobs added without one)."""
        return self.base + "id"

    @property
    def wait(self) -> str:
        """ZSET of ready jobs of a non-zero priority, scored by priority, then FIFO sequence."""
        return self.base + "wait"

    @property
    def fifo(self) -> str:
        """LIST of ready jobs of priority 0 (the default), in claim order.

        A LIST entry costs about a sixth of a ZSET member; ``wait`` may also hold
        priority-0 jobs queued by earlier versions (claimed before these).
        """
        return self.base + "fifo"

    @property
    def delayed(self) -> str:
        """ZSET of jobs scheduled for later, scored by ready time (ms)."""
        return self.base + "delayed"

    @property
    def retry(self) -> str:
        """ZSET of jobs waiting out a backoff (state ``failed``), scored by ready time."""
        return self.base + "retry"

    @property
    def active(self) -> str:
        """ZSET of leased jobs scored by lease deadline (ms)."""
        return self.base + "active"

    @property
    def completed(self) -> str:
        """ZSET of retained completed jobs scored by finish time."""
        return self.base + "completed"

    @property
    def dead(self) -> str:
        """ZSET: the dead-letter queue, scored by the time the job died."""
        return self.base + "dead"

    @property
    def paused(self) -> str:
        """STRING flag: present while the queue is paused."""
        return self.base + "paused"

    @property
    def marker(self) -> str:
        """ZSET with one member: idle workers block on it (BZPOPMIN) to wake up."""
        return self.base + "marker"

    @property
    def limiter(self) -> str:
        """STRING counter of jobs claimed in the current rate-limit window."""
        return self.base + "limiter"

    @property
    def repeat(self) -> str:
        """ZSET of repeat keys scored by their next occurrence (ms)."""
        return self.base + "repeat"

    @property
    def repeats(self) -> str:
        """HASH: repeat key -> definition JSON, plus ``#key`` -> occurrences created."""
        return self.base + "repeats"

    @property
    def history(self) -> str:
        """HASH of per-minute completed/failed counts (``c<minute>``/``f<minute>``), last 24 h."""
        return self.base + "history"

    @property
    def options(self) -> str:
        """HASH: shared options records (``wire.OPTIONS_COUNT``)."""
        return self.base + "options"

    @property
    def job_prefix(self) -> str:
        """Prefix of job HASH keys; ``job_prefix + id`` is one job."""
        return self.base + "job:"

    @property
    def done_prefix(self) -> str:
        """Prefix of LIST keys that wake ``Job.result()`` waiters."""
        return self.base + "done:"

    @property
    def workers(self) -> str:
        """ZSET of live worker ids scored by when their liveness runs out (ms)."""
        return self.base + "workers"

    @property
    def worker_prefix(self) -> str:
        """Prefix of per-worker liveness STRING keys (JSON, expiring with the worker)."""
        return self.base + "worker:"

    def worker(self, worker_id: str) -> str:
        return self.worker_prefix + worker_id

    def wake(self, worker_id: str) -> str:
        """ZSET an idle worker blocks on beside the marker, so that it alone can be woken
        (to stop, or to run its queued claim early); short-lived, it expires by itself."""
        return self.base + "wake:" + worker_id

    def job(self, job_id: str) -> str:
        return self.job_prefix + job_id

    def done(self, job_id: str) -> str:
        return self.done_prefix + job_id
