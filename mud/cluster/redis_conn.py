"""One connection of the Redis link (mud/cluster/redis_link.py): txredisapi's protocols
for publishing and subscribing, the factory that builds them, and ``Leg``, which connects,
notices the connection answer or die, and retries after a capped, jittered backoff.

The link has two legs (a publisher and a subscriber: a subscribed Redis connection takes
no other commands). Each leg is *ready* once Redis has answered on it (a ``PING``; the
``SUBSCRIBE``) and tells its link whenever that changes; the link decides what is up and
what is logged. Nothing here writes the Redis protocol: txredisapi does.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import txredisapi
from twisted.internet import defer
from twisted.python.failure import Failure

from mud.cluster.redis_url import RedisAddress

BACKOFF_FIRST = 0.5
BACKOFF_CAP = 30.0
BACKOFF_FACTOR = 2.0
# Each delay is spread over +-JITTER of itself (never past the cap).
JITTER = 0.25
# Seconds a stopping link waits for a clean close before dropping the connection.
STOP_GRACE = 2.0


def backoff(attempt: int, first: float = BACKOFF_FIRST, cap: float = BACKOFF_CAP,
            factor: float = BACKOFF_FACTOR, jitter: float = JITTER,
            rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before reconnect attempt ``attempt`` (1: the first after a loss):
    ``first * factor ** (attempt - 1)``, at most ``cap``, spread by +-``jitter`` of
    itself and never above ``cap`` nor below 0."""
    base = min(cap, first * factor ** min(max(attempt, 1) - 1, 64))
    spread = base * jitter
    return max(0.0, min(cap, base - spread + 2 * spread * rand()))


class Publisher(txredisapi.RedisProtocol):
    """The publishing connection: tells its leg when it is lost."""

    def dataReceived(self, data: bytes) -> None:
        self.factory.leg.heard()
        super().dataReceived(data)

    def connectionLost(self, why: Failure) -> None:
        try:
            super().connectionLost(why)
        finally:
            self.factory.leg.lost(self, why)


class Subscriber(txredisapi.SubscriberProtocol):
    """The subscribed connection: hands each message to the link, tells its leg when it
    is lost."""

    def dataReceived(self, data: bytes) -> None:
        self.factory.leg.heard()
        super().dataReceived(data)

    def messageReceived(self, pattern: Any, channel: Any, message: Any) -> None:
        self.factory.leg.link.received_raw(message)

    def connectionLost(self, why: Failure) -> None:
        try:
            super().connectionLost(why)
        finally:
            self.factory.leg.lost(self, why)


class Factory(txredisapi.RedisFactory):
    """txredisapi's factory for one connection that this module (re)connects itself."""

    def __init__(self, leg: Leg, protocol: type, address: RedisAddress) -> None:
        # charset None, convertNumbers False: messages arrive as the bytes sent. No
        # replyTimeout: it would put a timer on the reactor for every PUBLISH; the
        # heartbeat's PING is timed instead (Leg.ping).
        super().__init__(None, address.db, 1, charset=None, password=address.password,
                         convertNumbers=False, username=address.username)
        self.protocol = protocol
        self.leg = leg
        self.reconnect = False
        # Fails with txredisapi's reason when AUTH or SELECT is refused.
        self.deferred.addErrback(leg.refused)


