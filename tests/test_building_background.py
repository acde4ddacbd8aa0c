"""Builders' background work (mud/systems/building/background.py): while a check or a
write runs in a worker thread, the interpreter switches threads every millisecond, put
back when the last piece of work ends, failed or not; a check holds the collector off
while it runs (not while it waits for a thread), and work that may wait on a disk never
does."""

from __future__ import annotations

import gc
import sys

import pytest
from twisted.internet import defer

from mud.systems.building import background


def test_the_interval_is_short_until_the_last_work_ends_failed_or_not():
    before = sys.getswitchinterval()
    # Writes other tests left hanging may still count as running: only the change counts.
    already = background.running()
    held: list[defer.Deferred] = []

    def later(work, *args):
        d = defer.Deferred()
        held.append(d)
        return d
    first = background.politely(later, len)
    second = background.politely(later, len)
    assert sys.getswitchinterval() == pytest.approx(background.SWITCH_INTERVAL)
    assert background.running() == already + 2
    held[0].callback(1)
    assert background.running() == already + 1
    held[1].errback(RuntimeError("disk full"))
    assert background.running() == already
    if already == 0:
        assert sys.getswitchinterval() == pytest.approx(before)
    assert first.result == 1
    second.addErrback(lambda f: f.trap(RuntimeError))


def test_a_check_holds_the_collector_off_while_it_runs_and_not_while_it_waits():
    seen: list[bool] = []
    waiting: list[tuple] = []

    def queued(work, *args):
        # A thread pool busy with other work: the check waits its turn.
        waiting.append((work, args))
        return defer.Deferred()
    background.politely(queued, lambda: seen.append(gc.isenabled()), hold_collector=True)
    assert gc.isenabled()        # waiting for a thread: the collector runs as ever
    work, args = waiting[0]
    work(*args)                  # now it runs
    assert seen == [False] and gc.isenabled()


def test_a_check_that_fails_gives_the_collector_back():
    def broken():
        raise RuntimeError("bad world")

    def inline(work, *args):
        return defer.maybeDeferred(work, *args)
    d = background.politely(inline, broken, hold_collector=True)
    assert gc.isenabled()
    d.addErrback(lambda f: f.trap(RuntimeError))


def test_work_that_cannot_start_puts_everything_back():
    before = sys.getswitchinterval()
    already = background.running()

    def broken(work, *args):
        raise RuntimeError("no threads")
    with pytest.raises(RuntimeError):
        background.politely(broken, len, hold_collector=True)
    assert gc.isenabled() and background.running() == already
    if already == 0:
        assert sys.getswitchinterval() == pytest.approx(before)


def test_a_collector_turned_off_before_stays_off():
    gc.disable()
    try:
        background.politely(lambda work, *a: defer.maybeDeferred(work, *a), len, "ab",
                            hold_collector=True)
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
