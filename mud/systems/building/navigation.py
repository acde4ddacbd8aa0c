"""Builders finding their way: ``goto`` a room, ``where`` is a room, item, NPC or player.

Neither changes the world's files: goto moves only the builder (seen vanishing and
appearing), where only looks things up.
"""

from __future__ import annotations

from typing import Any

from mud.commands.registry import Context
from mud.engine import hooks
from mud.engine.actions import Refusal, look
from mud.engine.events import Arrive, Depart, Message
from mud.engine.model import Room
from mud.world_refs import qualified

# Matches ``where`` shows at most.
MAX_WHERE = 20


def find_room(ctx: Context, ref: str) -> Room:
    """The room ``ref`` names: area:id, or an id in the builder's area, or one whose id is
    unique among all areas."""
    ref = ref.strip().lower()
    world = ctx.world
    if ":" in ref:
        found = world.rooms.get(ref)
    else:
        room = ctx.actor.room
        found = world.rooms.get(f"{room.area}:{ref}") if room is not None else None
        if found is None:
            matches = [r for rid, r in world.rooms.items() if rid.endswith(f":{ref}")]
            if len(matches) > 1:
                raise Refusal(f"Several rooms are called {ref}: "
                              f"{', '.join(sorted(r.id for r in matches)[:5])}. "
                              "Write it as area:id.")
            found = matches[0] if matches else None
    if found is None:
        raise Refusal(f"There is no room {ref!r}. Type 'where <id>' to look one up.")
    return found



def goto(ctx: Context, args: str) -> None:
    """goto <room id>

    Go straight to a room (area:id, or an id in this area).
    """
    if not args.strip():
        raise Refusal("Usage: goto <room id>, for example: goto village:square")
    target = find_room(ctx, args.split()[0])
    actor, world = ctx.actor, ctx.world
    room = actor.room
    if room is target:
        raise Refusal("You are there already.")
    if room is not None:
        world.tell_room(room, Depart(actor.name, "vanishes"), exclude=actor)
        world.hooks.emit(hooks.LEAVE, who=actor, room=room, to=target)
    world.move(actor, target)
    world.tell_room(target, Arrive(actor.name, "appears out of thin air"), exclude=actor)
    look(world, actor)
    world.hooks.emit(hooks.ENTER, who=actor, room=target, came_from=room)


def where(ctx: Context, args: str) -> None:
    """where <id or name>

    Find a room, an item, an NPC or a player: a room id says which room it is; an item
    or NPC id (area:id, or an id in this area) says where each copy is; a player's name
    says where they stand.
    """
    ref = args.strip().lower()
    if not ref:
        raise Refusal("Usage: where <id or name>, for example: where village:cat")
    world = ctx.world
    room = ctx.actor.room
    full = qualified(ref, room.area) if room is not None else ref
    lines: list[str] = []
    for rid in dict.fromkeys((full, ref)):
        if rid in world.rooms:
            found = world.rooms[rid]
            area = world.area_names.get(found.area, found.area)
            count = len(found.characters)
            lines.append(f"Room {found.id}: {found.name} (in {area}), {count} "
                         f"player{'' if count == 1 else 's'} here, exits: "
                         f"{', '.join(found.exits) or 'none'}.")
    for npc in world.npcs:
        if npc.id in (full, ref) and len(lines) < MAX_WHERE:
            at = npc.room.id if npc.room is not None else "nowhere"
            lines.append(f"NPC {npc.id} ({npc.name}) is in {at}.")
    if full in world.templates or ref in world.templates:
        tid = full if full in world.templates else ref
        copies = [item for item in world.items.values() if item.template.id == tid]
        lines.append(f"Item {tid} ({world.templates[tid].name}): {len(copies)} in the world.")
        for item in copies[:MAX_WHERE]:
            lines.append(f"  {item.id} is {_place(item)}.")
    player = world.find_online(ref)
    if player is not None and player.room is not None:
        lines.append(f"{player.name} is in {player.room.id} ({player.room.name}).")
    if not lines:
        raise Refusal(f"Nothing is called {ref!r}: no room, item, NPC or player online.")
    ctx.send(Message("\n".join(lines)))


def _place(item: Any) -> str:
    where_ = item.location
    if where_ is None:
        return "nowhere"
    if isinstance(where_, Room):
        return f"in {where_.id}"
    name = getattr(where_, "name", "?")
    return f"in {name}'s hands" if not hasattr(where_, "template") else f"inside {where_.id}"
