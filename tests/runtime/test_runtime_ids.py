"""Generated job ids: a forked child draws its own random part, even within the same millisecond."""

from __future__ import annotations

import os

import pytest

from jobcontracts.runtime.ids import ALPHABET, MARK, new_job_id


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


@pytest.mark.parametrize(
    "now_ms", [0, 1, 63, 64, 4095, 4096, 1_700_000_000_000, 1_764_795_000_123, 64**7 - 1]
)
def test_an_id_spells_its_creation_time_in_the_alphabet_and_sorts_by_it(now_ms: int) -> None:
    job_id = new_job_id(now_ms)
    assert job_id[0] == MARK
    assert sum(ALPHABET.index(c) << 6 * (6 - i) for i, c in enumerate(job_id[1:8])) == now_ms
    later = new_job_id(now_ms + 1) if now_ms + 1 < 64**7 else job_id
    assert later >= job_id
