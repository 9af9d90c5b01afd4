"""The worker ``bench/startup.py`` starts: the email domain with a handler that does nothing."""

from __future__ import annotations

from generated import email
from generated.email import SendWelcomePayload
from jobcontracts.runtime import JobContext, Worker


class Quiet:
    async def send_welcome(self, payload: SendWelcomePayload, ctx: JobContext, /) -> None:
        return None


def worker() -> Worker:
    worker: Worker = email.create_worker(Quiet())
    return worker
