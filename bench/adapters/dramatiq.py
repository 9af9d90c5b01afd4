"""dramatiq adapter: `dramatiq adapters.dramatiq --processes 1 --threads 8` (default threads)."""

from __future__ import annotations

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker

from adapters._common import Adapter, bench_redis_url, main, record_latency

broker = RedisBroker(url=bench_redis_url())
dramatiq.set_broker(broker)


@dramatiq.actor
def noop(i: int) -> None:
    return None


@dramatiq.actor
def latency(i: int, t_ns: int) -> None:
    record_latency(t_ns)


class DramatiqAdapter(Adapter):
    name = "dramatiq"
    dists = ("dramatiq",)
    concurrency = "1 worker process (+ dramatiq's supervisor), 8 threads (default)"
    completion = "HLEN dramatiq:default.msgs == 0 (dramatiq deletes a message there on ack)"

    async def open(self) -> None:
        self.conn = redis.Redis.from_url(self.redis_url)

    async def close(self) -> None:
        self.conn.close()
        broker.close()

    def enqueue(self, i: int) -> None:
        noop.send(i)

    def enqueue_latency(self, i: int, t_ns: int) -> None:
        latency.send(i, t_ns)

    def worker_argv(self) -> list[str]:
        return [self.bin("dramatiq"), "adapters.dramatiq", "--processes", "1", "--threads", "8"]

    def done(self, n: int) -> bool:
        return self.conn.hlen("dramatiq:default.msgs") == 0


if __name__ == "__main__":
    main("adapters.dramatiq", "DramatiqAdapter")
