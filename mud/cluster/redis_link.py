"""The link between a world's Bus (mud/engine/bus.py) and the other realms, over Redis.

Every daemon of a cluster publishes on one Redis pub/sub channel, ``<prefix>:bus``, and
subscribes to it. A message is one JSON envelope::

    {"v": 1, "node": "<this link's random id>", "realm": "north", "topic": "channel",
     "data": {...}}

Redis echoes a daemon's own messages back to it: those are known by ``node`` and
skipped. A message from the same realm name but another node means two daemons were
given one realm name; it is dropped (the bus would ignore it anyway) and logged once.

Two connections, both txredisapi's protocols (no Redis protocol is written here): a
publisher (``PUBLISH``) and a subscriber (``SUBSCRIBE``, which takes a connection over).
The link is *up* when both answered: the publisher a ``PING``, the subscriber its
``SUBSCRIBE``. The connecting and reconnecting is this module's own rather than
txredisapi's pool (mud/cluster/redis_conn.py), so that the backoff runs on the given
reactor, one line is logged per outage (not one per attempt: Twisted's ClientService logs
each retry), and the figures /metrics wants are counted here.

Faults, as issue 14 asks: nothing Redis does raises into the game. While the link is
down ``publish`` returns False at once (the message is dropped and counted; the speaker's
system tells them). A lost connection is retried after ``backoff()`` seconds, growing
from ``backoff_first`` to ``backoff_cap``, jittered so that a cluster's daemons do not
all knock at once when Redis comes back. One log line when the link is lost, one when
it is back; ``bus.changed(up)`` on each change. A Redis that stops answering without
closing (a frozen process, a dead network path) is found by a ``PING`` on both
connections every ``heartbeat`` seconds: no answer within ``reply_timeout`` drops the
connection, and reconnecting begins.

Bounds: an envelope larger than ``max_bytes`` is not sent (``publish`` returns False)
and one received is dropped, each logged once; bad JSON or a wrong shape is dropped with
a log line at most every ``BAD_LOG_EVERY`` seconds (counting the ones in between); at
most ``max_pending`` publishes wait for Redis' answer before more are dropped.
"""

from __future__ import annotations

import json
import random
import secrets
from collections import Counter
from typing import Any

from twisted.application.service import Service
from twisted.internet import defer
from twisted.internet.endpoints import HostnameEndpoint, UNIXClientEndpoint
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud.cluster.redis_conn import BACKOFF_CAP, BACKOFF_FIRST, Leg, Publisher, Subscriber, backoff
from mud.cluster.redis_url import parse_redis_url
from mud.engine.bus import Bus
from mud.protocols import bounded_json

log = Logger()

VERSION = 1
# Largest envelope sent or taken, in bytes (a channel line is a few hundred).
MAX_MESSAGE_BYTES = 65536
HEARTBEAT = 5.0
REPLY_TIMEOUT = 5.0
CONNECT_TIMEOUT = 5.0
MAX_PENDING = 10000
BAD_LOG_EVERY = 60.0


