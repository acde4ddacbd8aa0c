"""Fixtures shared by the end-to-end tests."""

from __future__ import annotations

import pytest

from tests.e2e.processes import Server


@pytest.fixture
def servers():
    """Real twistd servers a test started (append them); killed at the end if still up."""
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()
