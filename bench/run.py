"""Benchmark jobcontracts against other Redis job queues, one system after another.

Starts ONE throwaway redis-server on a free port (never the shared 6379), creates each
system's virtualenv on demand (bench/.venvs/<system>, Node's in bench/.node), runs each
system's adapter as a subprocess in that environment (FLUSHALL before every measurement),
collects the JSON the adapter prints, writes bench/results/latest.json and renders
docs/benchmarks.md (bench/render.py).

Measurements (--only): enqueue (single, bulk and concurrent producers; `concurrent` alone:
100 coroutines, or 8 threads for a blocking client), process (N waiting jobs, 1 worker),
scaling (1 and 2 workers, CPU shares), latency (p50/p99 of 500 spaced jobs), memory
(Redis bytes per waiting job + worker peak RSS), ceiling (redis-benchmark).

Examples:
  python bench/run.py                               # everything, N=20000, 3 repeats
  python bench/run.py --n 500 --repeat 1            # quick smoke run
  python bench/run.py --systems arq,saq --only enqueue,latency
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from envs import InstallError, prepare
from server import RedisServer, ceiling
from systems import BENCH_DIR, PROJECT_DIR, SYSTEMS, System

ONLY_CHOICES = {
    "enqueue": ("enqueue", "enqueue_bulk", "enqueue_concurrent"),
    "concurrent": ("enqueue_concurrent",),
    "process": ("process_w1",),
    "scaling": ("process_w1", "process_w2"),
    "latency": ("latency",),
    "memory": ("enqueue", "process_w1"),
    "ceiling": (),
}
RESULTS = BENCH_DIR / "results" / "latest.json"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python bench/run.py",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]) if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ids = ",".join(s.id for s in SYSTEMS)
    parser.add_argument("--n", type=int, default=20_000, help="jobs per measurement (20000)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions; median reported (3)")
    parser.add_argument("--systems", default="", help=f"comma list of: {ids} (default: all)")
    parser.add_argument("--only", default="", help=f"comma list of: {','.join(ONLY_CHOICES)}")
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds a system's workers get per measurement before it is "
        "reported as timed out (120)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="results JSON path")
    parser.add_argument("--no-render", action="store_true", help="do not render docs/benchmarks.md")
    return parser.parse_args(argv)


def selected(args: argparse.Namespace) -> tuple[list[System], set[str], bool]:
    systems = list(SYSTEMS)
    if args.systems:
        wanted = {s.strip() for s in args.systems.split(",") if s.strip()}
        unknown = wanted - {s.id for s in SYSTEMS}
        if unknown:
            raise SystemExit(f"unknown systems: {', '.join(sorted(unknown))}")
        systems = [s for s in SYSTEMS if s.id in wanted]
    only = {o.strip() for o in args.only.split(",") if o.strip()} or set(ONLY_CHOICES)
    if only - set(ONLY_CHOICES):
        raise SystemExit(f"unknown --only values: {', '.join(sorted(only - set(ONLY_CHOICES)))}")
    measures = {m for o in only for m in ONLY_CHOICES[o]}
    return systems, measures, "ceiling" in only


def kill_strays(redis_url: str) -> None:
    """Kill processes left behind by a killed adapter: they carry our throwaway server's URL."""
    needle = f"BENCH_REDIS_URL={redis_url}\0".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes():
                os.kill(int(entry.name), signal.SIGKILL)
        except OSError:
            continue


