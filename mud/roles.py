"""Roles (player, builder, admin): changing one in the store, and a running game noticing.

A role lives with the account in the store (schema 5); the command sets it grants come
from ``mud.commands.registry.sets_for_role``. It changes from the shell (``mud-role``, in
mud/role_tool.py, beside a running server or a stopped one) or in game (``promote`` /
``demote``, admins only). A running server reads the stored role at every login and again
when a role's command is refused, so a promotion made from the shell works at once, with no
store read on any other command. Every change is logged: who changed whom, from what to
what, and from where.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud.audit import audit
from mud.commands import registry
from mud.commands.registry import Context, for_character, refused_message, sets_for_role
from mud.engine.actions import Refusal
from mud.engine.events import Error, Message
from mud.engine.world import World
from mud.persistence.store import ROLES, AccountRow, LastAdmin

log = Logger()


class RoleChanged(Message):
    """A character's role changed while it plays: ``text`` tells it so; ``commands`` are
    the command words it may type now (a web client's Tab completion, as ``login_ok``'s)."""

    __slots__ = ("commands",)
    kind = "role"

    def __init__(self, text: str, commands: list[str]) -> None:
        super().__init__(text)
        self.commands = commands


def role_changed(character: Any, text: str) -> RoleChanged:
    return RoleChanged(text, for_character(character).completion_words())


class RoleProblem(Exception):
    """A role change that cannot be made; the message says why, for the one asking."""


def role_problem(role: str) -> str | None:
    if role not in ROLES:
        return f"There is no role {role[:30]!r}: the roles are {', '.join(ROLES)}."
    return None


def log_change(name: str, old: str, new: str, by: str, where: str) -> None:
    log.info("role change: {name} {old} -> {new}, by {by} ({where})",
             name=name, old=old, new=new, by=by, where=where)


def change_role(store: Any, name: str, role: str, by: str, where: str,
                keep_an_admin: bool = False, address: str = "",
                transport: str = "shell") -> Deferred[tuple[str, str]]:
    """Give character ``name`` the role ``role`` in the store; fires with the role it had
    and the character's name as it is spelt.
    Fails with RoleProblem when it cannot be done (no such character, already that role,
    no such role, the last admin with ``keep_an_admin``)."""
    problem = role_problem(role)
    if problem:
        raise RoleProblem(problem)
    key = name.strip().lower()

    def check(row: AccountRow | None) -> Deferred[str | None]:
        if row is None:
            raise RoleProblem(f"There is no character called {name[:30]!r}.")
        if row.role == role:
            raise RoleProblem(f"{row.name} is already {article(role)}.")
        return store.set_role(key, role, keep_an_admin).addCallback(changed, row)

    def changed(old: str | None, row: AccountRow) -> tuple[str, str]:
        if old is None:
            raise RoleProblem(f"There is no character called {name[:30]!r}.")
        log_change(row.name, old, role, by, where)
        # The audit line (mud/audit.py): whose role, and the address and transport of the
        # one who changed it.
        audit("role", row.name, address, transport, by=by, old=old, new=role)
        return old, row.name

    def last(failure: Failure) -> None:
        failure.trap(LastAdmin)
        raise RoleProblem(f"{name} is the last admin: promote someone else to admin first, "
                          "so the game keeps one.")
    return store.get_account(key).addCallback(check).addErrback(last)


def article(role: str) -> str:
    return f"an {role}" if role[:1] in "aeiou" else f"a {role}"


def apply_role(world: World, key: str, role: str, told: str = "") -> None:
    """Give an online (or link-dead) character the sets of ``role``; tell it ``told``."""
    character = world.online.get(key)
    if character is None:
        return
    if character.command_sets != sets_for_role(role):
        character.command_sets = sets_for_role(role)
        if told:
            character.send(role_changed(character, told))


def recheck(ctx: Context, line: str, word: str, role: str) -> Deferred[Any] | None:
    """``word`` is a command of ``role`` the acting character is not granted: read the
    stored role (it may have changed from the shell since the login) and run ``line`` if
    that role grants it; else say which role it needs. One store read per refused line, in
    the store's thread; other commands never read it."""
    character = ctx.actor
    session = ctx.account
    game = getattr(session, "game", None)
    if game is None:
        ctx.send(Error(refused_message(word, role)))
        return None

    def found(row: AccountRow | None) -> Deferred[Any] | None:
        if getattr(session, "character", None) is not character:
            return None   # gone (or taken over) while the store answered
        stored = row.role if row is not None else "player"
        if character.command_sets != sets_for_role(stored):
            log.info("{name}'s role in the store is {role} (changed outside this game); "
                     "its commands are granted now", name=character.name, role=stored)
            character.command_sets = sets_for_role(stored)
            character.send(role_changed(character, f"You are now {article(stored)}."))
        if role not in character.command_sets:
            character.send(Error(refused_message(word, role)))
            return None
        table = for_character(character)
        return table.dispatch(Context(game.world, character, session, table), line)
    return game.store.get_account(character.key).addCallback(found)


def change_in_game(ctx: Context, name: str, role: str) -> Deferred[None]:
    """An admin's ``promote``/``demote``: change the stored role, grant or take the sets of
    an online target at once (and tell them), and tell the admin. The last admin cannot
    give up the role."""
    actor = ctx.actor
    session = ctx.account
    game = getattr(session, "game", None)
    if game is None:
        raise Refusal("Roles cannot be changed from here.")
    world = ctx.world
    where = (f"in game, {getattr(session, 'via', '?')} from "
             f"{getattr(session, 'peer', '') or 'an unknown address'}")

    def done(result: tuple[str, str]) -> None:
        old, shown = result
        key = name.strip().lower()
        if key == actor.key:
            apply_role(world, key, role)
            actor.send(role_changed(actor, f"You are now {article(role)} (you were "
                                           f"{article(old)})."))
            return
        apply_role(world, key, role, f"{actor.name} made you {article(role)}. Type 'help' to "
                                     "see the commands you may use.")
        actor.send(Message(f"{shown} is now {article(role)} (was {article(old)})."))

    def problem(failure: Failure) -> None:
        failure.trap(RoleProblem)
        raise Refusal(str(failure.value))
    return maybeDeferred(change_role, game.store, name, role, actor.name, where,
                         keep_an_admin=True, address=getattr(session, "peer", ""),
                         transport=getattr(session, "via", "")).addCallbacks(done, problem)


registry.role_recheck = recheck


def _install_looks() -> None:
    from mud.render import json_events, text

    text.register(RoleChanged, lambda e, p: p.wrap(e.text))
    json_events.register(RoleChanged, lambda e: {"commands": list(e.commands)})


_install_looks()
