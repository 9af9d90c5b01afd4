"""saq adapter: `saq adapters.saq.settings`, concurrency=10 (saq's default)."""

from __future__ import annotations

from typing import Any

from saq import Queue

from adapters._common import Adapter, bench_redis_url, main, record_latency


async def noop(ctx: dict[str, Any], *, i: int) -> None:
    return None


async def latency(ctx: dict[str, Any], *, i: int, t_ns: int) -> None:
    record_latency(t_ns)


settings = {
    "queue": Queue.from_url(bench_redis_url()),
    "functions": [noop, latency],
    "concurrency": 10,
}


class SaqAdapter(Adapter):
    name = "saq"
    dists = ("saq",)
    concurrency = "1 process, concurrency=10 (default)"
    completion = "queue.count('incomplete') == 0 (saq's queued+active set)"

    async def open(self) -> None:
        self.queue = Queue.from_url(self.redis_url)
        await self.queue.connect()

    async def close(self) -> None:
        await self.queue.disconnect()

    async def enqueue(self, i: int) -> None:
        await self.queue.enqueue("noop", i=i)

    async def enqueue_latency(self, i: int, t_ns: int) -> None:
        await self.queue.enqueue("latency", i=i, t_ns=t_ns)

    def worker_argv(self) -> list[str]:
        return [self.bin("saq"), "adapters.saq.settings"]

    async def done(self, n: int) -> bool:
        return await self.queue.count("incomplete") == 0


if __name__ == "__main__":
    main("adapters.saq", "SaqAdapter")
