"""``jobctl init``: a starter project, from an empty directory to a running job in a minute.

It writes a jobs.yaml with one job (and the JSON Schema editors use to check it),
a handlers module and a worker module, then prints the three commands that follow.
Existing files are never overwritten: if any of them is there, nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .output import fail

JOBS_YAML = """\
# yaml-language-server: $schema=./jobs.schema.json
# Every background job of this project: edit, then run `jobctl generate`.
version: 1

defaults:
  attempts: 3
  backoff: {type: exponential, delay: 1s}
  timeout: 30s

domains:
  hello:
    description: A first domain; a domain is one queue.
    jobs:
      greet:
        description: Greet someone by name.
        payload:
          type: object
          required: [name]
          properties:
            name: {type: string, minLength: 1, maxLength: 100}
        result:
          type: object
          required: [greeting]
          properties:
            greeting: {type: string}
"""

HANDLERS = '''\
"""The handlers of the hello jobs: one async method per job in jobs.yaml."""

from jobcontracts.runtime import JobContext

from generated.hello import GreetPayload, GreetResult


class HelloJobs:
    async def greet(self, payload: GreetPayload, ctx: JobContext, /) -> GreetResult:
        ctx.logger.info("greeting %s", payload.name)
        return GreetResult(greeting=f"Hello, {payload.name}!")
'''

WORKER = '''\
"""The worker of the hello domain: run it with `jobctl worker worker:worker`."""

from generated.hello import create_worker
from handlers import HelloJobs

worker = create_worker(HelloJobs())
'''

NEXT_STEPS = """\
next:
  jobctl generate                                 # jobs.yaml -> generated/
  jobctl worker worker:worker                     # Redis: $REDIS_URL, else localhost:6379
  jobctl enqueue hello greet '{"name": "world"}'  # in another shell, then: jobctl show hello ID"""


def starter_files() -> dict[str, str]:
    from jobcontracts.codegen.spec import jobs_file_json_schema

    schema = json.dumps(jobs_file_json_schema(), indent=2, sort_keys=True, ensure_ascii=False)
    return {
        "jobs.yaml": JOBS_YAML,
        "jobs.schema.json": schema + "\n",
        "handlers.py": HANDLERS,
        "worker.py": WORKER,
    }


def init_command(
    directory: Annotated[
        Path, typer.Argument(help="Where to write the starter files.", file_okay=False)
    ] = Path(),
) -> None:
    """Write a starter jobs.yaml, handlers.py and worker.py (never overwrites a file)."""
    files = starter_files()
    existing = [name for name in files if (directory / name).exists()]
    if existing:
        raise fail(
            f"not overwriting {', '.join(str(directory / name) for name in existing)}; "
            "nothing was written (run `jobctl init` in an empty directory)",
            code=1,
        )
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    typer.echo(f"created {', '.join(str(directory / name) for name in files)}")
    typer.echo(NEXT_STEPS)
