"""The hashing pool: work off the calling thread, never more threads than its bound, results
back through the reactor; and, on glibc, scrypt's 16 MiB buffers given back after use."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time

import pytest
from twisted.internet.defer import fail

from mud.accounts import Refused
from mud.hashing import NICENESS, HashingBusy, HashingPool
from mud.login_throttle import Busy
from tests.support import ROOT, WirePlayer, make_game, run_now


class Reactor:
    """Just callFromThread: calls are kept, and run here when the test says."""

    def __init__(self) -> None:
        self.calls: queue.SimpleQueue = queue.SimpleQueue()

    def callFromThread(self, fn, *args) -> None:
        self.calls.put((fn, args))

    def run(self, count: int) -> None:
        for _ in range(count):
            fn, args = self.calls.get(timeout=10)
            fn(*args)


def until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.01)


def test_fifty_at_once_run_in_no_more_threads_than_the_bound():
    reactor = Reactor()
    pool = HashingPool(reactor, threads=2)
    gate = threading.Event()
    seen: set[int] = set()

    def work(i: int) -> int:
        seen.add(threading.get_ident())
        gate.wait(10)
        return i * 2
    results = [pool(work, i) for i in range(50)]
    until(lambda: pool.busiest == 2)
    time.sleep(0.05)  # room for a third thread to show up, were there one
    assert (pool.alive, pool.most_threads, pool.busiest) == (2, 2, 2)
    gate.set()
    reactor.run(50)
    assert [d.result for d in results] == [i * 2 for i in range(50)]
    assert len(seen) == 2 and threading.get_ident() not in seen


def test_a_failure_comes_back_as_one():
    reactor = Reactor()
    pool = HashingPool(reactor)

    def broken() -> None:
        raise ValueError("no")
    d = pool(broken)
    reactor.run(1)
    failures = []
    d.addErrback(failures.append)
    assert failures[0].check(ValueError)


def test_idle_threads_end_and_work_starts_them_again():
    reactor = Reactor()
    pool = HashingPool(reactor, threads=2, idle_seconds=0.05)
    first = pool(lambda: "one")
    reactor.run(1)
    until(lambda: pool.alive == 0)
    second = pool(lambda: "two")
    reactor.run(1)
    assert (first.result, second.result) == ("one", "two")
    assert pool.most_threads == 1


def test_the_bound_is_at_least_one():
    with pytest.raises(ValueError):
        HashingPool(Reactor(), threads=0)


# Three rounds of four default-cost scrypt hashes at once, in threads; prints the RSS grown.
ROUNDS = """
import sys, threading
from mud import hashing
from mud.passwords import hash_password
if sys.argv[1] == "release":
    assert hashing.release_large_allocations()
def rss():
    with open("/proc/self/status") as lines:
        return next(int(l.split()[1]) for l in lines if l.startswith("VmRSS"))
