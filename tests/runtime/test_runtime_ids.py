"""Generated job ids: a forked child draws its own random part, even within the same millisecond."""

from __future__ import annotations

import os

import pytest

from jobcontracts.runtime.ids import new_job_id


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_does_not_reuse_the_parents_random_part() -> None:
    now_ms = 1_700_000_000_000
    parent = new_job_id(now_ms)  # the id's start for this millisecond is now remembered
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its id for the same millisecond, then leave at once
        os.close(read)
        os.write(write, new_job_id(now_ms).encode())
        os._exit(0)
    os.close(write)
    try:
        child = os.read(read, 64).decode()
    finally:
        os.close(read)
        os.waitpid(pid, 0)
    assert len(child) == len(parent) == 19
    assert child[:8] == parent[:8]  # the mark and the creation time
    assert child[8:15] != parent[8:15]  # the process part, drawn again after the fork
