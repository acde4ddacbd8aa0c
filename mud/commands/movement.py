"""Movement: the ten directions, named exits (``go gate``), and ``exits``."""

from __future__ import annotations

from mud.commands.registry import Context, command
from mud.engine import actions
from mud.engine.directions import ABBREVIATIONS


@command("go", "walk", family="movement")
def go(ctx: Context, args: str) -> None:
    """go <exit>

    Leave by an exit: a direction or a named exit. 'go north' is the same as 'north' or
    'n'; named exits such as a gate can be typed on their own too ('gate' or 'go gate').
    """
    if not args:
        raise actions.Refusal("Go where? Name an exit, for example: go north. "
                              "Type 'exits' to see the ways out.")
    actions.go(ctx.world, ctx.actor, args)


def _direction_command(direction: str, short: str) -> None:
    def walk(ctx: Context, args: str) -> None:
        actions.go(ctx.world, ctx.actor, direction)

    walk.__doc__ = (f"{direction}\n\nWalk {direction}, if there is a way. "
                    "Type 'exits' to see the ways out of a room.")
    command(direction, short, family="movement")(walk)


for _short, _direction in ABBREVIATIONS.items():
    _direction_command(_direction, _short)


@command("exits", family="movement")
def exits(ctx: Context, args: str) -> None:
    """exits

    List the ways out of this room and where each leads.
    """
    actions.list_exits(ctx.world, ctx.actor)
