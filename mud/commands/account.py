"""Account commands: password, quit, save, describe, colour."""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred

from mud.commands.registry import Context, command
from mud.engine import actions
from mud.engine.events import Message


@command("password", family="account")
def password(ctx: Context, args: str) -> None:
    """password <old password> <new password>

    Change your password. The new one must be 6 to 128 characters and contain no spaces.
    """
    parts = args.split()
    if len(parts) != 2:
        raise actions.Refusal("Type: password <old password> <new password> "
                              "(neither may contain spaces).")
    ctx.account.change_password(parts[0], parts[1])


# Leaving must be meant: "q" or "qui" is not quit (as in Diku MUDs).
@command("quit", family="account", whole_word=True)
def quit_(ctx: Context, args: str) -> None:
    """quit

    Save your character and leave the game. You will come back where you left off.
    """
    ctx.account.quit()


@command("save", family="account")
def save(ctx: Context, args: str) -> Deferred[Any] | None:
    """save

    Save your character now. You never need to: the game saves you every minute or so,
    and when you quit.
    """
    if args.split()[:1] in (["area"], ["areas"]):
        # A builder's "save area": the stored role may have changed from the shell since
        # the login (registry.role_recheck reads it); else it says the role it needs.
        from mud.commands import registry
        if registry.role_recheck is None:
            raise actions.Refusal(registry.refused_message("save area", "builder"))
        return registry.role_recheck(ctx, f"save {args}", "save area", "builder")
    saving = getattr(ctx.account, "save_character", None)
    started = saving() if saving is not None else None
    if started is None:
        ctx.send(Message("Your character is saved as you play."))
        return None

    def said(ok: bool) -> None:
        ctx.send(Message("Your character is saved." if ok else
                         "Saving failed for now (the server's disk); your character is "
                         "kept in memory and saving is tried again."))
    return started.addCallback(said)


@command("describe", family="account")
def describe(ctx: Context, args: str) -> None:
    """describe <text>

    Set what others see when they look at you (400 characters at most). 'describe'
    alone shows it; 'describe clear' removes it. Your description is saved.
    Example: describe A tall woman in a travel-stained green cloak.
    """
    actions.describe(ctx.world, ctx.actor, args)


COLOUR_CHOICES = ("auto", "off", "on", "256", "truecolor")
COLOUR_USAGE = "Type: colour auto, off, on, 256 or truecolor."


@command("colour", "color", family="account")
def colour(ctx: Context, args: str) -> None:
    """colour [auto|off|on|256|truecolor]

    Choose how text is coloured: off for none, on for the 16 basic colours, 256 or
    truecolor for richer ones, auto to follow what your client says it can show. Your
    choice is saved. With no argument, shows the current choice.
    """
    choice = args.strip().lower()
    if not choice:
        ctx.send(Message(f"Colour is {ctx.actor.colour}. {COLOUR_USAGE}"))
        return
    if choice == "none":
        choice = "off"
    if choice not in COLOUR_CHOICES:
        raise actions.Refusal(f"'{choice[:20]}' is not a colour setting. {COLOUR_USAGE}")
    ctx.account.set_colour(choice)
    note = " The web client keeps its own colours; this applies over telnet." \
        if ctx.actor.via == "web" else ""
    ctx.send(Message(f"Colour is now {choice}.{note}"))
