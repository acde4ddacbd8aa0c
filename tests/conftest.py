"""Fixtures shared by every test: a clock, the tiny test world, the audit lines logged, a
temporary working directory, and a guard that fails a test which leaves files behind in the
checkout."""

from __future__ import annotations

import os

import pytest
from twisted.internet.task import Clock
from twisted.logger import globalLogPublisher

from mud.audit import FIELDS_KEY
from mud.engine.world import World
from mud.world_loader import load_world
from tests.support import ROOT, TINY


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def world(clock: Clock) -> World:
    return load_world(TINY, clock)


@pytest.fixture
def audit_lines() -> list[dict[str, str]]:
    """The audit lines (their fields) logged while the test runs."""
    seen: list[dict[str, str]] = []

    def observer(event) -> None:
        if FIELDS_KEY in event:
            seen.append(event[FIELDS_KEY])
    globalLogPublisher.addObserver(observer)
    yield seen
    globalLogPublisher.removeObserver(observer)


@pytest.fixture
def log_lines() -> list[str]:
    """Every log line (formatted) logged while the test runs."""
    from twisted.logger import formatEvent
    seen: list[str] = []

    def observer(event) -> None:
        seen.append(formatEvent(event))
    globalLogPublisher.addObserver(observer)
    yield seen
    globalLogPublisher.removeObserver(observer)


@pytest.fixture(autouse=True)
def _run_in_tmp(tmp_path, monkeypatch) -> None:
    # trial's mktemp() and relative paths land in the working directory: keep it a temp one.
    monkeypatch.chdir(tmp_path)


# Caches that tools rebuild on their own (twistd rewrites Twisted's plugin cache each time it
# looks for plugins): not test output. .bench is `make bench`'s cache (Evennia's venv), which
# a bench running beside the tests fills, and which is too big to walk around every test.
_NOT_OUTPUT = {".git", ".venv", ".bench", "__pycache__", ".ruff_cache", ".pytest_cache",
               "dropin.cache"}


def _checkout_entries() -> set[str]:
    found: set[str] = set()
    for top, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in _NOT_OUTPUT]
        found.update(os.path.join(top, name) for name in (*dirs, *files)
                     if name not in _NOT_OUTPUT)
    return found


def _world_files() -> dict[str, tuple[int, int]]:
    worlds = os.path.join(ROOT, "worlds")
    found = {}
    for top, _, files in os.walk(worlds):
        for name in files:
            path = os.path.join(top, name)
            stat = os.stat(path)
            found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


@pytest.fixture(autouse=True)
def _leaves_no_files_in_checkout():
    # Tests write under temporary directories only; anything new in the checkout (a
    # mud.sqlite3 from a relative path, a build/ from a wheel) fails the test that made it,
    # and so does a bundled world file written over (a builder's save in a test must work
    # on a copy of the world).
    before = _checkout_entries()
    worlds = _world_files()
    yield
    left = sorted(os.path.relpath(p, ROOT) for p in _checkout_entries() - before)
    if left:
        pytest.fail("the test left files in the checkout (write under a temporary "
                    "directory instead): " + ", ".join(left[:10]), pytrace=False)
    changed = sorted(os.path.relpath(p, ROOT) for p, mark in _world_files().items()
                     if worlds.get(p) != mark)
    if changed:
        pytest.fail("the test wrote over world files in the checkout (build on a copy in a "
                    "temporary directory): " + ", ".join(changed[:10]), pytrace=False)


@pytest.fixture(autouse=True)
def _building_checks_inline(request, monkeypatch):
    # Unit tests have no running reactor for a worker thread's result to come back on:
    # builders' edits are checked inline there. Real-socket tests keep the thread.
    if "/e2e/" not in str(request.node.path):
        from twisted.internet import defer

        from mud.systems.building import edits
        monkeypatch.setattr(edits, "run_in_thread",
                            lambda f, *a, **k: defer.maybeDeferred(f, *a, **k))
    yield
