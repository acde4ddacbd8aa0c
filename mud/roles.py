"""Roles (player, builder, admin): changing one in the store, and a running game noticing.

A role lives with the account in the store (schema 5); the command sets it grants come
from ``mud.commands.registry.sets_for_role``. It changes from the shell (``mud-role``, in
mud/role_tool.py, beside a running server or a stopped one) or in game (``promote`` /
``demote``, admins only). A running server reads the stored role at every login, when a
role's command is refused (a promotion from the shell works at once) and before each command
of the builder's or admin's own set runs, and before a builder's edit lands (a demotion from
the shell stops the very next one, even a multi-line ``rdesc`` being typed). A player's own
commands never read the store. Every change is logged: who changed whom, from what to what,
and from where.

Realms (several daemons on one bus): an in-game ``promote``/``demote`` is also sent to the
other realms (``tell_realms``); a realm where the character plays gives it the role its own
store holds at once (mud/cluster/admin.py): with a shared store, the new one. A role lives
in each realm's store, so realms with stores of their own keep their own roles. A change
from the shell (``mud-role``) is not sent: each realm reads it at the character's next
login or builder's or admin's command, as above.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud.audit import audit
from mud.commands import registry
from mud.commands.registry import (
    Command,
    Context,
    for_character,
    refused_message,
    sets_for_role,
)
from mud.engine import hooks
from mud.engine.actions import Refusal
from mud.engine.events import Error, Message
from mud.engine.model import Character
from mud.engine.world import World
from mud.persistence.store import ROLES, AccountRow, LastAdmin

log = Logger()


# Seconds a builder's or admin's command waits for the stored role before it goes by the
# role the character has (a store that hangs behind a stuck disk must not freeze it).
ROLE_READ_WAIT = 3.0


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
        _roles_changed(world, character)


def tell_realms(world: World, name: str, role: str, by: str) -> bool:
    """A role changed here: ask every other realm (the ``admin`` topic,
    mud/cluster/admin.py) to give ``name``, if it plays there, the role that realm's store
    holds for it now: with a shared store, the new one at once. False when the realms are
    linked but could not be told (the link is down)."""
    if not world.bus.clustered:
        return True
    # Imported here: the admin system's package imports the command registry, as this does.
    from mud.systems.admin import ADMIN_TOPIC
    return world.bus.publish(ADMIN_TOPIC, {"op": "role", "name": name, "role": role,
                                           "by": by})


def _roles_changed(world: World, character: Character) -> None:
    """Systems that go by role (a channel only admins hear) take the new sets at once:
    they hear ``refresh``, as when the client asks for the character's state again."""
    if character.room is not None:
        world.hooks.emit(hooks.REFRESH, who=character, room=character.room)


def _read_role(ctx: Context, then: Callable[[Character, Any], Any]) -> Deferred[Any]:
    """Read the acting character's stored role (in the store's thread); if it grants other
    sets than the character has (changed from the shell since the login), give it those
    sets and tell it; then ``then(character, session)`` unless the character left (or was
    taken over) meanwhile. A store that fails, or has not answered in ROLE_READ_WAIT
    seconds, leaves the sets the character has (logged): a stuck or failing store must not
    freeze a builder's session or lock an admin out of shutdown when it is most needed."""
    character = ctx.actor
    session: Any = ctx.account

    def found(row: AccountRow | None) -> Any:
        if getattr(session, "character", None) is not character:
            return None   # gone (or taken over) while the store answered
        stored = row.role if row is not None else "player"
        if character.command_sets != sets_for_role(stored):
            log.info("{name}'s role in the store is {role} (changed outside this game); "
                     "its command sets follow it now", name=character.name, role=stored)
            character.command_sets = sets_for_role(stored)
            character.send(role_changed(character, f"You are now {article(stored)}."))
            _roles_changed(ctx.world, character)
        return then(character, session)

    def unread(failure: Failure) -> Any:
        log.warn("could not read {name}'s stored role ({why}); going by the role it has",
                 name=character.name, why=failure.getErrorMessage() or
                 failure.type.__name__)
        if getattr(session, "character", None) is not character:
            return None
        return then(character, session)
    d: Deferred[Any] = session.game.store.get_account(character.key)
    d.addTimeout(ROLE_READ_WAIT, session.game.world.clock)
    return d.addCallbacks(found, unread)


