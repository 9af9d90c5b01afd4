"""The systems the benchmark compares: pinned versions, environments and adapter scripts."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
ADAPTERS = BENCH_DIR / "adapters"

ALL_MEASURES = (
    "enqueue",
    "enqueue_bulk",
    "enqueue_concurrent",
    "process_w1",
    "process_w2",
    "latency",
)
WORKER_MEASURES = ("process_w1", "process_w2", "latency")


@dataclass(frozen=True)
class System:
    id: str
    adapter: Path
    # "venv": bench/.venvs/<venv> with `requirements`; "project": /work/main/.venv;
    # "node": bench/.node (npm) driven by the orchestrator's own Python.
    env: str = "venv"
    venv: str = ""
    requirements: tuple[str, ...] = ()
    variant: str = ""
    measures: tuple[str, ...] = ALL_MEASURES
    # Systems far slower than the rest process fewer jobs (jobs/s stays comparable).
    process_n_cap: int | None = None
    extra_env: dict[str, str] = field(default_factory=dict)


def _py(sid: str, reqs: tuple[str, ...], **kw: object) -> System:
    venv = str(kw.pop("venv", sid))
    return System(id=sid, adapter=ADAPTERS / f"{venv}.py", venv=venv, requirements=reqs, **kw)  # type: ignore[arg-type]


PEERS: tuple[System, ...] = (
    _py("arq", ("arq==0.28.0",), process_n_cap=5000),
    _py("arq-poll10ms", ("arq==0.28.0",), venv="arq", variant="poll10ms", measures=WORKER_MEASURES),
    # saq 0.26.4 imports typing_extensions without declaring it.
    _py("saq", ("saq[redis]==0.26.4", "typing-extensions")),
    _py("rq-simple", ("rq==2.12.0",), venv="rq", variant="simple"),
    _py(
        "rq-fork",
        ("rq==2.12.0",),
        venv="rq",
        variant="fork",
        measures=WORKER_MEASURES,
        process_n_cap=2000,
    ),
    _py("celery", ("celery[redis]==5.7.0",)),
    _py("dramatiq", ("dramatiq[redis]==2.2.1",)),
    _py("taskiq", ("taskiq==0.13.0", "taskiq-redis==1.2.4")),
    _py("streaq", ("streaq==7.2.0",)),
    _py("huey", ("huey==3.5.4", "redis")),
    _py("bullmq", ("bullmq==3.4.4",)),
    System(id="bullmq-node", adapter=ADAPTERS / "bullmq_node" / "adapter.py", env="node"),
)

# This project, run in the project's own venv (installed editable there).
JOBCONTRACTS: tuple[System, ...] = (
    System(
        id="jobcontracts-sync",
        adapter=ADAPTERS / "jobcontracts.py",
        env="project",
        variant="sync",
        measures=("enqueue", "enqueue_bulk", "enqueue_concurrent", "latency"),
    ),
    System(
        id="jobcontracts-async",
        adapter=ADAPTERS / "jobcontracts.py",
        env="project",
        variant="async",
    ),
    # The same worker with Prometheus metrics on: what observing every attempt costs.
    System(
        id="jobcontracts-metrics",
        adapter=ADAPTERS / "jobcontracts.py",
        env="project",
        variant="metrics",
        measures=("process_w1",),
    ),
)

SYSTEMS: tuple[System, ...] = PEERS + JOBCONTRACTS
REFERENCE_IDS = tuple(s.id for s in JOBCONTRACTS)
