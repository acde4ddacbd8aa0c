"""Password hashing off the reactor thread, in a fixed number of threads of its own, with
the memory each hash needs given back afterwards.

A scrypt check (mud/passwords.py) works in 16 MiB of memory. With hashing on Twisted's
reactor pool (10 threads) a server kept about 164 MiB more after its first busy logins, for
good (bench/login_memory.py; figures in bench/README.md). Two things added up:

* glibc gives each thread its own malloc arena, so ten threads hashing at once each grew one
  to hold a 16 MiB buffer;
* glibc's dynamic mmap threshold: the very first 16 MiB buffer gets a mapping of its own,
  unmapped when freed, but freeing it raises the threshold to 16 MiB (and the trim threshold
  to 32 MiB), so every later buffer comes from an arena, and a free 16 MiB block at the top
  of a thread's arena is never trimmed: it is under the trim threshold, and malloc_trim()
  does not trim the top of thread arenas.

So hashing runs in ``threads`` workers (default 2: scrypt is all CPU, and threads past the
cores only add buffers and contention), and, on glibc, allocations from 4 MiB up always get
a mapping of their own that ``free`` returns at once (``mallopt(M_MMAP_THRESHOLD)``, which
also turns the dynamic threshold off). Memory then comes back after every hash, at the cost
of the kernel handing out fresh pages each time (about 9 ms on a 36 ms hash). Peak use while
logins come in is ``threads`` x 16 MiB.

A login storm (every player reconnecting after a restart) queues thousands of checks. They
are served first come, first served (one FIFO queue), and the queue is bounded: past
``max_waiting`` checks waiting, a new one fails at once with ``HashingBusy`` (the player is
told to try again shortly) rather than waiting minutes. scrypt releases the GIL (hashlib
calls OpenSSL with it released), so the threads hash on every core at once; they run at a
lower CPU priority than the reactor (``nice``, where the system allows it per thread), so
the players already in game are served first and the hashing gets the rest of the CPU.
While checks queue up, each thread keeps its 16 MiB buffer from one check to the next
(glibc's thresholds raised for the time being: ``keep_buffers``), which saves the fresh
pages' 9 ms a check (a quarter of it) when it counts; once the queue is empty the thresholds
are back and the buffers are given back (``trim_own_arena``, ``give_back``), so an idle
server holds no more than before.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, fail
from twisted.python.failure import Failure

DEFAULT_THREADS = 2
# Checks that may wait for a thread; past it a login is refused as busy. About 100 s of
# work for 2 threads at 40 ms a check, under the login screen's 120 s timeout.
DEFAULT_MAX_WAITING = 4000
# How much lower the hashing threads' CPU priority is than the rest of the process.
NICENESS = 10
# A thread with nothing to do for this long ends; the next login starts one again.
IDLE_SECONDS = 30.0
# From this size up, allocations get their own mapping, returned to the system when freed.
LARGE_ALLOCATION = 4 * 1024 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>
_M_TRIM_THRESHOLD = -1
# glibc's default trim threshold, and the thresholds while checks queue up (a storm): the
# largest mmap threshold glibc takes (half its 64 MiB thread heaps), so a 16 MiB scrypt
# buffer comes from the thread's own arena, and a trim threshold above it, so freeing it
# keeps it for the next check.
_TRIM_DEFAULT = 128 * 1024
_STORM_MMAP = 32 * 1024 * 1024
_STORM_TRIM = 24 * 1024 * 1024
# Allocated and freed by a thread to make glibc trim its arena (over glibc's 64 KiB
# consolidation threshold, under LARGE_ALLOCATION so it comes from that arena).
_TRIM_PROBE = 256 * 1024
_released = False

def _mallopt(*settings: tuple[int, int]) -> None:
    libc = ctypes.CDLL(None)
    for option, value in settings:
        libc.mallopt(option, value)


def keep_buffers(keep: bool) -> None:
    """While checks queue up, let each hashing thread keep its scrypt buffer for the next
    check (a fresh 16 MiB mapping costs the kernel about 9 ms of page faults a check, a
    quarter of the check); once the queue is empty, give large allocations back on free
    again. Process-wide (glibc's thresholds are), and only once release_large_allocations
    has taken effect."""
    if not _released:
        return
    if keep:
        _mallopt((_M_MMAP_THRESHOLD, _STORM_MMAP), (_M_TRIM_THRESHOLD, _STORM_TRIM))
    else:
        _mallopt((_M_MMAP_THRESHOLD, LARGE_ALLOCATION), (_M_TRIM_THRESHOLD, _TRIM_DEFAULT))


def trim_own_arena() -> None:
    """Make glibc give back the free top of the calling thread's arena, where a kept
    buffer usually ends up once freed (malloc_trim leaves the top of thread arenas alone):
    freeing a block of 64 KiB and more trims a thread's heap down to what is in use, now
    that the trim threshold is the default again."""
    if _released:
        probe = bytearray(_TRIM_PROBE)
        del probe


def give_back() -> None:
    """Once a storm is over and no check runs: ``malloc_trim(0)`` releases the pages of
    every free block in the arenas' bins (a kept buffer that did not end at the top of its
    heap). Once per storm: it walks every arena."""
    if _released:
        ctypes.CDLL(None).malloc_trim(0)


class HashingBusy(Exception):
    """Too many checks waiting already: ``waiting`` of them, about ``seconds`` of work."""

    def __init__(self, waiting: int, seconds: float) -> None:
        super().__init__(f"{waiting} password checks waiting")
        self.waiting = waiting
        self.seconds = seconds


def lower_priority(niceness: int = NICENESS) -> bool:
    """Make the calling thread ``niceness`` steps less favoured by the CPU scheduler (Linux
    gives each thread its own nice value). False where that is not possible."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + niceness)
    except (AttributeError, OSError):
        return False
    return True


