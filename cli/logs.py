"""Logging set-up for the command line; the library itself never configures logging.

People at a terminal read one short line per job transition; log shippers read
one JSON object per line. Both carry job id, domain, job name and attempt.
The JSON field names are listed once, here, and in the README's "Logs" section.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

JOB_FIELDS = ("job_id", "domain", "job_name", "attempt", "duration_ms")
"""Set on every line about one job (``duration_ms`` once it ran: milliseconds, 2 decimals)."""

WORKER_FIELDS = ("domains", "redis_url", "prefix")
"""``domain`` is also on every line about one worker; ``domains`` on a line about several
(the signal that stops them); ``redis_url`` and ``prefix`` on a worker's start line, where
it reads jobs from (the password hidden)."""


def _structured_fields(record: logging.LogRecord) -> dict[str, Any]:
    values = {name: getattr(record, name, None) for name in (*JOB_FIELDS, *WORKER_FIELDS)}
    return {name: value for name, value in values.items() if value is not None}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_structured_fields(record),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class HumanFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        time = datetime.fromtimestamp(record.created).strftime("%H:%M:%S.%f")[:-3]
        fields = _structured_fields(record)
        where = ""
        if "domain" in fields:
            where = str(fields["domain"])
            if "job_name" in fields:
                where += f"/{fields['job_name']}"
            if "job_id" in fields:
                where += f"#{fields['job_id']}"
            if "attempt" in fields:
                where += f" attempt {fields['attempt']}"
            if "duration_ms" in fields:
                where += f" ({fields['duration_ms']:.1f} ms)"
            where += " "
        line = f"{time} {record.levelname:<7} {where}{record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(
    level: str = "INFO", *, json_logs: bool | None = None, stream: TextIO | None = None
) -> None:
    """Human lines on a terminal, JSON lines otherwise (``json_logs`` forces either)."""
    target = stream or sys.stderr
    use_json = (not target.isatty()) if json_logs is None else json_logs
    handler = logging.StreamHandler(target)
    handler.setFormatter(JsonFormatter() if use_json else HumanFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
