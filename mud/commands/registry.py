"""The command table: registration, lookup by name/alias/prefix, and dispatch of one line.

A command is a function ``(ctx, args) -> None`` whose docstring is its help text. The first
docstring line is the usage summary shown in the help index. A command registered with
``whole_word=True`` (``quit``) answers only to its full name and aliases, never to a prefix,
so a stray ``q`` cannot do something that drastic; a prefix of it is told to type it in full.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

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

    def send(self, event: Event) -> None:
        self.actor.send(event)


Handler = Callable[[Context, str], None]


@dataclass
class Command:
    name: str
    handler: Handler
    family: str
    aliases: tuple[str, ...] = ()
    help: str = field(default="")
    # Only the full name (or an alias) runs it: no prefix matching.
    whole_word: bool = False

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
    """Commands by name and alias. One shared instance, ``COMMANDS``, holds the game's."""

    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}
        self.by_word: dict[str, Command] = {}
        # One-character prefixes that need no space: "'hello", ":waves".
        self.punctuation: dict[str, Command] = {}

    def register(self, name: str, *aliases: str, family: str,
                 whole_word: bool = False) -> Callable[[Handler], Handler]:
        def decorate(handler: Handler) -> Handler:
            text = inspect.cleandoc(handler.__doc__ or "")
            cmd = Command(name, handler, family, aliases, text, whole_word)
            self.commands[name] = cmd
            for word in (name, *aliases):
                if word in self.by_word:
                    raise ValueError(f"command word {word!r} registered twice")
                self.by_word[word] = cmd
                if len(word) == 1 and not word.isalnum():
                    self.punctuation[word] = cmd
            return handler
        return decorate

    def lookup(self, word: str) -> Command | None:
        """Exact name or alias, else a unique prefix of a command name (not of a
        ``whole_word`` command's)."""
        word = word.lower()
        if word in self.by_word:
            return self.by_word[word]
        hits = [c for n, c in self.commands.items() if n.startswith(word) and not c.whole_word]
        return hits[0] if len(hits) == 1 else None

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

    def dispatch(self, ctx: Context, line: str) -> None:
        """Run one line of player input. Refusals become error events, never exceptions."""
        if not line.strip():
            return
        word, args = self.split(line)
        ctx.world.touch(ctx.actor)
        try:
            cmd = self.by_word.get(word)
            if cmd is None and ctx.actor.room is not None and \
                    actions.find_exit(ctx.actor.room, word) is not None and not args:
                actions.go(ctx.world, ctx.actor, word)
                return
            cmd = cmd or self.lookup(word)
            if cmd is None:
                ctx.send(Error(self.unknown_message(word)))
                return
            cmd.handler(ctx, args)
        except Refusal as refusal:
            ctx.send(Error(refusal.message))

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
        close = difflib.get_close_matches(word, list(self.by_word), n=1, cutoff=0.75)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        return f"Unknown command '{shown}'.{hint} Type 'help' for a list of commands."


COMMANDS = CommandTable()
command = COMMANDS.register
