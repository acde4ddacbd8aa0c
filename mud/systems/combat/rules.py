"""The world's numbers for combat and progression: world.yaml's ``combat:`` key.

Every field is optional; a world that writes no ``combat:`` at all plays by ``Rules()``::

    combat:
      start: {hp: 20, mp: 10, mv: 60}       # a level 1 character's maxima
      per_level: {hp: 8, mp: 4, mv: 5}     # added to them by each level after the first
      levels: [0, 100, 250, 500, 900]      # xp needed to BE level 1, 2, 3...: 5 levels here
      regen: {every: 5, hp: 2, mp: 1, mv: 4}   # seconds between ticks; points per tick
      slots: [wield, hold, head, body, arms, hands, legs, feet, neck, finger]
      currency: coin                       # plural by the engine's pluralise ("coins")
      start_gold: 0                        # what a new character carries
      recall: village:chapel               # where `recall` and the dead go (default: start)
      death: {xp_loss: 0.1, gold_loss: 0.25}   # fractions a death costs
      pvp: false                           # players may attack players
      corpse_decay: 300                    # seconds an NPC's corpse lies before it rots
      npc_xp: 15                           # xp an NPC is worth per level when it says none
      move_cost: 1                         # a step's movement, or {default: 1, forest: 2}
      flee_cost: 5                         # a flee's movement
      mend: {cost: 5, heals: 2d4+2}        # mend's mana, and the health it gives back
      titles: [Newcomer, Wayfarer]         # what a level calls you (past the end: the last)

``regen`` also takes ``resting: 2`` (what resting multiplies a tick by). ``move_cost``,
``flee_cost`` and ``mend`` are checked in mud/systems/combat/moves_rules.py.

``rules_of(world)`` gives the world's ``Rules`` (the defaults until the key is attached).
The check here is what the loader runs (kind ``"world"`` of mud/world_keys.py): errors
name world.yaml and the line, as for every other key.
"""

from __future__ import annotations

import bisect
import weakref
from dataclasses import dataclass, field, fields
from typing import Any

from mud.engine.grouping import pluralise
from mud.engine.model import Room
from mud.engine.world import World
from mud.systems.combat.moves_rules import (
    MAX_RESTING,
    Mend,
    MoveCost,
    check_flee_cost,
    check_mend,
    check_move_cost,
)
from mud.world_schema import Context, kind
from mud.world_yaml import shown

KEY = "combat"
# Bounds a builder's numbers must keep: generous, but no overflowing sums or runaway timers.
MAX_POINTS = 100_000
MAX_LEVELS = 200
MAX_XP = 1_000_000_000
MIN_TICK, MAX_TICK = 1.0, 3600.0
MIN_DECAY, MAX_DECAY = 5.0, 7 * 24 * 3600.0
MAX_SLOTS = 30
# The longest title a level may give (characters).
MAX_TITLE = 30
MAX_GOLD = 1_000_000_000


class _Keyed:
    """Fields read as attributes (``rules.start.hp``) or as keys (``rules.start["hp"]``)."""

    def __getitem__(self, name: str) -> Any:
        if name not in self.keys():
            raise KeyError(name)
        return getattr(self, name)

    def keys(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self))  # type: ignore[arg-type]

    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self, name) if name in self.keys() else default


@dataclass(frozen=True)
class Points(_Keyed):
    """Health, mana (or energy) and movement: maxima, or what a level or a tick adds."""

    hp: int = 0
    mp: int = 0
    mv: int = 0


@dataclass(frozen=True)
class Regen(_Keyed):
    """Points given back every ``every`` seconds to whoever is below their maximum."""

    every: float = 5.0
    hp: int = 2
    mp: int = 1
    mv: int = 4
    # What a resting character's ticks are multiplied by (mud/systems/combat/moves.py).
    resting: int = 2


@dataclass(frozen=True)
class Death(_Keyed):
    """What a death costs: fractions of the xp earned within the current level, and of the
    coins carried."""

    xp_loss: float = 0.1
    gold_loss: float = 0.25


DEFAULT_LEVELS = (0, 100, 250, 500, 900, 1400, 2000, 2700, 3500, 4400)
DEFAULT_SLOTS = ("wield", "hold", "head", "body", "arms", "hands", "legs", "feet", "neck",
                 "finger")


