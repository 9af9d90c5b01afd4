"""The dashboard's pages and actions as plain request -> response functions.

No HTTP here (``server.py`` adapts this to a socket), so every route can be
exercised directly. Pages render jinja2 templates with autoescaping; actions
are POSTs checked by ``Guard`` and answered with a redirect (post/redirect/get).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from typing import Any
from urllib.parse import quote, unquote

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from jobcontracts.runtime.backoff import parse_backoff
from jobcontracts.runtime.history import HISTORY_MINUTES, throughput

from .charts import chart
from .data import STATES, DashboardData, pretty_json
from .security import COOKIE, Guard

SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
)
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict[str, str])
    form: Mapping[str, str] = field(default_factory=dict[str, str])
    cookies: Mapping[str, str] = field(default_factory=dict[str, str])
    headers: Mapping[str, str] = field(default_factory=dict[str, str])
    """Lower-cased names."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list[tuple[str, str]])


def redirect(location: str, extra: list[tuple[str, str]] | None = None) -> Response:
    return Response(303, b"", [("Location", location), *(extra or [])])


def describe_backoff(spec: str) -> str:
    """``e:2000:0.2`` -> ``exponential from 2 s, jitter 20%``."""
    try:
        exponential, delay_ms, jitter = parse_backoff(spec.encode())
    except ValueError:
        return spec
    kind = "exponential from" if exponential else "fixed"
    return f"{kind} {delay_ms / 1000:g} s" + (f", jitter {jitter:.0%}" if jitter else "")


def _quote(value: object) -> str:
    return quote(str(value), safe="")


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _ms_when(ms: int | None) -> str:
    return "-" if ms is None else _when(datetime.fromtimestamp(ms / 1000, tz=UTC))


