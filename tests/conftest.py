"""Fixtures shared by the engine tests: a clock and the tiny test world."""

from __future__ import annotations

import pytest
from twisted.internet.task import Clock

from mud.engine.world import World
from mud.world_loader import load_world
from tests.support import TINY


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def world(clock: Clock) -> World:
    return load_world(TINY, clock)


@pytest.fixture(autouse=True)
def _run_in_tmp(tmp_path, monkeypatch) -> None:
    # trial's mktemp() and relative paths land in the working directory: keep it a temp one.
    monkeypatch.chdir(tmp_path)
