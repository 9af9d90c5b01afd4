"""huey adapter: `huey_consumer adapters.huey.huey -w 1 -k thread` (huey's default: 1 thread)."""

from __future__ import annotations

from typing import Any

from huey import RedisHuey

from adapters._common import Adapter, bench_redis_url, main, record_latency

huey = RedisHuey("bench", url=bench_redis_url())


@huey.task()
def noop(i: int) -> None:
    return None


@huey.task()
def marker(i: int) -> bool:
    """The N-th job of a process run: returns a value, so huey stores its result."""
    return True


@huey.task()
def latency(i: int, t_ns: int) -> None:
    record_latency(t_ns)


class HueyAdapter(Adapter):
    name = "huey"
    dists = ("huey",)
    concurrency = "1 consumer process, 1 worker thread (-w 1 -k thread, default)"
    completion = (
        "final marker job: the N-th job returns True and huey stores its result; "
        "done = that result is readable and the queue is empty"
    )

    async def open(self) -> None:
        self.marker_result: Any = None

    def enqueue(self, i: int) -> None:
        noop(i)

    def enqueue_latency(self, i: int, t_ns: int) -> None:
        latency(i, t_ns)

    async def prefill(self, n: int) -> None:
        for i in range(n - 1):
            noop(i)
        self.marker_result = marker(n - 1)

    def worker_argv(self) -> list[str]:
        return [self.bin("huey_consumer"), "adapters.huey.huey", "-w", "1", "-k", "thread", "-q"]

    def done(self, n: int) -> bool:
        return self.marker_result.get() is not None and huey.pending_count() == 0


if __name__ == "__main__":
    main("adapters.huey", "HueyAdapter")