class Leg:
    """One of the link's two connections: connecting, ready, lost, retried."""

    def __init__(self, link: Any, name: str, protocol: type) -> None:
        self.link = link
        self.name = name
        self.protocol = protocol
        self.proto: Any = None
        self.ready = False
        self.failures = 0
        self.reason = ""
        self.connecting: defer.Deferred | None = None
        self.retry: Any = None
        self.deadline: Any = None
        # When this connection last brought anything from Redis (reactor time).
        self.last_heard = float("-inf")

    def heard(self) -> None:
        """Bytes came from Redis: it is alive, whatever PING waits behind them."""
        self.last_heard = self.link.reactor.seconds()

    def attempt(self) -> None:
        self.retry = None
        link = self.link
        factory = Factory(self, self.protocol, link.address)
        self.connecting = d = link.endpoint().connect(factory)
        d.addCallbacks(self.connected, self.failed)

    def connected(self, proto: Any) -> None:
        self.connecting = None
        self.proto = proto
        # A server that takes the connection and never answers (a frozen process still
        # has its listening socket) is given up on after the reply timeout.
        self.deadline = self.link.reactor.callLater(self.link.reply_timeout, self.too_slow,
                                                    proto)
        proto.whenConnected().addCallback(self.usable).addErrback(self.broken, proto)

    def usable(self, proto: Any) -> Any:
        # Ready once Redis has answered something: a PING, or the subscription itself.
        d = (proto.subscribe(self.link.channel) if self.protocol is Subscriber
             else proto.ping())
        return d.addCallback(lambda _: self.answered(proto)).addErrback(self.broken, proto)

    def answered(self, proto: Any) -> None:
        if proto is not self.proto:
            return
        self.cancel_deadline()
        self.ready = True
        self.failures = 0
        self.reason = ""
        self.link.legs_changed()

    def ping(self) -> None:
        """The heartbeat: a PING that must be answered within the reply timeout."""
        proto = self.proto
        if not self.ready or proto is None or self.deadline is not None:
            return
        try:
            d = proto.ping()
        except Exception:
            return  # lost meanwhile: connectionLost has it in hand
        self.deadline = self.link.reactor.callLater(self.link.reply_timeout, self.too_slow,
                                                    proto)
        d.addCallbacks(lambda _: self.pong(proto), lambda _: None)

    def pong(self, proto: Any) -> None:
        if proto is self.proto:
            self.cancel_deadline()

    def too_slow(self, proto: Any) -> None:
        self.deadline = None
        # A daemon far behind in reading (a burst of messages queued before the PING's
        # answer) is no dead Redis: as long as bytes keep coming, wait on. Cutting the
        # connection would lose every message queued on it.
        quiet = self.link.reactor.seconds() - self.last_heard
        if proto is self.proto and self.ready and quiet < self.link.reply_timeout:
            self.deadline = self.link.reactor.callLater(
                self.link.reply_timeout - quiet, self.too_slow, proto)
            return
        if proto is self.proto and proto.transport is not None:
            self.reason = f"no answer from Redis within {self.link.reply_timeout:g} s"
            proto.transport.abortConnection()

    def broken(self, failure: Failure, proto: Any) -> None:
        # A command failed on a fresh connection (lost meanwhile, or refused): drop it;
        # connectionLost brings the retry.
        if proto is self.proto and proto.transport is not None:
            self.reason = failure.getErrorMessage()
            proto.transport.abortConnection()

    def refused(self, failure: Failure) -> None:
        # AUTH or SELECT refused (wrong password, no such db): txredisapi closes the
        # connection; this keeps its reason for the log.
        self.reason = failure.getErrorMessage()

    def failed(self, failure: Failure) -> None:
        self.connecting = None
        if not self.link.running:
            return
        self.reason = failure.getErrorMessage()
        self.link.legs_changed(failed=True)
        self.schedule()

    def lost(self, proto: Any, why: Failure) -> None:
        if proto is not self.proto:
            return
        self.cancel_deadline()
        self.proto = None
        self.ready = False
        if not self.reason:
            self.reason = why.getErrorMessage()
        if self.link.running:
            self.link.legs_changed(failed=True)
            self.schedule()

    def schedule(self) -> None:
        self.failures += 1
        delay = self.link.backoff(self.failures)
        self.retry = self.link.reactor.callLater(delay, self.attempt)

    def cancel_deadline(self) -> None:
        if self.deadline is not None and self.deadline.active():
            self.deadline.cancel()
        self.deadline = None

    def stop(self) -> defer.Deferred:
        if self.retry is not None and self.retry.active():
            self.retry.cancel()
        self.retry = None
        self.cancel_deadline()
        self.ready = False
        if self.connecting is not None:
            self.connecting.cancel()
        proto, self.proto = self.proto, None
        if proto is None or proto.transport is None or not proto.transport.connected:
            return defer.succeed(None)
        gone = proto.whenDisconnected()
        # A clean close sends what is still buffered (a realm's last words) first; a Redis
        # that stopped reading would hold that forever, so the close is forced after a
        # while rather than holding up the daemon's stop.
        transport = proto.transport
        transport.loseConnection()
        force = self.link.reactor.callLater(STOP_GRACE, transport.abortConnection)

        def closed(_: object) -> None:
            if force.active():
                force.cancel()
        return gone.addCallback(closed)