def run_adapter(
    python: Path, system: System, measure: str, n: int, server: RedisServer, timeout: float
) -> dict[str, Any]:
    workers = 2 if measure == "process_w2" else 1
    kind = "process" if measure.startswith("process") else measure
    if kind == "process" and system.process_n_cap:
        n = min(n, system.process_n_cap)
    cmd = [
        str(python),
        "-P",
        str(system.adapter),
        "--redis-url",
        server.url,
        "--measure",
        kind,
        "--n",
        str(n),
        "--workers",
        str(workers),
        "--timeout",
        str(timeout),
    ]
    if system.variant:
        cmd += ["--variant", system.variant]
    # Deployed Python reads cached bytecode; a shell with PYTHONDONTWRITEBYTECODE
    # would make every worker start compile its imports from source again.
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {
        **inherited,
        "PYTHONPATH": str(BENCH_DIR),
        "BENCH_REDIS_URL": server.url,
        **system.extra_env,
    }
    server.flushall()
    try:
        out = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            env=env,
            cwd=BENCH_DIR,
            timeout=timeout + 120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        kill_strays(server.url)
        return {"error": f"timed out: adapter killed after {timeout + 120:.0f}s", "n": n}
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if not lines:
        err = [ln for ln in out.stderr.splitlines() if ln.strip()] or [f"exit {out.returncode}"]
        return {"error": f"adapter failed: {err[-1].strip()[:300]}", "n": n}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def summarize(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


METRICS: dict[str, list[tuple[str, str]]] = {
    "enqueue": [
        ("enqueue_jobs_per_s", "jobs_per_s"),
        ("redis_bytes_per_job", "redis_bytes_per_job"),
    ],
    "enqueue_bulk": [("enqueue_bulk_jobs_per_s", "jobs_per_s")],
    "enqueue_concurrent": [("enqueue_concurrent_jobs_per_s", "jobs_per_s")],
    "process_w1": [
        ("process_jobs_per_s", "jobs_per_s"),
        ("worker_peak_rss_mib", "worker_peak_rss_mib"),
        ("w1_worker_cpu_share", "worker_cpu_share"),
        ("w1_redis_cpu_share", "redis_cpu_share"),
    ],
    "process_w2": [
        ("w2_jobs_per_s", "jobs_per_s"),
        ("w2_worker_cpu_share", "worker_cpu_share"),
        ("w2_redis_cpu_share", "redis_cpu_share"),
    ],
    "latency": [("latency_p50_ms", "p50_ms"), ("latency_p99_ms", "p99_ms")],
}


def _scalar(value: Any) -> float:
    # per-worker lists: RSS and CPU share are summed over the worker processes
    return float(sum(value)) if isinstance(value, list) else float(value)


def summarize_system(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for measure, results in runs.items():
        for metric, key in METRICS[measure]:
            ok = [r for r in results if key in r]
            entry: dict[str, Any] = {"runs": len(results), "ok": len(ok)}
            stats = summarize([_scalar(r[key]) for r in ok])
            if stats:
                entry.update(stats)
            errors = [str(r.get("error") or r.get("unsupported")) for r in results if key not in r]
            if errors:
                entry["error"] = errors[0]
                entry["unsupported"] = all("unsupported" in r for r in results if key not in r)
            if ok and "n" in ok[0]:
                entry["n"] = ok[0]["n"]
            summary[metric] = entry
    return summary


def machine_info(server: RedisServer) -> dict[str, str]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "kernel": platform.release(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "redis": server.version(),
        "node": node.stdout.strip() or "not found",
    }


def bench_system(
    system: System, measures: set[str], args: argparse.Namespace, server: RedisServer
) -> dict[str, Any]:
    record: dict[str, Any] = {"id": system.id, "runs": {}}
    try:
        python = prepare(system)
    except InstallError as exc:
        record["install_error"] = str(exc).splitlines()[0]
        print(f"  install failed: {record['install_error']}", flush=True)
        return record
    todo = [m for m in system.measures if m in measures]
    for rep in range(args.repeat):
        for measure in todo:
            started = time.perf_counter()
            result = run_adapter(python, system, measure, args.n, server, args.timeout)
            record["runs"].setdefault(measure, []).append(result)
            for key in ("version", "concurrency", "completion", "variant"):
                if key in result:
                    record[key] = result[key]
            shown = {
                k: v
                for k, v in result.items()
                if k
                in ("jobs_per_s", "p50_ms", "p99_ms", "redis_bytes_per_job", "error", "unsupported")
            }
            print(
                f"  [{rep + 1}/{args.repeat}] {measure:13s} {time.perf_counter() - started:6.1f}s "
                f"{json.dumps(shown)}",
                flush=True,
            )
    record["summary"] = summarize_system(record["runs"])
    return record


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    systems, measures, want_ceiling = selected(args)
    command = "python bench/run.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    server = RedisServer()
    print(f"redis-server pid {server.pid} at {server.url} (dir {server.dir})", flush=True)
    results: dict[str, Any] = {
        "command": command.strip(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "n": args.n,
        "repeat": args.repeat,
        "timeout_s": args.timeout,
        "systems": {},
    }
    try:
        results["machine"] = machine_info(server)
        if want_ceiling:
            runs = []
            for rep in range(args.repeat):
                server.flushall()
                runs.append(
                    {
                        "unpipelined": ceiling(server.port, 1),
                        "pipelined_16": ceiling(server.port, 16),
                    }
                )
                print(f"ceiling [{rep + 1}/{args.repeat}] {json.dumps(runs[-1])}", flush=True)
            results["ceiling"] = runs
        for system in systems:
            print(f"== {system.id}", flush=True)
            results["systems"][system.id] = bench_system(system, measures, args, server)
    finally:
        kill_strays(server.url)
        server.stop()
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out}", flush=True)
    if not args.no_render:
        from render import render

        doc = PROJECT_DIR / "docs" / "benchmarks.md"
        doc.parent.mkdir(exist_ok=True)
        doc.write_text(render(results))
        print(f"wrote {doc}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
