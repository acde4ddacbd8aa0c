"""The bus: what one daemon (a realm) tells the others, as plain data.

Every world has a ``Bus``. On a lone daemon it has no link: ``publish`` delivers nothing
anywhere and says so by returning True (there is nobody else to tell). When the server
is started with a message broker (``--redis``), the service attaches a *link*
(mud/cluster/redis_link.py) that carries what is published to every other realm and
hands what they publish to ``deliver``. The engine knows nothing of the broker, its wire
format or its connection: messages are dicts of JSON-able values (str, int, float, bool,
None, lists and dicts of those), and the link encodes them.

A system subscribes to a topic (``bus.subscribe("channel", handler)``) and is handed
``(data, realm)`` for each message another realm published on it; its own messages
never come back to it. Local delivery is the publisher's own business (it renders once
for its own players and publishes once for the rest), so a lone daemon pays nothing.

``watch(handler)`` hears the link come up and go down (``handler(up)``): a directory of
remote players introduces itself again after a reconnect, channels tell speakers their
words stayed local while the link is down.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from mud.engine.scheduler import Reporter, log_failure

# A realm's name as every daemon is given it (mud/config.py checks --realm the same way):
# what another realm's message names itself is shown to players (``Wynn@north``), so a
# message naming anything else (escape sequences, an empty name that would pass for this
# realm's own) is dropped here, before any subscriber sees it.
MAX_REALM = 24
_REALM_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")

Handler = Callable[[dict[str, Any], str], None]
Watcher = Callable[[bool], None]


def realm_name_ok(realm: object) -> bool:
    """Whether ``realm`` is a realm's name: 1 to MAX_REALM of a-z, 0-9, - and _."""
    return isinstance(realm, str) and 0 < len(realm) <= MAX_REALM and \
        _REALM_CHARS.issuperset(realm)


class Link(Protocol):
    """What carries messages between realms (a Redis connection, or a test's pipe)."""

    @property
    def up(self) -> bool: ...

    def publish(self, topic: str, realm: str, data: dict[str, Any]) -> bool:
        """Send ``data`` on ``topic`` from ``realm`` to every other realm; False when it
        cannot be sent now (the broker is unreachable): the message is dropped."""
        ...


class Bus:
    """One world's door to the other realms: topics, subscribers, an optional link."""

    __slots__ = ("_handlers", "_watchers", "dropped", "link", "published", "realm", "received",
                 "rejected", "report")

    def __init__(self, realm: str = "") -> None:
        # This daemon's realm name ("" on a lone daemon with no name given).
        self.realm = realm
        self.link: Link | None = None
        self._handlers: dict[str, list[Handler]] = {}
        self._watchers: list[Watcher] = []
        # Counts for /metrics and the admin's stats.
        self.published = 0
        self.received = 0
        self.dropped = 0
        # Messages from other realms refused here: a realm name that is not one.
        self.rejected = 0
        # Told of a subscriber that raised (the server points it at the log).
        self.report: Reporter = log_failure

    @property
    def clustered(self) -> bool:
        """Whether this daemon has a link to other realms at all."""
        return self.link is not None

    @property
    def up(self) -> bool:
        """Whether the other realms can be reached now (False with no link)."""
        return self.link is not None and self.link.up

    def subscribe(self, topic: str, handler: Handler) -> None:
        """Hand ``handler(data, realm)`` every message another realm sends on ``topic``
        (once: subscribing the same handler again changes nothing)."""
        handlers = self._handlers.setdefault(topic, [])
        if handler not in handlers:
            handlers.append(handler)

    def watch(self, watcher: Watcher) -> None:
        """Tell ``watcher(up)`` each time the link comes up or goes down."""
        if watcher not in self._watchers:
            self._watchers.append(watcher)

    def publish(self, topic: str, data: dict[str, Any]) -> bool:
        """Send ``data`` on ``topic`` to every other realm. True when it went (or there is
        no other realm to send it to); False when the link is down and it was dropped."""
        link = self.link
        if link is None:
            return True
        if link.publish(topic, self.realm, data):
            self.published += 1
            return True
        self.dropped += 1
        return False

    # -- called by the link ---------------------------------------------------------------

    def deliver(self, topic: str, realm: str, data: dict[str, Any]) -> None:
        """A message from ``realm`` on ``topic``: hand it to the topic's subscribers.
        Our own (a broker echoes to every subscriber) is ignored; a subscriber that
        raises is reported and the others still hear it."""
        if realm == self.realm:
            return
        if not realm_name_ok(realm) or not isinstance(data, dict):
            self.rejected += 1
            return
        self.received += 1
        for handler in self._handlers.get(topic, ()):
            try:
                handler(data, realm)
            except Exception as exc:
                self.report(realm, f"bus topic {topic!r} subscriber {handler!r}", exc)

    def changed(self, up: bool) -> None:
        """The link came up (or back) or went down."""
        for watcher in list(self._watchers):
            try:
                watcher(up)
            except Exception as exc:
                self.report(self.realm, f"bus watcher {watcher!r}", exc)