@dataclass(frozen=True)
class Rules:
    """One world's combat and progression numbers (see the module docstring)."""

    start: Points = Points(20, 10, 60)
    per_level: Points = Points(8, 4, 5)
    levels: tuple[int, ...] = DEFAULT_LEVELS
    regen: Regen = Regen()
    slots: tuple[str, ...] = DEFAULT_SLOTS
    currency: str = "coin"
    start_gold: int = 0
    # A room id ("village:chapel"); "" is the world's start.
    recall: str = ""
    death: Death = Death()
    pvp: bool = False
    corpse_decay: float = 300.0
    npc_xp: int = 15
    currency_plural: str = field(default="", compare=False)
    move_cost: MoveCost = field(default_factory=MoveCost)
    flee_cost: int = 5
    mend: Mend = field(default_factory=Mend)
    # A title per level (Char.Status' class-like field; "" when the world gives none).
    titles: tuple[str, ...] = ()

    @property
    def max_level(self) -> int:
        return len(self.levels)

    def title(self, level: int) -> str:
        """What ``level`` calls a character here (the last title for levels past them)."""
        if not self.titles:
            return ""
        return self.titles[min(max(1, level), len(self.titles)) - 1]

    def level_for(self, xp: int) -> int:
        """The level ``xp`` experience makes (1 at least; at most ``max_level``)."""
        return max(1, bisect.bisect_right(self.levels, xp))

    def xp_for(self, level: int) -> int:
        """The experience needed to be ``level`` (0 for level 1)."""
        level = min(max(1, level), self.max_level)
        return self.levels[level - 1]

    def xp_next(self, level: int) -> int | None:
        """The experience needed for the level after ``level`` (None at the top level)."""
        return self.levels[level] if 1 <= level < self.max_level else None

    def maxima(self, level: int) -> Points:
        """A character's maxima at ``level`` before anything worn adds to them."""
        extra = max(0, level - 1)
        return Points(self.start.hp + self.per_level.hp * extra,
                      self.start.mp + self.per_level.mp * extra,
                      self.start.mv + self.per_level.mv * extra)

    def coins(self, amount: int) -> str:
        """``amount`` in the world's currency: "1 coin", "12 coins"."""
        plural = self.currency_plural or pluralise(self.currency)
        return f"{amount} {self.currency if amount == 1 else plural}"


_RULES: weakref.WeakKeyDictionary[World, Rules] = weakref.WeakKeyDictionary()
_DEFAULT = Rules()


def rules_of(world: World) -> Rules:
    """The world's rules: what its world.yaml ``combat:`` says, else the defaults."""
    return _RULES.get(world, _DEFAULT)


def set_rules(world: World, rules: Rules) -> None:
    """Give ``world`` its rules (the key's attach; tests may call it directly)."""
    _RULES[world] = rules


def recall_room(world: World) -> Room:
    """Where ``recall`` and the dead go: the rules' room if the world has it, else the
    world's start (a room taken away by a builder since the load falls back too)."""
    room = world.rooms.get(rules_of(world).recall)
    return room if room is not None else world.start


# -- the world's YAML ------------------------------------------------------------------------


def _number(here: Context, data: Any, key: str, what: str, low: float, high: float,
            whole: bool, default: Any, example: str) -> Any:
    if key not in data:
        return default
    value = data[key]
    line = data.line_of(key) if hasattr(data, "line_of") else None
    wanted = "a whole number" if whole else "a number"
    if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
        here.error(f"{what} must be {wanted} ({example}), not {kind(value)} "
                   f"({shown(value) if not isinstance(value, dict | list) else '...'})", line)
        return default
    if not low <= value <= high:
        here.error(f"{what} is {shown(value)}; it must be from {low:g} to {high:g}", line)
        return default
    return value


