"""bullmq (Python) adapter: worker = `adapters/bullmq_worker.py` (bullmq's documented
`Worker(queue, processor, opts)` loop), concurrency from BENCH_BULLMQ_CONCURRENCY."""

from __future__ import annotations

from bullmq import Queue

from adapters._common import Adapter, main
from adapters.bullmq_worker import CONCURRENCY, QUEUE


class BullmqAdapter(Adapter):
    name = "bullmq"
    dists = ("bullmq",)
    concurrency = f"1 process, Worker concurrency={CONCURRENCY}"
    completion = "queue.getJobCounts('completed') == N (BullMQ's completed set)"

    async def open(self) -> None:
        self.queue = Queue(QUEUE, {"connection": self.redis_url})

    async def close(self) -> None:
        await self.queue.close()

    async def enqueue(self, i: int) -> None:
        await self.queue.add("noop", {"i": i})

    async def enqueue_bulk(self, items: list[int]) -> None:  # type: ignore[override]
        await self.queue.addBulk([{"name": "noop", "data": {"i": i}} for i in items])

    async def enqueue_latency(self, i: int, t_ns: int) -> None:
        await self.queue.add("latency", {"i": i, "t_ns": t_ns})

    def worker_argv(self) -> list[str]:
        return [self.bin("python"), "-P", "-m", "adapters.bullmq_worker"]

    async def done(self, n: int) -> bool:
        counts = await self.queue.getJobCounts("completed")
        return int(counts["completed"]) >= n


if __name__ == "__main__":
    main("adapters.bullmq", "BullmqAdapter")
