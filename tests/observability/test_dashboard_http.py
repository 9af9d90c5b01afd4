"""The dashboard over HTTP: who may act, what is escaped, what is not found."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar

import pytest

from generated.github import QUEUE as GITHUB
from jobcontracts.runtime import Connection, JobState, QueueAdmin
from tests.observability.dashboard_support import (
    MARKUP_NAME,
    TOKEN,
    Population,
    populate,
    served,
)


class Browser:
    """A cookie-keeping HTTP client that never follows redirects silently into errors."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(
        self, path: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self) -> str:
        """Sign in with the token; returns the CSRF token the pages now carry."""
        status, _ = self.request("/login", {"token": TOKEN})
        assert status == 200
        _, page = self.request("/domains/github")
        match = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
        assert match is not None
        return match[1]


@pytest.fixture
def population(connection: Connection) -> Population:
    return populate(connection)


@pytest.fixture
def browser(connection: Connection, population: Population) -> Iterator[Browser]:
    with served(connection) as server:
        yield Browser(server.url)


def test_actions_without_the_token_are_forbidden(
    browser: Browser, connection: Connection, population: Population
) -> None:
    admin = QueueAdmin("github", connection)
    for action, form in (
        ("retry", {"job_id": population.dead[0]}),
        ("retry-all", {}),
        ("purge", {}),
        ("pause", {}),
    ):
        status, page = browser.request(f"/domains/github/{action}", form)
        assert status == 403, action
        assert "needs the operator token" in page
    status, _ = browser.request("/login", {"token": "wrong"})
    assert status == 403
    counts = admin.counts()
    assert (counts.dead, counts.paused) == (2, False)


def test_a_session_still_needs_the_csrf_token(browser: Browser, connection: Connection) -> None:
    csrf = browser.sign_in()
    assert browser.request("/domains/github/pause", {})[0] == 403
    assert browser.request("/domains/github/pause", {"csrf": "0" * 64})[0] == 403
    foreign = {"Origin": "http://evil.example"}
    assert browser.request("/domains/github/pause", {"csrf": csrf}, foreign)[0] == 403
    assert not QueueAdmin("github", connection).counts().paused
    status, _ = browser.request("/domains/github/pause", {"csrf": csrf})
    assert status == 200  # redirected back to the domain page
    assert QueueAdmin("github", connection).counts().paused


def test_a_bearer_token_acts_without_a_session(
    browser: Browser, connection: Connection, population: Population
) -> None:
    wrong = {"Authorization": "Bearer nope"}
    assert browser.request("/domains/github/retry-all", {}, wrong)[0] == 403
    right = {"Authorization": f"Bearer {TOKEN}"}
    assert browser.request("/domains/github/retry-all", {}, right)[0] == 200
    info = QueueAdmin("github", connection).job(population.dead[0])
    assert info is not None
    assert info.state is JobState.WAITING


def test_read_only_without_a_token(connection: Connection, population: Population) -> None:
    with served(connection, token=None) as server:
        browser = Browser(server.url)
        status, _ = browser.request("/login", {"token": ""})
        assert status == 403
        right = {"Authorization": "Bearer "}
        assert browser.request("/domains/github/purge", {}, right)[0] == 403
        _, page = browser.request(f"/domains/github/jobs/{population.dead[0]}")
        assert "read-only" in page
        assert "Retry this job" not in page
    assert QueueAdmin("github", connection).counts().dead == 2


def test_unknown_things_are_404_pages(browser: Browser) -> None:
    for path in (
        "/domains/github/jobs/no-such-job",
        "/domains/github/jobs/123456789",
        "/domains/nope",
        "/domains/github?state=bogus",
        "/nothing/here",
        "/static/../app.py",
        "/static/missing.js",
    ):
        status, page = browser.request(path)
        assert status == 404, path
    status, page = browser.request("/domains/github/jobs/no-such-job")
    assert "No job &#39;no-such-job&#39; in &#39;github&#39;" in page


def test_user_data_is_escaped(browser: Browser, population: Population) -> None:
    status, page = browser.request(f"/domains/email/jobs/{population.markup}")
    assert status == 200
    assert MARKUP_NAME not in page
    assert "&lt;script&gt;window.__xss = 1&lt;/script&gt;" in page
    assert page.count("<script") == 1  # the dashboard's own app.js, nothing else
    _, listing = browser.request(f"/domains/github/jobs/{population.dead[0]}")
    revision = GITHUB.jobs["sync_data"].revision
    assert revision
    assert f'<td id="revision">{revision}</td>' in listing
    assert "Unrecoverable" in listing
    assert "Traceback (most recent call last)" in listing


def test_pages_list_jobs_by_state(browser: Browser, population: Population) -> None:
    _, dead = browser.request("/domains/github?state=dead")
    for job_id in population.dead:
        assert f"/domains/github/jobs/{job_id}" in dead
    _, completed = browser.request("/domains/github?state=completed&page=9")
    assert "page 1 of 1 (3 jobs)" in completed
    _, workers = browser.request("/workers")
    assert "No live workers." in workers


def test_security_headers(browser: Browser) -> None:
    request = urllib.request.Request(browser.base + "/")
    with urllib.request.urlopen(request, timeout=10) as response:
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
