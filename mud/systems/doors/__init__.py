"""Doors: exits that open, close, lock and unlock, shared by the rooms on both sides.

``install()`` (called once by mud.systems.install_all) registers everything it brings:

- the ``door:`` key on an exit's long form in the world's YAML (``name``, ``closed``,
  ``locked``, ``key``, ``hidden``: a secret way, unseen from its side while shut),
  checked at load with file:line like every other key. The exit back from the other room
  (the one leading back here) gets the same door, so both sides agree;
- ``open``, ``close``, ``lock`` and ``unlock`` in the player command set (a door's name or
  its exit's direction); ``unlock``/``lock`` need the key carried;
- the ``door`` event (who did what to which door), with text and JSON renderings, seen by
  everyone in both rooms;
- world state ``doors``: each door's state, by door id, saved through the save queue so a
  door opened stays open across restarts;
- a part in each area's reset (mud/systems/resets): the doors declared in the area's rooms
  go back to their YAML state, seen on both sides ("The trapdoor swings shut.").

The engine knows only ``Exit.door`` (anything with name, closed and locked): a closed door
stops ``go``, wandering NPCs (``actions.passable``) and ``look <direction>``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from mud.commands.registry import COMMANDS, Context
from mud.engine import directions, matching
from mud.engine.actions import Refusal, find_exit
from mud.engine.events import Event
from mud.engine.model import Character, Exit, Room
from mud.engine.world import World
from mud.world_schema import Context as Where
from mud.world_yaml import shown

STATE_NAME = "doors"
DOOR_KEYS = ("name", "closed", "locked", "key", "hidden")
VERBS = ("open", "close", "lock", "unlock")


@dataclass(frozen=True)
class DoorSpec:
    """A door as the YAML declares it (its starting state)."""

    name: str
    closed: bool
    locked: bool
    key: str | None
    # A secret way: while shut, the side declaring it shows no exit and no door there, so
    # nobody opens it by hand (an NPC's ``accept ... opens`` does); the far side is an
    # ordinary door, so nobody is ever shut in.
    hidden: bool = False


class Door:
    """One door, hung in the exits on both its sides. Its state lives in world.state
    (read each time: the saved state is restored into the world after attaching)."""

    __slots__ = ("hides", "id", "key", "name", "rooms", "spec", "world")

    def __init__(self, door_id: str, spec: DoorSpec, world: World, rooms: tuple[Room, ...]):
        self.id = door_id
        self.spec = spec
        self.name = spec.name
        self.key = spec.key
        self.world = world
        self.rooms = rooms
        # The exit this door hides while shut (a hidden door's declaring side), or None;
        # read by the engine's ``Exit.hidden``.
        self.hides: Exit | None = None

    def _state(self) -> dict[str, bool]:
        saved = self.world.state.get(STATE_NAME)
        got = saved.get(self.id) if isinstance(saved, dict) else None
        return got if isinstance(got, dict) else {"closed": self.spec.closed,
                                                  "locked": self.spec.locked}

    @property
    def closed(self) -> bool:
        return bool(self._state().get("closed", self.spec.closed))

    @property
    def locked(self) -> bool:
        return bool(self._state().get("locked", self.spec.locked))

    def set(self, closed: bool, locked: bool) -> None:
        """Change the door's state and mark it for saving."""
        doors = self.world.state.setdefault(STATE_NAME, {})
        doors[self.id] = {"closed": closed, "locked": locked}
        self.world.changed_state(STATE_NAME)

    def reset(self) -> bool:
        """Back to the state the YAML declares (for an area's reset); True if it changed."""
        if (self.closed, self.locked) == (self.spec.closed, self.spec.locked):
            return False
        self.set(self.spec.closed, self.spec.locked)
        return True


class DoorAction(Event):
    """Someone opened, closed, locked or unlocked a door (``own``: the actor's copy). No
    ``actor``: the world did it (an area's reset putting the door back)."""

    __slots__ = ("actor", "door", "own", "verb")
    kind = "door"

    def __init__(self, actor: str, verb: str, door: str, own: bool = False) -> None:
        super().__init__()
        self.actor = actor
        self.verb = verb
        self.door = door
        self.own = own


# -- finding and acting on doors ----------------------------------------------------------------


def find_door(room: Room, query: str) -> Exit:
    """The exit whose door ``query`` names (a direction, exit name or the door's name)."""
    query = query.strip().lower()
    if query.startswith("the "):
        query = query[4:]
    if not query:
        raise Refusal("Which door? Name it or its direction, for example: open north")
    exit_ = find_exit(room, query)
    if exit_ is None:
        doors = [e for e in room.exits.values() if e.door is not None and not e.hidden]
        exit_ = matching.find(query, [_Named(e) for e in doors])
        exit_ = exit_.exit if exit_ is not None else None
    if exit_ is None:
        raise Refusal(f"You see no door '{query[:30]}' here. Type 'look' to see the exits.")
    if exit_.door is None:
        raise Refusal(f"There is no door {_way(exit_)}, only an open way.")
    return exit_


