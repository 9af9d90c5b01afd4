"""``in_thread`` and ``in_process`` handlers in a real worker against real Redis.

Children are real ``python -m jobcontracts.runtime.child_process`` processes;
the tests look at their process ids to show reuse, killing and clean-up.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jobcontracts.runtime import (
    ChildHandlerError,
    Connection,
    JobContext,
    JobDeadError,
    JobOptions,
    JobState,
    Worker,
    enqueue_async,
)
from jobcontracts.runtime.admin import QueueAdmin
from tests.process.proc_support import process_alive
from tests.runtime.offload_handlers import (
    Done,
    Misplaced,
    OffloadHandlers,
    Work,
    make_offload_queue,
    triple,
)
from tests.runtime.runtime_testkit import fast_settings, running, wait_until

QUEUE = make_offload_queue("offload")
HANDLER = "tests.runtime.offload_handlers:OffloadHandlers.child"


def pids_in(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


async def test_in_process_round_trip_is_typed_and_reuses_its_child(
    connection: Connection,
) -> None:
    settings = fast_settings(concurrency=1)
    async with running(Worker(QUEUE, OffloadHandlers(), connection=connection, settings=settings)):
        first = await enqueue_async(
            QUEUE, "child", {"value": 21, "wire-label": "über"}, JobOptions(), connection
        )
        done = await first.result(timeout=30)
        second = await enqueue_async(QUEUE, "child", {"value": 2}, JobOptions(), connection)
        again = await second.result(timeout=30)
    assert isinstance(done, Done)
    assert (done.doubled, done.label, done.attempt, done.domain) == (42, "über", 1, "offload")
    assert done.pid != os.getpid()
    assert again.pid == done.pid  # a warm child, not a new start per job
    assert not process_alive(done.pid)  # the stopped worker stopped its child


async def test_a_cpu_bound_child_does_not_block_other_jobs(
    connection: Connection, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pids"
    settings = fast_settings(concurrency=2, processes=1)
    async with running(Worker(QUEUE, OffloadHandlers(), connection=connection, settings=settings)):
        busy = await enqueue_async(
            QUEUE,
            "child",
            {"seconds": 3.0, "spin": True, "pid_file": str(pid_file)},
            JobOptions(),
            connection,
        )
        await wait_until(lambda: bool(pids_in(pid_file)), timeout=30)
        started = time.monotonic()
        for value in range(5):
            quick = await enqueue_async(QUEUE, "plain", {"value": value}, JobOptions(), connection)
            assert (await quick.result(timeout=10)).doubled == value * 2
        quick_done = time.monotonic() - started
        assert await busy.status() is JobState.ACTIVE
        assert (await busy.result(timeout=30)).pid == pids_in(pid_file)[0]
    assert quick_done < 2.0, quick_done


async def test_the_timeout_kills_the_child_and_the_job_retries_then_dead_letters(
    connection: Connection, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pids"
    async with running(
        Worker(QUEUE, OffloadHandlers(), connection=connection, settings=fast_settings())
    ):
        warm = await enqueue_async(QUEUE, "child", {"value": 1}, JobOptions(), connection)
        assert (await warm.result(timeout=30)).doubled == 2  # the children have started
        job = await enqueue_async(
            QUEUE,
            "child",
            {"seconds": 60.0, "pid_file": str(pid_file)},
            JobOptions(attempts=2, timeout=3.0),
            connection,
        )
        with pytest.raises(JobDeadError, match=r"failed 2 of 2 attempts; last: timed out after 3s"):
            await job.result(timeout=30)
        pids = pids_in(pid_file)
        assert len(pids) == 2
        assert pids[0] != pids[1]  # the first child was killed; the retry started another
        await wait_until(lambda: not any(map(process_alive, pids)), timeout=5)
        after = await enqueue_async(QUEUE, "child", {"value": 4}, JobOptions(), connection)
        assert (await after.result(timeout=30)).doubled == 8
    info = await QueueAdmin(QUEUE.domain, connection).job_async(job.id)
    assert info is not None
    assert [e.reason for e in info.errors] == ["timed out after 3s", "timed out after 3s"]


@pytest.mark.parametrize(
    ("crash", "ending"), [("exit", "exited with code 3"), ("kill", "was killed by SIGKILL")]
)
async def test_a_crashing_child_fails_the_attempt_and_the_worker_goes_on(
    connection: Connection, crash: str, ending: str
) -> None:
    async with running(
        Worker(QUEUE, OffloadHandlers(), connection=connection, settings=fast_settings(processes=1))
    ):
        job = await enqueue_async(QUEUE, "child", {"crash": crash}, JobOptions(), connection)
        with pytest.raises(JobDeadError) as dead:
            await job.result(timeout=30)
        after = await enqueue_async(QUEUE, "child", {"value": 5}, JobOptions(), connection)
        assert (await after.result(timeout=30)).doubled == 10
    assert "ChildProcessDied: child process " in str(dead.value)
    assert f"running {HANDLER} {ending} before it replied" in str(dead.value)


async def test_an_exception_in_the_child_keeps_its_type_message_and_traceback(
    connection: Connection,
) -> None:
    admin = QueueAdmin(QUEUE.domain, connection)
    async with running(
        Worker(QUEUE, OffloadHandlers(), connection=connection, settings=fast_settings(processes=1))
    ):
        failing = await enqueue_async(
            QUEUE, "child", {"value": 7, "crash": "raise"}, JobOptions(), connection
        )
        with pytest.raises(JobDeadError, match=r"ChildHandlerError: ValueError: bad value 7 \(in"):
            await failing.result(timeout=30)
        giving_up = await enqueue_async(
            QUEUE, "child", {"crash": "unrecoverable"}, JobOptions(attempts=3), connection
        )
        with pytest.raises(JobDeadError, match="unrecoverable: Unrecoverable: give up"):
            await giving_up.result(timeout=30)
    info = await admin.job_async(failing.id)
    assert info is not None
    (error,) = info.errors
    assert error.type == "ChildHandlerError"
    assert error.traceback is not None
    assert "offload_handlers.py" in error.traceback  # the child's frames
    assert "ValueError: bad value 7" in error.traceback
    gave_up = await admin.job_async(giving_up.id)
    assert gave_up is not None
    assert gave_up.attempts_made == 1


async def test_in_thread_times_out_and_frees_the_slot_while_the_thread_runs_on(
    connection: Connection,
) -> None:
    handlers = OffloadHandlers()
    settings = fast_settings(concurrency=1, threads=1)
    async with running(Worker(QUEUE, handlers, connection=connection, settings=settings)):
        ok = await enqueue_async(QUEUE, "thread", {"value": 3}, JobOptions(), connection)
        assert (await ok.result(timeout=10)).pid == os.getpid()
        slow = await enqueue_async(
            QUEUE, "thread", {"seconds": 2.0}, JobOptions(timeout=0.3), connection
        )
        with pytest.raises(JobDeadError, match=r"timed out after 0\.3s"):
            await slow.result(timeout=10)
        assert slow.id not in handlers.threads_finished  # the thread is still sleeping
        quick = await enqueue_async(QUEUE, "plain", {"value": 1}, JobOptions(), connection)
        assert (await quick.result(timeout=10)).doubled == 2  # the worker's slot is free
        assert slow.id not in handlers.threads_finished
        await wait_until(lambda: slow.id in handlers.threads_finished, timeout=10)


async def test_in_process_outside_a_worker_runs_in_a_child_of_its_own(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ctx = JobContext(
        "7",
        "offload",
        "triple",
        2,
        3,
        datetime.now(UTC),
        logging.LoggerAdapter(logging.getLogger()),
    )
    assert await triple(Work(value=5), ctx) == 17
    with pytest.raises(ChildHandlerError, match=r"ValueError: bad value 1 \(in child process"):
        await OffloadHandlers().child(Work(value=1, crash="raise"), ctx)


def test_in_process_refuses_what_a_child_cannot_import() -> None:
    from jobcontracts.runtime import in_process

    def nested(payload: Work) -> int:
        return payload.value

    async def coroutine(payload: Work) -> int:
        return payload.value

    with pytest.raises(TypeError, match=r"got test_in_process_refuses.*\.<locals>\.nested, which"):
        in_process(nested)
    with pytest.raises(TypeError, match="which a child process cannot import and run"):
        in_process(coroutine)
    with pytest.raises(TypeError, match=r"got str\.upper, which a child process cannot import"):
        in_process(str.upper)


async def test_in_process_refuses_a_static_method_at_its_first_call() -> None:
    logger = logging.LoggerAdapter(logging.getLogger())
    ctx = JobContext("7", "offload", "child", 1, 1, datetime.now(UTC), logger)
    with pytest.raises(TypeError, match=r"Misplaced\.child: in_process runs functions and plain"):
        await Misplaced.child(Work(), ctx)


def test_in_process_refuses_a_handler_of_a_script_run_by_path(tmp_path: Path) -> None:
    script = tmp_path / "jobs_script.py"
    script.write_text(
        "from jobcontracts.runtime import in_process\n"
        "@in_process\n"
        "def work(value: int) -> int:\n"
        "    return value\n"
    )
    run = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False, timeout=60
    )
    assert run.returncode == 1
    assert (
        "TypeError: in_process handler work is defined in the script being run (__main__),"
        " which a child process cannot import: move it into a module"
    ) in run.stderr


def test_worker_settings_bound_threads_and_processes() -> None:
    with pytest.raises(ValueError, match="threads must be >= 1"):
        fast_settings(threads=0)
    with pytest.raises(ValueError, match="processes must be >= 1"):
        fast_settings(processes=0)
