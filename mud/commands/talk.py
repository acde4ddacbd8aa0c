"""Talking: say, emote, tell, reply, afk, who."""

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

    Send a private message to another player, wherever they are: in this realm or, on
    a server linked to others, in another one (found by name; if two realms each have
    someone of that name, say which: tell Bram@north hello).
    Example: tell Bram meet me at the inn
    """
    name, _, text = args.strip().partition(" ")
    if not name:
        raise actions.Refusal("Tell whom what? For example: tell Bram meet me at the inn")
    actions.tell(ctx.world, ctx.actor, name, text)


@command("reply", family="talk")
def reply(ctx: Context, args: str) -> None:
    """reply <words>

    Answer the last player who sent you a tell, wherever they are now.
    Example: reply on my way
    """
    actions.reply(ctx.world, ctx.actor, args)


@command("afk", family="talk")
def afk(ctx: Context, args: str) -> None:
    """afk [message]

    Mark yourself away from the keyboard: who shows it, and whoever sends you a tell is
    told you are away (once each), with your message if you give one. Tells still reach
    you. Your next command (anything but afk) marks you back. afk may be used 3 times at
    once, then once every 20 seconds.
    Example: afk back after supper
    """
    actions.afk(ctx.world, ctx.actor, args)


@command("who", family="talk")
def who(ctx: Context, args: str) -> None:
    """who

    List everyone who is online, how long they have been idle, how they are connected
    and who is away (afk); on a server linked to other realms, their players too, by
    realm.
    """
    actions.who(ctx.world, ctx.actor)