class _Named:
    # matching.find looks at name and keywords; a door is found by its words.
    __slots__ = ("exit", "keywords", "name")

    def __init__(self, exit_: Exit) -> None:
        self.exit = exit_
        self.name = exit_.door.name
        self.keywords = tuple(exit_.door.name.lower().split())


def _way(exit_: Exit) -> str:
    return exit_.name if exit_.name in directions.OPPOSITES else f"at the {exit_.name}"


def _carries_key(actor: Character, key: str | None) -> bool:
    return key is not None and any(i.template.id == key for i in actor.inventory)


def act(world: World, actor: Character, verb: str, query: str) -> None:
    """``verb`` (open, close, lock, unlock) the door ``query`` names, seen on both sides."""
    room = actor.room
    if room is None:
        raise Refusal("You are nowhere at all.")
    exit_ = find_door(room, query)
    door: Door = exit_.door
    closed, locked = door.closed, door.locked
    name = door.name
    if verb == "open":
        if not closed:
            raise Refusal(f"The {name} is already open.")
        if locked:
            raise Refusal(f"The {name} is locked. Type 'unlock {exit_.name}' with its key "
                          "in your pack.")
        door.set(False, False)
    elif verb == "close":
        if closed:
            raise Refusal(f"The {name} is already closed.")
        door.set(True, False)
    elif verb == "unlock":
        if not locked:
            raise Refusal(f"The {name} is not locked." +
                          (f" Type 'open {exit_.name}'." if closed else ""))
        if not _carries_key(actor, door.key):
            raise Refusal(f"You do not carry the key to the {name}. Find it, pick it up "
                          f"(get), and try again." if door.key else
                          f"The {name} has no keyhole; it cannot be unlocked from here.")
        door.set(True, False)
    elif verb == "lock":
        if locked:
            raise Refusal(f"The {name} is already locked.")
        if door.key is None:
            raise Refusal(f"The {name} has no lock.")
        if not closed:
            raise Refusal(f"The {name} is open. Type 'close {exit_.name}' first.")
        if not _carries_key(actor, door.key):
            raise Refusal(f"You do not carry the key to the {name}.")
        door.set(True, True)
    actor.send(DoorAction(actor.name, verb, name, own=True))
    seen = DoorAction(actor.name, verb, name)
    for side in door.rooms:
        world.tell_room(side, seen, exclude=actor)


def open_(ctx: Context, args: str) -> None:
    """open <door|direction>

    Open a closed door. Example: open trapdoor
    """
    act(ctx.world, ctx.actor, "open", args)


def close(ctx: Context, args: str) -> None:
    """close <door|direction>

    Close an open door; a closed door blocks the way and the view. Example: close north
    """
    act(ctx.world, ctx.actor, "close", args)


def lock(ctx: Context, args: str) -> None:
    """lock <door|direction>

    Lock a closed door with its key, which you must carry. Example: lock gate
    """
    act(ctx.world, ctx.actor, "lock", args)


def unlock(ctx: Context, args: str) -> None:
    """unlock <door|direction>

    Unlock a locked door with its key, which you must carry. Example: unlock north
    """
    act(ctx.world, ctx.actor, "unlock", args)


# -- the world's YAML: door: on an exit ---------------------------------------------------------


def check_door(ctx: Where, value: Any, line: int | None, lookup: Any) -> DoorSpec | None:
    """``door:`` is a mapping: name (text), closed/locked (true/false), key (an item id)."""
    here = ctx.at(ctx.entry, line)
    if not isinstance(value, dict):
        here.error(f"'door' must be a mapping (door: {{name: oak door, closed: true}}), not "
                   f"{shown(value)}")
        return None
    for word in value:
        if word not in DOOR_KEYS:
            here.error(f"door key {shown(word)} is not known (known: {', '.join(DOOR_KEYS)})",
                       value.line_of(word) if hasattr(value, "line_of") else line)
    name = value.get("name", "door")
    if not isinstance(name, str) or not name.strip():
        here.error(f"door 'name' must be text (name: oak door), not {shown(name)}")
        name = "door"
    flags = {}
    for flag in ("closed", "locked", "hidden"):
        got = value.get(flag, False)
        if not isinstance(got, bool):
            here.error(f"door '{flag}' must be true or false, not {shown(got)}")
            got = False
        flags[flag] = got
    key = value.get("key")
    if key is not None:
        # An unknown item is an error, with a "did you mean" (nobody could ever unlock it).
        key = lookup.item(here, key, line, "door 'key'")
    if flags["locked"] and not flags["closed"]:
        here.error("a door cannot start locked and open: add closed: true")
    if flags["locked"] and "key" not in value:
        here.error("a locked door needs a key (key: village:key), or nobody can open it")
    if flags["hidden"] and not flags["closed"]:
        here.error("a hidden door starts shut (hidden while shut): add closed: true")
    if flags["hidden"] and flags["locked"]:
        here.error("a hidden door cannot be locked: nobody could find its keyhole")
    if flags["hidden"]:
        _check_way_out(here, line, lookup)
    return DoorSpec(name.strip().lower(), flags["closed"], flags["locked"], key,
                    flags["hidden"])


