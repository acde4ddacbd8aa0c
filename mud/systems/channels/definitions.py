"""Channel definitions: world.yaml's ``channels:`` key and the config file's ``channels:``.

Both are written the same way, a mapping of channel names to their fields (every field
optional)::

    channels:
      ooc:
        label: OOC                 # how lines are marked: "[OOC] Ann: hello"
        aliases: []                # other words that speak on it
        description: Out-of-character talk about anything.
        speak: player              # the least role that may speak (player, builder, admin)
        listen: player             # the least role that hears it
        default: on                # heard unless the player turns it off
        history: 20                # lines kept for `ooc` typed alone (0: none)

``check`` reads one such mapping for the loader (errors name the file, the line and the
channel) or for the config file (``check_config``: one StartupError line per fault);
``clashes`` says which names would hide a command or a direction, asked once every
command is registered. ``merged`` puts the config's channels over the world's by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mud.engine.directions import ABBREVIATIONS, DIRECTIONS
from mud.world_schema import Context, Report, kind
from mud.world_yaml import WorldError, shown

# Bounds a builder's numbers and words must keep.
MAX_CHANNELS = 20
MAX_ALIASES = 4
MIN_NAME, MAX_NAME = 2, 12
MAX_LABEL = 16
MAX_DESCRIPTION = 200
MAX_HISTORY = 100
DEFAULT_HISTORY = 20
# Who may speak or listen: each role includes those above it.
ROLES = ("player", "builder", "admin")
RANK = {role: n for n, role in enumerate(ROLES)}
FIELDS = ("label", "aliases", "description", "speak", "listen", "default", "history")
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Channel:
    """One channel as defined: who may speak and listen, whether it starts on."""

    name: str
    label: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    speak: str = "player"
    listen: str = "player"
    default: bool = True
    history: int = DEFAULT_HISTORY

    @property
    def words(self) -> tuple[str, ...]:
        """What a player types to use it: its name, then its aliases."""
        return (self.name, *self.aliases)


def default_label(name: str) -> str:
    """"OOC" for a short name, "Gossip" for a longer one."""
    return name.upper() if len(name) <= 4 else name.capitalize()


def role_rank(role: str) -> int:
    return RANK.get(role, 0)


def _word(here: Context, raw: Any, what: str, line: int | None) -> str | None:
    """A channel name or alias: MIN_NAME to MAX_NAME letters a to z (lower-cased)."""
    if not isinstance(raw, str) or not _WORD.fullmatch(raw.strip().lower()) or \
            not MIN_NAME <= len(raw.strip()) <= MAX_NAME:
        here.error(f"{what} must be a word of {MIN_NAME} to {MAX_NAME} letters a to z, such "
                   f"as ooc, not {shown(raw) if isinstance(raw, str) else kind(raw)}", line)
        return None
    return raw.strip().lower()


def _line(data: Any, key: Any) -> int | None:
    return data.line_of(key) if hasattr(data, "line_of") else None


def _role(here: Context, data: Any, key: str) -> str:
    if key not in data:
        return "player"
    value = data[key]
    if isinstance(value, str) and value.strip().lower() in RANK:
        return value.strip().lower()
    here.error(f"{key!r} must be one of {', '.join(ROLES)} (the least role that may "
               f"{key}), not {shown(value) if isinstance(value, str) else kind(value)}",
               _line(data, key))
    return "player"


def _history(here: Context, data: Any) -> int:
    if "history" not in data:
        return DEFAULT_HISTORY
    value = data["history"]
    if isinstance(value, bool) or not isinstance(value, int) or \
            not 0 <= value <= MAX_HISTORY:
        here.error(f"'history' must be a whole number of lines from 0 to {MAX_HISTORY}, "
                   f"such as history: 20, not {shown(value)}", _line(data, "history"))
        return DEFAULT_HISTORY
    return value


def _one(here: Context, name: str, data: Any) -> Channel | None:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        here.error(f"must be a mapping of its fields ({', '.join(FIELDS)}), such as "
                   f"{{description: Talk about anything}}, not {kind(data)}")
        return None
    checked = here.check_keys(data, dict.fromkeys(FIELDS, False), f"channel {name!r}")
    label = default_label(name)
    if "label" in checked:
        label = " ".join(here.text(checked, "label", label).split()) or label
        if len(label) > MAX_LABEL or not label.isprintable():
            here.error(f"'label' is {MAX_LABEL} characters at most, such as label: OOC, "
                       f"not {shown(label)}", _line(checked, "label"))
            label = default_label(name)
    description = " ".join(here.text(checked, "description", "").split())
    if len(description) > MAX_DESCRIPTION:
        here.error(f"'description' is {MAX_DESCRIPTION} characters at most, not "
                   f"{len(description)}", _line(checked, "description"))
        description = description[:MAX_DESCRIPTION]
    aliases: list[str] = []
    for alias, at in here.words_at(checked, "aliases"):
        word = _word(here, alias, "an alias", at)
        if word is not None and word != name and word not in aliases:
            aliases.append(word)
    if len(aliases) > MAX_ALIASES:
        here.error(f"'aliases' lists {len(aliases)} words; {MAX_ALIASES} at most",
                   _line(checked, "aliases"))
        aliases = aliases[:MAX_ALIASES]
    return Channel(name, label, tuple(aliases), description, _role(here, checked, "speak"),
                   _role(here, checked, "listen"), here.flag(checked, "default", True),
                   _history(here, checked))


def check(ctx: Context, value: Any, line: int | None = None, lookup: Any = None,
          commands: dict[str, Any] | None = None) -> tuple[Channel, ...]:
    """The channels a ``channels:`` mapping defines; each fault goes to ``ctx``'s report
    (naming the file, the line and the channel) and leaves that channel or field out.
    ``commands`` (every command word to its command): a channel whose words would hide
    one of them is a fault too (see ``clashes``)."""
    here = ctx.at(ctx.entry or "'channels'", line)
    if value is None or value == {}:
        return ()
    if not isinstance(value, dict):
        here.error("'channels' must be a mapping of channel names to their fields, such as "
                   f"channels: {{ooc: {{description: Talk about anything}}}}, not "
                   f"{kind(value)}")
        return ()
    if len(value) > MAX_CHANNELS:
        here.error(f"'channels' defines {len(value)} channels; {MAX_CHANNELS} at most")
        return ()
    found: list[Channel] = []
    taken: dict[str, str] = {}
    for raw, data in value.items():
        at = _line(value, raw)
        name = _word(here, raw, "a channel's name", at)
        if name is None:
            continue
        channel = _one(here.at(f"channel {name!r}", at), name, data)
        if channel is None:
            continue
        twice = [w for w in channel.words if w in taken]
        problems = clashes(channel, commands) if commands is not None else []
        for problem in problems:
            here.error(f"channel {name!r}: {problem}: pick another word for the channel", at)
        if problems:
            continue
        if twice:
            here.error(f"channel {name!r}: the word {twice[0]!r} already names channel "
                       f"{taken[twice[0]]!r}: pick another", at)
            continue
        taken.update(dict.fromkeys(channel.words, name))
        found.append(channel)
    return tuple(found)


def check_config(value: Any, source: str) -> tuple[Channel, ...]:
    """The config file's ``channels:`` (``source``: its path); raises ValueError whose
    message holds one line per fault."""
    report = Report()
    ctx = Context(Path(source), report, "'channels'")
    try:
        with report.gathering():
            channels = check(ctx, value)
    except WorldError as exc:
        raise ValueError("\n".join(exc.errors)) from None
    return channels


def clashes(channel: Channel, commands: dict[str, Any]) -> list[str]:
    """Why ``channel``'s words cannot be command words: each would hide a command
    (``commands``: every registered command word to its command), the start of one, or
    a direction."""
    problems = []
    for word in channel.words:
        if word in commands:
            problems.append(f"{word!r} is already the command {commands[word].name!r}")
        elif word in DIRECTIONS or word in ABBREVIATIONS:
            problems.append(f"{word!r} is a direction")
        else:
            longer = sorted(w for w in commands if w.startswith(word) and w.isalpha())
            if longer:
                problems.append(f"{word!r} would hide the start of the command "
                                f"{longer[0]!r}")
    return problems


def merged(world: tuple[Channel, ...], config: tuple[Channel, ...]) -> tuple[Channel, ...]:
    """The world's channels with the config's over them by name (new ones after)."""
    given = {c.name: c for c in config}
    out = [given.pop(c.name, c) for c in world]
    out.extend(given.values())
    return tuple(out)
