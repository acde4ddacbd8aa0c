"""Account commands: password, quit."""

from __future__ import annotations

from mud.commands.registry import Context, command
from mud.engine import actions


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


@command("quit", family="account")
def quit_(ctx: Context, args: str) -> None:
    """quit

    Save your character and leave the game. You will come back where you left off.
    """
    ctx.account.quit()
