"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Every test module here sets `pytestmark = pytest.mark.browser`; `make test` runs them in a
separate stage (on SQLite) after installing Chromium when it can. The case-record journeys
also carry `pytest.mark.case_record`, and a further stage runs those on PostgreSQL.

Fixtures:
- `page`: a fresh browser context and tab. At teardown it fails the test on JavaScript
  errors and on any asset (CSS, JS, image) that did not load.
- `signed_in_page(username)`: sign a persona in through the sign-in page; returns the page.
- `assert_accessible(page)`: run axe-core on the page and fail on any WCAG 2.x A/AA
  violation; also saves a screenshot to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.urls import get_resolver
from playwright.sync_api import sync_playwright

from conftest import PASSWORD

CHROMIUM = Path(os.environ.get("DIVERT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
AXE_SOURCE = Path(__file__).parent / "vendor" / "axe.min.js"
# WCAG 2.2 AA, as axe tags it (it has no wcag22a tag: 2.2's new A criteria are not automatable).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One Chromium for the whole run."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium fonts-liberation)")
    # Load every view now: the live server's first request would otherwise import the whole
    # URL configuration inside the first page's 10-second timeout (15 s on a busy machine).
    get_resolver().url_patterns  # noqa: B018 - the property loads the modules

    # Playwright's sync API keeps an asyncio loop in this thread while it is running,
    # which makes Django refuse ORM calls from test code (fixtures, assertions). The
    # calls are in fact synchronous, so tell Django so for the browser tests only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server, transactional_db, request) -> Iterator:
    """A fresh tab on the live server; fails on script errors and assets that do not load."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    tab.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" and "status of 4" not in message.text
            else None
        ),
    )
    # ERR_ABORTED is a request cancelled by leaving the page (the favicon, typically);
    # a missing file shows up as an HTTP error status below.
    tab.on(
        "requestfailed",
        lambda req: (
            problems.append(f"request failed: {req.url} ({req.failure})")
            if "ERR_ABORTED" not in (req.failure or "")
            else None
        ),
    )
    tab.on(
        "response",
        lambda response: (
            problems.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400 and response.request.resource_type != "document"
            else None
        ),
    )
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        _screenshot(tab, request.node.name, "failed")
    problems = list(problems)  # not what closing the tab cancels
    context.close()
    assert not problems, "The browser reported problems:\n" + "\n".join(problems)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so `page` can screenshot failures."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def signed_in_page(page, personas) -> Callable:
    """Return a function that signs a persona in and returns the page on the home page."""

    def sign_in(username: str):
        page.goto("/sign-in/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(re.compile(r"^(?!.*/sign-in/)"))
        return page

    return sign_in


@pytest.fixture
def assert_accessible(request) -> Callable:
    """Return a function that fails on any WCAG 2.x A/AA violation axe-core finds."""
    counter = iter(range(1, 1000))

    def check(page, name: str | None = None) -> None:
        page.wait_for_load_state("load")
        label = name or _slug(page.url.split("://", 1)[-1].split("/", 1)[-1]) or "root"
        _screenshot(page, request.node.name, f"{next(counter):02d}-{label}")
        # page.evaluate runs through the DevTools protocol, so a strict Content Security
        # Policy on the page cannot block it (a <script> tag would be).
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
        results = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            WCAG_TAGS,
        )
        violations = results["violations"]
        assert not violations, f"Accessibility problems on {page.url}:\n" + _describe(violations)

    return check


def _describe(violations: list[dict]) -> str:
    """Readable lines for axe violations: rule, impact, help, and the offending elements."""
    lines = []
    for v in violations:
        wcag = ", ".join(t for t in v["tags"] if t.startswith("wcag"))
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} [{wcag}]")
        lines.append(f"  {v['helpUrl']}")
        for node in v["nodes"][:10]:
            lines.append(f"    at {' '.join(node['target'])}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    ... and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60]


def _screenshot(page, test_name: str, label: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{_slug(test_name)}--{label}.png"), full_page=True)
