"""``accept``: an NPC that takes a given item, answers, and rewards the giver.

``give emberleaf to nell`` asks the engine, which asks the hooks (a claim: the engine does
not know who wants what); the behaviours system hands the offer to the receiving NPC's
behaviours (``on_give``), and ``accept`` claims the item it names. After everyone has seen
the give, it:

1. takes the item out of the world for good (``World.consume``: saved as gone, so a restart
   neither gives it back nor leaves a copy where it was first found; an area's reset puts
   a fresh one out as for any item taken from its room);
2. says its ``says`` lines in order (``emote ...`` acts one out, ``{name}`` is the giver);
3. hands the giver a new ``gives`` item (made by the resets system's ``new_item``, with a
   stable id ``<npc>/<template>~<n>``, so it survives a save and a restart);
4. opens the ``opens`` door (seen on both sides of it, as any door that swings open);
5. marks the ``quest`` done for the giver (mud/systems/quests).

With ``once: true`` the reward is once per character (kept in the character's saved state
``accepted``): a repeat give is still taken, the NPC says ``again`` (else ``says``), no
item and no quest; but ``opens`` opens again, and so does a character who earned it coming
back into the NPC's room to find the way shut again (an area reset shuts doors): nobody is
ever locked out of what they already did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mud.engine import directions
from mud.engine.events import ItemAction
from mud.engine.model import NPC, Character, Exit, Item, Room
from mud.engine.state import STATE, of
from mud.systems.behaviours.base import Behaviour, Param, behaviour
from mud.world_keys import Lookup
from mud.world_schema import Context

# Per-character saved state: "<npc id> <item template id>" -> how many times rewarded.
STATE_NAME = "accepted"


def declare_state() -> None:
    """Declare the per-character record of rewards had (once, at install)."""
    STATE.declare_character(STATE_NAME, dict)


@behaviour("accept",
           item=Param("text", "the item it takes, an item id (woods:emberleaf)",
                      required=True),
           says=Param("lines", "what it says on taking it, in order ('emote ...' acts a "
                      "line out; {name}: the giver)"),
           gives=Param("text", "an item id it hands the giver in return (a new one each "
                       "time)"),
           opens=Param("text", "a door it opens: an exit of its own room (north) or "
                       "room:direction (woods:stones:down)"),
           once=Param("flag", "reward each character once (default false)", default=False),
           again=Param("lines", "what it says, with once, to someone rewarded before: on "
                       "a repeat give, and when opening the way again (default: says)"),
           quest=Param("text", "a quest id it marks done for the giver (woods:emberleaf)"))
class Accept(Behaviour):
    """Takes ``item`` when given it, says ``says``, gives ``gives``, opens ``opens``, marks
    ``quest`` done; with ``once``, rewards each character once."""

    @classmethod
    def check(cls, ctx: Context, options: dict[str, Any], line: int | None,
              lookup: Lookup) -> None:
        # Item and quest ids, and the door's room, resolve now: a typo stops the load.
        where = "behaviour 'accept': parameter"
        options["item"] = lookup.item(ctx, options["item"], line, f"{where} 'item'")
        if options["gives"] is not None:
            options["gives"] = lookup.item(ctx, options["gives"], line, f"{where} 'gives'")
        if options["opens"] is not None:
            options["opens"] = _check_opens(ctx, options["opens"], line, lookup)
        if options["quest"] is not None:
            from mud.systems import quests

            options["quest"] = quests.check_ref(ctx, options["quest"], line, lookup,
                                                f"{where} 'quest'")
        if options["again"] is not None and not options["once"]:
            ctx.error(f"{where} 'again' is said to someone rewarded before, which only "
                      "'once: true' keeps track of: add once: true or drop again", line)

    # -- giving ----------------------------------------------------------------------------

    def key(self) -> str:
        return f"{self.owner.id} {self.options['item']}"

    def earned(self, who: Character) -> bool:
        """Whether ``who`` already had this reward (kept with ``once`` only)."""
        return bool(of(who, STATE_NAME).get(self.key()))

    def on_give(self, giver: Character, item: Any) -> Callable[[], None] | None:
        if item.template.id != self.options["item"]:
            return None
        return lambda: self.take(giver, item)

    def take(self, giver: Character, item: Item) -> None:
        """Everyone has seen the give: take the item, answer, reward."""
        world = self.world
        world.consume(item)
        repeat = self.options["once"] and self.earned(giver)
        lines = (self.options["again"] or self.options["says"]) if repeat \
            else self.options["says"]
        for line in lines or ():
            self.speak(line, giver.name)
        if not repeat:
            self.reward(giver)
        self.open_way()

    def reward(self, giver: Character) -> None:
        world = self.world
        template = self.options["gives"]
        if template is not None:
            from mud.systems.resets import resets_of

            made = resets_of(world).new_item(self.owner.id, template)
            world.transfer(made, giver)
            giver.send(ItemAction(self.owner.name, "give", made.name, "you"))
            room = giver.room
            if room is not None:
                world.tell_room(room, ItemAction(self.owner.name, "give", made.name,
                                                 giver.name), exclude=giver)
        if self.options["once"]:
            record = of(giver, STATE_NAME)
            record[self.key()] = int(record.get(self.key(), 0)) + 1
            world.changed(giver)
        quest = self.options["quest"]
        if quest is not None:
            from mud.systems import quests

            quests.complete(world, giver, quest)

    # -- the way it opens --------------------------------------------------------------------

    def way(self) -> Exit | None:
        """The exit whose door ``opens`` names (None: none given, or it has no door)."""
        opens = self.options["opens"]
        if opens is None:
            return None
        room_id, direction = opens
        room = self.world.rooms.get(room_id)
        exit_ = room.exits.get(direction) if room is not None else None
        return exit_ if exit_ is not None and exit_.door is not None else None

    def open_way(self) -> bool:
        """Open the door if it is shut, seen on both its sides; True if it moved."""
        exit_ = self.way()
        if exit_ is None or not exit_.door.closed:
            return False
        door = exit_.door
        door.set(False, False)
        from mud.systems.doors import DoorAction

        seen = DoorAction("", "open", door.name)
        for side in getattr(door, "rooms", ()):
            self.world.tell_room(side, seen)
        return True

    def on_enter(self, who: Character | NPC, came_from: Room | None) -> None:
        # Someone who earned the way and finds it shut again (a reset): open it for them.
        if not isinstance(who, Character) or not self.options["once"] or \
                self.options["opens"] is None or not self.earned(who):
            return
        exit_ = self.way()
        if exit_ is None or not exit_.door.closed:
            return
        for line in self.options["again"] or self.options["says"] or ():
            self.speak(line, who.name)
        self.open_way()


def _check_opens(ctx: Context, value: str, line: int | None,
                 lookup: Lookup) -> tuple[str, str] | None:
    """``north`` (the NPC's home room) or ``room:direction`` -> (room id, exit name)."""
    where = "behaviour 'accept': parameter 'opens'"
    room_ref, colon, word = value.rpartition(":")
    exit_name = directions.exit_name(word)
    if not colon:
        homes = lookup.homes()
        if not homes:
            ctx.error(f"{where}: {value!r} is an exit of the NPC's own room, but no room "
                      "places the NPC; write room:direction (woods:stones:down)", line)
            return None
        rooms = homes[:1]
    else:
        room = lookup.room(ctx, room_ref, line, f"{where} {value!r}")
        if room is None:
            return None
        rooms = [room]
    room = rooms[0]
    if exit_name not in room.exits:
        known = ", ".join(room.exits) or "none"
        ctx.error(f"{where}: room {room.id!r} has no exit {exit_name!r} (its exits: "
                  f"{known})", line)
        return None
    # A door may be declared on either side: this exit, or the way back from beyond it.
    target = room.exits[exit_name].target
    sides = {f"{room.id} {exit_name}"} | {f"{target.id} {name}"
                                           for name, e in target.exits.items() if e.target is room}
    doors = lookup.written("exit", "door")
    if not any(side in doors for side in sides):
        ctx.error(f"{where}: the exit {exit_name!r} of room {room.id!r} has no door to open: "
                  "give it one (door: {name: stone slab, closed: true, hidden: true})", line)
        return None
    return (room.id, exit_name)
