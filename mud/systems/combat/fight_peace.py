"""Peace where the world wants it: ``safe: true`` rooms and areas, and no player-versus-
player fighting unless the world's rules allow it (``combat: {pvp: true}``).

``safe`` is a YAML key on rooms (rooms.yaml) and on areas (area.yaml); a room's own
``safe: false`` makes one room of a safe area a place where fighting is allowed again.
Nobody starts a fight in a safe room and aggressive NPCs leave players there alone.

The flags are read from the world's sources (what its files say, builders' edits
included) and cached until the sources change, so an area reloaded without ``safe:`` is
no longer safe; a world built without sources (tests) keeps what the keys attached.
"""

from __future__ import annotations

import weakref
from typing import Any

from mud.engine.model import NPC, Character, Room
from mud.engine.world import World
from mud.world_schema import Context, kind
from mud.world_yaml import shown

KEY = "safe"


class Peace:
    """One world's safe rooms and areas (by id -> flag, as written)."""

    __slots__ = ("areas", "rooms", "version")

    def __init__(self) -> None:
        self.rooms: dict[str, bool] = {}
        self.areas: dict[str, bool] = {}
        # The sources' version these flags were read at (-1: not read from sources).
        self.version = -1

    def sync(self, sources: Any) -> None:
        """Read every ``safe:`` the sources hold (after a load, a reload or an edit)."""
        rooms: dict[str, bool] = {}
        areas: dict[str, bool] = {}
        for area in sources.areas():
            value = sources.file(area, "area").entries.get(KEY)
            if isinstance(value, bool):
                areas[area] = value
            for key, entry in sources.file(area, "room").entries.items():
                value = entry.get(KEY) if isinstance(entry, dict) else None
                if isinstance(value, bool):
                    rooms[f"{area}:{key}"] = value
        self.rooms, self.areas, self.version = rooms, areas, sources.version


_PEACE: weakref.WeakKeyDictionary[World, Peace] = weakref.WeakKeyDictionary()


def peace_of(world: World) -> Peace:
    found = _PEACE.get(world)
    if found is None:
        found = _PEACE[world] = Peace()
    return found


def is_safe(world: World, room: Room | None) -> bool:
    """Whether ``room`` is a place of peace (its own ``safe:``, else its area's)."""
    if room is None:
        return False
    peace = peace_of(world)
    sources = world.sources
    if sources is not None and getattr(sources, "version", -1) != peace.version:
        peace.sync(sources)
    flag = peace.rooms.get(room.id)
    return peace.areas.get(room.area, False) if flag is None else flag


SAFE_TEXT = "This is a place of peace: nobody fights here."


def refusal(world: World, attacker: Character | NPC, victim: Character | NPC) -> str | None:
    """Why ``attacker`` may not start a fight with ``victim`` here (None: it may).
    Whether either can fight at all (has vitals) is the caller's question."""
    from mud.systems.combat.rules import rules_of

    if attacker is victim:
        return "You cannot fight yourself."
    if is_safe(world, attacker.room):
        return SAFE_TEXT
    if isinstance(attacker, Character) and isinstance(victim, Character) and \
            not rules_of(world).pvp:
        return ("Players do not fight each other in this world: pick on a creature "
                "instead. Type 'consider <name>' to size one up.")
    return None


# -- the world's YAML: safe on rooms and areas ------------------------------------------------


def check_safe(ctx: Context, value: Any, line: int | None, lookup: Any) -> bool | None:
    """``safe: true`` (or false)."""
    if not isinstance(value, bool):
        ctx.error(f"'safe' must be true or false, not {kind(value)} ({shown(value)}): "
                  "write safe: true", line)
        return None
    return value


def attach_safe(world: World, entity: Any, checked: bool | None) -> None:
    from mud.systems.combat.corpses import corpses_of

    if checked is None:
        return
    corpses_of(world)  # a fighting world: the corpses' item maker, before a save's items
    peace = peace_of(world)
    if isinstance(entity, Room):
        peace.rooms[entity.id] = checked
    elif isinstance(entity, str):
        peace.areas[entity] = checked


def install() -> None:
    """Register the ``safe`` key on rooms and areas."""
    from mud import world_keys

    world_keys.register_key(KEY, ("room", "area"), check_safe, attach_safe)
