"""The behaviours system: NPCs that talk, greet, answer and wander, configured in YAML.

``install()`` (called once by mud.systems.install_all) registers:

- the ``behaviours:`` key (``behaviors:`` too) on NPC entries, checked at load through
  ``base.check_entry`` and attached to each placed NPC by ``attach``;
- the behaviours themselves (``talking``: chatter, greet, respond; ``wander``; ``guard``;
  ``follow``;
  ``accept``, which claims items given to its NPC: ``give <item> to <npc>``);
- the ``ask <npc> about <topic>`` command.

Per world, one subscriber per happening (enter, say) hands it to the NPCs standing in that
room (``room.npcs``): a happening costs its own room's NPCs, never a scan of every NPC.
A new behaviour is one class with ``@behaviour(...)`` in a module imported here.
"""

from __future__ import annotations

import re
from typing import Any

from mud.engine import hooks
from mud.engine.model import NPC, Character, Room
from mud.engine.world import World
from mud.systems.behaviours import accept, follow, guard, talking, wander
from mud.systems.behaviours.base import (
    BEHAVIOURS,
    Behaviour,
    Param,
    behaviour,
    check_entry,
    owner_id,
)

__all__ = ["BEHAVIOURS", "Behaviour", "Param", "accept", "attach", "behaviour", "follow",
           "guard", "install", "talking", "wander"]


def attach(world: World, entity: Any,
           checked: list[tuple[type[Behaviour], dict[str, Any]]]) -> None:
    """Give ``entity`` (a placed NPC) its behaviours and start them."""
    if not checked:
        return
    _dispatch(world)
    _join_resets(world)
    made = tuple(cls(world, entity, options) for cls, options in checked)
    entity.behaviours = (*entity.behaviours, *made)
    if entity.room is not None:
        world._behaviours_listening.pop(entity.room.id, None)  # type: ignore[attr-defined]
    for one in made:
        one.start()


def _join_resets(world: World) -> None:
    """Once per world: an NPC a reset brings back (mud/systems/resets) gets the behaviours
    the NPC it replaces was loaded with, started afresh."""
    from mud.systems.resets import resets_of

    def again(old: NPC, new: NPC) -> None:
        attach(world, new, [(type(one), one.options) for one in old.behaviours])

    resets_of(world).join("behaviours", respawner=again)


def _dispatch(world: World) -> None:
    """Subscribe, once per world, the handlers that pass happenings to a room's NPCs."""
    if getattr(world, "_behaviours_dispatch", False):
        return
    world._behaviours_dispatch = True  # type: ignore[attr-defined]

    def entered(who: Character | NPC, room: Room, came_from: Room | None = None,
                **_: Any) -> None:
        for npc in tuple(room.npcs):
            if npc is not who:
                for one in npc.behaviours:
                    _safely(world, one, one.on_enter, who, came_from)

    # Room id -> (the first word of each keyword its NPCs listen for -> those behaviours,
    # one pattern finding those words as whole words). Built when first needed, dropped
    # when an NPC comes or goes: a say in a room of 50 listening NPCs costs one regular
    # expression pass over the line, not 50 keyword searches (nor normalising the line).
    listening: dict[str, tuple[dict[str, list[Behaviour]], re.Pattern[str] | None]] = {}
    world._behaviours_listening = listening  # type: ignore[attr-defined]

    def index(room: Room) -> tuple[dict[str, list[Behaviour]], re.Pattern[str] | None]:
        found: dict[str, list[Behaviour]] = {}
        for npc in room.npcs:
            for one in npc.behaviours:
                for word in one.listens_for():
                    found.setdefault(word, []).append(one)
        # A word as normalised() splits a line: a run of letters, digits, _, ' and -.
        longest_first = sorted(found, key=len, reverse=True)
        pattern = re.compile(r"(?<![\w'-])(?:" + "|".join(map(re.escape, longest_first))
                             + r")(?![\w'-])") if found else None
        listening[room.id] = (found, pattern)
        return found, pattern

    def said(speaker: Any, room: Room, text: str, **_: Any) -> None:
        if not isinstance(speaker, Character):
            return  # NPCs do not answer each other: no echo chambers
        entry = listening.get(room.id)
        heard, pattern = entry if entry is not None else index(room)
        if pattern is None:
            return
        words = pattern.findall(text.lower())
        if not words:
            return
        called: list[Behaviour] = []
        for word in dict.fromkeys(words):
            called.extend(one for one in heard[word] if one not in called)
        for one in sorted(called, key=lambda b: room.npcs.index(b.owner)):
            _safely(world, one, one.on_say, speaker, text)

    def moved(who: Any, room: Room, **_: Any) -> None:
        if isinstance(who, NPC):
            listening.pop(room.id, None)

    def changed_area(who: Any, room: Room, came_from: Room | None = None, **_: Any) -> None:
        # Every timer the NPC owns (chatter, wander, any repeating behaviour) follows it into
        # the new area's group with the time it had left, asleep or awake as that area is.
        if isinstance(who, NPC) and came_from is not None and came_from.area != room.area:
            scheduler = world.scheduler
            for timer in scheduler.owned(owner_id(who)):
                if timer.group == came_from.area:
                    scheduler.regroup(timer, room.area)

    def offered(giver: Any, item: Any, receiver: Any, **_: Any) -> Any:
        # A give to an NPC: the first of its behaviours that wants the item claims it.
        if isinstance(receiver, NPC):
            for one in receiver.behaviours:
                # A broken behaviour is reported with its NPC's id and does not claim:
                # the NPC's other behaviours still get their turn.
                taken = _safely(world, one, one.on_give, giver, item)
                if taken is not None:
                    return taken
        return None

    world.hooks.claim_with(hooks.GIVE, offered, owner="behaviours")
    # Followers first: a player walking on from an NPC's room takes its follower along
    # before the room they reach reacts to them.
    world.hooks.on(hooks.ENTER, lambda who, room, came_from=None, **_:
                   follow.on_player_enter(world, who, room, came_from))
    world.hooks.on(hooks.LOGOUT, lambda who, **_: follow.on_player_logout(world, who))
    world.hooks.on(hooks.ENTER, entered)
    world.hooks.on(hooks.ENTER, moved)
    world.hooks.on(hooks.ENTER, changed_area)
    world.hooks.on(hooks.LEAVE, moved)
    world.hooks.on(hooks.SAY, said)


def _safely(world: World, one: Behaviour, method: Any, *args: Any) -> Any:
    # One NPC's broken behaviour must not keep the others in the room from reacting.
    # Returns what the method returned, None if it failed.
    try:
        return method(*args)
    except Exception as exc:
        world.hooks.report(one.owner_id, f"behaviour {one.name!r}", exc)
        return None


def install() -> None:
    """Register the behaviours key and the ask command."""
    from mud import world_keys
    from mud.systems.behaviours import ask

    accept.declare_state()
    world_keys.register_key("behaviours", ("npc",), check_entry("npc"), attach,
                            aliases=("behaviors",))
    ask.register()
