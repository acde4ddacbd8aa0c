"""Putting a reloaded area (mud/systems/building/reload.py) into the running world.

Runs on the reactor, once the area's files passed the loader's checks. In order:

1. what the new files cannot be mapped onto the live world is refused before anything
   changes (an exit into an area the running world has not loaded, say);
2. the world's sources take the files as read (their unsaved flags cleared);
3. item templates are updated in place, so every copy (carried, in a chest) shows the
   new words; rooms too: a room that stays keeps its ``Room`` object, so players in it,
   other areas' exits into it and systems' indexes still hold it; new rooms are added;
4. the area's NPCs (those whose id is in the area, wherever they are, and those its rooms
   placed) leave the world and the items its rooms list are put back as listed (what
   players dropped stays); rooms that are gone send their players (and what they
   dropped there, and other areas' NPCs) to the area's entry room (the first in
   rooms.yaml), players told why, and are then taken away; the NPCs are placed anew;
5. systems' keys are attached again (doors on both sides, behaviours, containers,
   readables, the area's reset and quests), each checked against the live world.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from mud.engine import hooks
from mud.engine.actions import Refusal, look
from mud.engine.events import Message
from mud.engine.model import NPC, Character, Exit, Item, Room
from mud.engine.placing import placed_id
from mud.engine.world import World
from mud.systems.building.reload import Outcome, Reading
from mud.systems.building.things import put_template
from mud.world_check import attach_keys, attach_placed_item
from mud.world_keys import present
from mud.world_links import written_exits
from mud.world_yaml import WorldError

# What players in a reloaded area are told, and one whose room went.
SHIFT = "The world shifts around you: this area has been remade."
MOVED = ("The room you were in was taken away by a reload of the area; you are moved "
         "to {room}.")


def _target_ids(reading: Reading) -> set[str]:
    return {exit_.target.id for room in reading.rooms for exit_ in room.exits.values()}


def _refuse_unmappable(world: World, reading: Reading) -> None:
    """Refuse what the new files need that the running world does not have; nothing has
    changed yet."""
    ours = {room.id for room in reading.rooms}
    missing = sorted(t for t in _target_ids(reading) if t not in ours and t not in world.rooms)
    if missing:
        raise Refusal(f"Area {reading.area}'s exits lead to {', '.join(missing[:5])}, which "
                      "the running world has not loaded (a new area): restart the server "
                      "to load it.")
    templates = {ref for refs in reading.items.values() for ref in refs}
    missing = sorted(t for t in templates if t not in world.templates
                     and t not in reading.templates)
    if missing:
        raise Refusal(f"Area {reading.area}'s rooms place {', '.join(missing[:5])}, which "
                      "the running world has not loaded: restart the server to load it.")
    npcs = {ref for refs in reading.npcs.values() for ref in refs}
    missing = sorted(n for n in npcs if n not in reading.npc_defs)
    if missing:  # the check knew them: it cannot happen, but never half-apply
        raise Refusal(f"Area {reading.area}'s rooms place unknown NPCs {', '.join(missing)}.")
    # Exits of other areas into a room that goes: the check refuses those (the other
    # area's file still names the room); live exits are checked too, never left dangling.
    going = {rid for rid, room in world.rooms.items()
             if room.area == reading.area and rid not in ours}
    dangling = sorted(f"{room.id} {exit_.name}" for room in world.rooms.values()
                      if room.area != reading.area for exit_ in room.exits.values()
                      if exit_.target.id in going)
    if dangling:
        raise Refusal(f"Exits of other areas lead into rooms the files take away "
                      f"({', '.join(dangling[:5])}): unlink them first.")


class _Apply:
    """One reload being applied (see the module's docstring for the order)."""

    def __init__(self, world: World, reading: Reading) -> None:
        self.world = world
        self.reading = reading
        self.area = reading.area
        self.sources = world.sources
        self.outcome = Outcome(reading.area)
        self.old_rooms = [r for r in world.rooms.values() if r.area == self.area]
        self.new_ids = [room.id for room in reading.rooms]
        # The NPC instances taken out, and the new ones by (listing room id, NPC id): other
        # areas' reset slots holding an old one are given its new one.
        self.removed_npcs: set[NPC] = set()
        self.placed: dict[tuple[str, str], list[NPC]] = {}
        # Players moved out of rooms that went (told why once all is in place).
        self.moved: list[Character] = []

    # -- sources, templates, rooms ---------------------------------------------------------

    def sources_read(self) -> dict[str, list[str]]:
        """The sources take the files; returns the old listings of foreign NPCs by room."""
        old_foreign: dict[str, list[str]] = {}
        for key, entry in self.sources.file(self.area, "room").entries.items():
            npcs = entry.get("npcs") if isinstance(entry, dict) else None
            if isinstance(npcs, list):
                refs = [r for r in npcs if isinstance(r, str) and ":" in r
                        and not r.startswith(f"{self.area}:")]
                if refs:
                    old_foreign[f"{self.area}:{key}"] = refs
        for kind, entries in self.reading.files.items():
            self.sources.read(self.sources.rel(self.area, kind), entries)
        # Edits checked against the old sources are checked again (edits.propose).
        self.sources.version += 1
        self.world.area_names[self.area] = self.reading.name
        return old_foreign

    def templates(self) -> None:
        world = self.world
        for new in self.reading.templates.values():
            # The check attached nothing: the props come empty, and the keys are attached
            # again after the rooms are built (run()).
            put_template(world, new)
        for tid in [t for t in world.templates if t.startswith(f"{self.area}:")]:
            if tid not in self.reading.templates:
                # Copies players hold keep the template object until they are gone.
                del world.templates[tid]

    def rooms(self) -> dict[str, Room]:
        """Update kept rooms in place and add new ones (exits come later)."""
        world = self.world
        live: dict[str, Room] = {}
        for new in self.reading.rooms:
            room = world.rooms.get(new.id)
            if room is None:
                room = Room(new.id, self.area, new.name, new.description, new.environment)
                world.add_room(room)
                self.outcome.added.append(room.id)
            else:
                before = (room.name, room.description, room.environment,
                          [(e.name, e.target.id, e.description) for e in room.exits.values()])
                after = (new.name, new.description, new.environment,
                         [(e.name, e.target.id, e.description) for e in new.exits.values()])
                if before != after:
                    self.outcome.updated.append(room.id)
                room.name, room.description = new.name, new.description
                room.environment = new.environment
            live[room.id] = room
        return live

    # -- doors, exits ----------------------------------------------------------------------

    def unhang_doors(self) -> list[tuple[Room, str]]:
        """Take every door touching the area's rooms out of its exits (both sides); they
        are attached again from the files. Returns other areas' exits that declare one
        (attached again afterwards, to pair with this area's new exits)."""
        ours = set(self.old_rooms)
        doors: dict[int, Any] = {}
        for room in self.world.rooms.values():
            for exit_ in room.exits.values():
                if exit_.door is not None and (room in ours or exit_.target in ours):
                    doors[id(exit_.door)] = exit_.door
        foreign: list[tuple[Room, str]] = []
        for door in doors.values():
            for side in door.rooms:
                for exit_ in side.exits.values():
                    if exit_.door is door:
                        exit_.door = None
            room_id, _, name = str(getattr(door, "id", "")).partition(" ")
            declaring = self.world.rooms.get(room_id)
            if declaring is not None and declaring.area != self.area:
                foreign.append((declaring, name))
        return foreign

    def exits(self, live: dict[str, Room]) -> None:
        world = self.world
        for new in self.reading.rooms:
            room = live[new.id]
            rebuilt: dict[str, Exit] = {}
            for name, spec in new.exits.items():
                target = live.get(spec.target.id) or world.rooms[spec.target.id]
                exit_ = room.exits.get(name)
                if exit_ is None:
                    exit_ = Exit(name, target, spec.description)
                else:
                    # The same object: what other systems hung on it (a guard of another
                    # area) stays; this area's were let go of with its NPCs.
                    exit_.target, exit_.description = target, spec.description
                rebuilt[name] = exit_
            room.exits = rebuilt

    # -- NPCs and items --------------------------------------------------------------------

    def remove_npcs(self, old_foreign: dict[str, list[str]]) -> None:
        world = self.world
        prefix = f"{self.area}:"
        going = [npc for npc in world.npcs if npc.id.startswith(prefix)]
        # Other areas' NPCs this area's rooms placed: those standing in those rooms.
        for room_id, refs in old_foreign.items():
            room = world.rooms.get(room_id)
            if room is None:
                continue
            for ref, count in Counter(refs).items():
                going.extend([n for n in room.npcs if n.id == ref][:count])
        for npc in dict.fromkeys(going):
            if world.remove_npc(npc):
                self.removed_npcs.add(npc)

    def place_npc(self, ref: str, room: Room) -> None:
        name, description, keywords = self.reading.npc_defs[ref]
        npc = NPC(ref, name, keywords, description)
        self.world.place_npc(npc, room)
        self.placed.setdefault((room.id, ref), []).append(npc)
        self.outcome.npcs += 1
        area, _, key = ref.partition(":")
        entry = self.sources.get(area, "npc", key)
        self.attach("npc", ref, npc, entry)

    def items(self, live: dict[str, Room]) -> None:
        """Each room holds what it lists: the items the area put there that it no longer
        lists go, listed ones missing come back (unless a player has that very copy)."""
        world = self.world
        for new in self.reading.rooms:
            room = live[new.id]
            counts: dict[str, int] = {}
            wanted: list[tuple[str, str]] = []
            for ref in self.reading.items.get(room.id, ()):
                counts[ref] = counts.get(ref, 0) + 1
                wanted.append((placed_id(room.id, ref, counts[ref]), ref))
            ids = {item_id for item_id, _ in wanted}
            for item in list(room.items):
                # The area's own (placed at load, or by a reset: id from the room); what
                # players dropped here came from elsewhere and stays.
                if item.id.startswith(room.id + "/") and item.id not in ids:
                    world.consume(item)
            for item_id, ref in wanted:
                if item_id in world.items:
                    continue  # here already, or that copy is in someone's hands
                item = Item(item_id, world.templates[ref])
                world.items[item_id] = item
                world.transfer(item, room)  # saved: a restart finds it here again
                self.outcome.items += 1
                area, _, key = ref.partition(":")
                entry = self.sources.get(area, "item", key)
                if isinstance(entry, dict) and present("item", entry):
                    try:
                        attach_placed_item(world, ref, item, entry)
                    except WorldError as exc:
                        self.outcome.problems.extend(exc.errors)

    def vanish(self, live: dict[str, Room]) -> None:
        """Rooms no longer in the files: players go to the entry room, told why; what
        players dropped there and other areas' NPCs go with them; then the room is taken
        away."""
        world = self.world
        entry = live[self.new_ids[0]] if self.new_ids else world.start
        for room in self.old_rooms:
            if room.id in live:
                continue
            for item in list(room.items):
                if not item.id.startswith(room.id + "/"):
                    world.transfer(item, entry)
            for character in list(room.characters):
                world.move(character, entry)
                self.outcome.moved.append(character.name)
                self.moved.append(character)
            for npc in list(room.npcs):
                # Another area's NPC that wandered (or followed someone) here: it goes
                # along rather than out of the world. The area's own were remade already.
                room.npcs.remove(npc)
                world.hooks.emit(hooks.LEAVE, who=npc, room=room, to=entry)
                npc.room = entry
                entry.npcs.append(npc)
                world.hooks.emit(hooks.ENTER, who=npc, room=entry, came_from=room)
            world.remove_room(room)
            self.outcome.removed.append(room.id)

    # -- systems' keys ---------------------------------------------------------------------

    def attach(self, what: str, full: str, entity: Any, entry: Any) -> None:
        if not isinstance(entry, dict) or not present(what, entry):
            return
        try:
            attach_keys(self.world, what, full, entity, entry)
        except WorldError as exc:  # checked already: reported, never half a reload
            self.outcome.problems.extend(exc.errors)

    def exit_specs(self, room: Room) -> dict[str, Any]:
        """The long-form exits (mappings) ``room``'s entry writes, by exit name."""
        area, _, key = room.id.partition(":")
        return {name: spec for name, spec in
                written_exits(self.sources.get(area, "room", key)).items()
                if isinstance(spec, dict)}

    def attach_exits(self, live: dict[str, Room], foreign: list[tuple[Room, str]]) -> None:
        # In the world's room order, as at load: where both sides declare a door, the
        # first declaration wins as it did at start-up.
        order = {rid: n for n, rid in enumerate(self.world.rooms)}
        todo: list[tuple[Room, str, Any]] = []
        for room in live.values():
            todo.extend((room, name, spec) for name, spec in self.exit_specs(room).items())
        for room, name in foreign:
            todo.append((room, name, self.exit_specs(room).get(name)))
        for room, name, spec in sorted(todo, key=lambda one: order.get(one[0].id, 0)):
            exit_ = room.exits.get(name)
            if exit_ is not None:
                self.attach("exit", f"{room.id} {name}", (room, exit_), spec)

    def area_keys(self) -> None:
        from mud.systems.quests import quests_of
        from mud.systems.resets import Slot, resets_of

        world = self.world
        resets = resets_of(world)
        resets.drop(self.area)
        quests = quests_of(world)
        quests.drop(quests.area_quests(self.area))
        self.attach("area", self.area, self.area, self.sources.file(self.area, "area").entries)
        plan = resets.plans.get(self.area)
        if plan is not None:
            # What the files list, not what the rooms hold now (players' dropped things,
            # other areas' wanderers).
            plan.stock = {world.rooms[rid]: Counter(refs)
                          for rid, refs in self.reading.items.items() if refs}
            plan.slots = [Slot(world.rooms[rid], npc) for (rid, _), npcs in self.placed.items()
                          if rid in world.rooms and world.rooms[rid].area == self.area
                          for npc in npcs]
        # Other areas' resets that placed one of the NPCs taken out: their slots hold the
        # new one, or they would bring back a copy of the old.
        for other in resets.plans.values():
            if other.area == self.area:
                continue
            for slot in other.slots:
                if slot.live in self.removed_npcs:
                    fresh = self.placed.get((slot.room.id, slot.live.id))
                    if fresh:
                        slot.live = slot.prototype = fresh[0]

    # -- all of it ---------------------------------------------------------------------------

    def run(self) -> Outcome:
        old_foreign = self.sources_read()
        self.remove_npcs(old_foreign)  # first: guards let go of the exits they hold
        self.templates()
        live = self.rooms()
        foreign_doors = self.unhang_doors()
        self.exits(live)
        self.vanish(live)
        for tid in self.reading.templates:
            area, _, key = tid.partition(":")
            entry = self.sources.get(area, "item", key)
            if isinstance(entry, dict) and present("item", entry):
                self.attach("item", tid, self.world.templates[tid], entry)
        self.items(live)
        for new in self.reading.rooms:
            room = live[new.id]
            for ref in self.reading.npcs.get(room.id, ()):
                self.place_npc(ref, room)
            area, _, key = room.id.partition(":")
            self.attach("room", room.id, room, self.sources.get(area, "room", key))
        for room_id, ref in self.reading.placed_elsewhere:
            room = self.world.rooms.get(room_id)
            if room is not None:
                self.place_npc(ref, room)
        self.attach_exits(live, foreign_doors)
        self.area_keys()
        notice = Message(SHIFT)
        for room in live.values():
            self.world.tell_room(room, notice)
        for character in self.moved:
            if character.room is not None:
                character.send(Message(MOVED.format(room=character.room.name)))
                look(self.world, character)
        return self.outcome


def apply_reading(world: World, reading: Reading) -> Outcome:
    """Put ``reading`` (checked by the loader's rules) into the running world; raises a
    Refusal, changing nothing, if it cannot be mapped onto it."""
    _refuse_unmappable(world, reading)
    return _Apply(world, reading).run()
