"""The worker's own cost per job, without Redis: decode a claim reply, run, settle.

    .venv/bin/python bench/worker_path.py [--batches 200]

Feeds ``--batches`` claim replies of 100 ``send_welcome`` jobs (the shape
``finish_and_claim_jobs`` returns) through the same objects a worker uses:
``parse_claim`` -> ``ClaimedJobs.accept`` -> one task a job running
``JobRunner`` (payload judged by its schema and validated by pydantic, a no-op
handler, the result dumped) -> the settlements packed into the next
``finish_and_claim_jobs`` call. Prints the process CPU time per job.
Redis, the network and the driver loop are left out on purpose: this is the
part of a processed job that only the worker's Python can make cheaper.

CPU time still moves with other load on a shared machine; for numbers that do
not, count instructions and take the difference of two sizes:

    valgrind --tool=callgrind python bench/worker_path.py --batches 20
    valgrind --tool=callgrind python bench/worker_path.py --batches 60
    # (instructions of the second - the first) / 4,000 = instructions a job
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.startup_target import Quiet
from generated import email
from jobcontracts.runtime.claimed import ClaimedJobs
from jobcontracts.runtime.execution import JobRunner
from jobcontracts.runtime.keys import QueueKeys
from jobcontracts.runtime.script_calls import QueueCalls
from jobcontracts.runtime.script_replies import parse_claim

JOBS_PER_CLAIM = 100
PAYLOAD = b'{"user_id":"6f1c2a4e-0b7d-4c1e-9a3f-%012d","to":"user%d@example.com","locale":"en"}'


def claim_reply(batch: int) -> list[object]:
    """One claim reply as hiredis hands it over: meta, the flat job rows, ignored ids."""
    flat: list[object] = []
    for i in range(JOBS_PER_CLAIM):
        flat += [
            f"~bench{batch:06d}{i:04d}".encode(),
            b"send_welcome",
            PAYLOAD % (i, i),
            1,
            b"3",
            b'{"type":"exponential","delay":1000}',
            b"30000",
            b"1796309054126",
            False,
            False,
        ]
    return [[-1, 0, -1, 0], flat, []]


async def run(batches: int) -> tuple[float, int]:
    loop = asyncio.get_running_loop()
    worker = email.create_worker(Quiet())
    runner = JobRunner(worker.queue, worker.handlers, lambda: int(time.time() * 1000))
    claimed = ClaimedJobs(runner, JOBS_PER_CLAIM, loop, lambda: None)
    calls = QueueCalls(QueueKeys.build("bench", "email"), None)
    replies = [claim_reply(b) for b in range(batches)]
    settled = 0
    started = time.process_time()
    for reply in replies:
        claimed.accept(parse_claim(reply, "bench-worker:1").jobs)
        while claimed.running:
            await asyncio.sleep(0)
        finished = claimed.take_finished()
        if any(s.outcome != "c" for s in finished):
            raise SystemExit(f"a job did not complete: {finished[0]}")
        calls.finish_and_claim(0, "bench-worker:2", 30_000, JOBS_PER_CLAIM, finished)
        settled += len(finished)
    return time.process_time() - started, settled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=200, help="claim replies of 100 jobs")
    args = parser.parse_args()
    seconds, jobs = asyncio.run(run(args.batches))
    print(f"{jobs} jobs, {seconds / jobs * 1e6:.2f} us of CPU a job (worker's Python, no Redis)")


if __name__ == "__main__":
    main()
