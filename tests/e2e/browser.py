"""What the browser tests share: Debian's Chromium launched headless through Playwright, the
real twistd it talks to, and a page that collects its own errors.

The fixtures ``browser`` and ``server`` reach the tests through tests/e2e/conftest.py; the
helpers below are imported by the browser test modules.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.e2e.processes import Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# No GPU, no sandbox (containers), and nothing of Chromium's own talking to the network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# axe-core, from the axe-playwright-python package (the test extras): evaluated in the page,
# which runs it without touching the page's Content-Security-Policy.
AXE = (files("axe_playwright_python") / "axe.min.js").read_text()


def start_server(tmp_path: Path, *extra: str) -> Server:
    """A real twistd on loopback ports, with room for a crowd of players from one address."""
    return Server(["mud", "--telnet", "tcp:0:interface=127.0.0.1", "--web",
                   "tcp:0:interface=127.0.0.1", "--data", str(tmp_path / "var"),
                   "--registrations-per-hour", "60", "--connections-per-ip", "60", *extra],
                  tmp_path)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    server = start_server(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (make test installs chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def watch_errors(page: Page, errors: list[str] | None = None) -> list[str]:
    """The page's console errors and uncaught exceptions, appended to ``errors`` as they
    happen (a new list when none is given); returns the list."""
    errors = [] if errors is None else errors
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def open_client(browser: Browser, server: Server, viewport: dict[str, int],
                errors: list[str] | None = None) -> Page:
    """A new page on the server's web client, connected (not logged in)."""
    page = browser.new_page(viewport=viewport)
    if errors is not None:
        watch_errors(page, errors)
    page.goto(f"http://127.0.0.1:{server.port('web')}/")
    expect(page.locator("#status")).to_have_attribute("data-state", "connected")
    return page


def register(page: Page, name: str, room: str = "Village Square") -> None:
    """Create character ``name`` (password secret1) from the login form; wait for the room."""
    page.fill("#name", name)
    page.fill("#password", "secret1")
    page.click("#register-button")
    expect(page.locator("#room-name")).to_have_text(room)


def command(page: Page, text: str) -> None:
    page.fill("#command", text)
    page.press("#command", "Enter")


def axe_violations(page: Page) -> list[dict]:
    """What axe-core finds wrong with the page as it is now: [{id, nodes}], [] when nothing."""
    page.evaluate(AXE + "\n;0")
    return page.evaluate("""async () => {
        const result = await axe.run(document);
        return result.violations.map((v) => ({id: v.id, nodes: v.nodes.map((n) => n.target)}));
    }""")
