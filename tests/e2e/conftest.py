"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import contextlib

import pytest

from tests.e2e.processes import Server

# The browser tests' fixtures (Chromium, and the twistd it talks to): one copy, here.
# Without Playwright installed only the browser tests cannot run.
with contextlib.suppress(ImportError):
    from tests.e2e.browser import browser, server  # noqa: F401


@pytest.fixture
def servers():
    """Real twistd servers a test started (append them); killed at the end if still up."""
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()