def name_thread(name: bytes) -> None:
    """Give the calling thread ``name`` in the system's own tables (Linux: ``top -H``,
    /proc/PID/task/TID/comm), so an admin sees where the CPU goes in a login storm."""
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None).prctl(15, ctypes.c_char_p(name[:15]), 0, 0, 0)  # PR_SET_NAME


Work = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any], Deferred[Any]]


def release_large_allocations() -> bool:
    """On glibc, make allocations of ``LARGE_ALLOCATION`` bytes and more always be mapped
    on their own, so freeing them gives the memory back. False where that is not glibc."""
    global _released
    if _released:
        return True
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
        libc = ctypes.CDLL(None)
        _released = libc.mallopt(_M_MMAP_THRESHOLD, LARGE_ALLOCATION) == 1
    except (AttributeError, OSError, ValueError):
        return False
    return _released


class HashingPool:
    """``pool(fn, *args)`` runs ``fn`` in one of at most ``threads`` threads and returns a
    Deferred firing on the reactor with its result: the ``run_in_thread`` of Accounts.

    Threads start as work comes (never more than the bound) and end after ``idle_seconds``
    with nothing to do, so an idle server holds none and nothing needs stopping. They are
    daemon threads: a hash in progress never holds up the process's exit. Work runs in the
    order it came; past ``max_waiting`` waiting, a call fails at once with HashingBusy."""

    def __init__(self, reactor: Any, threads: int = DEFAULT_THREADS,
                 idle_seconds: float = IDLE_SECONDS,
                 max_waiting: int = DEFAULT_MAX_WAITING, niceness: int = NICENESS) -> None:
        if threads < 1:
            raise ValueError("a hashing pool needs at least one thread")
        if max_waiting < 1:
            raise ValueError("a hashing pool must let at least one check wait")
        self.reactor = reactor
        self.size = threads
        self.idle_seconds = idle_seconds
        self.max_waiting = max_waiting
        self.niceness = niceness
        # Checks queued and not yet started; calls refused as busy; the longest queue seen.
        self.waiting = 0
        self.refused = 0
        self.longest_queue = 0
        # Seconds the last check took (for the wait a refusal names).
        self.last_seconds = 0.05
        # Threads alive now, and the most there ever were; the most hashes run at once.
        self.alive = 0
        self.most_threads = 0
        self.busiest = 0
        self._idle = 0
        self._busy = 0
        self._started = 0
        self._lock = threading.Lock()
        # Whether the threads keep their buffers between checks now (keep_buffers), and
        # whether some may be kept still (given back when the last check is done).
        self.keeping = False
        self._kept = False
        self._work: queue.SimpleQueue[Work] = queue.SimpleQueue()

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Deferred[Any]:
        with self._lock:
            if self.waiting >= self.max_waiting:
                self.refused += 1
                seconds = self.waiting * self.last_seconds / self.size
                return fail(HashingBusy(self.waiting, seconds))
            self.waiting += 1
            self.longest_queue = max(self.longest_queue, self.waiting)
        d: Deferred[Any] = Deferred()
        # Queued first, counted after: a thread about to leave for idleness sees it waiting
        # and stays, or has left already and a new one starts here.
        self._work.put((fn, args, kwargs, d))
        with self._lock:
            if self.alive < self.size and self._work.qsize() > self._idle:
                self.alive += 1
                self.most_threads = max(self.most_threads, self.alive)
                self._started += 1
                threading.Thread(target=self._worker, daemon=True,
                                 name=f"mud-hashing-{self._started}").start()
        return d

    def _worker(self) -> None:
        name_thread(b"mud-hashing")
        if self.niceness:
            lower_priority(self.niceness)
        while True:
            with self._lock:
                self._idle += 1
            try:
                fn, args, kwargs, d = self._work.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:
                    self._idle -= 1
                    if self._work.empty():
                        self.alive -= 1
                        return
                continue
            with self._lock:
                self._idle -= 1
                self.waiting -= 1
                self._busy += 1
                self.busiest = max(self.busiest, self._busy)
                if self.waiting and not self.keeping:
                    # A queue: keep buffers from one check to the next until it is gone.
                    self.keeping = self._kept = True
                    keep_buffers(True)
            began = time.monotonic()
            try:
                result: Any = fn(*args, **kwargs)
                deliver = d.callback
            except BaseException:
                result, deliver = Failure(), d.errback
            finally:
                with self._lock:
                    self._busy -= 1
                    self.last_seconds = time.monotonic() - began
                    calm = not self.waiting
                    if calm and self.keeping:
                        self.keeping = False
                        keep_buffers(False)
                    trim = calm and self._kept and not self._busy
                    if trim:
                        self._kept = False
            self.reactor.callFromThread(deliver, result)
            # Hold nothing (a password among the arguments) while waiting for more work.
            del fn, args, kwargs, d, result, deliver
            if calm:
                # Nothing queued: the buffer this thread may have kept goes back, and once
                # no check runs, whatever else a storm left free.
                trim_own_arena()
                if trim:
                    give_back()
