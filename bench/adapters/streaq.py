"""streaq adapter: `streaq run adapters.streaq:worker`, concurrency=16 (streaq's default)."""

from __future__ import annotations

from streaq import Worker

from adapters._common import Adapter, bench_redis_url, main, record_latency

worker = Worker(redis_url=bench_redis_url(), concurrency=16)


@worker.task(silent=True)
async def noop(i: int) -> None:
    return None


@worker.task(silent=True)
async def latency(i: int, t_ns: int) -> None:
    record_latency(t_ns)


class StreaqAdapter(Adapter):
    name = "streaq"
    dists = ("streaq",)
    concurrency = "1 process, concurrency=16 (default)"
    completion = "worker.queue_size() == 0 (streaq XDELs a message when its task finishes)"

    async def open(self) -> None:
        await worker.__aenter__()

    async def close(self) -> None:
        await worker.__aexit__(None, None, None)

    async def enqueue(self, i: int) -> None:
        await noop.enqueue(i)

    async def enqueue_bulk(self, items: list[int]) -> None:  # type: ignore[override]
        await worker.enqueue_many([noop.enqueue(i) for i in items])

    async def enqueue_latency(self, i: int, t_ns: int) -> None:
        await latency.enqueue(i, t_ns)

    def worker_argv(self) -> list[str]:
        return [self.bin("streaq"), "run", "adapters.streaq:worker"]

    async def done(self, n: int) -> bool:
        return await worker.queue_size() == 0


if __name__ == "__main__":
    main("adapters.streaq", "StreaqAdapter")
