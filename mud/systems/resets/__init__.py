"""Resets: an area puts back, every so often, what its rooms list (tbaMUD's zone resets).

An area's ``area.yaml`` says how often, and optionally what the rooms it restocks are told::

    reset: {every: 600, message: "Pim sets out fresh wares."}

What comes back is what the area's rooms list in ``items:`` in rooms.yaml, as many of each
as listed, counting what is still in the room: a room listing two apples that still holds
one gets one more, and an apple carried off (or into another room) is not still there.

NPCs the area's rooms list in ``npcs:`` come back too, tbaMUD-style, when they are gone from
the world (``World.remove_npc``: killed, dismissed): each listing is one slot, remembering
the NPC as loaded; a slot whose NPC is still anywhere in the world (wandered off, followed
a player into another area) brings back nothing, so there is never a duplicate. A
wanderer is not sent home by a reset (tbaMUD does not either): it walks back on its own
or stays where it roams. The NPC comes back in its listing room ("Ash appears.") with its
behaviours started again (``resets_of(world).join(..., respawner=...)``: each system gives
the new NPC its part). Nothing about NPCs is saved: a restart loads each listed NPC once, at home.

``install()`` registers, with no edit anywhere else:

- the ``reset:`` key on areas (checked at load with file:line like every world key);
- world state ``resets``: each area's next due time (clock seconds) and a serial for new
  items' ids, saved through the save queue, so resets survive restarts: an area overdue at
  start-up resets when it is next awake, once;
- an item maker: a respawned item's id is ``<room>/<template>~<serial>``, from which it is
  rebuilt at start-up when a save says where it is (in a player's hands, say);
- the ``restock`` event (text and JSON), told to players in a room that was restocked, when
  the area has a ``message``;
- ``resets_of(world).join(system, listener=..., respawner=...)``: other systems' parts of
  an area's reset (a door that closes again, a chest refilled: called with the area and
  its rooms after each reset) and of an NPC coming back, joined once per system.

Timing: each area has one timer on the world scheduler in the area's group, so a quiet
area's timer sleeps with it. The scheduler keeps a sleeping timer's time left, not the
clock's, so when a player comes into the area (from elsewhere, or logging in) its timer is
set again from the saved due time: a reset that fell due while the area slept fires then,
once. Nothing ever scans the world: a reset walks its own area's rooms.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from mud.engine import hooks
from mud.engine.events import Arrive, Event
from mud.engine.model import NPC, Character, Item, Room
from mud.engine.scheduler import Timer
from mud.engine.state import STATE
from mud.engine.world import World
from mud.world_schema import Context, kind
from mud.world_yaml import shown

STATE_NAME = "resets"
# Bounds on ``every`` (seconds): often enough to test, rarely enough to mean something.
MIN_EVERY = 1.0
MAX_EVERY = 7 * 24 * 3600.0
# Longest ``message`` (characters): one line in a room.
MAX_MESSAGE = 200
# Between an item's room and template in a respawned item's id, and before its serial.
_SERIAL_MARK = "~"


class Restock(Event):
    """A room's missing things are back (the area's ``message``)."""

    __slots__ = ("text",)
    kind = "restock"

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def default_state() -> dict[str, Any]:
    # due: area id -> clock seconds of its next reset; serial: last respawned item number.
    return {"due": {}, "serial": 0}


class Slot:
    """One NPC a room lists: the NPC as loaded (what a respawn copies) and whichever copy
    of it is in the world now (its ``room`` is None once it is taken out of the world)."""

    __slots__ = ("live", "prototype", "room")

    def __init__(self, room: Room, npc: NPC) -> None:
        self.room = room
        self.prototype = npc
        self.live = npc


class Plan:
    """One area's reset: how often, what it tells, and what each room should hold."""

    __slots__ = ("area", "every", "message", "slots", "stock", "timer")

    def __init__(self, area: str, every: float, message: str,
                 stock: dict[Room, Counter[str]], slots: list[Slot] | None = None) -> None:
        self.area = area
        self.every = every
        self.message = message
        self.stock = stock
        self.slots = slots or []
        self.timer: Timer | None = None


