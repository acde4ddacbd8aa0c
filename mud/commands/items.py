"""Items: get, drop, give, inventory."""

from __future__ import annotations

import re

from mud.commands.registry import Context, command
from mud.engine import actions


@command("get", "take", family="items")
def get(ctx: Context, args: str) -> None:
    """get <item>

    Pick something up from the room. 'get all' takes everything you can carry;
    '2.key' names the second key when there are several.
    """
    actions.get(ctx.world, ctx.actor, args)


@command("drop", family="items")
def drop(ctx: Context, args: str) -> None:
    """drop <item>

    Put down something you carry. 'drop all' empties your hands.
    """
    actions.drop(ctx.world, ctx.actor, args)


_GIVE = re.compile(r"^(?P<item>.+?)\s+to\s+(?P<name>\S+)$", re.IGNORECASE)


@command("give", family="items")
def give(ctx: Context, args: str) -> None:
    """give <item> to <name>

    Hand something you carry to another player in the room.
    Example: give lantern to Bram
    """
    match = _GIVE.match(args.strip())
    if match is None:
        raise actions.Refusal("Give what to whom? For example: give lantern to Bram")
    actions.give(ctx.world, ctx.actor, match["item"], match["name"])


@command("inventory", "i", "inv", family="items")
def inventory(ctx: Context, args: str) -> None:
    """inventory

    List what you are carrying.
    """
    actions.inventory(ctx.world, ctx.actor)
