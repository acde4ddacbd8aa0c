"""The rules for spending movement and mana: world.yaml ``combat:``'s ``move_cost``,
``flee_cost`` and ``mend`` (and ``regen.resting``, checked in rules.py's regen mapping).

::

    combat:
      move_cost: 1                            # movement a step costs (0: walking is free)
      move_cost: {default: 1, forest: 2, cave: 2}   # or by the environment walked INTO
      flee_cost: 5                            # movement a flee costs (0: free)
      mend: {cost: 5, heals: 2d4+2}           # mana a mend costs, health it gives back
      regen: {resting: 2}                     # what resting multiplies a tick by

The checks here are called by rules.py's ``check_combat``: errors name world.yaml and the
line, as for every other key. Nothing here imports rules.py (rules.py imports this).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mud.systems.combat.dice import Dice, parse_dice
from mud.world_schema import Context, kind
from mud.world_yaml import shown

# The most a step, a flee or a mend may cost (points): a level-1 character has 60 movement.
MAX_COST = 1000
# The most resting may multiply regeneration by.
MAX_RESTING = 10
# How many environments ``move_cost`` may name.
MAX_PLACES = 50


@dataclass(frozen=True)
class MoveCost:
    """What a step costs: ``default``, or ``places[environment]`` for a room of that kind."""

    default: int = 1
    places: tuple[tuple[str, int], ...] = ()

    def into(self, environment: str) -> int:
        """The movement a step into a room of ``environment`` costs."""
        for name, cost in self.places:
            if name == environment:
                return cost
        return self.default

    @property
    def free(self) -> bool:
        """Whether no step anywhere costs anything (the world turned movement off)."""
        return self.default == 0 and all(cost == 0 for _, cost in self.places)


@dataclass(frozen=True)
class Mend:
    """``mend``: ``cost`` mana gives back ``heals`` health at once."""

    cost: int = 5
    heals: Dice = field(default_factory=lambda: Dice(2, 4, 2))


def _cost(here: Context, value: Any, what: str, line: int | None, example: str) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        written = shown(value) if not isinstance(value, dict | list) else "..."
        here.error(f"'combat': {what} must be a whole number of points ({example}), not "
                   f"{kind(value)} ({written})", line)
        return None
    if not 0 <= value <= MAX_COST:
        here.error(f"'combat': {what} is {value}; it must be from 0 to {MAX_COST}", line)
        return None
    return value


def check_move_cost(here: Context, data: Any, default: MoveCost) -> MoveCost:
    """``move_cost``: a number, or a mapping of environments (and ``default``) to numbers."""
    if "move_cost" not in data:
        return default
    value = data["move_cost"]
    line = data.line_of("move_cost") if hasattr(data, "line_of") else None
    example = "move_cost: 1, or move_cost: {default: 1, forest: 2}"
    if not isinstance(value, dict):
        cost = _cost(here, value, "'move_cost'", line, example)
        return default if cost is None else MoveCost(cost)
    if len(value) > MAX_PLACES:
        here.error(f"'combat': 'move_cost' names {len(value)} environments; at most "
                   f"{MAX_PLACES}", line)
        return default
    base, places = default.default, []
    for name, cost in value.items():
        at = value.line_of(name) if hasattr(value, "line_of") else line
        if not isinstance(name, str) or not name.strip() or len(name.split()) != 1:
            here.error(f"'combat': 'move_cost' keys are environments, one word each "
                       f"(forest, cave) or default; not {shown(name)}", at)
            continue
        checked = _cost(here, cost, f"'move_cost.{name}'", at, example)
        if checked is None:
            continue
        if name == "default":
            base = checked
        else:
            places.append((name.strip(), checked))
    return MoveCost(base, tuple(places))


def check_flee_cost(here: Context, data: Any, default: int) -> int:
    if "flee_cost" not in data:
        return default
    line = data.line_of("flee_cost") if hasattr(data, "line_of") else None
    cost = _cost(here, data["flee_cost"], "'flee_cost'", line, "flee_cost: 5")
    return default if cost is None else cost


def check_mend(here: Context, data: Any, default: Mend) -> Mend:
    """``mend: {cost, heals}``: either may be left out."""
    if "mend" not in data:
        return default
    value = data["mend"]
    line = data.line_of("mend") if hasattr(data, "line_of") else None
    example = "mend: {cost: 5, heals: 2d4+2}"
    if not isinstance(value, dict):
        here.error(f"'combat': 'mend' must be a mapping such as {example}, not "
                   f"{kind(value)}", line)
        return default
    checked = here.check_keys(value, {"cost": False, "heals": False}, "'combat': 'mend'")
    cost, heals = default.cost, default.heals
    if "cost" in checked:
        found = _cost(here, checked["cost"], "'mend.cost'", checked.line_of("cost"), example)
        cost = cost if found is None else found
    if "heals" in checked:
        try:
            heals = parse_dice(checked["heals"])
        except ValueError as exc:
            here.error(f"'combat': 'mend.heals': {exc}", checked.line_of("heals"))
    return Mend(cost, heals)
