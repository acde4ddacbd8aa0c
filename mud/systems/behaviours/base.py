"""Named behaviours: the registry, their parameters, and checking a ``behaviours:`` entry.

A behaviour is a class registered under a name with the parameters a builder may give it::

    @behaviour("chatter", interval=Param("seconds", required=True), lines=Param("lines", ...))
    class Chatter(Behaviour): ...

YAML names it on an NPC (``behaviours: {chatter: {interval: 45, lines: [...]}}``); the loader
checks every parameter (``check_entry``) so a fault names file:line, the entity, the
behaviour and the parameter, then attaches one instance per placed NPC and starts it.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from typing import Any, ClassVar

from mud.engine.events import Emote, Say
from mud.engine.model import NPC, Character, Room
from mud.engine.world import World
from mud.world_keys import Lookup
from mud.world_schema import Context, kind
from mud.world_yaml import shown

# What each kind of parameter is, for messages and worlds/README.md.
KIND_TEXT = {
    "seconds": "a number of seconds above 0",
    "number": "a number, 0 or more",
    "text": "text",
    "lines": "a list of lines of text",
    "rooms": "a list of room ids",
    "topics": "a mapping of keywords to replies",
    "flag": "true or false",
    "items": "a list of item ids",
}
_PUNCTUATION = re.compile(r"[^\w\s'-]+")


def normalised(text: str) -> str:
    """Lower-case words with punctuation gone, padded with spaces for whole-word search
    (what players say and the keywords builders write both go through it, so they meet)."""
    return " " + " ".join(_PUNCTUATION.sub(" ", text.lower()).split()) + " "


# Far enough apart that a typo is not a timer storm (builders mean seconds, not ms).
MIN_INTERVAL = 1.0
# The most a seconds parameter (a week) or a number parameter may be: YAML's .inf and .nan
# are numbers too, and a timer of nan or inf seconds fails only once the area wakes.
MAX_SECONDS = 7 * 24 * 3600.0
MAX_NUMBER = 1_000_000.0


class Param:
    """One parameter: its kind, default and whether a builder must give it."""

    __slots__ = ("default", "doc", "kind", "required")

    def __init__(self, kind_: str, doc: str, default: Any = None,
                 required: bool = False) -> None:
        assert kind_ in KIND_TEXT, kind_
        self.kind = kind_
        self.doc = doc
        self.default = default
        self.required = required


def owner_id(npc: NPC) -> str:
    """The owner id an NPC's timers carry (in failure reports, and to move them with it)."""
    return f"npc {npc.id}"


class Behaviour:
    """One named behaviour attached to one entity (an NPC). Subclasses react through
    ``start`` (timers), ``on_enter``, ``on_say`` and ``on_ask``."""

    name: ClassVar[str] = ""
    params: ClassVar[dict[str, Param]] = {}
    applies_to: ClassVar[tuple[str, ...]] = ("npc",)

    def __init__(self, world: World, owner: NPC, options: dict[str, Any]) -> None:
        self.world = world
        self.owner = owner
        self.options = options

    @property
    def owner_id(self) -> str:
        return owner_id(self.owner)

    @classmethod
    def check(cls, ctx: Context, options: dict[str, Any], line: int | None,
              lookup: Lookup) -> None:
        """Checks beyond each parameter's kind, once they all passed (errors through
        ``ctx``): how parameters fit together or fit the owner's home rooms
        (``lookup.homes()``)."""

    def start(self) -> None:
        """Set the behaviour's timers going (in the owner's area's group)."""

    def stop(self) -> None:
        """Cancel whatever ``start`` set."""

    def on_enter(self, who: Character | NPC, came_from: Room | None) -> None:
        """Someone came into the owner's room."""

    def on_say(self, speaker: Character, text: str) -> None:
        """A player said ``text`` in the owner's room."""

    def on_give(self, giver: Character, item: Any) -> Callable[[], None] | None:
        """A player offers the owner ``item``: a function that takes it (called once
        everyone has seen the give), or None to leave it with the giver."""
        return None

    def listens_for(self) -> tuple[str, ...]:
        """The first word of each keyword ``on_say`` reacts to (said in the room)."""
        return ()

    def on_ask(self, asker: Character, topic: str) -> bool:
        """A player asked the owner about ``topic``; True if it answered."""
        return False

    # -- speaking as today's speech events, so every client renders it unchanged --------

    def speak(self, line: str, name: str = "") -> None:
        """Say ``line`` to the owner's room, or act it out when it starts with 'emote '
        (``{name}`` in it becomes ``name``: whom the owner speaks to)."""
        room = self.owner.room
        if room is None:
            return
        line = line.replace("{name}", name)
        if line.startswith("emote "):
            self.world.tell_room(room, Emote(self.owner.name, line[6:].strip()))
        else:
            self.world.tell_room(room, Say(self.owner.name, line))