class RedisLink(Service):
    """A Bus link over Redis pub/sub (the Link protocol of mud/engine/bus.py), also a
    Twisted service: ``startService``/``stopService`` are ``start``/``stop``."""

    def __init__(self, url: str, bus: Bus, reactor: Any, prefix: str = "emberfall", *,
                 max_bytes: int = MAX_MESSAGE_BYTES, backoff_first: float = BACKOFF_FIRST,
                 backoff_cap: float = BACKOFF_CAP, heartbeat: float = HEARTBEAT,
                 reply_timeout: float = REPLY_TIMEOUT,
                 connect_timeout: float = CONNECT_TIMEOUT,
                 max_pending: int = MAX_PENDING) -> None:
        if not isinstance(prefix, str) or not prefix.strip() or any(c.isspace()
                                                                    for c in prefix):
            raise ValueError(f"Redis channel prefix {prefix!r}: write a word such as "
                             "'emberfall' (no spaces)")
        if not 0 < backoff_first <= backoff_cap:
            raise ValueError("Redis backoff: the first delay must be above 0 and at most "
                             "the cap")
        self.address = parse_redis_url(url)
        self.bus = bus
        self.reactor = reactor
        self.channel = f"{prefix}:bus"
        self.node = secrets.token_hex(6)
        self.max_bytes = max_bytes
        self.backoff_first = backoff_first
        self.backoff_cap = backoff_cap
        self.heartbeat = heartbeat
        self.reply_timeout = reply_timeout
        self.connect_timeout = connect_timeout
        self.max_pending = max_pending
        # Where the backoff's jitter comes from (a test pins it).
        self.rand = random.random
        self.publisher = Leg(self, "publisher", Publisher)
        self.subscriber = Leg(self, "subscriber", Subscriber)
        self._up = False
        self._lost_at: float | None = None
        self._said_unreachable = False
        self._beat: LoopingCall | None = None
        self.pending = 0
        # Counted for /metrics (mud/metrics.py reads figures()).
        self.reconnects = 0
        self.sent = 0
        self.delivered = 0
        self.echoes = 0
        self.dropped: Counter[tuple[str, str]] = Counter()
        self._told: set[str] = set()
        self._bad_since = 0
        self._bad_logged_at: float | None = None

    # -- the Link protocol -------------------------------------------------------------

    @property
    def up(self) -> bool:
        return self._up

    def publish(self, topic: str, realm: str, data: dict[str, Any]) -> bool:
        """Send ``data`` on ``topic`` from ``realm`` to every other realm. False (and
        dropped) while the link is down, when it does not encode as JSON, is larger than
        ``max_bytes``, or too many earlier ones still wait on Redis. Never raises."""
        if not self._up:
            return self._drop("out", "down")
        try:
            payload = json.dumps({"v": VERSION, "node": self.node, "realm": realm,
                                  "topic": topic, "data": data}, ensure_ascii=False,
                                 separators=(",", ":"), allow_nan=False).encode("utf-8")
        except (TypeError, ValueError, RecursionError) as exc:
            self._tell_once(f"unencodable {topic}", "bus message on topic {topic!r} is not "
                            "JSON ({why}): dropped (said once per topic)", topic=topic,
                            why=exc)
            return self._drop("out", "unencodable")
        if len(payload) > self.max_bytes:
            self._tell_once(f"oversize {topic}", "bus message on topic {topic!r} of "
                            "{size} bytes is over the {limit}-byte bound: dropped (said "
                            "once per topic)", topic=topic, size=len(payload),
                            limit=self.max_bytes)
            return self._drop("out", "oversize")
        if self.pending >= self.max_pending:
            self._tell_once("congested", "Redis is {pending} messages behind: bus messages "
                            "dropped until it catches up (said once)", pending=self.pending)
            return self._drop("out", "congested")
        try:
            answer = self.publisher.proto.publish(self.channel, payload)
        except Exception:
            # Lost between the last event and now: the loss is being handled.
            return self._drop("out", "down")
        self.pending += 1
        answer.addBoth(self._answered)
        self.sent += 1
        return True

    def _answered(self, result: object) -> None:
        # Redis' reply to a PUBLISH (how many heard it), or the connection's loss.
        self.pending -= 1
        if isinstance(result, Failure):
            self.dropped["out", "unanswered"] += 1

    def _drop(self, direction: str, reason: str) -> bool:
        self.dropped[direction, reason] += 1
        return False

    # -- receiving ---------------------------------------------------------------------

    def received_raw(self, message: Any) -> None:
        """A message on the channel, as the subscriber read it: checked, then handed to
        the bus. Nothing in it can raise out of here."""
        if isinstance(message, str):
            message = message.encode("utf-8", "surrogatepass")
        if not isinstance(message, bytes | bytearray):
            return self._bad("malformed", f"not a message: {type(message).__name__}")
        if len(message) > self.max_bytes:
            self._tell_once("oversize in", "a bus message of {size} bytes came over the "
                            "{limit}-byte bound: dropped (said once)", size=len(message),
                            limit=self.max_bytes)
            self.dropped["in", "oversize"] += 1
            return None
        try:
            envelope = bounded_json.loads(bytes(message).decode("utf-8"),
                                          surrogates="refuse")
        except (ValueError, RecursionError) as exc:
            return self._bad("malformed", f"not JSON: {exc}")
        if not isinstance(envelope, dict):
            return self._bad("malformed", "not a JSON object")
        if envelope.get("v") != VERSION:
            return self._bad("version", f"envelope version {envelope.get('v')!r}, this "
                             f"daemon reads {VERSION}")
        node, realm, topic, data = (envelope.get(k) for k in ("node", "realm", "topic",
                                                              "data"))
        if not (isinstance(node, str) and isinstance(realm, str) and isinstance(topic, str)
                and topic and isinstance(data, dict)):
            return self._bad("malformed", "not {v, node, realm, topic, data}")
        if node == self.node:
            self.echoes += 1
            return None
        if realm == self.bus.realm:
            self._tell_once("same realm", "another daemon (node {node}) also calls itself "
                            "realm {realm!r}: the two never hear each other; give each "
                            "daemon its own --realm (said once)", node=node, realm=realm)
            self.dropped["in", "same_realm"] += 1
            return None
        self.delivered += 1
        try:
            self.bus.deliver(topic, realm, data)
        except Exception:
            log.failure("bus delivery of topic {topic!r} from realm {realm!r} failed",
                        topic=topic, realm=realm)
        return None

    def _bad(self, reason: str, why: str) -> None:
        self.dropped["in", reason] += 1
        self._bad_since += 1
        now = self.reactor.seconds()
        if self._bad_logged_at is None or now - self._bad_logged_at >= BAD_LOG_EVERY:
            log.warn("dropped {count} bad message(s) on Redis channel {channel!r}, the "
                     "last: {why} (at most one such line every {every:g} s)",
                     count=self._bad_since, channel=self.channel, why=why,
                     every=BAD_LOG_EVERY)
            self._bad_logged_at = now
            self._bad_since = 0

    def _tell_once(self, key: str, text: str, **fields: Any) -> None:
        if key not in self._told:
            self._told.add(key)
            log.warn(text, **fields)

    # -- connecting --------------------------------------------------------------------

    def endpoint(self) -> Any:
        a = self.address
        if a.path:
            return UNIXClientEndpoint(self.reactor, a.path, timeout=self.connect_timeout)
        return HostnameEndpoint(self.reactor, a.host, a.port, timeout=self.connect_timeout)

    def backoff(self, attempt: int) -> float:
        """Seconds before reconnect attempt ``attempt`` of one connection."""
        return backoff(attempt, self.backoff_first, self.backoff_cap, rand=self.rand)

    def start(self) -> None:
        """Attach to the bus (``bus.link``) and connect; the link comes up when Redis
        answers, and keeps trying (with backoff) until it does."""
        if self.running:
            return
        self.running = True
        self.bus.link = self
        self.publisher.attempt()
        self.subscriber.attempt()
        if self.heartbeat > 0:
            self._beat = LoopingCall(self._ping)
            self._beat.clock = self.reactor
            self._beat.start(self.heartbeat, now=False)

    def stop(self) -> defer.Deferred:
        """Close both connections (the Deferred fires when they are closed). The bus
        keeps the link (still ``clustered``), down."""
        self.running = False
        if self._beat is not None and self._beat.running:
            self._beat.stop()
        self._beat = None
        closed = defer.gatherResults([self.publisher.stop(), self.subscriber.stop()],
                                     consumeErrors=True)
        if self._up:
            self._up = False
            log.info("Redis link to {where} closed", where=self.address.describe())
            self._changed(False)
        return closed.addCallback(lambda _: None)

    def startService(self) -> None:
        self.start()

    def stopService(self) -> defer.Deferred:
        return self.stop()

    def _ping(self) -> None:
        # An unanswered PING drops its connection: a silent Redis is found and
        # reconnected to.
        self.publisher.ping()
        self.subscriber.ping()

    def legs_changed(self, failed: bool = False) -> None:
        """A connection came up or went down (``failed``: or an attempt failed): is the
        link up?"""
        up = self.running and self.publisher.ready and self.subscriber.ready
        where = self.address.describe()
        if up == self._up:
            if failed and not up and self._lost_at is None and not self._said_unreachable:
                # Never up yet and an attempt failed: say so once, not per attempt.
                self._said_unreachable = True
                log.warn("Redis at {where} cannot be reached yet ({why}); retrying with "
                         "backoff, cross-realm messages are dropped until it answers",
                         where=where, why=self._reason())
            return
        self._up = up
        if up:
            for leg in (self.publisher, self.subscriber):
                leg.reason = ""
            if self._lost_at is not None:
                self.reconnects += 1
                log.info("Redis link to {where} is back after {seconds:.1f} s (realm "
                         "{realm!r}, channel {channel!r})", where=where,
                         seconds=self.reactor.seconds() - self._lost_at,
                         realm=self.bus.realm, channel=self.channel)
            else:
                log.info("Redis link to {where} up (realm {realm!r}, channel "
                         "{channel!r})", where=where, realm=self.bus.realm,
                         channel=self.channel)
            self._lost_at = None
        else:
            self._lost_at = self.reactor.seconds()
            log.warn("Redis link to {where} lost ({why}): cross-realm messages are "
                     "dropped until it is back; reconnecting with backoff (at most "
                     "{cap:g} s apart)", where=where, why=self._reason(),
                     cap=self.backoff_cap)
        self._changed(up)

    def _reason(self) -> str:
        return self.subscriber.reason or self.publisher.reason or "unknown"

    def _changed(self, up: bool) -> None:
        try:
            self.bus.changed(up)
        except Exception:
            log.failure("bus watchers failed on the link going {state}",
                        state="up" if up else "down")

    # -- figures -----------------------------------------------------------------------

    def figures(self) -> dict[str, Any]:
        """What /metrics shows of the link (mud/metrics.py)."""
        return {"up": self._up, "reconnects": self.reconnects, "sent": self.sent,
                "delivered": self.delivered, "pending": self.pending,
                "dropped": dict(self.dropped)}
