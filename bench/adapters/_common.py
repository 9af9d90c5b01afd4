"""Shared harness for the per-system adapters (stdlib only: it runs in every venv).

An adapter subclasses :class:`Adapter`, implements the few primitives the
system offers (single enqueue, optional bulk enqueue, worker command line,
completion check) and calls :func:`main`. The harness does the timing, spawns
the worker processes, reads /proc for CPU and RSS and prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

BENCH_DIR = Path(__file__).resolve().parent.parent
LATENCY_KEY = "bench:lat"
LATENCY_JOBS = 500
LATENCY_SPACING_S = 0.005
WARMUP_JOBS = 20
BULK_BATCH = 1000
PRODUCER_TASKS = 100
"""Concurrent producers of an asyncio client: coroutines in one process, each with its share."""
PRODUCER_THREADS = 8
"""Concurrent producers of a blocking client: threads in one process."""
POLL_S = 0.005
CLK_TCK = os.sysconf("SC_CLK_TCK")


def bench_redis_url() -> str:
    """The throwaway server: BENCH_REDIS_URL, else --redis-url from argv. Never a default,
    so a module-level client can never reach some other Redis by accident."""
    url = os.environ.get("BENCH_REDIS_URL", "")
    for k, arg in enumerate(sys.argv):
        if arg == "--redis-url" and k + 1 < len(sys.argv):
            url = url or sys.argv[k + 1]
        elif arg.startswith("--redis-url="):
            url = url or arg.split("=", 1)[1]
    if not url:
        raise SystemExit("set BENCH_REDIS_URL or pass --redis-url (there is no default server)")
    os.environ["BENCH_REDIS_URL"] = url
    return url


class MiniRedis:
    """A tiny blocking RESP2 client, used for harness bookkeeping only."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.sock = socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=30
        )
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")

    def call(self, *args: str | int | bytes) -> Any:
        parts = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(parts))
        return self._read()

    def _read(self) -> Any:
        line = self.file.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            return None if size < 0 else self.file.read(size + 2)[:-2]
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [self._read() for _ in range(size)]
        raise RuntimeError(f"bad RESP reply: {line!r}")

    def info(self, section: str) -> dict[str, str]:
        text = self.call("INFO", section).decode()
        pairs = (line.split(":", 1) for line in text.splitlines() if ":" in line)
        return dict(pairs)

    def close(self) -> None:
        self.sock.close()


_local = threading.local()


def record_latency(t_ns: int) -> None:
    """Called first thing in a latency handler: push (start - enqueue) ns to a list."""
    delta = time.time_ns() - t_ns
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = MiniRedis(os.environ["BENCH_REDIS_URL"])
    conn.call("RPUSH", LATENCY_KEY, delta)


# ---------------------------------------------------------------- /proc helpers


def _stat_fields(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2 :].split()


