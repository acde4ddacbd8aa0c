"""``/presence``: a read-only WebSocket feed of who is online.

On connect a ``snapshot`` of everyone in the world (each with ``linkdead``), then a
``join`` or ``leave`` frame as characters enter and leave the world, ``linkdead`` when a
character's connection dies (the body stays, waiting) and ``relinked`` when its player
takes it back (or a connection of another kind takes the body over); ``afk`` (with the
player's ``afk`` message, "" for none) when a player marks themselves away and ``back``
when they return. On a server linked to other realms, the snapshot lists their players
too, each with its ``realm``, and the same frames follow for them with a ``realm``
field (mud/cluster/directory.py tells the feed). Each change is
encoded and framed once for every listener, and written through each listener's bounded
output buffer, so a listener that stops reading is dropped at its cap instead of piling
frames up.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mud.bans import address_ban, refusal
from mud.engine import actions, tells
from mud.protocols.buffered_websocket import (
    BufferedWebSocket,
    BufferedWebSocketFactory,
    text_frame,
)
from mud.protocols.keepalive import DEFAULT_KEEPALIVE, Keepalive
from mud.protocols.origins import OriginPolicy
from mud.protocols.output_buffer import DEFAULT_CAP, Flusher
from mud.render.json_events import who_players

if TYPE_CHECKING:
    from mud.game import Game

MAX_INCOMING = 4096


def encode(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def who_online(game: Game) -> list[dict[str, Any]]:
    """Everyone in the world: name, idle seconds, how they are (or were last) connected,
    and whether their connection died (``linkdead``: the body waits for its player)."""
    return who_players(actions.who_list(game.world))


class PresenceProtocol(BufferedWebSocket):
    factory: PresenceFactory

    def onOpen(self) -> None:
        super().onOpen()
        ban = address_ban(self.factory.game, str(getattr(self.transport.getPeer(), "host", "")),
                          "presence")
        if ban is not None:
            self.send_frame(text_frame(encode({"type": "error", "code": "banned",
                                               "message": refusal(ban, "Your address")})))
            self.sendClose(code=1000)
            return
        players = [{k: p[k] for k in ("name", "via", "linkdead", "realm", "afk") if k in p}
                   for p in who_online(self.factory.game)]
        self.send_frame(text_frame(encode({"type": "snapshot", "players": players})))
        self.factory.listeners.add(self)

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        """Read-only feed: whatever a client sends is ignored."""

    def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:
        super().onClose(wasClean, code, reason)
        self.factory.listeners.discard(self)


class PresenceFactory(BufferedWebSocketFactory):
    protocol = PresenceProtocol

    def __init__(self, game: Game, keepalive: Keepalive = DEFAULT_KEEPALIVE,
                 output_cap: int = DEFAULT_CAP, origins: OriginPolicy | None = None,
                 flusher: Flusher | None = None) -> None:
        super().__init__(keepalive, output_cap, origins, MAX_INCOMING, flusher)
        self.game = game
        self.listeners: set[PresenceProtocol] = set()
        game.presence.append(self.changed)
        tells.of(game.world).watchers.append(self.away_changed)
        # Other realms' players (a list the realms directory tells, when there is one).
        game.world.parts.setdefault(tells.REMOTE_PRESENCE, []).append(self.remote_changed)

    def close_all(self) -> None:
        """At shutdown: close every presence feed cleanly."""
        for listener in list(self.listeners):
            listener.sendClose(code=1000, reason="server shutting down")
        self.listeners.clear()

    def changed(self, what: str, name: str, via: str) -> None:
        """``what`` is join, leave, linkdead or relinked (game.Game.presence)."""
        body = {"type": what, "name": name}
        if what in ("join", "relinked"):
            body["via"] = via
        self._send(body)

    def away_changed(self, character: Any, message: str | None) -> None:
        """A player here marked away (``message``) or back (None)."""
        self._send({"type": "afk", "name": character.name, "afk": message}
                   if message is not None else {"type": "back", "name": character.name})

    def remote_changed(self, what: str, realm: str, name: str, fields: dict[str, Any]) -> None:
        """A player of another realm came, went, or changed (see the module)."""
        body: dict[str, Any] = {"type": what, "name": name, "realm": realm}
        if what in ("join", "relinked"):
            body["via"] = fields["via"]
        if what == "join" and fields["linkdead"]:
            body["linkdead"] = True
        if what == "afk" or (what == "join" and fields["afk"] is not None):
            body["afk"] = fields["afk"]
        self._send(body)

    def _send(self, body: dict[str, Any]) -> None:
        if not self.listeners:
            return
        data = text_frame(encode(body))  # encoded and framed once for every listener
        for listener in list(self.listeners):
            listener.send_frame(data)