def _environment() -> Environment:
    folder = resources.files("jobcontracts.observability.dashboard") / "templates"
    env = Environment(
        loader=FileSystemLoader(str(folder)),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["q"] = _quote
    env.filters["when"] = _when
    env.filters["ms_when"] = _ms_when
    env.filters["pretty"] = pretty_json
    env.filters["backoff"] = describe_backoff
    return env


class Dashboard:
    """Routes requests for the domains of ``data``; actions need ``guard``'s consent."""

    def __init__(self, data: DashboardData, guard: Guard) -> None:
        self.data = data
        self.guard = guard
        self._env = _environment()
        self._static = resources.files("jobcontracts.observability.dashboard") / "static"

    # ------------------------------------------------------------ dispatch
    def handle(self, request: Request) -> Response:
        parts = [unquote(p) for p in request.path.strip("/").split("/") if p]
        route = self._route(request.method, parts)
        if route is None:
            return self.error(request, 404, "No such page.")
        return route(request)

    def _route(self, method: str, parts: list[str]) -> Callable[[Request], Response] | None:
        if method == "GET":
            return self._get_route(parts)
        if method != "POST":
            return None
        if parts == ["login"]:
            return self.login
        if parts == ["logout"]:
            return self.logout
        if len(parts) == 3 and parts[0] == "domains":
            domain, action = parts[1], parts[2]
            return lambda request: self.act(request, domain, action)
        return None

    def _get_route(self, parts: list[str]) -> Callable[[Request], Response] | None:
        if not parts:
            return self.overview
        if parts == ["workers"]:
            return self.workers
        if parts == ["login"]:
            return lambda request: self.page(request, "login.html", failed=False)
        if len(parts) == 2 and parts[0] == "static":
            name = parts[1]
            return lambda request: self.static(name)
        if len(parts) == 2 and parts[0] == "domains":
            domain = parts[1]
            return lambda request: self.domain(request, domain)
        if len(parts) == 4 and parts[0] == "domains" and parts[2] == "jobs":
            domain, job_id = parts[1], parts[3]
            return lambda request: self.job(request, domain, job_id)
        return None

    # ------------------------------------------------------------ rendering
    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> Response:
        nonce = self.guard.session_nonce(request.cookies)
        html = self._env.get_template(template).render(
            writable=self.guard.writable,
            signed_in=nonce is not None,
            csrf=self.guard.csrf_token(nonce) if nonce else "",
            domains=self.data.domains,
            **context,
        )
        headers = [("Content-Type", "text/html; charset=utf-8"), *SECURITY_HEADERS]
        return Response(status, html.encode(), headers)

    def error(self, request: Request, status: int, message: str) -> Response:
        title = {403: "Not allowed", 404: "Not found"}.get(status, "Error")
        return self.page(request, "error.html", status, title=title, message=message)

    def static(self, name: str) -> Response:
        suffix = name[name.rfind(".") :] if "." in name else ""
        if suffix not in STATIC_TYPES or "/" in name or name.startswith("."):
            return Response(404, b"not found", [("Content-Type", "text/plain")])
        resource = self._static / name
        if not resource.is_file():
            return Response(404, b"not found", [("Content-Type", "text/plain")])
        return Response(200, resource.read_bytes(), [("Content-Type", STATIC_TYPES[suffix])])

    # ------------------------------------------------------------ pages
    def overview(self, request: Request) -> Response:
        summaries = self.data.summaries(60)
        charts = {s.domain: chart(s.minutes, 60) for s in summaries}
        return self.page(request, "overview.html", summaries=summaries, charts=charts)

    def domain(self, request: Request, domain: str) -> Response:
        admin = self.data.admin(domain)
        if admin is None:
            return self.error(request, 404, f"No domain {domain!r}.")
        state = request.query.get("state", "waiting")
        if state not in STATES:
            return self.error(request, 404, f"No state {state!r}.")
        page_number = int(request.query["page"]) if request.query.get("page", "").isdigit() else 1
        day = chart(throughput(self.data.connection, domain, HISTORY_MINUTES), 48)
        return self.page(
            request,
            "domain.html",
            domain=domain,
            counts=admin.counts(),
            listing=self.data.jobs(domain, state, page_number),
            states=STATES,
            repeats=admin.repeats(),
            day=day,
        )

    def job(self, request: Request, domain: str, job_id: str) -> Response:
        admin = self.data.admin(domain)
        info = admin.job(job_id) if admin is not None else None
        if info is None:
            message = f"No job {job_id!r} in {domain!r}: it never existed or was removed."
            return self.error(request, 404, message)
        return self.page(request, "job.html", domain=domain, job=info)

    def workers(self, request: Request) -> Response:
        return self.page(request, "workers.html", workers=self.data.workers())

    # ------------------------------------------------------------ sign-in
    def login(self, request: Request) -> Response:
        if not self.guard.token_matches(request.form.get("token", "")):
            return self.page(request, "login.html", 403, failed=True)
        cookie = f"{COOKIE}={self.guard.new_session()}; HttpOnly; SameSite=Strict; Path=/"
        return redirect("/", [("Set-Cookie", cookie)])

    def logout(self, request: Request) -> Response:
        cookie = f"{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
        return redirect("/", [("Set-Cookie", cookie)])

    # ------------------------------------------------------------ actions
    def act(self, request: Request, domain: str, action: str) -> Response:
        if not self.guard.may_act(request.cookies, request.form, request.headers):
            message = "This action needs the operator token (sign in) and a valid form."
            return self.error(request, 403, message)
        admin = self.data.admin(domain)
        if admin is None:
            return self.error(request, 404, f"No domain {domain!r}.")
        back = f"/domains/{quote(domain, safe='')}"
        form = request.form
        if action == "retry" and form.get("job_id"):
            admin.retry_dead([form["job_id"]])
            return redirect(f"{back}/jobs/{quote(form['job_id'], safe='')}")
        if action == "retry-all":
            admin.retry_dead()
        elif action == "purge":
            admin.purge_dead()
        elif action == "pause":
            admin.pause()
        elif action == "resume":
            admin.resume()
        elif action == "remove-repeat" and form.get("key"):
            admin.remove_repeat(form["key"])
        else:
            return self.error(request, 404, f"No action {action!r}.")
        return redirect(back)
