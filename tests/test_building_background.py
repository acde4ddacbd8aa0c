"""Builders' background work (mud/systems/building/background.py): while a check or a
write runs in a worker thread, the interpreter switches threads every millisecond and the
collector waits; both are put back when the last piece of work ends, failed or not."""

from __future__ import annotations

import gc
import sys

import pytest
from twisted.internet import defer

from mud.systems.building import background


def test_politely_sets_the_interval_and_holds_the_collector_until_the_last_work_ends():
    before = sys.getswitchinterval()
    assert gc.isenabled()
    held: list[defer.Deferred] = []

    def later(work, *args):
        d = defer.Deferred()
        held.append(d)
        return d
    first = background.politely(later, len)
    second = background.politely(later, len)
    assert sys.getswitchinterval() == pytest.approx(background.SWITCH_INTERVAL)
    assert not gc.isenabled() and background.running() == 2
    held[0].callback(1)
    assert not gc.isenabled()    # the second still runs
    held[1].errback(RuntimeError("disk full"))
    assert gc.isenabled() and sys.getswitchinterval() == pytest.approx(before)
    assert background.running() == 0
    assert first.result == 1
    second.addErrback(lambda f: f.trap(RuntimeError))


def test_work_that_cannot_start_puts_everything_back():
    before = sys.getswitchinterval()

    def broken(work, *args):
        raise RuntimeError("no threads")
    with pytest.raises(RuntimeError):
        background.politely(broken, len)
    assert gc.isenabled() and sys.getswitchinterval() == pytest.approx(before)
    assert background.running() == 0


def test_a_collector_turned_off_before_stays_off():
    gc.disable()
    try:
        background.politely(lambda work, *a: defer.succeed(None), len)
        assert not gc.isenabled()
    finally:
        gc.enable()
