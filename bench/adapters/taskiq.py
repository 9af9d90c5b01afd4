"""taskiq adapter: `taskiq worker adapters.taskiq:broker --workers 1` with taskiq-redis's
RedisStreamBroker (the acknowledging broker its README shows first), max_async_tasks=100
(default)."""

from __future__ import annotations

from redis.asyncio import Redis
from taskiq_redis import RedisStreamBroker

from adapters._common import Adapter, bench_redis_url, main, record_latency

STREAM = "taskiq"
broker = RedisStreamBroker(url=bench_redis_url())


@broker.task(task_name="noop")
async def noop(i: int) -> None:
    return None


@broker.task(task_name="latency")
async def latency(i: int, t_ns: int) -> None:
    record_latency(t_ns)


class TaskiqAdapter(Adapter):
    name = "taskiq"
    dists = ("taskiq", "taskiq-redis")
    concurrency = "1 worker process (+ taskiq's supervisor), max_async_tasks=100 (default)"
    completion = "XINFO GROUPS taskiq: lag == 0 and pending == 0 (every entry read and acked)"

    async def open(self) -> None:
        await broker.startup()
        self.conn = Redis.from_url(self.redis_url)

    async def close(self) -> None:
        await broker.shutdown()
        await self.conn.aclose()

    async def enqueue(self, i: int) -> None:
        await noop.kiq(i)

    async def enqueue_latency(self, i: int, t_ns: int) -> None:
        await latency.kiq(i, t_ns)

    def worker_argv(self) -> list[str]:
        return [
            self.bin("taskiq"),
            "worker",
            "adapters.taskiq:broker",
            "--workers",
            "1",
            "--log-level",
            "WARNING",
        ]

    async def done(self, n: int) -> bool:
        groups = await self.conn.xinfo_groups(STREAM)
        return all(g["lag"] == 0 and g["pending"] == 0 for g in groups)


if __name__ == "__main__":
    main("adapters.taskiq", "TaskiqAdapter")
