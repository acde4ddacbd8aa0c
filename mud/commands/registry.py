"""Command sets: registration, lookup by name/alias/prefix, and dispatch of one line.

A command is a function ``(ctx, args)`` whose docstring is its help text. The first
docstring line is the usage summary shown in the help index. It returns None, or a Deferred
when it started slow work (a store read): the session takes no further input from that
player until it fires, and a ``Refusal`` it fails with is said like any other. A command
registered with ``whole_word=True`` (``quit``) answers only to its full name and aliases,
never to a prefix, so a stray ``q`` cannot do something that drastic; a prefix of it is
told to type it in full.

Commands come in named sets (``CommandSet``) that are granted to characters: ``player``
(``COMMANDS``) for everyone, ``builder`` and ``admin`` (``BUILDER``, ``ADMIN``) granted by
role (``sets_for_role``: admin implies builder). A character typing the exact word of a
role's command it is not granted is told the role it needs, not "unknown command"; a
command of a role's own set (``owner_role``) runs only after the stored role is read again
(``role_confirm``, mud/roles.py), so a demotion from the shell stops it.
``SETS`` holds every set by name; a system adds its commands to a set with
``SETS["player"].register`` (or makes a set of its own with ``command_set``).
``for_character`` gives the one table a character's granted sets make together, which
dispatch, help and completion use.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from mud.engine import actions
from mud.engine.actions import Refusal
from mud.engine.events import Error, Event
from mud.engine.model import Character
from mud.engine.world import World


class AccountHooks(Protocol):
    """What commands may ask of the connection/account layer, which owns I/O and threads."""

    def quit(self) -> None: ...

    def change_password(self, old: str, new: str) -> None: ...

    def set_colour(self, preference: str) -> None: ...


@dataclass
class Context:
    """Everything one command run needs: the world, who is acting, and account hooks."""

    world: World
    actor: Character
    account: AccountHooks
    # The commands this character may use (its granted sets together): help lists these.
    commands: CommandTable | None = None

    def send(self, event: Event) -> None:
        self.actor.send(event)


Handler = Callable[[Context, str], "Deferred[Any] | None"]


@dataclass
class Command:
    name: str
    handler: Handler
    family: str
    aliases: tuple[str, ...] = ()
    help: str = field(default="")
    # Only the full name (or an alias) runs it: no prefix matching.
    whole_word: bool = False
    # The command this one extends (``CommandTable.extend``), which it hands lines to.
    extends: Command | None = None

    @property
    def summary(self) -> str:
        return self.help.splitlines()[0] if self.help else self.name

    @property
    def alias_words(self) -> tuple[str, ...]:
        """The aliases as a player types them: "l", "x"; a punctuation alias that needs
        words after it with them, as the usage line names them ("'<words>" for say)."""
        usage = self.summary.split(" ", 1)
        rest = usage[1].strip() if len(usage) > 1 else ""
        glue = rest if rest.startswith("<") else ""
        return tuple(a + glue if len(a) == 1 and not a.isalnum() else a for a in self.aliases)

    @property
    def index_line(self) -> str:
        """The help index's line: usage, then the aliases compactly ("look [thing] (l, x)")."""
        words = self.alias_words
        return f"{self.summary} ({', '.join(words)})" if words else self.summary

    @property
    def full_help(self) -> str:
        """The help entry: the docstring, then every alias ("Also: l, examine, x")."""
        words = self.alias_words
        return f"{self.help}\n\nAlso: {', '.join(words)}" if words else self.help