def _check_way_out(here: Where, line: int | None, lookup: Any) -> None:
    # A hidden door is unseen and unopenable from its declaring room while shut: if that
    # room has no other way out, a reset shutting the door traps whoever is inside.
    room_id, _, exit_name = getattr(lookup, "entity", "").partition(" ")
    room = lookup.room(here, room_id, line, "door") if room_id else None
    if room is None:
        return
    doors = lookup.written("exit", "door")

    def hidden(name: str) -> bool:
        value = doors.get(f"{room.id} {name}")
        return isinstance(value, dict) and value.get("hidden") is True

    if not any(name != exit_name and not hidden(name) for name in room.exits):
        here.error(f"a hidden door cannot be the only way out of {room.id}: shut (a reset "
                   "shuts it), nobody inside could see or open it. Give the room another "
                   "exit, or declare the door on the other side")


def reset_doors(world: World, area: str, rooms: list[Room]) -> int:
    """An area's reset puts the doors declared in its rooms back as the YAML has them;
    both sides see each one that moves. Returns how many moved."""
    moved = 0
    for room in rooms:
        for exit_ in room.exits.values():
            door = exit_.door
            # A door belongs to the area of the room that declares it (its first room).
            if door is None or door.rooms[0] is not room or not door.reset():
                continue
            moved += 1
            verb = "lock" if door.locked else "close" if door.closed else "open"
            seen = DoorAction("", verb, door.name)
            for side in door.rooms:
                world.tell_room(side, seen)
    return moved


def _join_resets(world: World) -> None:
    from mud.systems.resets import resets_of

    resets_of(world).join("doors", listener=functools.partial(reset_doors, world))


def attach_door(world: World, where: tuple[Room, Exit], spec: DoorSpec | None) -> None:
    room, exit_ = where
    if spec is None:
        return
    _join_resets(world)
    if exit_.door is not None:
        # The other side declared this door too and was attached first: one door, its
        # declaration wins (worlds/README.md says so).
        return
    back = [e for e in exit_.target.exits.values() if e.target is room]
    reverse = [e for e in back if e.door is None]
    opposite = directions.OPPOSITES.get(exit_.name)
    # The way back: the opposite direction, else an exit of the same name, else the only one.
    pick = next((e for e in reverse if e.name == opposite), None) or \
        next((e for e in reverse if e.name == exit_.name), None) or \
        (reverse[0] if len(reverse) == 1 else None)
    rooms = (room, exit_.target) if pick is not None else (room,)
    door = Door(f"{room.id} {exit_.name}", spec, world, rooms)
    exit_.door = door
    if spec.hidden:
        door.hides = exit_
    if pick is not None:
        pick.door = door


# -- how the event looks --------------------------------------------------------------------------

_PAST = {"open": "opens", "close": "closes", "lock": "locks", "unlock": "unlocks"}


_BY_ITSELF = {"open": "swings open", "close": "swings shut", "lock": "swings shut and locks",
              "unlock": "unlocks"}


def _door_text(e: DoorAction, p: Any) -> str:
    if not e.actor:
        return p("notice", f"The {e.door} {_BY_ITSELF[e.verb]}.")
    who = "You" if e.own else e.actor
    verb = e.verb if e.own else _PAST[e.verb]
    return p("notice", f"{who} {verb} the {e.door}.")


def _door_json(e: DoorAction) -> dict[str, Any]:
    return {"actor": e.actor, "verb": e.verb, "door": e.door, "own": e.own}


def install() -> None:
    """Register the door key, the four commands, the event's looks and the world state."""
    from mud import world_keys
    from mud.engine.state import STATE
    from mud.render import json_events, text

    world_keys.register_key("door", ("exit",), check_door, attach_door)
    STATE.declare_world(STATE_NAME, dict)
    for verb, handler in (("open", open_), ("close", close), ("lock", lock),
                          ("unlock", unlock)):
        if verb not in COMMANDS.commands:
            COMMANDS.register(verb, family="movement")(handler)
    text.register(DoorAction, _door_text)
    json_events.register(DoorAction, _door_json)