BEHAVIOURS: dict[str, type[Behaviour]] = {}


def behaviour(name: str, applies_to: tuple[str, ...] = ("npc",),
              **params: Param) -> Callable[[type[Behaviour]], type[Behaviour]]:
    """Register a behaviour class under ``name`` with its parameters."""
    def register(cls: type[Behaviour]) -> type[Behaviour]:
        if name in BEHAVIOURS and BEHAVIOURS[name] is not cls:
            raise ValueError(f"behaviour {name!r} registered twice")
        cls.name = name
        cls.params = params
        cls.applies_to = applies_to
        BEHAVIOURS[name] = cls
        return cls
    return register


# -- checking YAML ------------------------------------------------------------------------

def _line(data: Any, key: Any) -> int | None:
    line_of = getattr(data, "line_of", None)
    return line_of(key) if line_of is not None else None


def check_entry(what: str) -> Callable[[Context, Any, int | None, Lookup], list[Any]]:
    """The checker of a ``behaviours:`` key on ``what`` entries (npc, room, item)."""
    def check(ctx: Context, value: Any, line: int | None,
              lookup: Lookup) -> list[tuple[type[Behaviour], dict[str, Any]]]:
        if not isinstance(value, dict):
            ctx.error("'behaviours' must be a mapping of behaviour names to their "
                      "parameters, e.g. behaviours: {chatter: {interval: 60, lines: [...]}}, "
                      f"not {kind(value)}", line)
            return []
        found = []
        for name, options in value.items():
            at = _line(value, name) or line
            cls = BEHAVIOURS.get(name) if isinstance(name, str) else None
            if cls is None:
                close = difflib.get_close_matches(str(name), list(BEHAVIOURS), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                ctx.error(f"unknown behaviour {shown(name)} (known: "
                          f"{', '.join(sorted(BEHAVIOURS))}){hint}", at)
                continue
            if what not in cls.applies_to:
                ctx.error(f"behaviour {name!r} works on {', '.join(cls.applies_to)}s only, "
                          f"not on {what}s", at)
                continue
            checked = _check_params(ctx, cls, options, at, lookup)
            if checked is not None:
                found.append((cls, checked))
        return found
    return check


def _check_params(ctx: Context, cls: type[Behaviour], options: Any, line: int | None,
                  lookup: Lookup) -> dict[str, Any] | None:
    where = f"behaviour {cls.name!r}"
    if options is None:
        options = {}
    if not isinstance(options, dict):
        ctx.error(f"{where} needs a mapping of parameters ({', '.join(cls.params)}), not "
                  f"{kind(options)}", line)
        return None
    before = len(ctx.report.errors)
    out: dict[str, Any] = {}
    for key in options:
        if key not in cls.params:
            close = difflib.get_close_matches(str(key), list(cls.params), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            ctx.error(f"{where}: unknown parameter {shown(key)} (it takes: "
                      f"{', '.join(cls.params)}){hint}", _line(options, key) or line)
    for key, param in cls.params.items():
        if key not in options:
            if param.required:
                ctx.error(f"{where}: missing parameter {key!r} ({KIND_TEXT[param.kind]}: "
                          f"{param.doc})", line)
            out[key] = param.default
            continue
        out[key] = _value(ctx, f"{where}: parameter {key!r}", param, options[key],
                          _line(options, key) or line, lookup)
    if len(ctx.report.errors) == before:
        cls.check(ctx, out, line, lookup)
    return out if len(ctx.report.errors) == before else None


def _value(ctx: Context, where: str, param: Param, value: Any, line: int | None,
           lookup: Lookup) -> Any:
    bad = f"{where} must be {KIND_TEXT[param.kind]}"
    if param.kind in ("seconds", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            ctx.error(f"{bad}, not {kind(value)} ({shown(value)})", line)
            return param.default
        most = MAX_SECONDS if param.kind == "seconds" else MAX_NUMBER
        if not math.isfinite(value) or value > most:
            ctx.error(f"{bad} (at most {most:g}), not {value}", line)
            return param.default
        if param.kind == "seconds" and value < MIN_INTERVAL:
            ctx.error(f"{bad} (at least {MIN_INTERVAL:g}), not {value}", line)
        elif value < 0:
            ctx.error(f"{bad}, not {value}", line)
        return float(value)
    if param.kind == "flag":
        if not isinstance(value, bool):
            ctx.error(f"{bad}, not {kind(value)} ({shown(value)})", line)
            return param.default
        return value
    if param.kind == "text":
        if not isinstance(value, str) or not value.strip():
            ctx.error(f"{bad}, not {kind(value)}", line)
            return param.default
        return " ".join(value.split())
    if param.kind == "lines":
        if not isinstance(value, list) or not value:
            ctx.error(f"{bad} (at least one), e.g. [\"Hello!\", \"emote waves.\"], not "
                      f"{kind(value)}", line)
            return []
        lines = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                ctx.error(f"{where}, line {index + 1}, must be text, not {kind(item)}",
                          _line(value, index) or line)
                continue
            lines.append(" ".join(item.split()))
        return tuple(lines)
    if param.kind in ("items", "rooms"):
        what, example = (("item", "[village:lantern]") if param.kind == "items"
                          else ("room", "[village:square, village:inn]"))
        if not isinstance(value, list) or not value:
            ctx.error(f"{bad}, e.g. {example}, not {kind(value)}", line)
            return ()
        resolve = lookup.item if param.kind == "items" else lookup.room
        found = (resolve(ctx, ref, _line(value, i) or line, f"{where}, {what} {i + 1}")
                 for i, ref in enumerate(value))
        return tuple(one for one in found if one is not None)
    # topics: {"mine, shaft": "reply", ...}
    if not isinstance(value, dict) or not value:
        ctx.error(f"{bad}, e.g. {{\"mine, shaft\": \"It is closed.\"}}, not {kind(value)}",
                  line)
        return ()
    topics = []
    for key, reply in value.items():
        at = _line(value, key) or line
        written = [w.strip() for w in str(key).split(",") if w.strip()]
        words = tuple(normalised(w).strip() for w in written)
        if not isinstance(key, str) or not words:
            ctx.error(f"{where}: topic {shown(key)} must be keywords, e.g. \"mine, shaft\"",
                      at)
        elif not all(words):
            empty = next(w for w, n in zip(written, words, strict=True) if not n)
            ctx.error(f"{where}: topic {shown(key)}: keyword {shown(empty)} has no letters "
                      "or digits, so nothing said could match it", at)
        elif not isinstance(reply, str) or not reply.strip():
            ctx.error(f"{where}: the reply to {shown(key)} must be text, not {kind(reply)}",
                      at)
        else:
            topics.append((words, " ".join(reply.split())))
    return tuple(topics)