class CommandTable:
    """Commands by name and alias: a set of them, or several sets seen as one."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self.commands: dict[str, Command] = {}
        self.by_word: dict[str, Command] = {}
        # One-character prefixes that need no space: "'hello", ":waves".
        self.punctuation: dict[str, Command] = {}

    def register(self, name: str, *aliases: str, family: str,
                 whole_word: bool = False) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            text = inspect.cleandoc(handler.__doc__ or "")
            self.add(Command(name, handler, family, aliases, text, whole_word))
            return handler
        return decorate

    def add(self, cmd: Command) -> None:
        """Add one command; a word (name or alias) taken by another command is refused."""
        for word in (cmd.name, *cmd.aliases):
            known = self.by_word.get(word)
            # The same command again (a system installed twice) is no clash.
            if known is not None and (known.handler is not cmd.handler or
                                      known.name != cmd.name):
                raise ValueError(f"command word {word!r} registered twice")
        self.commands[cmd.name] = cmd
        for word in (cmd.name, *cmd.aliases):
            self.by_word[word] = cmd
            if len(word) == 1 and not word.isalnum():
                self.punctuation[word] = cmd
        _VIEWS.clear()

    def extend(self, name: str, handler: Handler) -> Command:
        """Put ``handler`` in the place of command ``name`` (same name, aliases and family;
        its docstring becomes the help) and return the command it replaces, to which it
        hands the lines it does not handle: a system extends a core command ("get x from
        y") without the core knowing. Extending again with the same handler changes
        nothing and returns what that handler replaced."""
        known = self.commands[name]
        if known.handler is handler and known.extends is not None:
            return known.extends
        text = inspect.cleandoc(handler.__doc__ or "")
        cmd = Command(name, handler, known.family, known.aliases, text, known.whole_word,
                      extends=known)
        self.commands[name] = cmd
        for word in (name, *known.aliases):
            self.by_word[word] = cmd
        _VIEWS.clear()
        return known

    def lookup(self, word: str) -> Command | None:
        """Exact name or alias, else a unique prefix of a command name (not of a
        ``whole_word`` command's). A prefix of a ``whole_word`` command is never taken for
        another: "q" means quit to most players, so it is told to type quit in full rather
        than given the quest list."""
        word = word.lower()
        if word in self.by_word:
            return self.by_word[word]
        hits = [c for n, c in self.commands.items() if n.startswith(word) and not c.whole_word]
        return hits[0] if len(hits) == 1 and self.cut_short(word) is None else None

    def cut_short(self, word: str) -> Command | None:
        """The ``whole_word`` command ``word`` is a prefix of, if any: "qui" -> quit."""
        word = word.lower()
        hits = [c for n, c in self.commands.items() if c.whole_word and n.startswith(word)]
        return hits[0] if len(hits) == 1 else None

    def split(self, line: str) -> tuple[str, str]:
        """``"say hi there"`` -> ("say", "hi there"); ``"'hi"`` -> ("'", "hi")."""
        line = line.strip()
        if line[:1] in self.punctuation:
            return line[0], line[1:].strip()
        word, _, rest = line.partition(" ")
        return word.lower(), rest.strip()

    def dispatch(self, ctx: Context, line: str) -> Deferred[Any] | None:
        """Run one line of player input. Refusals become error events, never exceptions.
        Returns the Deferred of a command that started slow work (None otherwise)."""
        if not line.strip():
            return None
        word, args = self.split(line)
        ctx.world.touch(ctx.actor, word)
        if ctx.commands is None:
            ctx.commands = self
        try:
            cmd = self.by_word.get(word)
            if cmd is None and ctx.actor.room is not None and \
                    actions.find_exit(ctx.actor.room, word) is not None and not args:
                actions.go(ctx.world, ctx.actor, word)
                return None
            # The world's own words (its channels' names) come before prefixes of commands:
            # "ooc hi" speaks on ooc, not "ooc" taken as a prefix of something else.
            cmd = cmd or ctx.world.words.get(word) or self.lookup(word)
            role = needed_role(word) if cmd is None else owner_role(cmd)
            if role is not None and cmd is None:
                # A role's command (only its exact word: prefixes stay within what the
                # character may use). The session may look up the stored role first (a
                # promotion from the shell takes effect at once); else it is refused.
                if role_recheck is None:
                    ctx.send(Error(refused_message(word, role)))
                    return None
                result = role_recheck(ctx, line, word, role)
            elif cmd is None:
                ctx.send(Error(self.unknown_message(word)))
                return None
            elif role is not None and role_confirm is not None:
                # A command of the builder's or admin's own set: the stored role is read
                # first, so a demotion from the shell stops it (a player's commands never
                # read the store).
                result = role_confirm(ctx, cmd, word, args, role)
            else:
                result = cmd.handler(ctx, args)
        except Refusal as refusal:
            ctx.send(Error(refusal.message))
            return None
        # (None first: most commands return it, and Deferred's isinstance goes through
        # an ABC's check.)
        if result is not None and isinstance(result, Deferred):
            def refused(failure: Failure) -> None:
                failure.trap(Refusal)
                ctx.send(Error(failure.value.message))
            return result.addErrback(refused)
        return None

    def completion_words(self) -> list[str]:
        """The command words a client may offer to complete: every command's name and its
        aliases that are whole words (``examine``, ``take``), not ``n``, ``ne`` or ``'``."""
        aliases = (w for w in self.by_word if w.isalpha() and len(w) >= 3)
        return sorted({*self.commands, *aliases})

    def unknown_message(self, word: str) -> str:
        whole = self.cut_short(word)
        if whole is not None:
            return f"Type '{whole.name}' in full to use it ('{word}' is not enough)."
        shown = word if len(word) <= 30 else word[:30] + "..."
        # A prefix of several commands ("p": password, put) is not unknown: say which.
        several = sorted(n for n, c in self.commands.items()
                         if n.startswith(word) and not c.whole_word)
        if word and len(several) > 1:
            listed = ", ".join(several[:6]) + (", ..." if len(several) > 6 else "")
            return f"'{shown}' could be {listed}: type more of the command you mean."
        close = difflib.get_close_matches(word, list(self.by_word), n=1, cutoff=0.75)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        return f"Unknown command '{shown}'.{hint} Type 'help' for a list of commands."


CommandSet = CommandTable

# Every command set by name; a character is granted some of them (Character.command_sets).
SETS: dict[str, CommandSet] = {}
# The tables several sets make together, by their names (rebuilt when a set changes).
_VIEWS: dict[tuple[str, ...], CommandTable] = {}


def command_set(name: str) -> CommandSet:
    """The set called ``name``, made empty the first time it is asked for."""
    found = SETS.get(name)
    if found is None:
        found = SETS[name] = CommandSet(name)
        _VIEWS.clear()
    return found


def for_character(character: Character) -> CommandTable:
    """The commands ``character`` may use: its granted sets seen as one table (a set
    granted later wins a word both have). Cached per combination of sets."""
    names = character.command_sets
    view = _VIEWS.get(names)
    if view is None:
        sets = [SETS[n] for n in names if n in SETS]
        if len(sets) == 1:
            view = sets[0]
        else:
            view = CommandTable("+".join(names))
            for granted in sets:
                for cmd in granted.commands.values():
                    view.commands[cmd.name] = cmd
                view.by_word.update(granted.by_word)
                view.punctuation.update(granted.punctuation)
        _VIEWS[names] = view
    return view


# Everyone's commands: what the game had before sets, and what systems add for players.
COMMANDS = command_set("player")
command = COMMANDS.register
# The roles' own sets (systems fill them): admin implies builder, builder implies player.
BUILDER = command_set("builder")
ADMIN = command_set("admin")
ROLE_SETS: dict[str, tuple[str, ...]] = {
    "player": ("player",),
    "builder": ("player", "builder"),
    "admin": ("player", "builder", "admin"),
}


def sets_for_role(role: str) -> tuple[str, ...]:
    """The command sets a role grants (an unknown role: a player's)."""
    return ROLE_SETS.get(role, ROLE_SETS["player"])


def needed_role(word: str) -> str | None:
    """The least role whose own set holds the exact command word ``word`` (a name or an
    alias), or None: a player typing it is told which role it needs."""
    word = word.lower()
    for role in ("builder", "admin"):
        if word in SETS[role].by_word:
            return role
    return None


def owner_role(cmd: Command) -> str | None:
    """The role whose own set this very command comes from (a builder's ``save``, not the
    player's one it hides), or None for everyone's commands."""
    # (BUILDER and ADMIN are SETS["builder"] and SETS["admin"]: sets are never replaced.)
    name = cmd.name
    if BUILDER.commands.get(name) is cmd:
        return "builder"
    if ADMIN.commands.get(name) is cmd:
        return "admin"
    return None


# Set by mud/roles.py: reads the stored role before refusing a role's command, so a change
# made from the shell takes effect at once: (ctx, line, word, role) -> what dispatch returns.
role_recheck: Callable[[Context, str, str, str], Deferred[Any] | None] | None = None
# Set by mud/roles.py: reads the stored role before a command of a role's own set runs, so
# a demotion from the shell stops it: (ctx, cmd, word, args, role) -> what dispatch returns.
role_confirm: Callable[[Context, Command, str, str, str], Deferred[Any] | None] | None = None


def refused_message(word: str, role: str) -> str:
    return f"'{word[:30]}' needs the {role} role."