def _points(here: Context, data: Any, key: str, default: Any, cls: type, low: int,
            example: str) -> Any:
    """A ``{hp, mp, mv}`` mapping (``regen`` adds ``every``) over ``default``."""
    if key not in data:
        return default
    value = data[key]
    line = data.line_of(key) if hasattr(data, "line_of") else None
    if not isinstance(value, dict):
        here.error(f"'combat': {key!r} must be a mapping such as {example}, not "
                   f"{kind(value)}", line)
        return default
    names = {f.name: False for f in fields(cls)}
    checked = here.check_keys(value, names, f"'combat': {key!r}")
    given = {}
    for name in names:
        if name == "every":
            given[name] = float(_number(here, checked, name, f"'combat': '{key}.every'",
                                        MIN_TICK, MAX_TICK, False, default.every, example))
        elif name == "resting":
            given[name] = _number(here, checked, name, f"'combat': '{key}.resting'", 1,
                                  MAX_RESTING, True, default.resting, "regen: {resting: 2}")
        else:
            given[name] = _number(here, checked, name, f"'combat': '{key}.{name}'", low,
                                  MAX_POINTS, True, getattr(default, name), example)
    return cls(**given)


def check_combat(ctx: Context, value: Any, line: int | None, lookup: Any) -> Rules:
    """world.yaml's ``combat:``: every key optional (see the module docstring)."""
    here = ctx.at(ctx.entry or "'combat'", line)
    if value is None or value == {}:
        return Rules()
    if not isinstance(value, dict):
        here.error(f"'combat' must be a mapping such as combat: {{recall: village:chapel}}, "
                   f"not {kind(value)}")
        return Rules()
    allowed = {f.name: False for f in fields(Rules) if f.name != "currency_plural"}
    data = here.check_keys(value, allowed, "'combat'")
    base = Rules()
    start = _points(here, data, "start", base.start, Points, 0,
                    "start: {hp: 20, mp: 10, mv: 60}")
    if start.hp < 1:
        here.error("'combat': 'start.hp' must be 1 at least: a character starts alive",
                   data.line_of("start"))
        start = Points(base.start.hp, start.mp, start.mv)
    per_level = _points(here, data, "per_level", base.per_level, Points, 0,
                        "per_level: {hp: 8, mp: 4, mv: 5}")
    regen = _points(here, data, "regen", base.regen, Regen, 0,
                    "regen: {every: 5, hp: 2, mp: 1, mv: 4}")
    levels = _levels(here, data, base.levels)
    slots = _slots(here, data, base.slots)
    currency = base.currency
    if "currency" in data:
        currency = " ".join(here.text(data, "currency", base.currency).split()) or \
            base.currency
        if len(currency) > 30:
            here.error("'combat': 'currency' is a short name (30 characters at most), such "
                       "as coin or silver penny", data.line_of("currency"))
            currency = base.currency
    recall = ""
    if "recall" in data:
        recall = _recall(here, data, lookup)
    death = _death(here, data, base.death)
    pvp = here.flag(data, "pvp", base.pvp)
    decay = float(_number(here, data, "corpse_decay", "'combat': 'corpse_decay'", MIN_DECAY,
                          MAX_DECAY, False, base.corpse_decay, "corpse_decay: 300"))
    start_gold = _number(here, data, "start_gold", "'combat': 'start_gold'", 0, MAX_GOLD,
                         True, base.start_gold, "start_gold: 10")
    npc_xp = _number(here, data, "npc_xp", "'combat': 'npc_xp'", 0, MAX_XP, True,
                     base.npc_xp, "npc_xp: 15")
    return Rules(start, per_level, levels, regen, slots, currency, start_gold, recall, death,
                 pvp, decay, npc_xp, pluralise(currency),
                 move_cost=check_move_cost(here, data, base.move_cost),
                 flee_cost=check_flee_cost(here, data, base.flee_cost),
                 mend=check_mend(here, data, base.mend),
                 titles=_titles(here, data, len(levels)))


def _titles(here: Context, data: Any, levels: int) -> tuple[str, ...]:
    """``titles: [Newcomer, Wayfarer, ...]``: one short text per level, at most as many as
    there are levels."""
    if "titles" not in data:
        return ()
    value = data["titles"]
    if not isinstance(value, list):
        here.error(f"'combat': 'titles' must be a list, one title a level, such as titles: "
                   f"[Newcomer, Wayfarer], not {kind(value)}", data.line_of("titles"))
        return ()
    found: list[str] = []
    for n, raw in enumerate(value):
        at = value.line_of(n) if hasattr(value, "line_of") else data.line_of("titles")
        title = " ".join(raw.split()) if isinstance(raw, str) else ""
        if not title:
            here.error(f"'combat': title {n + 1} must be text, such as Wayfarer, not "
                       f"{kind(raw)}", at)
            continue
        if len(title) > MAX_TITLE:
            here.error(f"'combat': a title is {MAX_TITLE} characters at most, not "
                       f"{len(title)}: {shown(title)}", at)
            continue
        found.append(title)
    if len(found) > levels:
        here.error(f"'combat': 'titles' names {len(found)} titles for {levels} levels: "
                   "one a level at most", data.line_of("titles"))
        return tuple(found[:levels])
    return tuple(found)


