"""Render engine events as JSON frames for web clients (grammar: docs/protocol.md).

Each frame carries ``type``, a plain-text ``text`` rendering that simple clients can print,
and the event's structured fields. The encoded bytes are cached on the event, so a
broadcast is JSON-encoded once no matter how many web players receive it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mud.engine import events as ev
from mud.engine.grouping import ItemGroup
from mud.render.text import TextStyle, render

_STYLE = "json"
# Browsers wrap to their own width: send paragraphs unwrapped, without colour.
UNWRAPPED = TextStyle(colour=False, width=1_000_000)
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _items(groups: tuple[ItemGroup, ...]) -> list[dict[str, Any]]:
    # Identical things once: the singular name, how many, and how the group reads.
    return [{"name": g.name, "count": g.count, "label": g.label} for g in groups]


def _room(e: ev.RoomView) -> dict[str, Any]:
    return {"id": e.id, "num": e.num, "name": e.name, "area": e.area,
            "area_name": e.area_name, "environment": e.environment,
            "description": e.description, "exits": list(e.exits),
            "exit_nums": dict(zip(e.exits, e.exit_nums, strict=False)),
            "characters": list(e.characters), "linkdead": list(e.linkdead),
            "npcs": list(e.npcs), "items": _items(e.items),
            "doors": {x: {"name": n, "closed": c, "locked": lk}
                      for x, (n, c, lk) in e.doors.items()}}


def who_players(e: ev.WhoList) -> list[dict[str, Any]]:
    """The players of a who list as JSON objects (the ``who`` event, ``/api/who``): an
    ``afk`` message on those away; players of other realms after them, with their
    ``realm`` and no idle time (null)."""
    dead = set(e.linkdead)
    away = e.away
    players: list[dict[str, Any]] = []
    for n, i, v in e.players:
        player: dict[str, Any] = {"name": n, "idle": i, "via": v, "linkdead": n in dead}
        if n in away:
            player["afk"] = away[n]
        players.append(player)
    for n, v, realm, linkdead, afk in e.others:
        player = {"name": n, "idle": None, "via": v, "linkdead": linkdead, "realm": realm}
        if afk is not None:
            player["afk"] = afk
        players.append(player)
    return players


FIELDS: dict[type, Callable[[Any], dict[str, Any]]] = {
    ev.RoomView: _room,
    ev.Say: lambda e: {"from": e.speaker, "message": e.text, "own": e.own},
    ev.Emote: lambda e: {"from": e.actor, "message": e.text},
    ev.Tell: lambda e: {"from": e.sender, "to": e.recipient, "message": e.text, "own": e.own,
                        "realm": e.realm},
    ev.Arrive: lambda e: {"name": e.name, "phrase": e.phrase, "npc": e.npc},
    ev.Depart: lambda e: {"name": e.name, "phrase": e.phrase, "npc": e.npc},
    ev.LinkChange: lambda e: {"name": e.name, "linkdead": e.linkdead},
    ev.ItemAction: lambda e: {"actor": e.actor, "verb": e.verb, "item": e.item,
                              "target": e.target, "own": e.own},
    ev.WhoList: lambda e: {"players": who_players(e)},
    ev.Inventory: lambda e: {"items": _items(e.items)},
    ev.Examine: lambda e: {"what": e.what, "name": e.name, "description": e.description,
                           "details": list(e.details)},
    ev.ExitList: lambda e: {"exits": [{"name": n, "to": t} for n, t in e.exits]},
    ev.HelpText: lambda e: {"topic": e.topic, "topics": list(e.topics)},
    ev.Error: lambda e: {"code": "refused", "message": e.text},
    ev.Goodbye: lambda e: {"reason": e.reason},
}


def register(event_type: type[ev.Event], fields: Callable[[Any], dict[str, Any]]) -> None:
    """A system's event on the web: ``fields(event)`` gives its JSON fields (the frame's
    ``type`` is the event's ``kind``, and ``text`` its plain rendering, as for every event).
    Documented for clients in docs/protocol.md."""
    known = FIELDS.get(event_type)
    if known is not None and known is not fields:
        raise ValueError(f"{event_type.__name__} has JSON fields already")
    FIELDS[event_type] = fields


def frame(kind: str, **fields: Any) -> bytes:
    """A protocol frame that is not a game event (``login_ok``, ``error``, ``pong``...)."""
    return _encode({"type": kind, **fields}).encode("utf-8", "replace")


def error_frame(code: str, message: str) -> bytes:
    return frame("error", code=code, message=message, text=message)


def render_json(event: ev.Event) -> bytes:
    """The event as one UTF-8 JSON frame, encoded once and cached on the event."""
    wire = event.wire
    if wire is None:
        wire = event.wire = {}
    data = wire.get(_STYLE)
    if data is None:
        fields = FIELDS.get(type(event))
        body: dict[str, Any] = {"type": event.kind}
        if fields is not None:
            body.update(fields(event))
        if event.silent:
            # State for the page to show (bars, panels), not a line for its log.
            body["silent"] = True
        body["text"] = render(event, UNWRAPPED)
        data = wire[_STYLE] = _encode(body).encode("utf-8", "replace")
    return data  # type: ignore[return-value]
