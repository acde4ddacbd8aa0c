"""What an NPC leaves when it dies: the ``loot:`` key on npcs.yaml entries.

::

    loot:
      coins: [2, 8]          # or one number; shared out among its killers at once
      items:                 # put in its corpse
        - wolf_pelt          # always
        - {item: wolf_fang, chance: 0.3}   # three times in ten

Items are made for each corpse with stable ids (``loot:<npc id>/<item>~<serial>``, the
resets' id scheme and item maker), so a save finds one a player carried off; the corpse
records which it was given, and those still in it when it rots rot with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mud.engine.model import NPC, Item
from mud.engine.world import World
from mud.world_keys import Lookup
from mud.world_schema import Context, kind
from mud.world_yaml import shown

KEY = "loot"
PROP = "loot"
MAX_COINS = 1_000_000
MAX_ITEMS = 20
EXAMPLE = "loot: {coins: [2, 8], items: [pelt, {item: fang, chance: 0.3}]}"


@dataclass(frozen=True)
class Loot:
    """An NPC's loot: coins from ``low`` to ``high``, and (item id, chance) pairs."""

    low: int = 0
    high: int = 0
    items: tuple[tuple[str, float], ...] = ()

    def coins(self, rng: Any) -> int:
        return rng.randint(self.low, self.high) if self.high > 0 else 0

    def drops(self, rng: Any) -> list[str]:
        return [tid for tid, chance in self.items if chance >= 1.0 or rng.random() < chance]


def loot_of(npc: NPC) -> Loot | None:
    found = npc.props.get(PROP)
    return found if isinstance(found, Loot) else None


def fill(world: World, npc: NPC, corpse: Item) -> None:
    """Put ``npc``'s item loot into its ``corpse``."""
    from mud.systems.combat.corpses import LOOT_PREFIX, corpses_of
    from mud.systems.resets import resets_of

    loot = loot_of(npc)
    if loot is None:
        return
    for template_id in loot.drops(world.scheduler.rng):
        if template_id in world.templates:  # a builder may have taken it out since
            item = resets_of(world).new_item(f"{LOOT_PREFIX}{npc.id}", template_id)
            world.transfer(item, corpse)
            corpses_of(world).mark_loot(corpse, item)  # only this rots with the corpse


# -- the world's YAML ----------------------------------------------------------------------------


def _coins(here: Context, value: Any, line: int | None) -> tuple[int, int] | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COINS:
        return value, value
    if isinstance(value, list) and len(value) == 2 and \
            all(isinstance(v, int) and not isinstance(v, bool) for v in value) and \
            0 <= value[0] <= value[1] <= MAX_COINS:
        return value[0], value[1]
    here.error(f"'loot': 'coins' must be a number of coins or a range [least, most] (from 0 "
               f"to {MAX_COINS}), such as coins: [2, 8], not {shown(value)}", line)
    return None


def check_loot(ctx: Context, value: Any, line: int | None, lookup: Lookup) -> Loot | None:
    """``loot: {coins: N or [low, high], items: [item or {item, chance}, ...]}``."""
    here = ctx.at(ctx.entry, line)
    if not isinstance(value, dict):
        here.error(f"'loot' must be a mapping such as {EXAMPLE}, not {kind(value)}")
        return None
    data = here.check_keys(value, {"coins": False, "items": False}, "'loot'")
    low = high = 0
    if "coins" in data:
        coins = _coins(here, data["coins"], data.line_of("coins") or line)
        if coins is None:
            return None
        low, high = coins
    items: list[tuple[str, float]] = []
    listed = data.get("items", [])
    at = data.line_of("items") or line
    if not isinstance(listed, list):
        here.error(f"'loot': 'items' must be a list such as [pelt, {{item: fang, chance: "
                   f"0.3}}], not {kind(listed)}", at)
        return None
    if len(listed) > MAX_ITEMS:
        here.error(f"'loot': 'items' lists {len(listed)} things; at most {MAX_ITEMS}", at)
        return None
    for index, entry in enumerate(listed):
        where = f"'loot' item {index + 1}"
        entry_line = listed.line_of(index) if hasattr(listed, "line_of") else at
        ref, chance = entry, 1.0
        if isinstance(entry, dict):
            part = here.check_keys(entry, {"item": True, "chance": False}, where)
            ref = part.get("item")
            chance = part.get("chance", 1.0)
            if isinstance(chance, bool) or not isinstance(chance, int | float) or \
                    not 0 < chance <= 1:
                here.error(f"{where}: 'chance' must be a number above 0 and at most 1 (0.3: "
                           f"three times in ten), not {shown(chance)}",
                           part.line_of("chance") or entry_line)
                continue
        full = lookup.item(here, ref, entry_line, where)
        if full is not None:
            items.append((full, float(chance)))
    return Loot(low, high, tuple(items))


def attach_loot(world: World, npc: NPC, loot: Loot | None) -> None:
    from mud.systems.combat.corpses import corpses_of
    from mud.systems.resets import resets_of

    if loot is None:
        return
    npc.props[PROP] = loot
    corpses_of(world)  # the corpses' item maker, before a save's items are restored

    def again(old: NPC, new: NPC) -> None:
        if PROP in old.props:
            new.props[PROP] = old.props[PROP]

    resets_of(world).join("loot", respawner=again)


def install() -> None:
    from mud import world_keys

    world_keys.register_key(KEY, ("npc",), check_loot, attach_loot)
