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
    # Writes other tests left hanging may still count as running: only the change counts.
    already = background.running()
    held: list[defer.Deferred] = []

    def later(work, *args):
        d = defer.Deferred()
        held.append(d)
        return d
    first = background.politely(later, len, hold_collector=True)
    second = background.politely(later, len, hold_collector=True)
    assert sys.getswitchinterval() == pytest.approx(background.SWITCH_INTERVAL)
    assert not gc.isenabled() and background.running() == already + 2
    held[0].callback(1)
    assert not gc.isenabled()    # the second still runs
    held[1].errback(RuntimeError("disk full"))
    assert gc.isenabled() and background.running() == already
    if already == 0:
        assert sys.getswitchinterval() == pytest.approx(before)
    assert first.result == 1
    second.addErrback(lambda f: f.trap(RuntimeError))


def test_work_that_cannot_start_puts_everything_back():
    before = sys.getswitchinterval()
    already = background.running()

    def broken(work, *args):
        raise RuntimeError("no threads")
    with pytest.raises(RuntimeError):
        background.politely(broken, len, hold_collector=True)
    assert gc.isenabled() and sys.getswitchinterval() == pytest.approx(before)
    assert background.running() == already


def test_a_collector_turned_off_before_stays_off():
    gc.disable()
    try:
        background.politely(lambda work, *a: defer.succeed(None), len, hold_collector=True)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_work_that_may_wait_on_a_disk_never_holds_the_collector():
    # A write that hangs (a stuck disk) must not keep the collector off for good.
    already = background.running()
    held: list[defer.Deferred] = []
    background.politely(lambda work, *a: held.append(defer.Deferred()) or held[-1], len)
    assert gc.isenabled() and background.running() == already + 1
    held[0].callback(None)
    assert background.running() == already
