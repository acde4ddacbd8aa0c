"""Engine happenings that game systems subscribe to, without the engine knowing them.

The engine's actions emit a happening by name with plain fields; a system subscribes with
``hooks.on(name, handler)`` (every room) or ``hooks.on(name, handler, room=room_id)`` (one
room: looked up by the room's id, so a happening costs only its own room's handlers, never a
scan of every NPC). Handlers are called as ``handler(**fields)``:

=========  ============================================================================
``enter``  who (Character or NPC), room, came_from (Room: walking in through an exit;
           None: an NPC put into the world, ``World.place_npc``, a reset's respawn)
``leave``  who, room, to (Room: walking out through an exit; None: an NPC taken out of
           the world for good, ``World.remove_npc``)
``say``    speaker (Character or NPC), room, text
``give``   giver, item, receiver (Character: one player handed another an item), room
``get``    who (Character), item, room (picked up from the room: the engine's ``get``;
           or taken out of a container by the containers system, with ``container``)
``read``   who (Character), item, room (read what is written on it: emitted by the
           readables system, not the engine; a quest may start when a notice is read)
``drop``   who (Character), item, room (put down on the floor: the engine's ``drop``)
``carried`` who (Character), room: what the character holds in its hands changed, by any
           way at all (got, dropped, given, put into a container, sold, looted, taken by
           an NPC); emitted by the engine's ``transfer`` and ``consume``, after the move
``refresh`` who, room (the player's client asked again for the character's state: a
           telnet client that turned GMCP ``Char`` on after logging in); systems send their
           state events again, as they do at ``login``
``login``  who, room (a character came into the game)
``logout`` who, room (a character left the game)
=========  ============================================================================

Logging in and out fire only ``login`` and ``logout``, never ``enter`` or ``leave``: a
handler that cares about both (an area's player count) subscribes to both.

A handler that raises is reported with the entity's id (the subscriber's ``owner``, else
the id of whoever caused the happening) and the others still run.

Claims: some happenings the engine does not know how to finish itself. Giving an item to
an NPC is one: the engine has no idea who wants what. It asks ``hooks.claim(GIVE, giver=,
item=, receiver=npc, room=)``; a claimer (``hooks.claim_with(GIVE, claimer)``) answers
None (not mine) or a function to call once the engine has told everyone of the give (so
the giver reads "You give ..." before the NPC's thanks). The first claimer to answer wins;
no answer means nobody wants it and the engine refuses. A claimer that raises is reported
and counts as no answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mud.engine.scheduler import Reporter, log_failure

ENTER = "enter"
LEAVE = "leave"
SAY = "say"
GIVE = "give"
GET = "get"
READ = "read"
LOGIN = "login"
LOGOUT = "logout"
DROP = "drop"
REFRESH = "refresh"
CARRIED = "carried"
# A client asked for something by name (GMCP ``Comm.Channel.List``, lower-cased): the
# system that answers it sends its event; ``what`` names it, ``data`` is what came with it.
REQUEST = "request"
# A room made or taken away while the world runs (a builder's dig, an area reloaded):
# systems that index rooms by area keep up with it.
ROOM_ADDED = "room_added"
ROOM_REMOVED = "room_removed"
NAMES = frozenset((ENTER, LEAVE, SAY, GIVE, GET, READ, LOGIN, LOGOUT, ROOM_ADDED,
                   ROOM_REMOVED, DROP, REFRESH, CARRIED, REQUEST))

Handler = Callable[..., Any]
# What a claimer answers: how to finish the happening (called with no arguments), or None.
Claim = Callable[[], None]
# Fields naming who caused a happening, for failure reports.
_ACTORS = ("who", "speaker", "giver")


def entity_id(thing: Any) -> str:
    """A character's key, an NPC's or item's id, else its repr."""
    for attr in ("key", "id"):
        value = getattr(thing, attr, None)
        if isinstance(value, str):
            return value
    return repr(thing)


class Hooks:
    """Subscribers to engine happenings, for the whole world and per room."""

    def __init__(self, report: Reporter | None = None) -> None:
        self.report: Reporter = report or log_failure
        # Tuples, replaced on change, so a handler may unsubscribe while being called.
        self._everywhere: dict[str, tuple[tuple[Handler, str], ...]] = {}
        self._rooms: dict[tuple[str, str], tuple[tuple[Handler, str], ...]] = {}
        self._claimers: dict[str, tuple[tuple[Handler, str], ...]] = {}

    def on(self, name: str, handler: Handler, room: str | None = None,
           owner: str = "") -> Callable[[], None]:
        """Call ``handler(**fields)`` when ``name`` happens (in ``room`` only, if given).
        Returns a function that unsubscribes it."""
        if name not in NAMES:
            raise ValueError(f"no such happening {name!r} (known: {', '.join(sorted(NAMES))})")
        entry = (handler, owner)
        key: Any = name if room is None else (name, room)
        table: dict[Any, tuple[tuple[Handler, str], ...]] = \
            self._everywhere if room is None else self._rooms  # type: ignore[assignment]
        table[key] = (*table.get(key, ()), entry)

        def off() -> None:
            left = tuple(e for e in table.get(key, ()) if e is not entry)
            if left:
                table[key] = left
            else:
                table.pop(key, None)
        return off

    def emit(self, name: str, **fields: Any) -> None:
        """Tell ``name``'s subscribers, those for everywhere first, then the room's."""
        handlers = self._everywhere.get(name, ())
        room = fields.get("room")
        if room is not None and self._rooms:
            handlers = handlers + self._rooms.get((name, room.id), ())
        for handler, owner in handlers:
            try:
                handler(**fields)
            except Exception as exc:  # one broken system must not silence the others
                if not owner:
                    actor = next((fields[k] for k in _ACTORS if k in fields), None)
                    owner = entity_id(actor) if actor is not None else ""
                self.report(owner, f"{name} hook {getattr(handler, '__qualname__', handler)}",
                            exc)

    def claim_with(self, name: str, claimer: Handler, owner: str = "") -> Callable[[], None]:
        """Let ``claimer(**fields)`` answer ``claim(name, ...)``: None, or a function that
        finishes the happening. Returns a function that withdraws it."""
        if name not in NAMES:
            raise ValueError(f"no such happening {name!r} (known: {', '.join(sorted(NAMES))})")
        entry = (claimer, owner)
        self._claimers[name] = (*self._claimers.get(name, ()), entry)

        def off() -> None:
            self._claimers[name] = tuple(e for e in self._claimers.get(name, ())
                                         if e is not entry)
        return off

    def claim(self, name: str, **fields: Any) -> Claim | None:
        """The first claimer's answer to ``name`` happening with ``fields`` (None: nobody
        claims it)."""
        for claimer, owner in self._claimers.get(name, ()):
            try:
                answer = claimer(**fields)
            except Exception as exc:  # a broken claimer is as good as no answer
                self._failed(name, "claim", claimer, owner, fields, exc)
                continue
            if answer is not None:
                return answer  # type: ignore[no-any-return]
        return None

    def _failed(self, name: str, what: str, handler: Handler, owner: str,
                fields: dict[str, Any], exc: Exception) -> None:
        if not owner:
            actor = next((fields[k] for k in _ACTORS if k in fields), None)
            owner = entity_id(actor) if actor is not None else ""
        self.report(owner, f"{name} {what} {getattr(handler, '__qualname__', handler)}", exc)