class Resets:
    """The resets of one world."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.plans: dict[str, Plan] = {}
        # Other systems' parts of a reset (doors closing again, containers refilled):
        # fn(area id, the area's rooms), called after the items are back.
        self.listeners: list[Callable[[str, list[Room]], None]] = []
        # Other systems' parts of an NPC coming back: fn(the NPC as loaded, its new copy,
        # already in its room) gives the copy what the system gave the original (behaviours).
        self.respawners: list[Callable[[NPC, NPC], None]] = []
        # The systems that joined (``join``): each takes part once, however many of its
        # entities are attached.
        self._joined: set[str] = set()
        # Rooms by area, made once at load so each area's plan needs no walk of the world.
        self.rooms: dict[str, list[Room]] = {}
        for room in world.rooms.values():
            self.rooms.setdefault(room.area, []).append(room)
        world.item_makers.append(self.remake)
        world.hooks.on(hooks.LOGIN, self._login, owner="resets")
        world.hooks.on(hooks.ENTER, self._enter, owner="resets")
        world.hooks.on(hooks.ROOM_ADDED, self._room_added, owner="resets")
        world.hooks.on(hooks.ROOM_REMOVED, self._room_removed, owner="resets")

    def _room_added(self, room: Room, **_: Any) -> None:
        self.rooms.setdefault(room.area, []).append(room)

    def _room_removed(self, room: Room, **_: Any) -> None:
        rooms = self.rooms.get(room.area, [])
        if room in rooms:
            rooms.remove(room)
        for plan in self.plans.values():
            plan.stock.pop(room, None)
            plan.slots = [slot for slot in plan.slots if slot.room is not room]

    def join(self, system: str,
             listener: Callable[[str, list[Room]], None] | None = None,
             respawner: Callable[[NPC, NPC], None] | None = None) -> None:
        """``system`` takes part in this world's resets with a ``listener`` and/or a
        ``respawner``, once: asked again (its next door, chest or NPC attached), nothing
        changes."""
        if system in self._joined:
            return
        self._joined.add(system)
        if listener is not None:
            self.listeners.append(listener)
        if respawner is not None:
            self.respawners.append(respawner)

    # -- state ------------------------------------------------------------------------------

    @property
    def state(self) -> dict[str, Any]:
        # Read each time: the saved state replaces the dict's contents at start-up.
        value = self.world.state.get(STATE_NAME)
        if not isinstance(value, dict) or not isinstance(value.get("due"), dict):
            value = self.world.state[STATE_NAME] = default_state()
        return value

    def due(self, area: str) -> float | None:
        """When ``area`` next resets (clock seconds), None if it never has. Never later
        than one period from now: a period shortened in area.yaml, or a clock set back,
        does not put a reset off for the old, longer wait."""
        when = self.state["due"].get(area)
        if isinstance(when, bool) or not isinstance(when, int | float):
            return None
        latest = self.world.clock.seconds() + self.plans[area].every
        if when > latest:
            self._set_due(area, latest)  # kept, so the next look does not slide it on
            return latest
        return float(when)

    def _set_due(self, area: str, when: float) -> None:
        self.state["due"][area] = when
        self.world.changed_state(STATE_NAME)

    # -- timing -----------------------------------------------------------------------------

    def add(self, plan: Plan) -> None:
        # A plan replacing the area's (an area reloaded): the old one's timer goes with it,
        # so the area never has two.
        self.drop(plan.area)
        self.plans[plan.area] = plan
        # Fires when the area is first awake (areas start asleep), after the saved state is
        # restored: only then is the due time known.
        self._arm(plan, 0.0)

    def drop(self, area: str) -> Plan | None:
        """``area`` resets no more (reloaded without its ``reset:``): its plan and timer go."""
        plan = self.plans.pop(area, None)
        if plan is not None and plan.timer is not None:
            plan.timer.cancel()
            plan.timer = None
        return plan

    def _arm(self, plan: Plan, delay: float) -> None:
        if plan.timer is not None:
            plan.timer.cancel()
        plan.timer = self.world.scheduler.call_later(
            delay, self.check, plan.area, group=plan.area, owner=f"resets {plan.area}")

    def check(self, area: str) -> None:
        """Reset ``area`` if it is due, and set its timer for the next time."""
        plan = self.plans[area]
        now = self.world.clock.seconds()
        due = self.due(area)
        if due is None:
            # A world never reset: it starts stocked, so the first reset is one period on.
            due = now + plan.every
            self._set_due(area, due)
        elif due <= now:
            self.reset(area)
            due = now + plan.every
        self._arm(plan, due - now)

    def wake(self, area: str) -> None:
        """A player came into ``area``: set its timer from the saved due time (a sleeping
        timer kept its own time left, not the clock's), so an overdue reset fires now, once,
        on the scheduler: after the newcomer has seen the room."""
        plan = self.plans[area]
        due = self.due(area)
        if due is None:
            self.check(area)
        else:
            self._arm(plan, max(0.0, due - self.world.clock.seconds()))

    def _login(self, who: Any, room: Any, **_: Any) -> None:
        if isinstance(who, Character) and room is not None and room.area in self.plans:
            self.wake(room.area)

    def _enter(self, who: Any, room: Any, came_from: Any = None, **_: Any) -> None:
        if isinstance(who, Character) and room.area in self.plans and \
                (came_from is None or came_from.area != room.area):
            self.wake(room.area)

    # -- resetting --------------------------------------------------------------------------

    def reset(self, area: str) -> int:
        """Put back what ``area``'s rooms are missing now; returns how many things came
        back. The next one is due a period from now."""
        plan = self.plans[area]
        made = 0
        for room, wanted in plan.stock.items():
            here = Counter(item.template.id for item in room.items)
            back = 0
            for template_id, count in wanted.items():
                for _ in range(count - here[template_id]):
                    self.world.transfer(self.new_item(room.id, template_id), room)
                    back += 1
            if back and plan.message and room.characters:
                self.world.tell_room(room, Restock(plan.message))
            made += back
        made += self.respawn(plan)
        self._set_due(area, self.world.clock.seconds() + plan.every)
        rooms = self.rooms.get(area, [])
        for listener in self.listeners:
            try:
                listener(area, rooms)
            except Exception as exc:  # one system's part must not stop the others'
                self.world.scheduler.report(f"resets {area}", "reset listener", exc)
        return made

    def new_item(self, origin: str, template_id: str) -> Item:
        """A new item of ``template_id`` made at runtime, with a stable id
        ``<origin>/<template>~<serial>`` (origin: the room it respawns in, the NPC that
        hands it out) that ``remake`` rebuilds when a save places it after a restart. Every
        system that makes items after start goes through here: one id scheme, one maker.
        The caller puts it somewhere (``world.transfer``), which is what gets saved."""
        state = self.state
        serial = int(state.get("serial", 0))
        while True:
            serial += 1
            item_id = f"{origin}/{template_id}{_SERIAL_MARK}{serial}"
            # After a save that kept an item but not the serial: never reuse an id.
            if item_id not in self.world.items:
                break
        state["serial"] = serial
        self.world.changed_state(STATE_NAME)
        item = Item(item_id, self.world.templates[template_id])
        self.world.items[item_id] = item
        return item

    def respawn(self, plan: Plan) -> int:
        """Bring back each NPC of ``plan``'s slots that is gone from the world, at its
        listing room, with its behaviours; returns how many came back."""
        back = 0
        for slot in plan.slots:
            if slot.live.room is not None:
                continue  # still in the world, wherever it is: never a duplicate
            old = slot.prototype
            npc = NPC(old.id, old.name, old.keywords, old.description)
            self.world.place_npc(npc, slot.room)
            slot.live = npc
            for give in self.respawners:
                try:
                    give(old, npc)
                except Exception as exc:  # the NPC is back even if a system's part fails
                    self.world.scheduler.report(f"npc {npc.id}", "respawn", exc)
            self.world.tell_room(slot.room, Arrive(npc.name, "appears", npc=True))
            back += 1
        return back

    def remake(self, item_id: str) -> Item | None:
        """The respawned item ``item_id`` names, rebuilt for a save's place (None: not one
        of ours, or its template is gone from the world)."""
        _, slash, rest = item_id.partition("/")
        template_id, mark, serial = rest.rpartition(_SERIAL_MARK)
        template = self.world.templates.get(template_id)
        if not slash or not mark or not serial.isdigit() or template is None:
            return None
        return Item(item_id, template)


# Kept in world.parts under this name.
_RESETS = "resets"


def resets_of(world: World) -> Resets:
    """The world's resets (made on first use)."""
    return world.part(_RESETS, Resets)


