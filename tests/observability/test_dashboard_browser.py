"""The dashboard in a real headless Chromium, against a real Redis with real jobs.

Debian's ``chromium`` is driven by Playwright through its executable path (no
browser download). Screenshots of the overview and of a job page are saved
under ``test-artifacts/dashboard/`` (gitignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect, sync_playwright

from jobcontracts.runtime import Connection, JobState, QueueAdmin
from tests.cli.cli_support import invoke, table_row
from tests.observability.dashboard_support import TOKEN, Population, populate, served

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "dashboard"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COLUMNS = ("waiting", "delayed", "active", "completed", "failed", "dead", "paused")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium is not installed (scripts/bootstrap.sh does)"
)


@pytest.fixture
def deployment_url(redis_url: str) -> str:
    """One browser run, on the single server; the HTTP tests also run on a cluster."""
    return redis_url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def stats_row(connection: Connection, domain: str) -> list[str]:
    result = invoke(["stats", domain, "--prefix", connection.prefix, "--redis-url", connection.url])
    assert result.exit_code == 0, result.stderr
    return table_row(result.stdout, domain)[1 : 1 + len(COLUMNS)]


def test_overview_matches_jobctl_stats(
    page: Page, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    populate(connection)
    with served(connection) as server:
        page.goto(server.url + "/")
        expect(page.locator("h1")).to_have_text("Queues")
        for domain in ("github", "email"):
            row = page.locator(f'#overview tr[data-domain="{domain}"]')
            shown = [row.locator(f'td[data-state="{c}"]').inner_text() for c in COLUMNS]
            assert shown == stats_row(connection, domain), domain
        assert page.locator('tr[data-domain="github"] svg.chart rect.ok').count() == 60
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)


def test_dead_job_shows_its_traceback_and_retries_from_the_page(
    page: Page, connection: Connection
) -> None:
    population: Population = populate(connection)
    dead = population.dead[0]
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    with served(connection) as server:
        page.goto(f"{server.url}/login")
        page.fill('input[name="token"]', TOKEN)
        page.click('button:has-text("Sign in")')
        expect(page.locator("header")).to_contain_text("Sign out")
        page.goto(f"{server.url}/domains/github/jobs/{dead}")
        expect(page.locator("#job-state")).to_have_text("dead")
        traceback = page.locator("pre.traceback").first
        expect(traceback).to_contain_text("Traceback (most recent call last)")
        expect(traceback).to_contain_text("Unrecoverable")
        expect(traceback).to_contain_text("was deleted upstream")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dead-job.png"), full_page=True)
        page.click('button:has-text("Retry this job")')
        expect(page.locator("#job-state")).to_have_text("waiting")
    assert len(dialogs) == 1
    assert re.fullmatch(rf"Move job {dead} back to waiting.*\?", dialogs[0])
    info = QueueAdmin("github", connection).job(dead)
    assert info is not None
    assert info.state is JobState.WAITING
    assert info.attempts_made == 0


def test_a_declined_confirmation_changes_nothing(page: Page, connection: Connection) -> None:
    populate(connection)
    page.on("dialog", lambda dialog: dialog.dismiss())
    with served(connection) as server:
        page.goto(f"{server.url}/login")
        page.fill('input[name="token"]', TOKEN)
        page.click('button:has-text("Sign in")')
        page.goto(f"{server.url}/domains/github")
        page.click('button:has-text("Purge dead-letter queue")')
        expect(page.locator("h1")).to_contain_text("github")
    assert QueueAdmin("github", connection).counts().dead == 2


def test_markup_in_a_payload_is_shown_as_text(page: Page, connection: Connection) -> None:
    population = populate(connection)
    with served(connection) as server:
        page.goto(f"{server.url}/domains/email/jobs/{population.markup}")
        payload = page.locator("#payload")
        expect(payload).to_contain_text("<script>window.__xss = 1</script>")
        expect(payload).to_contain_text("<img src=x onerror='window.__xss = 2'>")
        assert page.evaluate("() => window.__xss === undefined")
        assert page.locator("#payload img, #payload script").count() == 0
        page.screenshot(path=str(ARTIFACTS / "markup-job.png"), full_page=True)


def test_the_readme_screenshots_are_committed() -> None:
    for name in ("dashboard-overview.png", "dashboard-job.png"):
        image = ROOT / "docs" / name
        assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert f"docs/{name}" in (ROOT / "README.md").read_text(encoding="utf-8")
