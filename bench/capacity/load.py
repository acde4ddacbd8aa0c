"""The load generator's players for `make bench`: one telnet client for every target.

A Bot refuses every telnet option it is offered (WONT/DONT: plain text, as the simplest
client), walks a target's steps (send a line, wait for some bytes) and then, in a loop,
counts the target's `echo` (its own says coming back) and `heard` (others' says) in what
arrives, the patterns found across reads too. Also: the server's CPU and RSS from /proc.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import time
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass

from twisted.internet import defer
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.interfaces import IReactorTCP, IReactorTime
from twisted.internet.protocol import Protocol

# One implementation each across bench/: the per-process CPU time, CPU pressure and percentile of
# bench.crowded_combat, and bench.login_storm's own loopback address per player.
from bench.crowded_combat import cpu_pressure as pressure_us
from bench.crowded_combat import cpu_seconds as one_cpu_seconds
from bench.crowded_combat import percentile  # noqa: F401 (the workloads import it from here)
from bench.login_storm import source

IAC, DONT, DO, WONT, WILL = 255, 254, 253, 252, 251
KEEP = 65536  # bytes of unmatched text kept while waiting for a step's answer


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime so far, summed over the processes (dead ones count 0)."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += one_cpu_seconds(pid)
    return total


def rss_bytes(pids: list[int]) -> int:
    """VmRSS summed over the processes (dead ones count 0)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def cpu_pressure() -> float | None:
    """Seconds so far in which some runnable task waited for a CPU (Linux PSI), or None."""
    waited = pressure_us()
    return None if waited is None else waited / 1e6


@dataclass
class Queue:
    """One TCP socket's kernel queues, from /proc/net/tcp."""
    state: int  # 1 ESTABLISHED, 8 CLOSE_WAIT...: tcp_states.h
    tx: int  # bytes written and not yet acknowledged by the peer
    rx: int  # bytes received and not yet read by the application


def _address(field: str) -> tuple[str, int]:
    host, port = field.split(":")
    # the kernel prints the IPv4 address as a native-endian 32-bit number
    return socket.inet_ntoa(struct.pack("=I", int(host, 16))), int(port, 16)


def tcp_queues(path: str = "/proc/net/tcp") -> dict[tuple[tuple[str, int], tuple[str, int]],
                                                       Queue]:
    """Every IPv4 TCP socket of this network namespace: (local, remote) -> its queues. The
    load generator reads what the kernel holds for a player that never reads (its own
    receive queue, the server's send queue), and whether the server has closed on it:
    a paused client never reads, so Twisted never tells it the connection was lost."""
    found = {}
    with contextlib.suppress(OSError), open(path) as table:
        next(table, None)  # the header
        for line in table:
            fields = line.split()
            if len(fields) < 5:
                continue
            tx, rx = (int(n, 16) for n in fields[4].split(":"))
            found[_address(fields[1]), _address(fields[2])] = Queue(int(fields[3], 16), tx, rx)
    return found


def count(tail: bytes, data: bytes, pattern: bytes) -> tuple[int, bytes]:
    """How many times ``pattern`` occurs in ``tail + data``, and the tail to keep for the
    next read (what could still be the start of a match, never part of a counted one)."""
    seen = tail + data
    found = seen.count(pattern)
    if found:
        seen = seen[seen.rindex(pattern) + len(pattern):]
    return found, seen[-(len(pattern) - 1):] if len(pattern) > 1 else b""


