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

from mud.hashing import HashingPool
from tests.support import ROOT


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
