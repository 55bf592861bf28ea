"""Driving Debian's chromium through Playwright, with axe-core from npm on every page.

Never downloads a browser: Playwright is pointed at /usr/bin/chromium. Tests using these
fixtures are marked ``browser`` and skip, saying why, only when that chromium is absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: WCAG 2.2 AA, as GDS monitors it.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (scripts/setup --with-browser)")
    if not AXE.exists():
        pytest.skip("axe-core is not installed (npm ci)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM (used by the live
    # server's test database set-up in the same process) refuses to run inside one unless told.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, settings):
    # The live server speaks plain http on loopback, where a Secure cookie would not come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(base_url=live_server.url)
    requested_hosts: set[str] = set()
    context.on("request", lambda request: requested_hosts.add(request.url.split("/")[2]))
    page = context.new_page()
    page.requested_hosts = requested_hosts
    yield page
    context.close()
    outside = {host for host in requested_hosts if not host.startswith(("localhost", "127.0.0.1"))}
    assert not outside, f"the pages requested other hosts: {outside}"


def assert_accessible(page) -> None:
    """axe-core with the WCAG 2.2 AA rules finds no violation on the current page."""
    # Evaluated through the DevTools protocol, which the page's CSP does not govern; a
    # <script> tag would be (rightly) blocked by our script-src 'self'.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    violations = [
        {"id": v["id"], "help": v["help"],
         "nodes": [(n["target"], n.get("failureSummary", "")) for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    assert not violations, f"{page.url}: {json.dumps(violations, indent=1)}"


def keyboard_sign_in(page, username: str, password: str) -> None:
    """Sign in with the keyboard alone: tab to each field, type, press Enter."""
    page.goto("/sign-in/")
    assert_accessible(page)
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.focus("#username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def press_enter_on(page, selector: str) -> None:
    """Focus an element and activate it with Enter, waiting for the page it leads to."""
    page.focus(selector)
    with page.expect_navigation():
        page.keyboard.press("Enter")
