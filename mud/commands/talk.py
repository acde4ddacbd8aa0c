"""Talking: say, emote, tell, who."""

from __future__ import annotations

from mud.commands.registry import Context, command
from mud.engine import actions


@command("say", "'", family="talk")
def say(ctx: Context, args: str) -> None:
    """say <words>

    Say something aloud to everyone in the room.
    Example: say Well met!   or   'Well met!
    """
    actions.say(ctx.world, ctx.actor, args)


@command("emote", ":", family="talk")
def emote(ctx: Context, args: str) -> None:
    """emote <action>

    Show the room what you do. 'emote waves cheerfully' shows 'Ann waves cheerfully.'
    """
    actions.emote(ctx.world, ctx.actor, args)


@command("tell", family="talk")
def tell(ctx: Context, args: str) -> None:
    """tell <name> <words>

    Send a private message to another player, wherever they are.
    Example: tell Bram meet me at the inn
    """
    name, _, text = args.partition(" ")
    if not name:
        raise actions.Refusal("Tell whom what? For example: tell Bram meet me at the inn")
    actions.tell(ctx.world, ctx.actor, name, text)


@command("who", family="talk")
def who(ctx: Context, args: str) -> None:
    """who

    List everyone who is online, how long they have been idle, and how they are connected.
    """
    actions.who(ctx.world, ctx.actor)
