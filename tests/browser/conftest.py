"""Real-browser journeys: Playwright drives Debian's Chromium against the app
served by pytest-django's live server (PostgreSQL in CI).

Skipped, with a clear reason, when /usr/bin/chromium is missing. Screenshots
of key pages go to test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE_JS = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


def pytest_collection_modifyitems(config: Any, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if not chromium_available():
                item.add_marker(
                    pytest.mark.skip(
                        reason=f"Chromium not found at {CHROMIUM}: browser tests skipped "
                        "(install it with `apt-get install chromium`)"
                    )
                )


# One Playwright and one Chromium per test run, however many modules import
# the `browser` fixture: each import is a fixture of its own, and a second
# sync Playwright cannot start while the first one's event loop runs.
_running: dict[str, Any] = {}


def _chromium() -> Any:
    if "browser" not in _running:
        # Playwright's sync API runs an event loop in this thread; Django's ORM
        # calls made by the test itself are still synchronous and safe.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        from playwright.sync_api import sync_playwright

        _running["playwright"] = sync_playwright().start()
        _running["browser"] = _running["playwright"].chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    return _running["browser"]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if "browser" in _running:
        _running.pop("browser").close()
        _running.pop("playwright").stop()


@pytest.fixture(scope="session")
def browser() -> Any:
    return _chromium()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    new_page = context.new_page()
    new_page.set_default_timeout(15_000)
    yield new_page
    context.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """A second, independent browser (another device: no shared cookies)."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        contexts.append(context)
        opened = context.new_page()
        opened.set_default_timeout(15_000)
        return opened

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _links_point_at_the_live_server(
    live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Emails and previews (SITE_URL) link to the app under test, here and in
    any worker process started from this test."""
    settings.SITE_URL = live_server.url
    monkeypatch.setenv("SITE_URL", live_server.url)


@pytest.fixture
def sign_in(live_server: Any) -> Any:
    """sign_in(page, user): the page's browser is logged in as `user`.

    The login form has its own test; the journeys skip it by handing the
    browser a session cookie made by Django's test client.
    """
    from django.conf import settings
    from django.test import Client

    def log_in(page: Any, user: Any) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )

    return log_in


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Any:
    """shot(page, "name") saves a full-page screenshot under test-artifacts/."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(page: Any, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def serious_accessibility_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core in the page; return violations of serious or critical impact."""
    # Evaluated by the browser's devtools, which the page's CSP does not govern: an
    # inline <script> (add_script_tag) would be refused, as it should be.
    page.evaluate(AXE_JS.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"][:5]],
        }
        for violation in result["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
