"""Equipment: what a character wears, wields and holds, and the numbers it adds.

The world's YAML gives an item ``equip:`` (its slot, from the world's ``combat: slots``,
and what it adds: weapon damage dice, armour, hit points, mana, a to-hit bonus, and the
level needed to use it); NPCs may be given ``equipment:`` (a list of such items they
wear). This module holds the rules and the saved state; the YAML keys' checks are in
``equipment_keys``, the commands in ``equipment_commands`` and the events in
``equipment_events``.

A worn item stays in the character's inventory (saved where it is, as any carried thing):
the declared character state ``"equipment"`` ({slot: item id}) says which carried items
are worn. So nothing about saving items changes, and an entry whose item is no longer
carried (lost at death, taken away by a reload) is simply not worn any more: it is
dropped when next read. While worn, a keeper (``World.keepers``) stops it being dropped,
given or put away, and ``inventory`` leaves it out (``equipment`` lists it).

``install()`` registers the key, the state, a bonus for the vitals (mud/systems/combat
/vitals.py), the keeper, a detailer (``look <someone>`` lists what they wear), the
commands and the events, and hooks that keep the player's equipment panel and GMCP
``Char.Items`` up to date.
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass
from typing import Any

from mud import systems
from mud.engine import state
from mud.engine.model import NPC, Character, Item, ItemTemplate
from mud.engine.world import World
from mud.systems.combat.dice import Dice

# The YAML key on items, the template prop it sets, and the declared character state.
KEY = "equip"
PROP = "equip"
STATE = "equipment"
# The YAML key on NPCs (what they wear) and where a placed NPC keeps it (NPC.props).
NPC_KEY = "equipment"
NPC_PROP = "equipment"
# The slots whose items are wielded and held (``wield`` and ``hold`` commands); every other
# slot is worn.
WIELD = "wield"
HOLD = "hold"
# Bounds on what an item may add, so a typo cannot make a god: armour, hit points and mana
# within a thousand either way, to-hit within a hundred, a needed level up to a thousand.
MAX_STAT = 1000
MAX_HITROLL = 100
MAX_LEVEL = 1000

# How a slot reads in the equipment list ("on head") and in "You wear it ...".
LABELS = {"wield": "wielded", "hold": "held", "neck": "around neck",
          "waist": "around waist", "about": "about body", "shield": "as shield"}
PHRASES = {"neck": "around your neck", "waist": "around your waist",
           "about": "about your body", "shield": "as a shield"}


def label(slot: str) -> str:
    """How ``slot`` reads in a list of what someone wears: "wielded", "on head"."""
    return LABELS.get(slot, f"on {slot}")


def phrase(slot: str) -> str:
    """Where a worn thing goes, for "You wear a leather cap on your head."."""
    return PHRASES.get(slot, f"on your {slot}")


@dataclass(frozen=True)
class Spec:
    """An item as its ``equip:`` declares it."""

    slot: str
    damage: Dice | None = None
    armour: int = 0
    hp: int = 0
    mp: int = 0
    hitroll: int = 0
    level: int = 1


def spec_of(thing: Item | ItemTemplate) -> Spec | None:
    """What ``thing`` is as equipment (None: it cannot be worn)."""
    template = thing.template if isinstance(thing, Item) else thing
    spec = template.props.get(PROP)
    return spec if isinstance(spec, Spec) else None


# -- the world's slots ------------------------------------------------------------------------


def slots_of(world: World) -> tuple[str, ...]:
    """The world's slots in the order equipment is listed (world.yaml ``combat: slots``)."""
    from mud.systems.combat.rules import rules_of

    return tuple(rules_of(world).slots)


# -- who wears what -------------------------------------------------------------------------------


def _saved(character: Character) -> dict[str, str]:
    worn = state.of(character, STATE)
    if not isinstance(worn, dict):  # a damaged save: nothing worn
        worn = character.state[STATE] = {}
    return worn


def worn(world: World, who: Character | NPC) -> dict[str, Item | ItemTemplate]:
    """What ``who`` wears, slot -> item, in the world's slot order. For a character in the
    game, an entry whose item is no longer carried (or no longer wearable there) is
    forgotten here (and the change saved)."""
    if isinstance(who, NPC):
        gear = who.props.get(NPC_PROP) or {}
        return {slot: gear[slot] for slot in slots_of(world) if slot in gear}
    saved = _saved(who)
    if not saved:
        return {}
    found: dict[str, Item | ItemTemplate] = {}
    stale = []
    for slot, item_id in saved.items():
        item = world.items.get(item_id) if isinstance(item_id, str) else None
        spec = spec_of(item) if item is not None else None
        # Gone from the hands, or no longer that kind of thing (a builder's reload).
        if item is None or item.location is not who or spec is None or spec.slot != slot:
            stale.append(slot)
        else:
            found[slot] = item
    # Forgotten only while in the game: out of it (before a login has put the saved things
    # back in the hands, after a logout took them) nothing is carried, and nothing is lost.
    if stale and world.online.get(who.key) is who:
        for slot in stale:
            del saved[slot]
        world.changed(who)
    order = slots_of(world)
    return {slot: found[slot] for slot in order if slot in found}


def slot_of(character: Character, item: Item) -> str | None:
    """The slot ``item`` is worn in by ``character`` (None: not worn)."""
    for slot, item_id in _saved(character).items():
        if item_id == item.id:
            return slot
    return None


