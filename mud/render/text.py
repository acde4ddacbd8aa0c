"""Render engine events as text for line-based clients: ANSI colour or plain, wrapped.

A ``TextStyle`` is everything that changes the output (colour on/off, width), so one
rendering can be shared by every client of the same style.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from mud.engine import events as ev
from mud.engine.directions import SHORT

RESET = "\x1b[0m"
COLOURS = {
    "room": "\x1b[1;36m",     # bold cyan
    "exits": "\x1b[32m",      # green
    "say": "\x1b[33m",        # yellow
    "tell": "\x1b[35m",       # magenta
    "emote": "\x1b[36m",      # cyan
    "error": "\x1b[31m",      # red
    "people": "\x1b[1;37m",   # bold white
    "npc": "\x1b[1;33m",      # bold yellow
    "item": "\x1b[37m",       # white
    "notice": "\x1b[1;32m",   # bold green
    "prompt": "\x1b[1m",      # bold
}


@dataclass(frozen=True)
class TextStyle:
    colour: bool = True
    width: int = 80


PLAIN = TextStyle(colour=False)
ANSI = TextStyle(colour=True)


class _Painter:
    __slots__ = ("colour", "width")

    def __init__(self, style: TextStyle) -> None:
        self.colour = style.colour
        self.width = max(20, style.width) - 1

    def __call__(self, role: str, text: str) -> str:
        if not self.colour or not text:
            return text
        return f"{COLOURS[role]}{text}{RESET}"

    def wrap(self, text: str) -> str:
        """Reflow prose to the width; keep list items and short lines (signs, verse) apart."""
        out = []
        for para in text.split("\n\n"):
            lines = [line.rstrip() for line in para.splitlines()] or [""]
            if len(lines) > 1 and all(len(line) < self.width * 0.7 for line in lines):
                out.append("\n".join(lines))
                continue
            blocks: list[list[str]] = []
            for line in lines:
                if not blocks or _LIST_ITEM.match(line):
                    blocks.append([line])
                else:
                    blocks[-1].append(line)
            out.append("\n".join(self._fill(" ".join(b)) for b in blocks))
        return "\n\n".join(out)

    def _fill(self, text: str) -> str:
        words = " ".join(text.split())
        if len(words) <= self.width:
            return words
        marker = _LIST_ITEM.match(words)
        hang = " " * len(marker.group(0)) if marker else ""
        return textwrap.fill(words, self.width, subsequent_indent=hang,
                             break_on_hyphens=False)


_LIST_ITEM = re.compile(r"^\s*(?:[*-]|\d+[.)])\s+")


def _join(names: tuple[str, ...]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _room(e: ev.RoomView, p: _Painter) -> str:
    lines = [p("room", e.name), p.wrap(e.description)]
    if e.exits:
        shown = " ".join(SHORT.get(x, x) for x in e.exits)
        lines.append(p("exits", f"[Exits: {shown}]"))
    else:
        lines.append(p("exits", "[Exits: none]"))
    for npc in e.npcs:
        lines.append(p("npc", f"{npc[:1].upper()}{npc[1:]} is here."))
    if e.characters:
        verb = "is" if len(e.characters) == 1 else "are"
        lines.append(p("people", f"{_join(e.characters)} {verb} here."))
    if e.items:
        lines.append(p.wrap("You see " + _join(e.items) + " here."))
    return "\n".join(lines)


def _exits(e: ev.ExitList, p: _Painter) -> str:
    if not e.exits:
        return "There is no obvious way out."
    rows = [f"  {p('exits', name.ljust(10))} - {where}" for name, where in e.exits]
    return "Ways out:\n" + "\n".join(rows)


def _say(e: ev.Say, p: _Painter) -> str:
    who = "You say" if e.own else f"{e.speaker} says"
    return p.wrap(p("say", f'{who}, "{e.text}"'))


def _tell(e: ev.Tell, p: _Painter) -> str:
    if e.own:
        return p.wrap(p("tell", f'You tell {e.recipient}, "{e.text}"'))
    return p.wrap(p("tell", f'{e.sender} tells you, "{e.text}"'))


def _emote(e: ev.Emote, p: _Painter) -> str:
    text = e.text if e.text[-1:] in ".!?\"'" else e.text + "."
    return p.wrap(p("emote", f"{e.actor} {text}"))


def _item(e: ev.ItemAction, p: _Painter) -> str:
    actor = "You" if e.own else e.actor
    if e.verb == "get":
        verb = "pick up" if e.own else "picks up"
        return f"{actor} {verb} {e.item}."
    if e.verb == "drop":
        return f"{actor} {'drop' if e.own else 'drops'} {e.item}."
    return f"{actor} {'give' if e.own else 'gives'} {e.item} to {e.target}."


def _who(e: ev.WhoList, p: _Painter) -> str:
    lines = [p("notice", f"Players online: {len(e.players)}")]
    for name, idle, via in e.players:
        idle_text = "" if idle < 60 else f"  idle {idle // 60}m"
        lines.append(f"  {p('people', name.ljust(20))} {via}{idle_text}".rstrip())
    return "\n".join(lines)


def _inventory(e: ev.Inventory, p: _Painter) -> str:
    if not e.items:
        return "You are carrying nothing."
    return "You are carrying:\n" + "\n".join(f"  {name}" for name in e.items)


RENDERERS: dict[type, Callable[..., str]] = {
    ev.RoomView: _room,
    ev.ExitList: _exits,
    ev.Say: _say,
    ev.Tell: _tell,
    ev.Emote: _emote,
    ev.ItemAction: _item,
    ev.WhoList: _who,
    ev.Inventory: _inventory,
    ev.Arrive: lambda e, p: f"{e.name} {e.phrase}.",
    ev.Depart: lambda e, p: f"{e.name} {e.phrase}.",
    ev.Examine: lambda e, p: f"{p('room', e.name[:1].upper() + e.name[1:])}\n"
                             f"{p.wrap(e.description.strip())}",
    ev.HelpText: lambda e, p: e.text,
    ev.Error: lambda e, p: p.wrap(p("error", e.text)),
    ev.Goodbye: lambda e, p: p.wrap(p("notice", e.text)),
    ev.Message: lambda e, p: p.wrap(e.text),
    ev.Prompt: lambda e, p: p("prompt", e.text),
}


def render(event: ev.Event, style: TextStyle) -> str:
    """The text of one event in ``style``, without a trailing newline."""
    fn = RENDERERS.get(type(event))
    if fn is None:
        text = getattr(event, "text", None)
        return str(text) if text is not None else ""
    return fn(event, _Painter(style))
