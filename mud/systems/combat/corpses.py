"""Corpses: what a death leaves behind, a container lying where someone fell.

A corpse is an item made at runtime: its template (made here, never one of the world's
files) carries the containers system's ``Spec``, so ``look in corpse`` and ``get all from
corpse`` work as for any container, and it is fixed (nobody carries a body off).

Ids are stable and say what the corpse is, so a save finds it (and what is inside it)
after a restart: ``corpse/<serial>/npc/<npc id>`` or ``corpse/<serial>/player/<name>``.
The world's item maker for them (``Corpses.remake``) rebuilds one from its id alone, as
item places are restored before the world state; the decay times (world state
``corpses``) are read once the state is back, on the scheduler's next turn.

A corpse rots after the rules' ``corpse_decay`` seconds (a timer in its room's area
group: it waits while nobody is in that area). What it holds falls to the floor, except the
loot made for that very creature's corpse (the ids ``mark_loot`` recorded as the corpse was
filled, kept in the world state so a restart still knows them), which rots with it. A
player's corpse spills everything, and whatever a player put into a creature's corpse
(loot picked up from another corpse included) falls to the floor too: a player's things are
never lost to a corpse's decay.
"""

from __future__ import annotations

from typing import Any

from mud.engine.events import Event
from mud.engine.model import NPC, Character, Item, ItemTemplate, Room
from mud.engine.scheduler import Timer
from mud.engine.state import STATE
from mud.engine.world import World

STATE_NAME = "corpses"
PREFIX = "corpse/"
# What an NPC's loot ids start with (``loot:<npc id>/<template>~<serial>``).
LOOT_PREFIX = "loot:"
# How many things a corpse takes by ``put`` (a death puts everything in regardless).
CAPACITY = 100


class Rot(Event):
    """A corpse rotted away here; ``spilled``: what it held fell to the ground."""

    __slots__ = ("corpse", "spilled")
    kind = "decay"

    def __init__(self, corpse: str, spilled: bool) -> None:
        super().__init__()
        self.corpse = corpse
        self.spilled = spilled


def default_state() -> dict[str, Any]:
    # serial: the last corpse's number; due: corpse id -> clock seconds it rots at;
    # loot: corpse id -> the ids of the loot made for it (what rots with it).
    return {"serial": 0, "due": {}, "loot": {}}


def is_corpse(item: Item) -> bool:
    return item.id.startswith(PREFIX)