def _levels(here: Context, data: Any, default: tuple[int, ...]) -> tuple[int, ...]:
    if "levels" not in data:
        return default
    value = data["levels"]
    line = data.line_of("levels")
    example = "levels: [0, 100, 250, 500]"
    if not isinstance(value, list) or not value:
        here.error(f"'combat': 'levels' must be a list of the xp each level needs, starting "
                   f"at 0 ({example}), not {kind(value)}", line)
        return default
    if len(value) > MAX_LEVELS:
        here.error(f"'combat': 'levels' lists {len(value)} levels; at most {MAX_LEVELS}", line)
        return default
    levels: list[int] = []
    for index, xp in enumerate(value):
        at = value.line_of(index) if hasattr(value, "line_of") else line
        if isinstance(xp, bool) or not isinstance(xp, int) or not 0 <= xp <= MAX_XP:
            here.error(f"'combat': 'levels', item {index + 1} must be a whole number of xp "
                       f"from 0 to {MAX_XP}, not {shown(xp)}", at)
            return default
        if levels and xp <= levels[-1]:
            here.error(f"'combat': 'levels' must grow: level {index + 1} needs {xp} xp, no "
                       f"more than level {index} ({levels[-1]})", at)
            return default
        levels.append(xp)
    if levels[0] != 0:
        here.error(f"'combat': 'levels' must start at 0 (level 1 needs no xp), not "
                   f"{levels[0]}: {example}", line)
        return default
    return tuple(levels)


def _slots(here: Context, data: Any, default: tuple[str, ...]) -> tuple[str, ...]:
    if "slots" not in data:
        return default
    words = [w.lower() for w in here.word_list(data, "slots")]
    line = data.line_of("slots")
    if not words:
        here.error("'combat': 'slots' must list at least one slot, such as slots: "
                   "[wield, body]", line)
        return default
    if len(words) > MAX_SLOTS:
        here.error(f"'combat': 'slots' lists {len(words)} slots; at most {MAX_SLOTS}", line)
        return default
    twice = sorted({w for w in words if words.count(w) > 1})
    if twice:
        here.error(f"'combat': 'slots' lists {', '.join(twice)} more than once", line)
        return default
    return tuple(words)


def _recall(here: Context, data: Any, lookup: Any) -> str:
    ref = data["recall"]
    line = data.line_of("recall")
    if not isinstance(ref, str) or not ref.strip():
        here.error(f"'combat': 'recall' must be a room id such as village:chapel, not "
                   f"{kind(ref)}", line)
        return ""
    ref = ref.strip()
    if ":" not in ref:
        here.error(f"'combat': 'recall' must name the room with its area, as "
                   f"area:room (village:chapel), not {shown(ref)}", line)
        return ""
    room = lookup.room(here, ref, line, "'combat' recall") if lookup is not None else None
    return room.id if room is not None else ""


def _death(here: Context, data: Any, default: Death) -> Death:
    if "death" not in data:
        return default
    value = data["death"]
    example = "death: {xp_loss: 0.1, gold_loss: 0.25}"
    if not isinstance(value, dict):
        here.error(f"'combat': 'death' must be a mapping such as {example}, not "
                   f"{kind(value)}", data.line_of("death"))
        return default
    checked = here.check_keys(value, {"xp_loss": False, "gold_loss": False},
                              "'combat': 'death'")
    return Death(*(float(_number(here, checked, name, f"'combat': 'death.{name}'", 0, 1, False,
                                 getattr(default, name), example))
                   for name in ("xp_loss", "gold_loss")))


def attach_combat(world: World, entity: Any, rules: Rules) -> None:
    set_rules(world, rules)
    from mud.systems.combat.vitals import live_of

    live_of(world)  # the world's login and logout hooks, before anyone logs in


def install() -> None:
    """Register world.yaml's ``combat:`` key."""
    from mud import world_keys

    world_keys.register_key(KEY, ("world",), check_combat, attach_combat)
