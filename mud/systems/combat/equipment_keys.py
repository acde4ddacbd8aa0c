"""Equipment's YAML keys: ``equip:`` on items and ``equipment:`` on NPCs.

``equip:`` is a slot (``equip: head``) or a mapping (``equip: {slot: wield, damage: 1d6,
hitroll: 1, level: 2}``), checked at load with file:line: the slot must be one of the
world's (world.yaml ``combat: slots``), ``damage`` dice only on a wielded weapon, the
numbers within bounds. It is attached to the item's template, so every copy is wearable.
``equipment: [item, ...]`` on an NPC lists things with ``equip:`` it wears (one per slot):
kept as templates in ``NPC.props``, seen on a look and counted by its vitals, and worn
again by a copy a reset brings back.
"""

from __future__ import annotations

from typing import Any

from mud.engine.model import NPC, Item, ItemTemplate
from mud.engine.world import World
from mud.systems.combat.dice import parse_dice
from mud.systems.combat.equipment import (
    KEY,
    MAX_HITROLL,
    MAX_LEVEL,
    MAX_STAT,
    NPC_KEY,
    NPC_PROP,
    PROP,
    WIELD,
    Spec,
    join,
    spec_of,
)
from mud.systems.combat.rules import DEFAULT_LEVELS, DEFAULT_SLOTS, rules_of
from mud.world_keys import Lookup
from mud.world_schema import Context as Where
from mud.world_schema import kind
from mud.world_yaml import shown


def _written_slots(lookup: Lookup) -> tuple[str, ...]:
    """The world's slots while an ``equip:`` is checked: those world.yaml writes during a
    full load (the world's rules are attached after every item is checked); the live
    world's rules when an area is reloaded or an entry re-attached (world.yaml is not read
    then: the defaults would make a world's own slot, 'shield', unwearable); the default
    where it writes none, or writes them wrong (an error of the rules' own check)."""
    for value in lookup.written("world", "combat").values():
        slots = value.get("slots") if isinstance(value, dict) else None
        if isinstance(slots, list) and slots and \
                all(isinstance(s, str) and s.strip() for s in slots):
            return tuple(s.strip().lower() for s in slots)
    live = _live_world(lookup)
    return rules_of(live).slots if live is not None else DEFAULT_SLOTS


def _last_level(lookup: Lookup) -> int:
    """The world's last level while an ``equip:`` is checked, found as the slots are: the
    length of the ``levels`` world.yaml writes (during a full load), else the live
    world's rules (an area reloaded), else the default levels'."""
    for value in lookup.written("world", "combat").values():
        levels = value.get("levels") if isinstance(value, dict) else None
        if isinstance(levels, list) and levels:
            return len(levels)
        if isinstance(value, dict):
            return len(DEFAULT_LEVELS)  # written without levels: the defaults
    live = _live_world(lookup)
    return rules_of(live).max_level if live is not None else len(DEFAULT_LEVELS)


def _live_world(lookup: Lookup) -> World | None:
    """The running world whose entries are being checked again (mud/world_check.py's live
    view carries it), or None during a load, which reads world.yaml itself."""
    world = getattr(getattr(lookup, "loader", None), "world", None)
    return world if isinstance(world, World) else None


# -- equip: on items ---------------------------------------------------------------------------

_EXAMPLE = "equip: {slot: wield, damage: 1d6}"
_NUMBERS = {"armour": MAX_STAT, "hp": MAX_STAT, "mp": MAX_STAT, "hitroll": MAX_HITROLL}