hash_password("warm up the imports")
before = rss()
for _ in range(3):
    threads = [threading.Thread(target=hash_password, args=("pw",)) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
print((rss() - before) // 1024)
"""


@pytest.mark.skipif(not hasattr(os, "confstr") or not os.confstr("CS_GNU_LIBC_VERSION"),
                    reason="glibc's allocator only")
def test_scrypt_buffers_are_given_back_once_large_allocations_are_released():
    def grown(how: str) -> int:
        out = subprocess.run([sys.executable, "-c", ROUNDS, how], capture_output=True,
                             text=True, check=True, cwd=ROOT).stdout
        return int(out)
    # What the server did before: each thread's arena keeps its 16 MiB buffer.
    assert grown("keep") >= 32
    assert grown("release") < 8


def test_work_runs_in_the_order_it_came():
    reactor = Reactor()
    pool = HashingPool(reactor, threads=1)
    gate = threading.Event()
    done: list[int] = []

    def work(i: int) -> None:
        gate.wait(10)
        done.append(i)
    for i in range(30):
        pool(work, i)
    gate.set()
    reactor.run(30)
    assert done == list(range(30))


def test_past_the_bound_a_check_is_refused_at_once_as_busy():
    reactor = Reactor()
    pool = HashingPool(reactor, threads=1, max_waiting=3)
    gate = threading.Event()
    first = pool(gate.wait, 10)
    until(lambda: pool.waiting == 0)  # the first is running: none waits
    waiting = [pool(lambda i=i: i) for i in range(3)]
    refused = pool(lambda: "never")
    failures = []
    refused.addErrback(failures.append)
    assert failures and failures[0].check(HashingBusy)
    assert failures[0].value.waiting == 3 and failures[0].value.seconds > 0
    assert (pool.waiting, pool.refused, pool.longest_queue) == (3, 1, 3)
    gate.set()
    reactor.run(4)
    assert first.result is True and [d.result for d in waiting] == [0, 1, 2]
    # Room again once the queue drains.
    again = pool(lambda: "yes")
    reactor.run(1)
    assert again.result == "yes" and pool.waiting == 0


def test_the_bound_on_waiting_is_at_least_one():
    with pytest.raises(ValueError):
        HashingPool(Reactor(), max_waiting=0)


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread nice values are Linux's")
def test_hashing_threads_run_at_a_lower_cpu_priority_than_the_reactor():
    reactor = Reactor()
    pool = HashingPool(reactor, threads=1)
    d = pool(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
    reactor.run(1)
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert d.result == min(19, mine + NICENESS)
    # The calling thread (the reactor's) keeps its own.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine


def busy_game():
    game = make_game()
    made = game.register("Ann", "secret1", "10.1.1.1")
    assert made.result == "ann"
    game.registrations.recent.clear()
    game.accounts.run_in_thread = lambda fn, *args: fail(HashingBusy(120, 7.4))
    return game


def test_a_login_the_queue_has_no_room_for_is_told_so_and_not_counted():
    game = busy_game()
    for address in ("10.1.1.1", "10.9.9.9"):  # a known address and a new one
        failures = []
        game.authenticate(address, "Ann", "secret1").addErrback(failures.append)
        assert failures[0].check(Busy)
        assert failures[0].value.message == ("The server is busy checking other players' "
                                             "logins. Please try again in 7 seconds.")
    throttle = game.throttle
    assert not throttle.failures and not throttle.checking


def test_a_new_character_the_queue_has_no_room_for_is_told_so_and_not_counted():
    game = busy_game()
    failures = []
    game.register("Brannoc", "secret1", "10.2.2.2").addErrback(failures.append)
    assert failures[0].check(Refused)
    assert failures[0].value.code == "throttled"
    assert "The server is busy checking other players' logins" in failures[0].value.message
    assert not game.registrations.recent


def test_a_telnet_player_refused_as_busy_hears_why_and_may_try_again():
    game = busy_game()
    player = WirePlayer(game)
    player.read()
    said = player.type("connect Ann secret1")
    assert "The server is busy checking other players' logins. Please try again in 7 " \
        "seconds." in " ".join(said.split())
    assert "What name do you go by?" in said.rsplit("busy", 1)[1]
    assert not player.closed
    # Room again: the same player gets in at once, nothing held against them.
    game.accounts.run_in_thread = run_now
    assert "[Exits:" in player.type("connect Ann secret1")


# Twelve default-cost checks queued at once on a pool of two threads (a small login storm);
# prints the page faults per check and the RSS grown once the queue is done.
STORM = """
import queue, resource, threading, time
from mud import hashing
from mud.passwords import hash_password, verify_password
assert hashing.release_large_allocations()
def rss():
    with open("/proc/self/status") as lines:
        return next(int(l.split()[1]) for l in lines if l.startswith("VmRSS"))
class Reactor:
    calls = queue.SimpleQueue()
    def callFromThread(self, fn, *args):
        self.calls.put((fn, args))
stored = hash_password("pw")
verify_password("pw", stored)
reactor = Reactor()
pool = hashing.HashingPool(reactor, threads=2)
before, faults = rss(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt
checks = [pool(verify_password, "pw", stored) for _ in range(12)]
for _ in checks:
    fn, args = reactor.calls.get(timeout=60)
    fn(*args)
assert all(d.result is True for d in checks)
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
deadline = time.monotonic() + 10
while (pool._busy or pool.keeping or pool._kept) and time.monotonic() < deadline:
    time.sleep(0.01)
time.sleep(0.2)  # the last thread's trim
print(faults // 12, (rss() - before) // 1024)
"""


@pytest.mark.skipif(not hasattr(os, "confstr") or not os.confstr("CS_GNU_LIBC_VERSION"),
                    reason="glibc's allocator only")
def test_in_a_storm_threads_keep_their_buffer_and_give_it_back_after():
    out = subprocess.run([sys.executable, "-c", STORM], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    faults, grown = (int(x) for x in out.split())
    # A fresh 16 MiB buffer is 4,096 page faults; each thread faults its own in once.
    assert faults < 1500, faults
    assert grown < 8, grown