class Corpses:
    """The corpses of one world: making them, rebuilding them, and their decay."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.timers: dict[str, Timer] = {}
        self.templates: dict[str, ItemTemplate] = {}
        # Corpses rebuilt from a save, whose decay is set once the world state is back.
        self._remade: list[str] = []
        world.item_makers.append(self.remake)

    @property
    def state(self) -> dict[str, Any]:
        # Read each time: the saved state replaces the dict's contents at start-up.
        value = self.world.state.get(STATE_NAME)
        if not isinstance(value, dict) or not isinstance(value.get("due"), dict):
            value = self.world.state[STATE_NAME] = default_state()
        return value

    # -- making -------------------------------------------------------------------------------

    def template(self, kind: str, name: str, keywords: tuple[str, ...]) -> ItemTemplate:
        """The (shared) template of the corpse of ``name``."""
        label = f"the corpse of {name}"
        found = self.templates.get(label)
        if found is None:
            words = ("corpse", "body", *(w for w in keywords if w not in ("corpse", "body")))
            text = (f"The body of {name} lies here, still and cold."
                    if kind == "player" else
                    f"What is left of {name} lies sprawled on the ground.")
            found = ItemTemplate(f"{PREFIX}{kind}", label, words, text, fixed=True,
                                 plural=f"corpses of {name}")
            from mud.systems.containers import PROP, Spec

            found.props[PROP] = Spec(CAPACITY)
            self.templates[label] = found
        return found

    def make(self, room: Room, of: NPC | Character) -> Item:
        """A new corpse of ``of`` lying in ``room``, rotting in time."""
        state = self.state
        serial = int(state.get("serial", 0))
        kind, ident = ("player", of.name) if isinstance(of, Character) else ("npc", of.id)
        while True:
            serial += 1
            item_id = f"{PREFIX}{serial}/{kind}/{ident}"
            if item_id not in self.world.items:  # a save kept a corpse but not the serial
                break
        state["serial"] = serial
        keywords = (of.key,) if isinstance(of, Character) else tuple(of.keywords)
        corpse = Item(item_id, self.template(kind, of.name, keywords))
        self.world.items[item_id] = corpse
        self.world.transfer(corpse, room)  # saved: a restart finds it there
        self.arm(corpse, self._decay_time())
        return corpse

    def _decay_time(self) -> float:
        from mud.systems.combat.rules import rules_of

        return float(rules_of(self.world).corpse_decay)

    def remake(self, item_id: str) -> Item | None:
        """The corpse ``item_id`` names, rebuilt for a save's place (None: not a corpse)."""
        if not item_id.startswith(PREFIX):
            return None
        serial, _, rest = item_id[len(PREFIX):].partition("/")
        kind, _, ident = rest.partition("/")
        if not serial.isdigit() or kind not in ("npc", "player") or not ident:
            return None
        if kind == "player":
            name, keywords = ident, (ident.lower(),)
        else:
            name, keywords = self._npc_looks(ident)
        if not self._remade:
            # Once the world state is restored (the caller does that next), the decay.
            self.world.scheduler.call_later(0.0, self._rearm, owner="corpses")
        self._remade.append(item_id)
        return Item(item_id, self.template(kind, name, keywords))

    def _npc_looks(self, npc_id: str) -> tuple[str, tuple[str, ...]]:
        for npc in self.world.npcs:
            if npc.id == npc_id:
                return npc.name, tuple(npc.keywords)
        from mud.systems.resets import resets_of

        for plan in resets_of(self.world).plans.values():
            for slot in plan.slots:
                if slot.prototype.id == npc_id:
                    return slot.prototype.name, tuple(slot.prototype.keywords)
        return "something", ()

    def mark_loot(self, corpse: Item, item: Item) -> None:
        """``item`` is loot made for ``corpse``: it rots with it if still inside."""
        self._loot().setdefault(corpse.id, []).append(item.id)
        self.world.changed_state(STATE_NAME)

    def _loot(self) -> dict[str, list[str]]:
        state = self.state
        value = state.get("loot")
        if not isinstance(value, dict):  # a save from before loot was recorded
            value = state["loot"] = {}
        return value

    # -- decay --------------------------------------------------------------------------------

    def arm(self, corpse: Item, delay: float) -> None:
        old = self.timers.pop(corpse.id, None)
        if old is not None:
            old.cancel()
        where = corpse.location
        group = where.area if isinstance(where, Room) else None
        self.timers[corpse.id] = self.world.scheduler.call_later(
            delay, self.decay, corpse.id, group=group, owner=f"corpse {corpse.id}")
        self.state["due"][corpse.id] = self.world.clock.seconds() + delay
        self.world.changed_state(STATE_NAME)

    def _rearm(self) -> None:
        remade, self._remade = self._remade, []
        due = self.state["due"]
        now = self.world.clock.seconds()
        for item_id in remade:
            corpse = self.world.items.get(item_id)
            if corpse is None or item_id in self.timers:
                continue
            when = due.get(item_id)
            left = float(when) - now if isinstance(when, int | float) and \
                not isinstance(when, bool) else self._decay_time()
            self.arm(corpse, max(0.0, left))
        for item_id in [i for i in due if i not in self.world.items]:
            del due[item_id]  # rotted, or never saved where it lay
            self.world.changed_state(STATE_NAME)
        loot = self._loot()
        for item_id in [i for i in loot if i not in self.world.items]:
            del loot[item_id]
            self.world.changed_state(STATE_NAME)

    def decay(self, item_id: str) -> None:
        """``item_id`` rots: what it holds falls where it lies, except the loot made for
        it, which rots too."""
        self.timers.pop(item_id, None)
        if self.state["due"].pop(item_id, None) is not None:
            self.world.changed_state(STATE_NAME)
        own = self._loot().pop(item_id, None)
        if own is not None:
            self.world.changed_state(STATE_NAME)
        # Only a creature's corpse has loot of its own; only the ids made for it rot.
        rots = set(own) if isinstance(own, list) and "/npc/" in item_id else set()
        corpse = self.world.items.get(item_id)
        if corpse is None:
            return
        room = corpse.location if isinstance(corpse.location, Room) else None
        spilled = False
        for thing in list(corpse.contents or ()):
            if room is not None and thing.id not in rots:
                self.world.transfer(thing, room)
                spilled = True
        self.world.consume(corpse)
        if room is not None and room.characters:
            self.world.tell_room(room, Rot(corpse.name, spilled))


# Kept in world.parts under this name.
_CORPSES = "combat.corpses"


def corpses_of(world: World) -> Corpses:
    """The world's corpses (made on first use; making it registers the item maker)."""
    return world.part(_CORPSES, Corpses)


def _rot_text(e: Rot, p: Any) -> str:
    name = e.corpse[:1].upper() + e.corpse[1:]
    if e.spilled:
        return p.wrap(f"{name} crumbles to dust, and what it held falls to the ground.")
    return p.wrap(f"{name} rots away.")


def install() -> None:
    """Declare the corpses' world state and register the decay event's looks."""
    from mud.render import json_events, text

    STATE.declare_world(STATE_NAME, default_state)
    text.register(Rot, _rot_text)
    json_events.register(Rot, lambda e: {"corpse": e.corpse, "spilled": e.spilled})
