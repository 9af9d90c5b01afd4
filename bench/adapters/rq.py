"""rq adapter: `rq worker -w rq.worker.SimpleWorker` (variant simple) or the default
forking `rq.worker.Worker` (variant fork). One job at a time per process."""

from __future__ import annotations

from redis import Redis
from rq import Queue
from rq.registry import FinishedJobRegistry

from adapters._common import Adapter, main, record_latency

WORKER_CLASS = {"simple": "rq.worker.SimpleWorker", "fork": "rq.worker.Worker"}


def noop(i: int) -> None:
    return None


def latency(i: int, t_ns: int) -> None:
    record_latency(t_ns)


class RqAdapter(Adapter):
    name = "rq"
    dists = ("rq",)
    completion = "FinishedJobRegistry(queue).count == N (rq's finished-jobs registry)"

    def __init__(self, redis_url: str, variant: str) -> None:
        super().__init__(redis_url, variant)
        self.variant = variant or "simple"
        self.concurrency = f"1 process, 1 job at a time ({WORKER_CLASS[self.variant]})"

    async def open(self) -> None:
        self.conn = Redis.from_url(self.redis_url)
        self.queue = Queue("default", connection=self.conn)
        self.finished = FinishedJobRegistry(queue=self.queue)

    async def close(self) -> None:
        self.conn.close()

    def enqueue(self, i: int) -> None:
        self.queue.enqueue("adapters.rq.noop", i)

    def enqueue_bulk(self, items: list[int]) -> None:  # type: ignore[override]
        self.queue.enqueue_many([Queue.prepare_data("adapters.rq.noop", (i,)) for i in items])

    def enqueue_latency(self, i: int, t_ns: int) -> None:
        self.queue.enqueue("adapters.rq.latency", i, t_ns)

    def worker_argv(self) -> list[str]:
        return [
            self.bin("rq"),
            "worker",
            "--url",
            self.redis_url,
            "--worker-class",
            WORKER_CLASS[self.variant],
            "--logging_level",
            "WARNING",
            "default",
        ]

    def done(self, n: int) -> bool:
        return self.finished.count >= n


if __name__ == "__main__":
    main("adapters.rq", "RqAdapter")
