"""Render bench/results/latest.json into docs/benchmarks.md.

Usage: python bench/render.py [results.json] [output.md]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REFERENCES = ("jobcontracts-sync", "jobcontracts-async")

# (metric, title, unit, higher_is_better, digits)
TABLES: list[tuple[str, str, str, bool, int]] = [
    ("enqueue_jobs_per_s", "Enqueue, one call per job", "jobs/s", True, 0),
    ("enqueue_bulk_jobs_per_s", "Enqueue, bulk (batches of 1,000)", "jobs/s", True, 0),
    (
        "enqueue_concurrent_jobs_per_s",
        "Enqueue, concurrent producers (100 coroutines; 8 threads for a blocking client)",
        "jobs/s",
        True,
        0,
    ),
    ("process_jobs_per_s", "Process N waiting jobs, 1 worker process", "jobs/s", True, 0),
    ("latency_p50_ms", "Latency p50 (handler start - enqueue), idle worker", "ms", False, 2),
    ("latency_p99_ms", "Latency p99", "ms", False, 2),
    ("redis_bytes_per_job", "Redis memory per waiting job", "bytes", False, 0),
    (
        "worker_peak_rss_mib",
        "Worker peak RSS during the process run (VmHWM, process tree)",
        "MiB",
        False,
        1,
    ),
]


NOTES = [
    "Read with `bench/README.md` (method per system). In short:",
    "- process jobs/s = N / (worker spawn -> N-th job done), worker start-up included;",
    "  a system processing fewer jobs shows its N next to its name.",
    "- arq with its default `poll_delay=0.5s` reads at most 100 jobs per poll: that caps it near",
    "  200 jobs/s and ~250 ms latency; `arq-poll10ms` is the same worker polling every 10 ms.",
    "- latency offers 200 jobs/s (one job every 5 ms): rq-fork (~40 jobs/s) falls behind, so",
    "  its figure is backlog, not pickup latency.",
    "- concurrent producers: one process enqueueing N jobs one call at a time from 100",
    "  coroutines (an asyncio client; `Promise.all` of 100 in Node) or 8 threads (a blocking",
    "  client), each with its share. jobcontracts' asyncio producer keeps one connection per",
    "  event loop with every call's command in flight on it; calls of one queue (from",
    "  coroutines, or from threads) that arrive while an add is in flight leave together as",
    "  one script call, each caller keeping its own job id and its own error.",
    "- the machine has 2 cores shared by redis-server, the workers and the harness.",
]


def fmt(value: float, digits: int) -> str:
    return f"{value:,.{digits}f}"


def cell(entry: dict[str, Any] | None, digits: int) -> str:
    if entry is None:
        return "not measured"
    if "median" not in entry:
        prefix = "n/a" if entry.get("unsupported") else "FAILED"
        return f"{prefix}: {entry.get('error', '?')}".replace("|", "/")
    text = fmt(entry["median"], digits)
    if entry["min"] != entry["max"]:
        text += f" ({fmt(entry['min'], digits)}-{fmt(entry['max'], digits)})"
    if entry["ok"] < entry["runs"]:
        text += f" [{entry['runs'] - entry['ok']} of {entry['runs']} failed: {entry.get('error')}]"
    return text


def ratio(peer: dict[str, Any] | None, ref: dict[str, Any] | None, higher: bool) -> str:
    """How many times better jobcontracts is than the peer (>1: jobcontracts better)."""
    if not peer or not ref or "median" not in peer or "median" not in ref:
        return "-"
    p, r = peer["median"], ref["median"]
    if p <= 0 or r <= 0:
        return "-"
    return f"{(r / p if higher else p / r):.2f}x"


def entry_of(system: dict[str, Any], metric: str) -> dict[str, Any] | None:
    if "install_error" in system:
        return {"error": f"install failed: {system['install_error']}"}
    summary: dict[str, Any] = system.get("summary", {})
    return summary.get(metric)


def table(
    results: dict[str, Any], metric: str, title: str, unit: str, higher: bool, digits: int
) -> list[str]:
    systems: dict[str, Any] = results["systems"]
    refs = [r for r in REFERENCES if r in systems and (entry_of(systems[r], metric) is not None)]
    rows = [(sid, s) for sid, s in systems.items() if entry_of(s, metric) is not None]
    if not rows:
        return []
    better = "higher" if higher else "lower"
    head = ["system", f"median (min-max), {unit}"] + [
        f"{r} / peer" if higher else f"peer / {r}" for r in refs
    ]
    lines = [
        f"### {title}",
        "",
        f"{better} is better; ratio columns: >1 means jobcontracts is better by that factor.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for sid, system in rows:
        peer = entry_of(system, metric)
        n = f" (N={peer['n']})" if peer and peer.get("n") and peer["n"] != results["n"] else ""
        cols = [f"{sid}{n}", cell(peer, digits)]
        cols += [ratio(peer, entry_of(systems[r], metric), higher) for r in refs]
        lines.append("| " + " | ".join(cols) + " |")
    return [*lines, ""]


def scaling_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "### Scaling: 1 vs 2 worker processes",
        "",
        "CPU share = (user+sys CPU seconds) / wall seconds of the process run, summed over "
        "the worker processes (and their children); 1.0 = one full core. The machine has "
        f"{results.get('machine', {}).get('cores', '?')} cores shared by redis-server, the "
        "workers and the harness's completion polling.",
        "",
        "| system | 1 worker, jobs/s | workers CPU | redis CPU | 2 workers, jobs/s | "
        "workers CPU | redis CPU | speed-up |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for sid, system in results["systems"].items():
        s = system.get("summary", {})
        if "install_error" in system or (
            "process_jobs_per_s" not in s and "w2_jobs_per_s" not in s
        ):
            continue
        w1, w2 = s.get("process_jobs_per_s"), s.get("w2_jobs_per_s")
        cols = [
            sid,
            cell(w1, 0),
            cell(s.get("w1_worker_cpu_share"), 2),
            cell(s.get("w1_redis_cpu_share"), 2),
            cell(w2, 0),
            cell(s.get("w2_worker_cpu_share"), 2),
            cell(s.get("w2_redis_cpu_share"), 2),
        ]
        ok = w1 and w2 and "median" in w1 and "median" in w2
        cols.append(f"{w2['median'] / w1['median']:.2f}x" if ok and w1 and w2 else "-")
        lines.append("| " + " | ".join(cols) + " |")
    return [*lines, ""]


def ceiling_table(results: dict[str, Any]) -> list[str]:
    runs = results.get("ceiling")
    if not runs:
        return []
    lines = [
        "### Ceiling: redis-benchmark on the same server",
        "",
        "`redis-benchmark -p <port> -q -t set,get,lpush,lpop -n 100000` (and with `-P 16`); "
        "requests/s, median of the repeats. One job costs several commands in every system.",
        "",
        "| command | unpipelined | -P 16 |",
        "|---|---|---|",
    ]
    for cmd in ("SET", "GET", "LPUSH", "LPOP"):
        vals = []
        for mode in ("unpipelined", "pipelined_16"):
            xs = sorted(r[mode].get(cmd, 0.0) for r in runs)
            vals.append(fmt(xs[len(xs) // 2], 0))
        lines.append(f"| {cmd} | {vals[0]} | {vals[1]} |")
    return [*lines, ""]


def render(results: dict[str, Any]) -> str:
    m = results.get("machine", {})
    out = [
        "# Benchmarks",
        "",
        "Generated by `bench/render.py` from `bench/results/latest.json`; do not edit by hand. "
        "How each number is measured: `bench/README.md`.",
        "",
        "## Machine and run",
        "",
        f"- CPU: {m.get('cpu')} ({m.get('cores')} cores), kernel {m.get('kernel')}",
        f"- Python {m.get('python')}, Redis {m.get('redis')} (throwaway server, no persistence), "
        f"Node {m.get('node')}",
        f"- N = {results['n']:,} jobs, {results['repeat']} repeat(s), median with min-max; "
        f"worker timeout {results.get('timeout_s', '?')} s",
        f"- Run {results.get('started')} -> {results.get('finished')}",
        f"- Reproduce: `{results['command']}`",
        "",
        "## Systems",
        "",
        "| system | version | concurrency | completion detected by |",
        "|---|---|---|---|",
    ]
    for sid, s in results["systems"].items():
        if "install_error" in s:
            out.append(f"| {sid} | - | - | install failed: {s['install_error']} |")
            continue
        out.append(
            f"| {sid} | {s.get('version', '?')} | {s.get('concurrency', '?')} | "
            f"{s.get('completion', '?')} |"
        )
    out += ["", "## Results", "", *NOTES, ""]
    for metric, title, unit, higher, digits in TABLES:
        out += table(results, metric, title, unit, higher, digits)
    out += scaling_table(results)
    out += ceiling_table(results)
    return "\n".join(out).replace("\n\n\n", "\n\n") + "\n"


def main() -> int:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else BENCH_DIR / "results" / "latest.json"
    dst = Path(sys.argv[2]) if len(sys.argv) > 2 else BENCH_DIR.parent / "docs" / "benchmarks.md"
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(render(json.loads(src.read_text())))
    print(f"wrote {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
