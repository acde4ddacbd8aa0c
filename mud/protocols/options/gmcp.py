"""GMCP: JSON messages over telnet (``IAC SB 201 Package.Name {json} IAC SE``).

Clients announce the packages they want with ``Core.Supports.Set/Add/Remove`` (names in
any case, each with a version); only those are sent. Game messages are made from the same
engine events the WebSocket's JSON comes from, encoded once per event and shared by every
GMCP client that wants them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from twisted.logger import Logger

from mud.engine import events as ev
from mud.engine.directions import SHORT
from mud.protocols import bounded_json
from mud.protocols.options.codes import GMCP, subnegotiation
from mud.render.text import PLAIN, render

log = Logger()

MAX_PACKAGES = 64
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_CACHE = "gmcp"


def parse(payload: bytes, peer: object = "?") -> tuple[str, Any] | None:
    """(package, data) from a GMCP subnegotiation, or None when it is not one. Bad JSON
    gives data None; the package name is kept as sent. JSON nested deeper than
    ``bounded_json.MAX_DEPTH`` is not decoded at all: the message is ignored (None), with a
    line in the log, and the connection carries on."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None
    package, _, body = text.strip().partition(" ")
    if not package:
        return None
    if not body.strip():
        return package, None
    try:
        return package, bounded_json.loads(body)
    except bounded_json.TooDeep as deep:
        log.info("ignored a GMCP {package!r} message from {peer}: its {why}",
                 package=package[:40], peer=peer, why=deep)
        return None
    except ValueError:
        return package, None


def message(package: str, data: Any) -> bytes:
    """One GMCP message, ready for the wire."""
    return subnegotiation(GMCP, f"{package} {_encode(data)}".encode("utf-8", "replace"))


class Supports:
    """The packages one client asked for (lower-case name -> version)."""

    __slots__ = ("modules",)

    def __init__(self) -> None:
        self.modules: dict[str, int] = {}

    def handle(self, package: str, data: Any) -> bool:
        """Apply a ``Core.Supports.*`` message; False if ``package`` is not one."""
        verb = package.lower()
        if verb not in ("core.supports.set", "core.supports.add", "core.supports.remove"):
            return False
        if verb == "core.supports.set":
            self.modules = {}
        for entry in data if isinstance(data, list) else []:
            if not isinstance(entry, str):
                continue
            name, _, version = entry.strip().partition(" ")
            name = name.lower()
            if not name:
                continue
            if verb == "core.supports.remove":
                self.modules.pop(name, None)
            elif len(self.modules) < MAX_PACKAGES or name in self.modules:
                version = version.strip()
                ok = version.isascii() and version.isdigit() and len(version) < 10
                self.modules[name] = int(version) if ok else 1
        return True

    def wants(self, package: str) -> bool:
        """Whether the client asked for ``package`` or a package above it."""
        name = package.lower()
        while name:
            if name in self.modules:
                return True
            name = name.rpartition(".")[0]
        return False


def _room(e: ev.RoomView) -> list[tuple[str, Any]]:
    dead = set(e.linkdead)
    return [
        ("Room.Info", {"num": e.num, "name": e.name, "area": e.area_name,
                       "environment": e.environment,
                       # Mappers read short directions (n, ne, u); named exits stay as named.
                       "exits": {SHORT.get(x, x): n
                                 for x, n in zip(e.exits, e.exit_nums, strict=False)},
                       # Beside exits, so mappers reading exits as {dir: num} keep working;
                       # 1 open door, 2 closed, 3 locked (Mudlet's setDoor values).
                       "doors": {SHORT.get(x, x): 3 if lk else 2 if c else 1
                                 for x, (_, c, lk) in e.doors.items()}}),
        # The name stays the bare name (scripts match on it); the status is a field of its own.
        ("Room.Players", [{"name": n, "fullname": n, "linkdead": n in dead}
                          for n in e.characters]),
    ]


def _channel(channel: str, talker: Callable[[Any], str]) -> Callable[[Any], list[Any]]:
    return lambda e: [("Comm.Channel.Text", {"channel": channel, "talker": talker(e),
                                             "text": render(e, PLAIN)})]


MESSAGES: dict[type, Callable[[Any], list[tuple[str, Any]]]] = {
    ev.RoomView: _room,
    # Room.Players lists players: an NPC walking in or out is not one.
    ev.Arrive: lambda e: [] if e.npc else [("Room.AddPlayer", {"name": e.name,
                                                               "fullname": e.name})],
    ev.Depart: lambda e: [] if e.npc else [("Room.RemovePlayer", e.name)],
    # Adding a name already in the room's list replaces its entry: the status changes.
    ev.LinkChange: lambda e: [("Room.AddPlayer", {"name": e.name, "fullname": e.name,
                                                  "linkdead": e.linkdead})],
    ev.Say: _channel("say", lambda e: e.speaker),
    ev.Emote: _channel("emote", lambda e: e.actor),
    ev.Tell: _channel("tell", lambda e: e.sender),
}


# Packages a client sends to ask a system for something (``Comm.Channel.List``), in lower
# case: a system adds its own with ``answer``; each reaches the session as a request.
ANSWERED: set[str] = set()


def answer(package: str) -> None:
    """Hand the client's ``package`` messages to the game as requests of that name."""
    ANSWERED.add(package.lower())


def register(event_type: type[ev.Event],
             messages: Callable[[Any], list[tuple[str, Any]]]) -> None:
    """The GMCP messages a system's event makes: ``messages(event)`` gives (package, data)
    pairs; each goes only to clients that asked for its package."""
    known = MESSAGES.get(event_type)
    if known is not None and known is not messages:
        raise ValueError(f"{event_type.__name__} has GMCP messages already")
    MESSAGES[event_type] = messages


def for_event(event: ev.Event) -> list[tuple[str, bytes]]:
    """The GMCP messages an event makes, as (package, wire bytes), built once per event."""
    if type(event) not in MESSAGES:
        return []
    wire = event.wire
    if wire is None:
        wire = event.wire = {}
    cached = wire.get(_CACHE)
    if cached is None:
        cached = wire[_CACHE] = [(package, message(package, data))
                                 for package, data in MESSAGES[type(event)](event)]
    return cached  # type: ignore[return-value]
