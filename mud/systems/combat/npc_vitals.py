"""The ``combat:`` key on npcs.yaml entries: an NPC that can fight, and what it is worth.

::

    wolf:
      name: a grey wolf
      combat: {level: 2, hp: 18, damage: 1d6, armour: 1, hitroll: 0, xp: 30}

``level`` and ``hp`` are required; ``mp`` and ``mv`` default to a player's maxima at that
level, ``damage`` to 1d4, ``armour`` and ``hitroll`` to 0, and ``xp`` (what killing it is
worth) to the rules' ``npc_xp`` times its level. Each placed copy gets full points in
``npc.props["vitals"]`` (an ``NpcState``); a copy a reset brings back gets fresh ones
(``resets_of(world).join(..., respawner=...)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mud.engine.model import NPC
from mud.engine.world import World
from mud.systems.combat.dice import Dice, parse_dice
from mud.systems.combat.rules import MAX_POINTS, MAX_XP, Rules, rules_of
from mud.world_schema import Context, kind
from mud.world_yaml import shown

KEY = "combat"
MAX_LEVEL = 200
MAX_ARMOUR = 1000
MAX_HITROLL = 100
DEFAULT_DAMAGE = Dice(1, 4, 0)
EXAMPLE = "combat: {level: 2, hp: 18, damage: 1d6, xp: 30}"


@dataclass(frozen=True)
class NpcSpec:
    """An NPC's ``combat:`` as checked (None: worked out from the rules when used)."""

    level: int = 1
    hp: int = 10
    mp: int | None = None
    mv: int | None = None
    damage: Dice = DEFAULT_DAMAGE
    armour: int = 0
    hitroll: int = 0
    xp: int | None = None

    def max_mp(self, rules: Rules) -> int:
        return self.mp if self.mp is not None else rules.maxima(self.level).mp

    def max_mv(self, rules: Rules) -> int:
        return self.mv if self.mv is not None else rules.maxima(self.level).mv

    def worth(self, rules: Rules) -> int:
        return self.xp if self.xp is not None else rules.npc_xp * self.level


class NpcState:
    """What ``npc.props["vitals"]`` holds: its ``combat:`` (an ``NpcSpec``) and its points."""

    __slots__ = ("fresh", "points", "spec")

    def __init__(self, spec: NpcSpec, rules: Rules) -> None:
        self.spec = spec
        self.points = {"hp": spec.hp, "mp": spec.max_mp(rules), "mv": spec.max_mv(rules)}
        # Untouched since it appeared: its first look fills it to maxima that count what it
        # wears (its equipment is attached after its combat: at load).
        self.fresh = True


def _whole(here: Context, data: Any, key: str, low: int, high: int, default: Any) -> Any:
    if key not in data:
        return default
    value = data[key]
    line = data.line_of(key)
    if isinstance(value, bool) or not isinstance(value, int):
        here.error(f"'combat': {key!r} must be a whole number ({EXAMPLE}), not {kind(value)} "
                   f"({shown(value) if not isinstance(value, dict | list) else '...'})", line)
        return default
    if not low <= value <= high:
        here.error(f"'combat': {key!r} is {value}; it must be from {low} to {high}", line)
        return default
    return value


def check_npc_combat(ctx: Context, value: Any, line: int | None, lookup: Any) -> NpcSpec | None:
    """``combat: {level, hp, mp?, mv?, damage?, armour?, hitroll?, xp?}``."""
    here = ctx.at(ctx.entry, line)
    if not isinstance(value, dict):
        here.error(f"'combat' must be a mapping such as {EXAMPLE}, not {kind(value)}")
        return None
    data = here.check_keys(value, {"level": True, "hp": True, "mp": False, "mv": False,
                                   "damage": False, "armour": False, "hitroll": False,
                                   "xp": False}, "'combat'")
    level = _whole(here, data, "level", 1, MAX_LEVEL, 1)
    hp = _whole(here, data, "hp", 1, MAX_POINTS, 10)
    mp = _whole(here, data, "mp", 0, MAX_POINTS, None)
    mv = _whole(here, data, "mv", 0, MAX_POINTS, None)
    armour = _whole(here, data, "armour", -MAX_ARMOUR, MAX_ARMOUR, 0)
    hitroll = _whole(here, data, "hitroll", -MAX_HITROLL, MAX_HITROLL, 0)
    xp = _whole(here, data, "xp", 0, MAX_XP, None)
    damage = DEFAULT_DAMAGE
    if "damage" in data:
        try:
            damage = parse_dice(data["damage"])
        except ValueError as exc:
            here.error(f"'combat': 'damage': {exc}", data.line_of("damage"))
    return NpcSpec(level, hp, mp, mv, damage, armour, hitroll, xp)


def give(world: World, npc: NPC, spec: NpcSpec) -> None:
    """``npc`` can fight from now on, with full points."""
    npc.props["vitals"] = NpcState(spec, rules_of(world))


def attach_npc_combat(world: World, npc: NPC, spec: NpcSpec | None) -> None:
    if spec is None:
        return
    give(world, npc, spec)
    from mud.systems.combat.vitals import live_of
    from mud.systems.resets import resets_of

    live_of(world)
    resets_of(world).join("combat.vitals", respawner=lambda old, new: _respawned(world, old, new))


def _respawned(world: World, old: NPC, new: NPC) -> None:
    # A copy brought back by a reset fights as the one loaded did, at full points.
    state = old.props.get("vitals")
    spec = getattr(state, "spec", None)
    if isinstance(spec, NpcSpec):
        give(world, new, spec)


def install() -> None:
    from mud import world_keys

    world_keys.register_key(KEY, ("npc",), check_npc_combat, attach_npc_combat)
