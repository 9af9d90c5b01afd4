"""arq adapter: `arq adapters.arq.WorkerSettings`, max_jobs=10 (arq's default).

Variant "default" keeps arq's poll_delay=0.5 s; variant "poll10ms" sets poll_delay=0.01 s
(arq reads at most queue_read_limit=100 job ids per poll, so the default caps throughput)."""

from __future__ import annotations

import logging
import os
from typing import Any, ClassVar

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings

from adapters._common import Adapter, bench_redis_url, main, record_latency

QUEUE = "arq:queue"
POLL_DELAY = {"default": "0.5", "poll10ms": "0.01"}


async def noop(ctx: dict[str, Any], i: int) -> None:
    return None


async def latency(ctx: dict[str, Any], i: int, t_ns: int) -> None:
    record_latency(t_ns)


async def quiet_logs(ctx: dict[str, Any]) -> None:
    # arq's CLI logs every job at INFO; all systems run at WARNING.
    logging.getLogger("arq").setLevel(logging.WARNING)


class WorkerSettings:
    functions: ClassVar[list[Any]] = [noop, latency]
    redis_settings = RedisSettings.from_dsn(bench_redis_url())
    max_jobs = 10
    poll_delay = float(os.environ.get("BENCH_ARQ_POLL_DELAY", "0.5"))
    on_startup = quiet_logs


class ArqAdapter(Adapter):
    name = "arq"
    dists = ("arq",)

    def __init__(self, redis_url: str, variant: str) -> None:
        super().__init__(redis_url, variant or "default")
        self.poll_delay = POLL_DELAY[self.variant]
        self.concurrency = f"1 process, max_jobs=10 (default), poll_delay={self.poll_delay}s"

    completion = "ZCARD arq:queue == 0 (arq removes a job from its queue zset when it finishes)"

    async def open(self) -> None:
        self.pool: ArqRedis = await create_pool(RedisSettings.from_dsn(self.redis_url))

    async def close(self) -> None:
        await self.pool.aclose()

    async def enqueue(self, i: int) -> None:
        await self.pool.enqueue_job("noop", i)

    async def enqueue_latency(self, i: int, t_ns: int) -> None:
        await self.pool.enqueue_job("latency", i, t_ns)

    def worker_env(self) -> dict[str, str]:
        return {**super().worker_env(), "BENCH_ARQ_POLL_DELAY": self.poll_delay}

    def worker_argv(self) -> list[str]:
        return [self.bin("arq"), "adapters.arq.WorkerSettings"]

    async def done(self, n: int) -> bool:
        return await self.pool.zcard(QUEUE) == 0


if __name__ == "__main__":
    main("adapters.arq", "ArqAdapter")