def restore(world: World, character: Character) -> list[str]:
    """At login: keep only the saved entries that still make sense (the item carried, still
    wearable, in that slot, which the world still has). Returns the slots let go."""
    saved = _saved(character)
    slots = set(slots_of(world))
    carried = {item.id: item for item in character.inventory}
    gone = []
    for slot, item_id in list(saved.items()):
        item = carried.get(item_id) if isinstance(item_id, str) else None
        spec = spec_of(item) if item is not None else None
        if item is None or spec is None or spec.slot != slot or slot not in slots:
            gone.append(slot)
            del saved[slot]
    if gone:
        world.changed(character)
    return gone


def put_on(world: World, character: Character, item: Item) -> Item | None:
    """Wear ``item`` (carried, wearable) in its slot; returns what was there before (still
    carried, now loose). The caller checked the level and tells everyone."""
    spec = spec_of(item)
    assert spec is not None
    before = worn(world, character).get(spec.slot)
    _saved(character)[spec.slot] = item.id
    world.changed(character)
    return before if isinstance(before, Item) else None


def take_off(world: World, character: Character, item: Item) -> bool:
    """Stop wearing ``item`` (it stays carried). False if it was not worn."""
    slot = slot_of(character, item)
    if slot is None:
        return False
    del _saved(character)[slot]
    world.changed(character)
    return True


def take_off_all(world: World, character: Character) -> list[Item]:
    """Stop wearing everything (death, a corpse taking what was carried): returns what was
    worn, still carried. The death part calls this before emptying the hands."""
    items = [i for i in worn(world, character).values() if isinstance(i, Item)]
    if _saved(character):
        _saved(character).clear()
        world.changed(character)
        from mud.systems.combat.equipment_events import send_soon

        # Once the caller is done (the things gone into a corpse): the panel empties.
        send_soon(world, character)
    return items


def level_needed(world: World, character: Character, item: Item) -> str | None:
    """Why ``character`` is not yet able to use ``item`` (its level), or None."""
    spec = spec_of(item)
    if spec is None or spec.level <= 1:
        return None
    from mud.systems.combat.vitals import vitals_of

    vitals = vitals_of(world, character)
    level = vitals.level if vitals is not None else 1
    if level >= spec.level:
        return None
    return (f"You must be level {spec.level} to use {item.name}; you are level {level}.")


# -- the seams: keeper, bonus, detailer ------------------------------------------------------


def handle(item: Item | ItemTemplate) -> str:
    """The word a player would type for ``item``: the last word of its name that is one of
    its keywords ("cap" of "a leather cap"), else its first keyword."""
    from mud.engine.matching import keywords_from_name

    words = [w for w in keywords_from_name(item.name) if w in item.keywords]
    return words[-1] if words else (item.keywords[0] if item.keywords else item.name)


def keeper(character: Character, item: Item) -> str | None:
    """A worn item cannot be dropped, given or put away: say what to do instead."""
    slot = slot_of(character, item) if character.state.get(STATE) else None
    if slot is None:
        return None
    doing = "wielding" if slot == WIELD else "holding" if slot == HOLD else "wearing"
    return f"You are {doing} {item.name}: type 'remove {handle(item)}' first."


def bonus(world: World, who: Character | NPC) -> dict[str, Any]:
    """What ``who``'s equipment adds to its vitals: armour, max hp and mp, hitroll, and
    the wielded weapon's damage dice and name."""
    gear = worn(world, who)
    if not gear:
        return {}
    added: dict[str, Any] = {"armour": 0, "max_hp": 0, "max_mp": 0, "hitroll": 0}
    for slot, thing in gear.items():
        spec = spec_of(thing)
        if spec is None:
            continue
        added["armour"] += spec.armour
        added["max_hp"] += spec.hp
        added["max_mp"] += spec.mp
        added["hitroll"] += spec.hitroll
        if slot == WIELD:
            # A wielded thing with no 'damage' (a walking stick) hits as bare hands do
            # (an NPC: as its own combat: damage), but it is what score and the blows name.
            if spec.damage is not None:
                added["damage"] = spec.damage
            added["weapon"] = thing.name
    return added


def lines_for(world: World, who: Character | NPC) -> list[str]:
    """What ``who`` wears as a look shows it: a heading, then a line per slot."""
    gear = worn(world, who)
    if not gear:
        return []
    name = who.name[:1].upper() + who.name[1:]
    return [f"{name} is using:"] + [f"  {label(slot)}: {thing.name}"
                                     for slot, thing in gear.items()]


def detail(world: World, thing: object, looker: Character) -> list[str]:
    """The detailer (``World.detailers``): a look at someone lists what they wear."""
    if isinstance(thing, Character | NPC):
        return lines_for(world, thing)
    return []


# The worlds this system's seams hang on (each joins once, as it is built).
_JOINED: weakref.WeakSet[World] = weakref.WeakSet()


def join(world: World) -> None:
    """Hang the keeper, the detailer and the hooks on ``world``, once. Every world gets
    them as it is built (``systems.on_world``), whether or not its files have anything to
    wear (a builder may make a wearable thing later, and the login state is sent either
    way); attaching a wearable template or NPC gear calls this again, which does nothing."""
    if world in _JOINED:
        return
    _JOINED.add(world)
    from mud.systems.combat import equipment_events

    world.keepers.append(keeper)
    world.detailers.append(functools.partial(detail, world))
    equipment_events.join(world)


def install() -> None:
    """Register the keys, the state, the seams, the commands and the events."""
    from mud.systems.combat import equipment_commands, equipment_events, equipment_keys, vitals

    equipment_keys.install()
    state.STATE.declare_character(STATE, dict)
    # Every world gets the keeper and the hooks, even one with nothing to wear in its
    # files: a builder may create a wearable thing later.
    systems.on_world(join)
    vitals.register_bonus(bonus)
    equipment_events.install()
    equipment_commands.install()
