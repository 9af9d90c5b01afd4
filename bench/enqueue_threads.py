"""Sync ``enqueue`` throughput from one thread, from a few long-lived threads, and from
many short-lived threads (one job each), against a private redis-server.

    .venv/bin/python bench/enqueue_threads.py [--n 20000] [--threads 8] [--short 1000]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

from jobcontracts.runtime import Connection, JobOptions, enqueue
from jobcontracts.runtime.testing import RedisServer, free_port
from tests.runtime.runtime_testkit import Echo, make_queue

QUEUE = make_queue("bench")
OPTIONS = JobOptions()


def single(conn: Connection, n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        enqueue(QUEUE, "note", Echo(value=i), OPTIONS, conn)
    return n / (time.perf_counter() - started)


def threaded(conn: Connection, n: int, threads: int) -> float:
    share = n // threads

    def work() -> None:
        for i in range(share):
            enqueue(QUEUE, "note", Echo(value=i), OPTIONS, conn)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    started = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return share * threads / (time.perf_counter() - started)


def short_lived(conn: Connection, count: int) -> tuple[float, int]:
    failures = [0]

    def one(i: int) -> None:
        try:
            enqueue(QUEUE, "note", Echo(value=i), OPTIONS, conn)
        except Exception:
            failures[0] += 1

    workers = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    started = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return count / (time.perf_counter() - started), failures[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--short", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="bench-threads-"))
    server = RedisServer(free_port(), directory)
    server.start()
    try:
        for run in range(options.repeat):
            conn = Connection(server.url, prefix=f"bench{run}")
            one = single(conn, options.n)
            many = threaded(conn, options.n, options.threads)
            short, failed = short_lived(conn, options.short)
            conn.close()
            print(
                f"run {run + 1}: 1 thread {one:,.0f}/s; {options.threads} threads {many:,.0f}/s; "
                f"{options.short} short-lived threads {short:,.0f}/s, {failed} failed"
            )
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