class Bot(Protocol):
    """One player of the load: logs in by a target's steps, then says ``say`` and counts
    ``echo`` (its own say back: one answer, timed from the oldest say in flight) and
    ``heard`` (another's say) in what arrives."""

    def __init__(self, echo: bytes, heard: bytes, say: bytes) -> None:
        self.echo, self.heard, self.line = echo, heard, say
        self.buffer = b""
        self._waiting: tuple[bytes, defer.Deferred[None]] | None = None
        self._refused: set[tuple[int, int]] = set()
        self.mode = ""  # "" (steps), "loop" (closed), "open" (timed elsewhere)
        self.recording = False
        self.sent: deque[float] = deque()  # when each say in flight was sent
        self.waits: list[float] = []
        self.echoes = self.heards = 0  # while recording
        self.answers = 0  # every echo since start_loop, recorded or not (the warm-up's)
        self.answered_at: list[float] = []  # perf_counter of each recorded echo
        self._echo_tail = self._heard_tail = b""
        self.lost = False

    def connectionMade(self) -> None:
        # Lines go out as they are written: Nagle's wait for an ACK would time the client.
        self.transport.setTcpNoDelay(True)

    def connectionLost(self, reason: object = None) -> None:
        self.lost = True
        if self._waiting is not None:
            _, d = self._waiting
            self._waiting = None
            d.errback(ConnectionError(f"connection closed; last text: {self.buffer[-300:]!r}"))

    def _refuse(self, data: bytes) -> None:
        at = data.find(IAC)
        answers = []
        while 0 <= at < len(data) - 2:
            verb, option = data[at + 1], data[at + 2]
            if verb in (DO, WILL) and (verb, option) not in self._refused:
                self._refused.add((verb, option))
                answers.append(bytes((IAC, WONT if verb == DO else DONT, option)))
            at = data.find(IAC, at + 2)
        if answers:
            self.transport.write(b"".join(answers))

    def dataReceived(self, data: bytes) -> None:
        if IAC in data:
            self._refuse(data)
        if self.mode:
            found, self._echo_tail = count(self._echo_tail, data, self.echo)
            heard, self._heard_tail = count(self._heard_tail, data, self.heard)
            if self.recording:
                self.heards += heard
            for _ in range(found):
                self.answered()
            return
        self.buffer = (self.buffer + data)[-KEEP:]
        if self._waiting is not None and self._waiting[0] in self.buffer:
            pattern, d = self._waiting
            self._waiting = None
            self.buffer = self.buffer[self.buffer.index(pattern) + len(pattern):]
            d.callback(None)

    def expect(self, pattern: bytes) -> defer.Deferred[None]:
        """Fires once ``pattern`` has arrived (since the last pattern waited for)."""
        if pattern in self.buffer:
            self.buffer = self.buffer[self.buffer.index(pattern) + len(pattern):]
            return defer.succeed(None)
        d: defer.Deferred[None] = defer.Deferred()
        self._waiting = (pattern, d)
        return d

    @defer.inlineCallbacks
    def steps(self, reactor: IReactorTime, steps: list[tuple[bytes, bytes]],
              timeout: float) -> Generator[defer.Deferred, object, None]:
        """Send each step's line and wait for its pattern; TimeoutError naming the step and
        the last text seen when one does not come within ``timeout`` s."""
        for send, pattern in steps:
            d = self.expect(pattern)
            if send:
                self.transport.write(send)
            try:
                yield d.addTimeout(timeout, reactor)
            except defer.TimeoutError:
                raise TimeoutError(f"no {pattern!r} within {timeout:g} s after "
                                   f"{send!r}; last text: {self.buffer[-300:]!r}") from None

    def start_loop(self, mode: str) -> None:
        """From the steps to counting: "loop" says again at each echo, "open" is timed by
        the caller."""
        self.mode = mode
        self.buffer = b""
        if mode == "loop":
            self.say()

    def say(self) -> None:
        """Say the line now (its time kept until its echo)."""
        self.sent.append(time.perf_counter())
        self.transport.write(self.line)

    def answered(self) -> None:
        """One echo came: time it against the oldest say in flight; in a loop, say again."""
        began = self.sent.popleft() if self.sent else None
        self.answers += 1
        if self.recording and began is not None:
            now = time.perf_counter()
            self.waits.append(now - began)
            self.answered_at.append(now)
            self.echoes += 1
        if self.mode == "loop":
            self.say()


def connect(reactor: IReactorTCP, host: str, port: int, bot: Bot,
            i: int) -> defer.Deferred[Bot]:
    """Connect ``bot`` to (host, port) from the i-th player's own loopback address."""
    return connectProtocol(TCP4ClientEndpoint(reactor, host, port, timeout=120,
                                              bindAddress=source(i)), bot)