def tree_pids(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int(_stat_fields(int(entry.name))[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_seconds(pid: int, reaped_children: bool = True) -> float:
    """user+sys of a process (plus its waited-for children), in seconds."""
    fields = _stat_fields(pid)
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


def tree_cpu_seconds(root: int) -> float:
    total = 0.0
    for pid in tree_pids(root):
        with contextlib.suppress(OSError):  # the process may have exited meanwhile
            total += cpu_seconds(pid)
    return total


def tree_peak_rss_kib(root: int) -> int:
    """Sum of VmHWM over the live process tree (fork-per-job children are gone by then)."""
    total = 0
    for pid in tree_pids(root):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def stop_process_group(proc: subprocess.Popen[bytes], grace_s: float = 5.0) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=grace_s)
    except ProcessLookupError:
        pass


# ---------------------------------------------------------------- adapter base


class Adapter:
    """Base class: subclasses override the primitives (sync or async)."""

    name = "?"
    version = ""  # filled from the installed distributions in `dists` when left empty
    dists: tuple[str, ...] = ()
    concurrency = "?"
    completion = "?"

    def __init__(self, redis_url: str, variant: str = "") -> None:
        self.redis_url = redis_url
        self.variant = variant
        os.environ["BENCH_REDIS_URL"] = redis_url

    async def open(self) -> None:
        """Create the system's client."""

    async def close(self) -> None:
        """Close the system's client."""

    async def shutdown(self) -> None:
        if not getattr(self, "_closed", False):
            self._closed = True
            await self.close()

    def enqueue(self, i: int) -> Any:
        raise NotImplementedError

    enqueue_bulk: Callable[[list[int]], Any] | None = None

    def enqueue_latency(self, i: int, t_ns: int) -> Any:
        raise NotImplementedError

    def worker_argv(self) -> list[str]:
        raise NotImplementedError

    def done(self, n: int) -> Any:
        raise NotImplementedError

    @staticmethod
    def bin(script: str) -> str:
        """A console script of this venv (the one running the adapter)."""
        return str(Path(sys.executable).parent / script)

    def worker_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(BENCH_DIR)
        env["BENCH_REDIS_URL"] = self.redis_url
        return env

    async def prefill(self, n: int) -> None:
        """Put n jobs in the queue, untimed (bulk when available)."""
        if self.enqueue_bulk is not None:
            for start in range(0, n, BULK_BATCH):
                await _maybe(self.enqueue_bulk(list(range(start, min(n, start + BULK_BATCH)))))
        else:
            for i in range(n):
                await _maybe(self.enqueue(i))

    async def timed_enqueue(self, n: int) -> float:
        fn = self.enqueue
        t0 = time.perf_counter()
        if inspect.iscoroutinefunction(fn):
            for i in range(n):
                await fn(i)
        else:
            for i in range(n):
                fn(i)
        return time.perf_counter() - t0

    concurrent_enqueue = True
    """False for a client that cannot be shared by concurrent producers."""

    async def timed_enqueue_concurrent(self, n: int) -> tuple[float, str] | None:
        """n single enqueues from concurrent producers in one process; (seconds, producers)."""
        if not self.concurrent_enqueue:
            return None
        fn = self.enqueue
        if inspect.iscoroutinefunction(fn):

            async def share(first: int) -> None:
                for i in range(first, n, PRODUCER_TASKS):
                    await fn(i)

            t0 = time.perf_counter()
            await asyncio.gather(*(share(k) for k in range(PRODUCER_TASKS)))
            return time.perf_counter() - t0, f"{PRODUCER_TASKS} coroutines"

        def run(first: int) -> None:
            for i in range(first, n, PRODUCER_THREADS):
                fn(i)

        threads = [threading.Thread(target=run, args=(k,)) for k in range(PRODUCER_THREADS)]
        t0 = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - t0, f"{PRODUCER_THREADS} threads"

    async def timed_enqueue_bulk(self, n: int) -> float | None:
        bulk = self.enqueue_bulk
        if bulk is None:
            return None
        batches = [list(range(s, min(n, s + BULK_BATCH))) for s in range(0, n, BULK_BATCH)]
        t0 = time.perf_counter()
        for batch in batches:
            await _maybe(bulk(batch))
        return time.perf_counter() - t0

    async def send_latency_jobs(self, count: int, first: int) -> None:
        t_start = time.perf_counter()
        for k in range(count):
            delay = t_start + k * LATENCY_SPACING_S - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await _maybe(self.enqueue_latency(first + k, time.time_ns()))


async def _maybe(value: Any | Awaitable[Any]) -> Any:
    return await value if inspect.isawaitable(value) else value


# ---------------------------------------------------------------- measurements


class Workers:
    """k worker processes started with the system's CLI / entry point."""

    def __init__(self, adapter: Adapter, k: int) -> None:
        self.logdir = Path(tempfile.mkdtemp(prefix=f"bench-{adapter.name}-"))
        self.procs: list[subprocess.Popen[bytes]] = []
        for w in range(k):
            with open(self.logdir / f"worker{w}.log", "wb") as log:  # the child keeps its copy
                self.procs.append(
                    subprocess.Popen(
                        adapter.worker_argv(),
                        env=adapter.worker_env(),
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                        cwd=str(BENCH_DIR),
                    )
                )

    def check_alive(self) -> None:
        for w, proc in enumerate(self.procs):
            if proc.poll() is not None:
                lines = (
                    (self.logdir / f"worker{w}.log")
                    .read_text(errors="replace")
                    .strip()
                    .splitlines()
                )
                last = lines[-1] if lines else "(no output)"
                raise RuntimeError(
                    f"worker exited early (rc={proc.returncode}), log {self.logdir}: {last}"
                )

    def stop(self) -> None:
        for proc in self.procs:
            stop_process_group(proc)


async def wait_until(
    check: Callable[[], Any], timeout_s: float, what: str, workers: Workers
) -> None:
    deadline = time.perf_counter() + timeout_s
    while not await _maybe(check()):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        workers.check_alive()
        await asyncio.sleep(POLL_S)


async def measure_process(adapter: Adapter, n: int, k: int, timeout_s: float) -> dict[str, Any]:
    await adapter.prefill(n)
    mini = MiniRedis(adapter.redis_url)
    redis_pid = int(mini.info("server")["process_id"])
    redis_cpu0 = cpu_seconds(redis_pid, reaped_children=False)
    t0 = time.perf_counter()
    workers = Workers(adapter, k)
    try:
        await wait_until(lambda: adapter.done(n), timeout_s, f"{n} jobs to finish", workers)
        wall = time.perf_counter() - t0
        redis_cpu = cpu_seconds(redis_pid, reaped_children=False) - redis_cpu0
        worker_cpu = [tree_cpu_seconds(p.pid) for p in workers.procs]
        peak_rss = [tree_peak_rss_kib(p.pid) for p in workers.procs]
    finally:
        workers.stop()
        mini.close()
    return {
        "jobs_per_s": n / wall,
        "seconds": wall,
        "worker_cpu_share": [c / wall for c in worker_cpu],
        "redis_cpu_share": redis_cpu / wall,
        "worker_peak_rss_mib": [kib / 1024 for kib in peak_rss],
    }


async def measure_latency(adapter: Adapter, n: int, timeout_s: float) -> dict[str, Any]:
    count = min(LATENCY_JOBS, n)
    mini = MiniRedis(adapter.redis_url)
    workers = Workers(adapter, 1)
    try:
        await adapter.send_latency_jobs(WARMUP_JOBS, 0)
        await wait_until(
            lambda: mini.call("LLEN", LATENCY_KEY) >= WARMUP_JOBS,
            timeout_s,
            "warm-up jobs",
            workers,
        )
        mini.call("DEL", LATENCY_KEY)
        await asyncio.sleep(0.2)
        await adapter.send_latency_jobs(count, WARMUP_JOBS)
        await wait_until(
            lambda: mini.call("LLEN", LATENCY_KEY) >= count, timeout_s, "latency jobs", workers
        )
        samples = sorted(int(v) / 1e6 for v in mini.call("LRANGE", LATENCY_KEY, 0, -1))
    finally:
        workers.stop()
        mini.close()
    return {
        "count": len(samples),
        "p50_ms": samples[len(samples) // 2],
        "p99_ms": samples[min(len(samples) - 1, int(len(samples) * 0.99))],
        "max_ms": samples[-1],
    }


async def measure_enqueue(adapter: Adapter, n: int) -> dict[str, Any]:
    """Single-call enqueue of n jobs; also Redis bytes per waiting job (used_memory delta)."""
    mini = MiniRedis(adapter.redis_url)
    before = int(mini.info("memory")["used_memory"])
    secs = await adapter.timed_enqueue(n)
    await adapter.shutdown()  # so the client's own buffers are not counted
    after = int(mini.info("memory")["used_memory"])
    mini.close()
    return {"jobs_per_s": n / secs, "seconds": secs, "redis_bytes_per_job": (after - before) / n}


async def run_measure(adapter: Adapter, args: argparse.Namespace) -> dict[str, Any]:
    await adapter.open()
    try:
        if args.measure in ("enqueue", "memory"):
            return await measure_enqueue(adapter, args.n)
        if args.measure == "enqueue_concurrent":
            timed = await adapter.timed_enqueue_concurrent(args.n)
            if timed is None:
                return {"unsupported": "its client is not shared by concurrent producers"}
            return {"jobs_per_s": args.n / timed[0], "seconds": timed[0], "producers": timed[1]}
        if args.measure == "enqueue_bulk":
            bulk = await adapter.timed_enqueue_bulk(args.n)
            if bulk is None:
                return {"unsupported": "no bulk enqueue API"}
            return {"jobs_per_s": args.n / bulk, "seconds": bulk}
        if args.measure == "process":
            return await measure_process(adapter, args.n, args.workers, args.timeout)
        if args.measure == "latency":
            return await measure_latency(adapter, args.n, args.timeout)
        raise SystemExit(f"unknown measure {args.measure}")
    finally:
        await adapter.shutdown()


def main(module: str, cls: str) -> None:
    """Entry point of an adapter script; the class is taken from the module imported under its
    package name (not __main__), so task names match what the worker process imports."""
    parser = argparse.ArgumentParser(description="Run one benchmark measurement for one system.")
    parser.add_argument("--redis-url", required=True)
    parser.add_argument(
        "--measure",
        required=True,
        choices=["enqueue", "enqueue_bulk", "enqueue_concurrent", "process", "latency", "memory"],
    )
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--variant", default="", help="system-specific variant (rq: simple|fork)")
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="seconds to wait for the workers"
    )
    args = parser.parse_args()
    if bench_redis_url() != args.redis_url:
        raise SystemExit("BENCH_REDIS_URL and --redis-url disagree")
    adapter = getattr(importlib.import_module(module), cls)(args.redis_url, args.variant)
    if not adapter.version:
        adapter.version = " + ".join(f"{d} {metadata.version(d)}" for d in adapter.dists)
    meta = {
        "system": adapter.name,
        "variant": adapter.variant,
        "version": adapter.version,
        "concurrency": adapter.concurrency,
        "completion": adapter.completion,
        "measure": args.measure,
        "n": args.n,
        "workers": args.workers,
    }
    try:
        result = asyncio.run(run_measure(adapter, args))
    except Exception as exc:  # reported, not raised: the orchestrator records it
        result = {"error": f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:300]}
    print(json.dumps({**meta, **result}))
    sys.stdout.flush()
