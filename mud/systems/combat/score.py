"""``score``, and the prompt fields the vitals part fills (%h %H %m %M %v %V %l %x %X %g).

``score`` shows a character's sheet: points, level and the experience to the next, the
fighting numbers (armour, hitroll, the damage of what is wielded) and coins, as text and
as the JSON ``score`` frame.
"""

from __future__ import annotations

from typing import Any

from mud.commands.registry import COMMANDS, Context
from mud.systems.combat import vitals_events as events


def score(ctx: Context, args: str) -> None:
    """score

    Show your health, mana and movement, your level and experience (and how much more
    the next level needs), your armour, hitroll and damage, and the coins you carry.
    Example: score
    """
    from mud.systems.combat.vitals import vitals_of

    view = vitals_of(ctx.world, ctx.actor)
    assert view is not None  # a character always has vitals
    ctx.send(events.Score(ctx.actor.name, view.event(), view.armour, view.hitroll,
                          str(view.damage), view.weapon, view.rules.currency,
                          view.rules.title(view.level)))


def _field(name: str) -> Any:
    def fill(world: Any, character: Any) -> str:
        from mud.systems.combat.vitals import vitals_of

        view = vitals_of(world, character)
        if view is None:
            return "?"
        if name == "to_next":
            following = view.xp_next
            return str(following - view.xp) if following is not None else "0"
        return str(getattr(view, name))
    fill.__qualname__ = f"prompt_{name}"
    return fill


FIELDS = (("h", "hp", "your health"), ("H", "max_hp", "your most health"),
          ("m", "mp", "your mana"), ("M", "max_mp", "your most mana"),
          ("v", "mv", "your movement"), ("V", "max_mv", "your most movement"),
          ("l", "level", "your level"), ("x", "xp", "your experience"),
          ("X", "to_next", "experience still needed for the next level"),
          ("g", "gold", "the coins you carry"))
_FILLS = {code: _field(name) for code, name, _ in FIELDS}


def install() -> None:
    """Register ``score`` and the prompt fields (once the engine has prompts)."""
    COMMANDS.register("score", family="combat")(score)
    try:
        from mud.engine import prompts
    except ImportError:  # an engine without player prompts: score still works
        return
    for code, _, meaning in FIELDS:
        prompts.register_field(code, _FILLS[code], meaning)