def _context(ctx: Context, character: Character, session: Any) -> Context:
    table = for_character(character)
    return Context(ctx.world, character, session, table)


def recheck(ctx: Context, line: str, word: str, role: str) -> Deferred[Any] | None:
    """``word`` is a command of ``role`` the acting character is not granted: read the
    stored role (it may have changed from the shell since the login) and run ``line`` if
    that role grants it; else say which role it needs. One store read per refused line, in
    the store's thread."""
    if getattr(ctx.account, "game", None) is None:
        ctx.send(Error(refused_message(word, role)))
        return None

    def then(character: Character, session: Any) -> Any:
        if role not in character.command_sets:
            character.send(Error(refused_message(word, role)))
            return None
        # Run what the line names now (not dispatch again, which would read the store again).
        table = for_character(character)
        typed, args = table.split(line)
        cmd = table.by_word.get(typed) or table.lookup(typed)
        if cmd is None:
            character.send(Error(refused_message(word, role)))
            return None
        return cmd.handler(_context(ctx, character, session), args)
    return _read_role(ctx, then)


def confirm(ctx: Context, cmd: Command, word: str, args: str,
            role: str) -> Deferred[Any] | None:
    """``cmd`` comes from ``role``'s own set and the character has it: read the stored
    role first and run ``cmd`` only if that role still grants it, so a demotion from the
    shell takes effect before the next builder's or admin's command. Else the sets are
    taken away (the character is told), and the word is refused as it would be for one
    who never had the role, or, when the role it has now has a command by that exact
    word (a builder's ``save`` is a player's too), that one runs."""
    if getattr(ctx.account, "game", None) is None:
        return cmd.handler(ctx, args)   # no store behind this context: the sets decide

    def then(character: Character, session: Any) -> Any:
        run = cmd
        if role not in character.command_sets:
            run = for_character(character).lookup(word)
            if run is None:
                shown = word if word in (cmd.name, *cmd.aliases) else cmd.name
                character.send(Error(refused_message(shown, role)))
                return None
        return run.handler(_context(ctx, character, session), args)
    return _read_role(ctx, then)


def still_granted(ctx: Context, role: str, word: str) -> Deferred[None]:
    """Fires when the acting character's stored role still grants ``role``; else takes
    the sets away (telling it) and fails with a Refusal naming ``word``. A builder's edit
    asks this before it lands (mud/systems/building/edits.py), which also covers lines a
    command reads after it started (a multi-line ``rdesc``) that never pass dispatch."""
    if getattr(ctx.account, "game", None) is None:
        return succeed(None)

    def then(character: Character, session: Any) -> bool:
        if role not in character.command_sets:
            raise Refusal(refused_message(word, role))
        return True

    def gone(still_here: bool | None) -> None:
        if not still_here:
            # The character left (or was taken over) while the store answered.
            raise Refusal("You are no longer in the game; nothing changed.")
    return _read_role(ctx, then).addCallback(gone)


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
        if not tell_realms(world, shown, role, actor.name):
            actor.send(Message(f"The other realms could not be told just now (the link to "
                               f"them is down): if {shown} plays in one of them, the new "
                               "role takes effect there when they next log in or use a "
                               "builder's or admin's command."))

    def problem(failure: Failure) -> None:
        failure.trap(RoleProblem)
        raise Refusal(str(failure.value))
    return maybeDeferred(change_role, game.store, name, role, actor.name, where,
                         keep_an_admin=True, address=getattr(session, "peer", ""),
                         transport=getattr(session, "via", "")).addCallbacks(done, problem)


registry.role_recheck = recheck
registry.role_confirm = confirm


def _install_looks() -> None:
    from mud.render import json_events, text

    text.register(RoleChanged, lambda e, p: p.wrap(e.text))
    json_events.register(RoleChanged, lambda e: {"commands": list(e.commands)})


_install_looks()