def check_equip(ctx: Where, value: Any, line: int | None, lookup: Lookup) -> Spec | None:
    """``equip: <slot>`` or ``equip: {slot, damage, armour, hp, mp, hitroll, level}``."""
    here = ctx.at(ctx.entry, line)
    slots = lookup.once(_written_slots)
    if isinstance(value, str):
        value = {"slot": value}
    if not isinstance(value, dict):
        here.error(f"'equip' must be a slot (equip: head) or a mapping such as {_EXAMPLE}, "
                   f"not {kind(value)}")
        return None
    allowed = {"slot": True, "damage": False, "armour": False, "hp": False, "mp": False,
               "hitroll": False, "level": False}
    data = here.check_keys(value, allowed, "'equip'")
    slot = data.get("slot")
    at = data.line_of("slot") or line
    if not isinstance(slot, str) or not slot.strip():
        if "slot" in data:
            here.error(f"'equip': 'slot' must be one of the world's slots "
                       f"({', '.join(slots)}), not {shown(slot)}", at)
        return None
    slot = slot.strip().lower()
    if slot not in slots:
        here.error(f"'equip': there is no slot {shown(slot)} in this world; its slots are "
                   f"{', '.join(slots)} (world.yaml combat: slots)", at)
        return None
    numbers: dict[str, int] = {}
    good = True
    for name, most in _NUMBERS.items():
        number = data.get(name, 0)
        if isinstance(number, bool) or not isinstance(number, int) or abs(number) > most:
            here.error(f"'equip': {name!r} must be a whole number from -{most} to {most}, "
                       f"not {shown(number)}", data.line_of(name) or line)
            good = False
        else:
            numbers[name] = number
    level = data.get("level", 1)
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= MAX_LEVEL:
        here.error(f"'equip': 'level' (the level needed to use it) must be a whole number "
                   f"from 1 to {MAX_LEVEL}, not {shown(level)}", data.line_of("level") or line)
        good = False
    elif level > (last := lookup.once(_last_level)):
        # Nobody could ever reach it: the thing could never be worn.
        here.error(f"'equip': 'level' is {level}, above this world's last level ({last}, "
                   f"world.yaml combat: levels): nobody could ever use it",
                   data.line_of("level") or line)
        good = False
    damage = None
    if "damage" in data:
        if slot != WIELD:
            here.error(f"'equip': 'damage' counts only on a wielded weapon (slot: {WIELD}); "
                       f"this is worn in {slot!r}: take 'damage' out or change the slot",
                       data.line_of("damage") or line)
            good = False
        else:
            try:
                damage = parse_dice(data["damage"])
            except ValueError as exc:
                here.error(f"'equip': 'damage': {exc}", data.line_of("damage") or line)
                good = False
    if not good:
        return None
    return Spec(slot, damage, level=level if isinstance(level, int) else 1, **numbers)


def attach_template(world: World, template: ItemTemplate, spec: Spec | None) -> None:
    # On the template: every copy is wearable, placed, bought or respawned.
    if spec is not None:
        template.props[PROP] = spec
        join(world)


def _attach_placed(world: World, item: Item, spec: Spec | None) -> None:
    """Nothing per placed item: the template carries it."""


# -- equipment: on NPCs --------------------------------------------------------------------------


def check_npc(ctx: Where, value: Any, line: int | None,
              lookup: Lookup) -> tuple[str, ...] | None:
    """``equipment: [item, ...]``: items with ``equip:``, at most one per slot."""
    here = ctx.at(ctx.entry, line)
    written = lookup.written("item", KEY)
    full_ids: list[str] = []
    taken: dict[str, str] = {}
    for word, word_line in here.words_at({NPC_KEY: value}, NPC_KEY):
        full = lookup.item(here, word, word_line, "'equipment'")
        if full is None:
            continue
        raw = written.get(full)
        if raw is None:
            here.error(f"'equipment': {full} has no 'equip:' in its items.yaml: only "
                       "things with a slot can be worn", word_line)
            continue
        slot = raw.get("slot") if isinstance(raw, dict) else raw
        slot = slot.strip().lower() if isinstance(slot, str) else ""
        if slot in taken:
            here.error(f"'equipment': {full} and {taken[slot]} both go in the {slot!r} "
                       "slot: list one of them", word_line)
            continue
        taken[slot] = full
        full_ids.append(full)
    return tuple(full_ids)


def attach_npc(world: World, npc: NPC, items: tuple[str, ...] | None) -> None:
    """A placed NPC wears its items' templates: shown on a look, counted by its vitals
    (not things in the world: an NPC's gear is not saved, and comes back with it)."""
    if not items:
        return
    gear: dict[str, ItemTemplate] = {}
    for full in items:
        template = world.templates.get(full)
        spec = spec_of(template) if template is not None else None
        if template is not None and spec is not None:
            gear[spec.slot] = template
    npc.props[NPC_PROP] = gear
    join(world)
    from mud.systems.resets import resets_of

    resets_of(world).join("combat.equipment",
                          respawner=lambda old, new: _respawned(old, new))


def _respawned(old: NPC, new: NPC) -> None:
    # A copy a reset brings back wears what the one loaded wore (its vitals, given fresh
    # by npc_vitals' respawner, fill to maxima counting this gear on their first look).
    gear = old.props.get(NPC_PROP)
    if isinstance(gear, dict) and gear:
        new.props[NPC_PROP] = dict(gear)


def install() -> None:
    """Register both keys with the loader."""
    from mud import world_keys

    world_keys.register_key(KEY, ("item",), check_equip, _attach_placed,
                            attach_template=attach_template)
    world_keys.register_key(NPC_KEY, ("npc",), check_npc, attach_npc)
