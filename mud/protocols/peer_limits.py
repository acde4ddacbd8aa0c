"""Per-address connection limits, shared by every listener (telnet and web).

An address may hold ``max_open`` connections at once and open ``per_minute`` new ones in
any sixty seconds. A refused telnet client is told why in one line; a refused web client
gets a 503. Bookkeeping expires with the minute it covers, so memory follows the
connections of the last minute, not every address ever seen.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from twisted.internet.protocol import Protocol
from twisted.logger import Logger

log = Logger()

WINDOW = 60.0


class PeerLimits:
    def __init__(self, clock: Any, max_open: int = 20, per_minute: int = 60) -> None:
        self.clock = clock
        self.max_open = max_open
        self.per_minute = per_minute
        self.open: dict[str, int] = {}
        self.recent: dict[str, deque[float]] = {}
        # Every admission in time order, so old ones expire without scanning all addresses.
        self._timeline: deque[tuple[float, str]] = deque()

    def _expire(self, now: float) -> None:
        timeline = self._timeline
        while timeline and timeline[0][0] <= now - WINDOW:
            _, host = timeline.popleft()
            recent = self.recent.get(host)
            if recent:
                recent.popleft()
                if not recent and host not in self.open:
                    del self.recent[host]

    def admit(self, host: str) -> str | None:
        """Count a new connection from ``host``; the reason it is refused, or None."""
        now = self.clock.seconds()
        self._expire(now)
        recent = self.recent.setdefault(host, deque())
        if self.open.get(host, 0) >= self.max_open:
            reason = f"too many connections from your address ({self.max_open} at most)"
        elif len(recent) >= self.per_minute:
            reason = (f"too many new connections from your address ({self.per_minute} a "
                      "minute at most); try again in a minute")
        else:
            recent.append(now)
            self._timeline.append((now, host))
            self.open[host] = self.open.get(host, 0) + 1
            return None
        log.info("refused a connection from {host}: {reason}", host=host, reason=reason)
        self._forget_if_idle(host)
        return reason

    def build(self, addr: Any, build: Callable[[], Protocol],
              refuse: Callable[[str], Protocol]) -> Protocol:
        """A factory's buildProtocol, counted: the protocol from ``build`` if the address is
        within its limits (released again when the connection ends), else ``refuse(why)``."""
        host = str(getattr(addr, "host", ""))
        refused = self.admit(host)
        if refused is not None:
            return refuse(refused)
        protocol = build()
        lost = protocol.connectionLost

        def counted_lost(reason: Any) -> None:
            try:
                lost(reason)
            finally:
                self.release(host)
        protocol.connectionLost = counted_lost  # type: ignore[method-assign]
        return protocol

    def release(self, host: str) -> None:
        count = self.open.get(host, 0) - 1
        if count > 0:
            self.open[host] = count
        else:
            self.open.pop(host, None)
        self._forget_if_idle(host)

    def _forget_if_idle(self, host: str) -> None:
        if host not in self.open and not self.recent.get(host, True):
            del self.recent[host]


class Refusal(Protocol):
    """Says why, then hangs up."""

    def __init__(self, message: bytes) -> None:
        self.message = message

    def connectionMade(self) -> None:
        self.transport.write(self.message)
        self.transport.loseConnection()


def telnet_refusal(reason: str) -> Refusal:
    return Refusal(f"Sorry: {reason}.\r\n".encode())


def http_refusal(reason: str) -> Refusal:
    body = f"Sorry: {reason}.\n".encode()
    head = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Retry-After: 60\r\nConnection: close\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n")
    return Refusal(head + body)
