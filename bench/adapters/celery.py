"""celery adapter: `celery -A adapters.celery worker -P solo` (one process, one job at a time)."""

from __future__ import annotations

import redis
from celery import Celery

from adapters._common import Adapter, bench_redis_url, main, record_latency

app = Celery("bench", broker=bench_redis_url())
app.conf.task_ignore_result = True
app.conf.worker_hijack_root_logger = False


@app.task(name="noop")
def noop(i: int) -> None:
    return None


@app.task(name="latency")
def latency(i: int, t_ns: int) -> None:
    record_latency(t_ns)


class CeleryAdapter(Adapter):
    name = "celery"
    dists = ("celery",)
    concurrency = "1 process, -P solo (1 job at a time), prefetch multiplier 4 (default)"
    completion = "LLEN celery == 0 and HLEN unacked == 0 (kombu's Redis queue and unacked hash)"

    async def open(self) -> None:
        app.conf.broker_url = self.redis_url
        self.conn = redis.Redis.from_url(self.redis_url)

    async def close(self) -> None:
        self.conn.close()
        app.close()

    def enqueue(self, i: int) -> None:
        noop.delay(i)

    def enqueue_latency(self, i: int, t_ns: int) -> None:
        latency.delay(i, t_ns)

    def worker_argv(self) -> list[str]:
        return [
            self.bin("celery"),
            "-A",
            "adapters.celery",
            "worker",
            "-P",
            "solo",
            "-l",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]

    def done(self, n: int) -> bool:
        pipe = self.conn.pipeline()
        pipe.llen("celery")
        pipe.hlen("unacked")
        waiting, unacked = pipe.execute()
        return waiting == 0 and unacked == 0


if __name__ == "__main__":
    main("adapters.celery", "CeleryAdapter")
