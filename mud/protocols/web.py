"""The web listener's one Site: the static client, the game WebSocket, who-is-online.

    /            the web client (mud/web/static), no build step
    /ws          the game WebSocket (protocols/websocket.py)
    /api/who     JSON list of who is online
    /presence    a read-only WebSocket feed: a snapshot, then join/leave events

This is the only module where the web tree meets the WebSocket factories.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autobahn.exception import Disconnected
from autobahn.twisted.resource import WebSocketResource
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from twisted.web.resource import Resource
from twisted.web.server import Request, Site
from twisted.web.static import File

from mud.protocols.keepalive import DEFAULT_KEEPALIVE, Keepalive
from mud.protocols.websocket import GameWebSocketFactory
from mud.tokens import TokenSigner

if TYPE_CHECKING:
    from mud.game import Game

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
SECURITY_HEADERS = {
    b"content-security-policy": b"default-src 'self'; connect-src 'self' ws: wss:; "
                                b"img-src 'self' data:; object-src 'none'; base-uri 'none'",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
}


def _encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def who_online(game: Game) -> list[dict[str, Any]]:
    now = game.world.clock.seconds()
    return [{"name": c.name, "idle": int(max(0.0, now - c.last_active)), "via": c.via}
            for c in sorted(game.world.online.values(), key=lambda c: c.key)]


class StaticClient(File):
    """The client's files, with headers that keep injected content from running."""

    def render_GET(self, request: Request) -> Any:
        for name, value in SECURITY_HEADERS.items():
            request.setHeader(name, value)
        return super().render_GET(request)


class WhoResource(Resource):
    isLeaf = True

    def __init__(self, game: Game) -> None:
        super().__init__()
        self.game = game

    def render_GET(self, request: Request) -> bytes:
        request.setHeader(b"content-type", b"application/json; charset=utf-8")
        request.setHeader(b"cache-control", b"no-store")
        return _encode(who_online(self.game))


class PresenceProtocol(WebSocketServerProtocol):
    factory: PresenceFactory

    def onOpen(self) -> None:
        self.factory.keepalive.tune(self.transport)
        players = [{"name": p["name"], "via": p["via"]} for p in who_online(self.factory.game)]
        self.sendMessage(_encode({"type": "snapshot", "players": players}))
        self.factory.listeners.add(self)

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        """Read-only feed: whatever a client sends is ignored."""

    def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:
        self.factory.listeners.discard(self)


class PresenceFactory(WebSocketServerFactory):
    protocol = PresenceProtocol

    def __init__(self, game: Game, keepalive: Keepalive = DEFAULT_KEEPALIVE) -> None:
        super().__init__()
        self.game = game
        self.keepalive = keepalive
        self.listeners: set[PresenceProtocol] = set()
        self.setProtocolOptions(maxMessagePayloadSize=4096, maxFramePayloadSize=4096,
                                autoPingInterval=keepalive.interval,
                                autoPingTimeout=keepalive.timeout)
        game.presence.append(self.changed)

    def close_all(self) -> None:
        """At shutdown: close every presence feed cleanly."""
        for listener in list(self.listeners):
            listener.sendClose(code=1000, reason="server shutting down")
        self.listeners.clear()

    def changed(self, what: str, name: str, via: str) -> None:
        body = {"type": what, "name": name}
        if what == "join":
            body["via"] = via
        data = _encode(body)  # encoded once for every listener
        for listener in list(self.listeners):
            try:
                listener.sendMessage(data)
            except Disconnected:
                self.listeners.discard(listener)


class GameSite(Site):
    """The Site, holding the presence feed so shutdown can close it."""

    presence: PresenceFactory


def make_site(game: Game, signer: TokenSigner, clock: Callable[[], float],
              keepalive: Keepalive = DEFAULT_KEEPALIVE,
              output_cap: int = 256 * 1024) -> GameSite:
    root = StaticClient(str(STATIC))
    root.indexNames = ["index.html"]
    game_ws = GameWebSocketFactory(game, signer, clock, keepalive, output_cap)
    root.putChild(b"ws", WebSocketResource(game_ws))
    api = Resource()
    api.putChild(b"who", WhoResource(game))
    root.putChild(b"api", api)
    presence = PresenceFactory(game, keepalive)
    root.putChild(b"presence", WebSocketResource(presence))
    site = GameSite(root)
    site.presence = presence
    return site
