"""Per-address connection limits, shared by every listener (telnet and web).

An address may hold ``max_open`` connections at once and open ``per_minute`` new ones in
any sixty seconds. A refused telnet client is told why in one line; a refused web client
gets a 503. Bookkeeping expires with the minute it covers, so memory follows the
connections of the last minute, not every address ever seen.

Connections are counted by ``CountingFactory``, a wrapping factory whose protocol sits right
on the TCP connection, under TLS and under whatever protocol runs the connection. So it sees
every connection end, however it ends: a WebSocket upgrade hands the transport from
twisted.web's channel to Autobahn's protocol, and the channel never hears the close, but the
wrapper below both always does. ``CountingReactor`` is what a listener is built on to put it
there: its listenTCP wraps the factory, and its listenSSL adds TLS above the wrapper, as the
reactor's own listenSSL would (an ``ssl:`` endpoint offers no other way in).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from twisted.internet.interfaces import IProtocol, IProtocolFactory
from twisted.internet.protocol import Protocol
from twisted.logger import Logger
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
from twisted.protocols.tls import TLSMemoryBIOFactory, TLSMemoryBIOProtocol

from mud.protocols.addresses import peer_key
from mud.protocols.http_guard import plain_response

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

    def reactor(self, reactor: Any, refuse: Callable[[str], Protocol]) -> CountingReactor:
        """``reactor`` for building listeners whose connections count against these limits;
        a refused connection gets ``refuse(why)`` instead."""
        return CountingReactor(reactor, self, refuse)

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


class CountedConnection(ProtocolWrapper):
    """One admitted connection: relays everything, and gives its slot back when it ends."""

    host = ""

    def makeConnection(self, transport: Any) -> None:
        # Output goes straight to the transport: ProtocolWrapper.write would only forward it,
        # and a broadcast writes once per listener.
        self.write = transport.write  # type: ignore[method-assign]
        super().makeConnection(transport)


class CountingFactory(WrappingFactory):
    """Wraps a listener's factory: admits each connection against the per-address limits
    (or answers with ``refuse(why)``), and releases it when the connection is lost."""

    protocol = CountedConnection

    def __init__(self, wrapped: IProtocolFactory, limits: PeerLimits,
                 refuse: Callable[[str], Protocol]) -> None:
        super().__init__(wrapped)
        self.limits = limits
        self.refuse = refuse

    def buildProtocol(self, addr: Any) -> IProtocol | None:
        host = peer_key(str(getattr(addr, "host", "")))
        refused = self.limits.admit(host)
        if refused is not None:
            return self.refuse(refused)
        inner = self.wrappedFactory.buildProtocol(addr)
        if inner is None:
            self.limits.release(host)
            return None
        connection = CountedConnection(self, inner)
        connection.host = host
        return connection

    def unregisterProtocol(self, p: Any) -> None:
        super().unregisterProtocol(p)
        self.limits.release(p.host)


class CountingReactor:
    """Stands in for the reactor when an endpoint listens: every listener it makes counts
    its connections (see the module docstring). Everything else goes to the reactor."""

    def __init__(self, reactor: Any, limits: PeerLimits,
                 refuse: Callable[[str], Protocol]) -> None:
        self._reactor = reactor
        self.limits = limits
        self.refuse = refuse

    def _counting(self, factory: IProtocolFactory) -> CountingFactory:
        return CountingFactory(factory, self.limits, self.refuse)

    def listenTCP(self, port: int, factory: IProtocolFactory, backlog: int = 50,
                  interface: str = "") -> Any:
        return self._reactor.listenTCP(port, self._counting(factory), backlog, interface)

    def listenSSL(self, port: int, factory: IProtocolFactory, contextFactory: Any,
                  backlog: int = 50, interface: str = "") -> Any:
        tls = TLSMemoryBIOFactory(contextFactory, False, factory)

        def refuse(why: str) -> Protocol:
            # Said over TLS too: the client expects a handshake, not plain text.
            return TLSMemoryBIOProtocol(tls, self.refuse(why))
        counting = CountingFactory(tls, self.limits, refuse)
        return self._reactor.listenTCP(port, counting, backlog, interface)

    def listenUNIX(self, address: str, factory: IProtocolFactory, *args: Any,
                   **kwargs: Any) -> Any:
        return self._reactor.listenUNIX(address, self._counting(factory), *args, **kwargs)

    def adoptStreamPort(self, fd: int, family: Any, factory: IProtocolFactory) -> Any:
        return self._reactor.adoptStreamPort(fd, family, self._counting(factory))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reactor, name)


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
    return Refusal(plain_response("503 Service Unavailable", f"Sorry: {reason}.",
                                  "Retry-After: 60\r\n"))
