"""The web listener's one Site: the static client, the game WebSocket, who-is-online.

    /            the web client (mud/web/static), no build step
    /ws          the game WebSocket (protocols/websocket.py)
    /api/who     JSON list of who is in the world, each marked linkdead or not
    /api/admin/  the admin HTTP API, for a bearer token's holder (protocols/admin_api.py)
    /presence    a read-only WebSocket feed: a snapshot, then join/leave/linkdead/relinked

This is the only module where the web tree meets the WebSocket factories.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from autobahn.twisted.resource import WebSocketResource
from twisted.web.pages import notFound
from twisted.web.resource import Resource
from twisted.web.server import Request, Site
from twisted.web.static import File

from mud.protocols.admin_api import AdminApi
from mud.protocols.http_guard import (
    HEAD_TIMEOUT,
    GuardedChannel,
    GuardedRequest,
    security_headers,
)
from mud.protocols.keepalive import DEFAULT_KEEPALIVE, Keepalive
from mud.protocols.origins import OriginPolicy
from mud.protocols.output_buffer import Flusher
from mud.protocols.presence import PresenceFactory, encode, who_online
from mud.protocols.websocket import GameWebSocketFactory

if TYPE_CHECKING:
    from mud.game import Game

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


class StaticClient(File):
    """The client's files. (Every response's security headers come from GuardedRequest.)"""

    def getChild(self, path: bytes, request: Request) -> Any:
        # A NUL cannot name a file; asking the filesystem would raise instead of saying so.
        if b"\x00" in path:
            return notFound()
        return super().getChild(path, request)


class WhoResource(Resource):
    isLeaf = True

    def __init__(self, game: Game) -> None:
        super().__init__()
        self.game = game

    def render_GET(self, request: Request) -> bytes:
        request.setHeader(b"content-type", b"application/json; charset=utf-8")
        request.setHeader(b"cache-control", b"no-store")
        return encode(who_online(self.game))


class GameSite(Site):
    """The Site, holding the presence feed so shutdown can close it. Its requests carry the
    security headers and its connections bound their request heads (http_guard.py)."""

    protocol = GuardedChannel
    requestFactory = GuardedRequest
    presence: PresenceFactory
    admin_api: AdminApi
    security_headers: dict[bytes, bytes]
    head_timeout = HEAD_TIMEOUT

    def buildProtocol(self, addr: Any) -> Any:
        channel = super().buildProtocol(addr)
        channel.head_timeout = self.head_timeout
        return channel

    def log(self, request: Any) -> None:
        # A refusal the admin API counts itself is not also one access-log line each: a
        # flood pipelined on one connection would grow the log without bound.
        if not getattr(request, "quiet", False):
            super().log(request)


def make_site(game: Game, keepalive: Keepalive = DEFAULT_KEEPALIVE,
              output_cap: int = 256 * 1024, origins: OriginPolicy | None = None,
              flusher: Flusher | None = None) -> GameSite:
    origins = origins or OriginPolicy()
    root = StaticClient(str(STATIC))
    root.indexNames = ["index.html"]
    game_ws = GameWebSocketFactory(game, keepalive, output_cap, origins, flusher)
    root.putChild(b"ws", WebSocketResource(game_ws))
    api = Resource()
    api.putChild(b"who", WhoResource(game))
    admin_api = AdminApi(game)
    api.putChild(b"admin", admin_api)
    root.putChild(b"api", api)
    presence = PresenceFactory(game, keepalive, output_cap, origins, flusher)
    root.putChild(b"presence", WebSocketResource(presence))
    site = GameSite(root)
    site.presence = presence
    site.admin_api = admin_api
    site.security_headers = security_headers(origins)
    return site
