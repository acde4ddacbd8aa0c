"""The load generator's players for `make bench`: one telnet client for every target.

A Bot refuses every telnet option it is offered (WONT/DONT: plain text, as the simplest
client), walks a target's steps (send a line, wait for some bytes) and then, in a loop,
counts the target's `echo` (its own says coming back) and `heard` (others' says) in what
arrives, the patterns found across reads too. Also: the server's CPU and RSS from /proc.
"""

from __future__ import annotations

import os
import time
from collections import deque

from twisted.internet import defer
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.protocol import Protocol

IAC, DONT, DO, WONT, WILL = 255, 254, 253, 252, 251
TICKS = os.sysconf("SC_CLK_TCK")
KEEP = 65536  # bytes of unmatched text kept while waiting for a step's answer


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime so far, summed over the processes (dead ones count 0)."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def rss_bytes(pids: list[int]) -> int:
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
    try:
        with open("/proc/pressure/cpu") as pressure:
            return float(pressure.readline().rsplit("total=", 1)[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return None


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (0.0 for no values: the caller reports the count too)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def count(tail: bytes, data: bytes, pattern: bytes) -> tuple[int, bytes]:
    """How many times ``pattern`` occurs in ``tail + data``, and the tail to keep for the
    next read (what could still be the start of a match, never part of a counted one)."""
    seen = tail + data
    found = seen.count(pattern)
    if found:
        seen = seen[seen.rindex(pattern) + len(pattern):]
    return found, seen[-(len(pattern) - 1):] if len(pattern) > 1 else b""


def source(i: int) -> tuple[str, int]:
    """A loopback address of its own for the i-th player, as players come from their own
    homes (per-address throttles then see one player each)."""
    return f"127.{1 + i // 62500}.{1 + i // 250 % 250}.{1 + i % 250}", 0


class Bot(Protocol):
    def __init__(self, echo: bytes, heard: bytes, say: bytes) -> None:
        self.echo, self.heard, self.line = echo, heard, say
        self.buffer = b""
        self._waiting: tuple[bytes, defer.Deferred[None]] | None = None
        self._refused: set[tuple[int, int]] = set()
        self.mode = ""  # "" (steps), "loop" (closed), "open" (timed elsewhere)
        self.recording = False
        self.sent: deque[float] = deque()  # when each say in flight was sent
        self.waits: list[float] = []
        self.echoes = self.heards = 0
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
        if pattern in self.buffer:
            self.buffer = self.buffer[self.buffer.index(pattern) + len(pattern):]
            return defer.succeed(None)
        d: defer.Deferred[None] = defer.Deferred()
        self._waiting = (pattern, d)
        return d

    @defer.inlineCallbacks
    def steps(self, reactor, steps: list[tuple[bytes, bytes]], timeout: float):
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
        self.mode = mode
        self.buffer = b""
        if mode == "loop":
            self.say()

    def say(self) -> None:
        self.sent.append(time.perf_counter())
        self.transport.write(self.line)

    def answered(self) -> None:
        began = self.sent.popleft() if self.sent else None
        if self.recording and began is not None:
            self.waits.append(time.perf_counter() - began)
            self.echoes += 1
        if self.mode == "loop":
            self.say()


def connect(reactor, host: str, port: int, bot: Bot, i: int) -> defer.Deferred:
    return connectProtocol(TCP4ClientEndpoint(reactor, host, port, timeout=120,
                                              bindAddress=source(i)), bot)
