"""The bullmq (Python) worker process: `Worker(QUEUE, process, opts)` until SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

QUEUE = "bench"
CONCURRENCY = int(os.environ.get("BENCH_BULLMQ_CONCURRENCY", "10"))


async def process(job: Any, token: str) -> None:
    if job.name == "latency":
        from adapters._common import record_latency

        record_latency(int(job.data["t_ns"]))


async def run() -> None:
    from bullmq import Worker

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    worker = Worker(
        QUEUE, process, {"connection": os.environ["BENCH_REDIS_URL"], "concurrency": CONCURRENCY}
    )
    await stop.wait()
    await worker.close()


if __name__ == "__main__":
    asyncio.run(run())
