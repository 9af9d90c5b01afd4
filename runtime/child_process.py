"""A child process of a worker: runs ``in_process`` handlers, one JSON line per request.

Started by ``ChildPool`` as ``python -m jobcontracts.runtime.child_process
PARENT_PID [MODULE...]``. It imports the handler modules named, says it is
ready in one line, then reads requests from stdin and writes one reply line
per request to what was stdout; the handler's own prints go to stderr, so they
cannot corrupt a reply. It ignores SIGINT (a Ctrl-C in a terminal reaches the
whole process group; the worker decides what happens to running jobs), and
on Linux it is killed with its parent, so a SIGKILLed worker leaves no child.
It exits when stdin closes.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import signal
import sys
import traceback
from typing import Any, BinaryIO

from .child_calls import Resolver
from .errors import Unrecoverable

PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this child when its parent dies; exit if it is already gone."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def answer(resolver: Resolver, line: bytes) -> bytes:
    """The reply line to one request line: the result, or the error that stopped it."""
    reply: dict[str, Any] = {"pid": os.getpid()}
    try:
        request = json.loads(line)
        target, bound = resolver.resolve(request["target"])
        reply["ok"] = target.call(bound, request)
        encoded = json.dumps(reply, separators=(",", ":"))
    except Exception as exc:
        reply.pop("ok", None)
        reply["error"] = {
            "type": type(exc).__name__,
            "message": str(exc),
            "traceback": traceback.format_exc(),
            "unrecoverable": isinstance(exc, Unrecoverable),
        }
        encoded = json.dumps(reply, separators=(",", ":"))
    return encoded.encode() + b"\n"


def _preload(modules: list[str]) -> None:
    """Import the handler modules now, so the first job does not pay for it."""
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception:  # reported again, as the job's error, when a call needs it
            traceback.print_exc()


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    replies.write(json.dumps({"ready": os.getpid()}).encode() + b"\n")
    replies.flush()
    resolver = Resolver()
    for line in requests:
        replies.write(answer(resolver, line))
        replies.flush()


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(int(sys.argv[1]))
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    _preload(sys.argv[2:])
    serve(sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
