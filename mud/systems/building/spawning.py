"""Builders placing and removing things: ``spawn <id>`` and ``destroy <thing>``.

A spawned item or NPC appears in the builder's room at once and is written into that
room's ``items:`` / ``npcs:`` list in rooms.yaml, so an area save keeps it and the next
start-up loads it there; the item gets the id the loader will give it then
(``<room>/<item>#<n>``). ``destroy`` takes a thing out of the world and, when the room
lists it, one occurrence out of the list; ``destroy item|npc <id>`` removes an entry
nothing uses any more. The area's reset (mud/systems/resets) follows each list as it
changes, so what it puts back is what the files say.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from twisted.internet.defer import Deferred

from mud.audit import audit
from mud.commands.registry import BUILDER, Context
from mud.engine import matching
from mud.engine.actions import Refusal
from mud.engine.events import Arrive, Depart, Message
from mud.engine.model import NPC, Item, Room
from mud.engine.placing import placed_id
from mud.engine.world import World
from mud.player_text import clean
from mud.systems.building.edits import Change, fresh, here, local, propose, sources_of
from mud.systems.building.things import (
    KINDS,
    definition,
    names_follow,
    place_npc,
    words,
)
from mud.world_check import attach_placed_item
from mud.world_refs import qualified, written_ref
from mud.world_sources import WorldSources

LISTS = {"item": "items", "npc": "npcs"}


def _full(ref: Any, area: str) -> str:
    return qualified(str(ref), area)


def _listed(entry: dict[str, Any], kind: str) -> list[Any]:
    found = entry.get(LISTS[kind])
    return list(found) if isinstance(found, list) else []


def _capital(name: str) -> str:
    return name[:1].upper() + name[1:]


def _without(entry: dict[str, Any], kind: str, full: str, area: str) -> dict[str, Any] | None:
    """A copy of room ``entry`` with its last listing of ``full`` taken out (None: it
    lists none); a list left empty is left out."""
    listed = _listed(entry, kind)
    at = [i for i, ref in enumerate(listed) if _full(ref, area) == full]
    if not at:
        return None
    del listed[at[-1]]
    changed = dict(entry)
    if listed:
        changed[LISTS[kind]] = listed
    else:
        del changed[LISTS[kind]]
    return changed


def _taking(kind: str, full: str, area: str) -> Any:
    """What makes a room's entry without one listing of ``full``, from the entry as it is
    when checked and written (another builder's edit of the list meanwhile is kept)."""
    def make(current: Any) -> Any:
        if not isinstance(current, dict):
            return current
        changed = _without(current, kind, full, area)
        return current if changed is None else changed
    return make


def _room_entry(sources: WorldSources, room: Room) -> dict[str, Any]:
    found = sources.get(room.area, "room", local(room.id))
    if not isinstance(found, dict):
        raise Refusal(f"This room ({room.id}) is not in the world's files, so nothing can "
                      "be listed in it.")
    return found


def _done(ctx: Context, room: Room, action: str, **details: object) -> None:
    """Audit a change that needed no edit of the files (nothing to check)."""
    session = ctx.account
    audit("build", ctx.actor.name, getattr(session, "peer", ""), getattr(session, "via", ""),
          action=action, area=room.area, **details)


# -- the area's reset follows the lists -----------------------------------------------------


def _restock(world: World, room: Room, full: str, change: int) -> None:
    """The reset of ``room``'s area puts back ``change`` more (or fewer) of ``full``."""
    from mud.systems.resets import resets_of

    plan = resets_of(world).plans.get(room.area)
    if plan is None:
        return
    counts = plan.stock.setdefault(room, Counter())
    counts[full] += change
    if counts[full] <= 0:
        del counts[full]
    if not counts:
        del plan.stock[room]


def _slot_added(world: World, room: Room, npc: NPC) -> None:
    from mud.systems.resets import Slot, resets_of

    plan = resets_of(world).plans.get(room.area)
    if plan is not None:
        plan.slots.append(Slot(room, npc))


def _slot_removed(world: World, room: Room, npc: NPC) -> None:
    """The slot of ``room`` that watches ``npc`` (else one of the same NPC) is gone."""
    from mud.systems.resets import resets_of

    plan = resets_of(world).plans.get(room.area)
    if plan is None:
        return
    ours = [s for s in plan.slots if s.room is room and s.prototype.id == npc.id]
    mine = [s for s in ours if s.live is npc] or ours[-1:]
    if mine:
        plan.slots.remove(mine[0])


# -- spawn ----------------------------------------------------------------------------------


def spawn(ctx: Context, args: str) -> Deferred[None]:
    """spawn <item or npc id>

    Put a new copy of an item or NPC here (another area's as area:id; 'spawn item <id>'
    or 'spawn npc <id>' when both have that id), and list it in this room's items: or
    npcs: in rooms.yaml, so a save keeps it and the next start-up places it here (and
    the area's reset puts it back when it is gone). An NPC starts its behaviours at once.
    Example: spawn brass_lamp
    """
    usage = "Spawn what? For example: spawn brass_lamp (an item or NPC id)."
    kind, area, key, rest = definition(ctx, clean(args).strip(), usage)
    if rest:
        raise Refusal("Spawn one thing at a time: spawn <id>.")
    full = f"{area}:{key}"
    room = here(ctx)
    sources = sources_of(ctx)
    _room_entry(sources, room)  # refused here, before any check, if it has none

    def make(current: Any) -> dict[str, Any]:
        # The list as it is now: another builder's spawn meanwhile is kept.
        entry = dict(current) if isinstance(current, dict) else {}
        entry[LISTS[kind]] = [*_listed(entry, kind), written_ref(room.area, f"{area}:{key}")]
        return entry

    def apply() -> None:
        world = ctx.world
        source = sources.get(area, kind, key)
        if kind == "item":
            listed = _listed(_room_entry(sources, room), kind)
            made = _spawn_item(world, room, full, source, listed)
            name, where = made.name, f" ({made.id})"
            world.tell_room(room, Message(f"{_capital(name)} appears."), exclude=ctx.actor)
        else:
            npc = place_npc(world, full, source, room)
            _slot_added(world, room, npc)
            names_follow(ctx)
            name, where = npc.name, ""
            world.tell_room(room, Arrive(npc.name, "appears", npc=True), exclude=ctx.actor)
        ctx.send(Message(f"You spawn {name}{where} here; {room.id} now lists "
                         f"{full} in its {LISTS[kind]}."))

    return propose(ctx, fresh(ctx, room.area, "room", local(room.id), make), apply,
                   f"spawn {kind}", id=full, room=room.id)


def _spawn_item(world: World, room: Room, full: str, source: Any, listed: list[Any]) -> Item:
    # The id the loader gives the n-th copy a room lists; one taken already (a copy put
    # there at load whose listing was destroyed) gets the next free number, which a save's
    # rows still find at the next start-up (World.rebuild_placed).
    n = sum(1 for ref in listed if _full(ref, room.area) == full)
    item_id = placed_id(room.id, full, n)
    while item_id in world.items:
        n += 1
        item_id = placed_id(room.id, full, n)
    item = Item(item_id, world.templates[full])
    world.items[item_id] = item
    world.transfer(item, room)  # a change to save: where it is survives a restart
    attach_placed_item(world, full, item, source)
    _restock(world, room, full, 1)
    return item


# -- destroy --------------------------------------------------------------------------------


def destroy(ctx: Context, args: str) -> Deferred[None] | None:
    """destroy <thing> | destroy item|npc <id>

    Take an item or NPC that is here out of the world (found as 'look' finds it: 'destroy
    lamp', 'destroy 2.guard'); if this room lists it in rooms.yaml (or, for an NPC, its
    home room does), one of it comes off the list, so it does not come back. 'destroy
    item <id>' or 'destroy npc <id>' removes the entry itself, once no room lists it and
    no copy is left in the world. Players cannot be destroyed.
    Example: destroy lamp
    """
    usage = "Destroy what? For example: destroy lamp, or destroy item brass_lamp."
    text = clean(args).strip()
    first, rest = words(text)
    if first.lower() in KINDS and rest:
        return _destroy_definition(ctx, text, usage)
    if not text:
        raise Refusal(usage)
    room = here(ctx)
    item = matching.find(text, room.items)
    if item is not None:
        return _destroy_item(ctx, room, item)
    npc = matching.find(text, room.npcs)
    if npc is not None:
        return _destroy_npc(ctx, room, npc)
    if matching.find(text, room.characters) is not None:
        raise Refusal("Players cannot be destroyed.")
    shown = text if len(text) <= 30 else text[:30] + "..."
    raise Refusal(f"You see no '{shown}' here to destroy.")


def _destroy_item(ctx: Context, room: Room, item: Item) -> Deferred[None] | None:
    full = item.template.id
    sources = sources_of(ctx)
    # Only a copy this room's list made (placed at start-up, spawned, or put back by a
    # reset: its id starts with the room's) takes its listing with it; something dropped
    # here from elsewhere leaves the list alone.
    mine = item.id.startswith(f"{room.id}/{full}")
    changed = _without(_room_entry(sources, room), "item", full, room.area) if mine else None

    def apply() -> None:
        world = ctx.world
        if world.items.get(item.id) is item:
            world.consume(item)
        if changed is not None:
            _restock(world, room, full, -1)
        world.tell_room(room, Message(f"{_capital(item.name)} vanishes."), exclude=ctx.actor)
        tail = f"; {room.id} no longer lists it" if changed is not None else ""
        ctx.send(Message(f"You destroy {item.name} ({item.id}){tail}."))

    if changed is None:
        apply()
        _done(ctx, room, "destroy", id=item.id, room=room.id)
        return None
    return propose(ctx, fresh(ctx, room.area, "room", local(room.id), _taking(
        "item", full, room.area)), apply, "destroy", id=item.id, room=room.id)


def _home(ctx: Context, room: Room, npc: NPC) -> Room | None:
    """The room whose list ``npc`` came from: this one if it lists it, else the room whose
    reset watches it, else the only room that lists it (None: unknown or several)."""
    sources = sources_of(ctx)
    if _without(_room_entry(sources, room), "npc", npc.id, room.area) is not None:
        return room
    from mud.systems.resets import resets_of

    for plan in resets_of(ctx.world).plans.values():
        for slot in plan.slots:
            if slot.live is npc:
                return slot.room
    homes = [rid for rid in _listing_rooms(sources, "npc", npc.id)]
    found = ctx.world.rooms.get(homes[0]) if len(homes) == 1 else None
    return found if isinstance(found, Room) else None


def _destroy_npc(ctx: Context, room: Room, npc: NPC) -> Deferred[None] | None:
    sources = sources_of(ctx)
    home = _home(ctx, room, npc)
    changed = _without(_room_entry(sources, home), "npc", npc.id, home.area) \
        if home is not None else None

    def apply() -> None:
        world = ctx.world
        where = npc.room
        world.remove_npc(npc)
        names_follow(ctx)
        if home is not None and changed is not None:
            _slot_removed(world, home, npc)
        if where is not None:
            world.tell_room(where, Depart(npc.name, "vanishes", npc=True), exclude=ctx.actor)
        tail = f"; {home.id} no longer lists it" if home is not None and changed else \
            "; no room's list changed, so a restart brings it back"
        ctx.send(Message(f"You destroy {npc.name} ({npc.id}){tail}."))

    if home is None or changed is None:
        apply()
        _done(ctx, room, "destroy", id=npc.id, room=room.id)
        return None
    return propose(ctx, fresh(ctx, home.area, "room", local(home.id), _taking(
        "npc", npc.id, home.area)), apply, "destroy", id=npc.id, room=home.id)


def _listing_rooms(sources: WorldSources, kind: str, full: str) -> list[str]:
    """Every room whose list names ``full`` (its kind's ``items:`` or ``npcs:``)."""
    found = []
    for area in sources.areas():
        for key, entry in sources.file(area, "room").entries.items():
            if isinstance(entry, dict) and any(_full(ref, area) == full
                                               for ref in _listed(entry, kind)):
                found.append(f"{area}:{key}")
    return found


def _destroy_definition(ctx: Context, text: str, usage: str) -> Deferred[None]:
    kind, area, key, rest = definition(ctx, text, usage)
    if rest:
        raise Refusal(f"Destroy one entry at a time: destroy {kind} <id>.")
    full = f"{area}:{key}"
    world = ctx.world
    rooms = _listing_rooms(sources_of(ctx), kind, full)
    copies = [i for i in world.items.values() if i.template.id == full] if kind == "item" \
        else [n for n in world.npcs if n.id == full]
    if rooms or copies:
        used = []
        if rooms:
            shown = ", ".join(rooms[:5]) + (f" and {len(rooms) - 5} more" if len(rooms) > 5
                                            else "")
            used.append(f"listed in {shown}")
        if copies:
            used.append(f"{len(copies)} in the world")
        raise Refusal(f"{full} is still used ({'; '.join(used)}): destroy those copies "
                      "first (in their rooms), then the entry.")

    def apply() -> None:
        if kind == "item":
            world.templates.pop(full, None)
        ctx.send(Message(f"You destroy the {kind} entry {full}."))

    return propose(ctx, [Change(area, kind, key, None)], apply, f"destroy {kind}", id=full)


def install() -> None:
    """Register spawn and destroy in the builder command set."""
    if "spawn" not in BUILDER.commands:
        BUILDER.register("spawn", family="building")(spawn)
        BUILDER.register("destroy", family="building")(destroy)