# -- the world's YAML: reset on areas ------------------------------------------------------


def check_reset(ctx: Context, value: Any, line: int | None, lookup: Any) -> tuple[float, str]:
    """``reset: {every: seconds, message: text}``; ``every`` required."""
    here = ctx.at(f"area {lookup.area!r}", line)
    example = "reset: {every: 600}"
    if not isinstance(value, dict):
        here.error(f"'reset' must be a mapping such as {example}, not {kind(value)}")
        return 0.0, ""
    data = here.check_keys(value, {"every": True, "message": False}, "'reset'")
    every = data.get("every", 0)
    if "every" in data and (isinstance(every, bool) or not isinstance(every, int | float)):
        here.error(f"'reset': 'every' must be a number of seconds ({example}), not "
                   f"{kind(every)}", data.line_of("every") or line)
        every = 0
    elif "every" in data and not MIN_EVERY <= every <= MAX_EVERY:
        here.error(f"'reset': 'every' is {shown(every)} seconds; it must be from "
                   f"{MIN_EVERY:g} to {MAX_EVERY:g} (a week)", data.line_of("every") or line)
        every = 0
    message = " ".join(here.text(data, "message").split())
    if len(message) > MAX_MESSAGE:
        here.error(f"'reset': 'message' is {len(message)} characters, more than "
                   f"{MAX_MESSAGE}: keep it to one line", data.line_of("message") or line)
        message = ""
    return float(every), message


def attach_reset(world: World, area: str, checked: tuple[float, str]) -> None:
    every, message = checked
    if every <= 0:
        return
    stock: dict[Room, Counter[str]] = {}
    # Once, at load: the rooms as built hold exactly what rooms.yaml lists.
    resets = resets_of(world)
    for room in resets.rooms.get(area, ()):
        if room.items:
            stock[room] = Counter(item.template.id for item in room.items)
    # The NPCs as placed at load (areas attach last: behaviours have not moved any yet).
    slots = [Slot(room, npc) for room in resets.rooms.get(area, ()) for npc in room.npcs]
    resets.add(Plan(area, every, message, stock, slots))


def install() -> None:
    """Register the reset key, the world state and the restock event's looks."""
    from mud import world_keys
    from mud.render import json_events, text

    world_keys.register_key("reset", ("area",), check_reset, attach_reset)
    STATE.declare_world(STATE_NAME, default_state)
    text.register(Restock, lambda e, p: p.wrap(p("emote", e.text)))
    json_events.register(Restock, _restock_json)


def _restock_json(e: Restock) -> dict[str, Any]:
    return {"message": e.text}
