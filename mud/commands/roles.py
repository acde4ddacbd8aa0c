"""Admins' role commands: promote, demote (the admin set, granted by the admin role)."""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred

# The module, not its names: mud.roles imports this package (a tool may import it first).
from mud import roles as role_changes
from mud.commands.registry import ADMIN, Context
from mud.engine.actions import Refusal


def _change(ctx: Context, name: str, role: str) -> Deferred[Any]:
    return role_changes.change_in_game(ctx, name, role)


@ADMIN.register("promote", family="admin")
def promote(ctx: Context, args: str) -> Deferred[Any]:
    """promote <name> <role>

    Give a character a role: player, builder or admin (admin includes builder's commands).
    Works on characters who are offline too; one online is told at once.
    Example: promote Ann builder
    """
    words = args.split()
    if len(words) != 2:
        raise Refusal("Usage: promote <name> <role> (player, builder or admin).")
    return _change(ctx, words[0], words[1].lower())


@ADMIN.register("demote", family="admin")
def demote(ctx: Context, args: str) -> Deferred[Any]:
    """demote <name>

    Make a character a player again (no builder or admin commands). The last admin
    cannot demote themselves.
    Example: demote Ann
    """
    words = args.split()
    if len(words) != 1:
        raise Refusal("Usage: demote <name>.")
    return _change(ctx, words[0], "player")
