"""Render engine events as text for line-based clients: ANSI colour or plain, wrapped.

A ``TextStyle`` is everything that changes the output (colour on/off, width), so one
rendering can be shared by every client of the same style.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from mud.engine import events as ev
from mud.engine.directions import SHORT
from mud.render.wrapping import RESET, fit, reflow

# Each role's colour at each depth: (16-colour SGR, xterm-256 index, truecolor RGB).
PALETTE = {
    "room": ("1;36", 51, (95, 215, 255)),
    "exits": ("32", 71, (95, 175, 95)),
    "say": ("33", 221, (255, 215, 95)),
    "tell": ("35", 177, (215, 135, 255)),
    "emote": ("36", 80, (95, 215, 215)),
    "error": ("31", 203, (255, 95, 95)),
    "people": ("1;37", 231, (255, 255, 255)),
    "npc": ("1;33", 214, (255, 175, 0)),
    "item": ("37", 252, (208, 208, 208)),
    "notice": ("1;32", 120, (135, 255, 135)),
    "prompt": ("1", 255, (238, 238, 238)),
}
TRUECOLOR = 1 << 24
COLOURS = {role: f"\x1b[{sgr}m" for role, (sgr, _, _) in PALETTE.items()}
COLOURS_256 = {role: f"\x1b[38;5;{index}m" for role, (_, index, _) in PALETTE.items()}
COLOURS_TRUE = {role: f"\x1b[38;2;{r};{g};{b}m" for role, (_, _, (r, g, b)) in PALETTE.items()}


@dataclass(frozen=True, eq=False)
class TextStyle:
    """How a client wants text: colour depth (0 none, 16, 256 or TRUECOLOR), width, and
    whether it reads only ASCII or through a screen reader (plain, no decorative art).
    Compared by identity: protocols get shared instances from ``text_style``, so a cache
    keyed by style is one dictionary lookup."""

    colour: int = 16
    width: int = 80
    ascii: bool = False
    screen_reader: bool = False


@functools.lru_cache(maxsize=4096)
def text_style(colour: int = 16, width: int = 80, ascii: bool = False,
               screen_reader: bool = False) -> TextStyle:
    """The shared TextStyle for these settings (screen readers get no colour)."""
    return TextStyle(0 if screen_reader else colour, width, ascii, screen_reader)


PLAIN = text_style(colour=0)
ANSI = text_style(colour=16)


class _Painter:
    __slots__ = ("codes", "plain", "width")

    def __init__(self, style: TextStyle) -> None:
        depth = style.colour
        self.codes = None if not depth else COLOURS_TRUE if depth >= TRUECOLOR \
            else COLOURS_256 if depth >= 256 else COLOURS
        self.plain = style.screen_reader
        self.width = max(20, style.width) - 1

    def __call__(self, role: str, text: str) -> str:
        if self.codes is None or not text:
            return text
        return f"{self.codes[role]}{text}{RESET}"

    def wrap(self, text: str, sentences: bool = False) -> str:
        """Reflow prose to the width; keep list items and short lines (signs, verse) apart
        (see mud/render/wrapping.py; ``sentences``: keep a break after a sentence too)."""
        return reflow(text, self.width, sentences=sentences)


# One painter per style, made once: it only reads the style (every render used to build one).
# Bounded like text_style's own cache, which hands out the styles.
_painter = functools.lru_cache(maxsize=4096)(_Painter)


def _join(names: tuple[str, ...]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _room(e: ev.RoomView, p: _Painter) -> str:
    lines = [p("room", e.name), p.wrap(e.description)]
    if p.plain:
        # Screen readers: words, not bracketed abbreviations.
        words = [f"{x} (door closed)" if e.doors.get(x, ("", False))[1] else x
                 for x in e.exits]
        lines.append(p.wrap(f"Exits: {_join(words)}." if e.exits else "No exits."))
    elif e.exits:
        # A closed door marks its exit: "[Exits: e (closed) up]".
        shown = " ".join(SHORT.get(x, x) + (" (closed)" if e.doors.get(x, ("", False))[1]
                                            else "") for x in e.exits)
        # Door marks make the line longer: it wraps at the width like prose.
        lines.append(p("exits", p.wrap(f"[Exits: {shown}]")))
    else:
        lines.append(p("exits", "[Exits: none]"))
    for npc in e.npcs:
        lines.append(p("npc", f"{npc[:1].upper()}{npc[1:]} is here."))
    if e.characters:
        verb = "is" if len(e.characters) == 1 else "are"
        lines.append(p("people", f"{_join(_marked(e.characters, e.linkdead))} {verb} here."))
    if e.items:
        lines.append(p.wrap("You see " + _join(tuple(g.label for g in e.items)) + " here."))
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
    # Someone of another realm is named as a tell to them is addressed: Bram@north.
    at = f"@{e.realm}" if e.realm else ""
    if e.own:
        return p.wrap(p("tell", f'You tell {e.recipient}{at}, "{e.text}"'))
    return p.wrap(p("tell", f'{e.sender}{at} tells you, "{e.text}"'))


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


def _marked(names: tuple[str, ...], linkdead: tuple[str, ...]) -> tuple[str, ...]:
    """Names as a sentence reads them: "Cora (link-dead)" for a body whose player is gone."""
    if not linkdead:
        return names
    dead = set(linkdead)
    return tuple(f"{n} (link-dead)" if n in dead else n for n in names)


def _idle(seconds: int) -> str:
    # Minutes, hours, then days: a row stays within 40 columns however long someone idles.
    if seconds < 60:
        return ""
    if seconds < 3600:
        return f"  idle {seconds // 60}m"
    if seconds < 86400:
        return f"  idle {seconds // 3600}h"
    return f"  idle {seconds // 86400}d"


def _who_row(name: str, rest: str, away: str | None, p: _Painter) -> str:
    row = f"  {p('people', name.ljust(20))} {rest}".rstrip()
    if away is None:
        return row
    # "afk" on the row while it fits the window (visible width: the name's colour aside).
    if 2 + max(len(name), 20) + 1 + len(rest.rstrip()) + 5 < p.width:
        return row + "  afk"
    return row + "\n    afk"


def _who(e: ev.WhoList, p: _Painter) -> str:
    # Only players with a live connection are online; link-dead bodies are listed apart.
    dead = set(e.linkdead)
    live = [row for row in e.players if row[0] not in dead]
    others = [row for row in e.others if not row[3]]
    lines = [p("notice", f"Players online: {len(live) + len(others)}")]
    for name, idle, via in live:
        lines.append(_who_row(name, f"{via}{_idle(idle)}", e.away.get(name), p))
    realm = None
    for name, via, where, _, away in others:
        if where != realm:
            realm = where
            lines.append(p("notice", f"In realm {where}:"))
        lines.append(_who_row(name, via, away, p))
    if dead or len(others) < len(e.others):
        names = [row[0] for row in e.players if row[0] in dead]
        names += [f"{row[0]}@{row[2]}" for row in e.others if row[3]]
        lines.append(p.wrap(f"{p('notice', 'Link-dead:')} {', '.join(names)}"))
    if e.cut_off:
        lines.append(p.wrap("The other realms cannot be reached just now: only this "
                            "realm's players are listed."))
    return "\n".join(lines)


def _inventory(e: ev.Inventory, p: _Painter) -> str:
    if not e.items:
        return "You are carrying nothing."
    return "You are carrying:\n" + "\n".join(f"  {group.label}" for group in e.items)


def _examine(e: ev.Examine, p: _Painter) -> str:
    text = f"{p('room', e.name[:1].upper() + e.name[1:])}\n{p.wrap(e.description.strip())}"
    if e.details:
        text += "\n" + "\n".join(p.wrap(line) for line in e.details)
    return text


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
    ev.LinkChange: lambda e, p: f"{e.name} has lost the connection and stands very still."
                                if e.linkdead else f"{e.name} stirs, awake again.",
    ev.Examine: _examine,
    ev.HelpText: lambda e, p: p.wrap(e.text, sentences=True),
    ev.Error: lambda e, p: p.wrap(p("error", e.text)),
    ev.Goodbye: lambda e, p: p.wrap(p("notice", e.text)),
    ev.Banner: lambda e, p: p.wrap(e.plain if p.plain else e.text),
    ev.Message: lambda e, p: p.wrap(e.text),
    ev.Prompt: lambda e, p: p("prompt", e.text),
}


def register(event_type: type[ev.Event], renderer: Callable[..., str]) -> None:
    """How a system's event reads as text: ``renderer(event, painter) -> str``. The painter
    colours a role (``p("notice", text)``) and wraps prose (``p.wrap(text)``); what it
    returns is fitted to the window and cached once per style like every other event."""
    known = RENDERERS.get(event_type)
    if known is not None and known is not renderer:
        raise ValueError(f"{event_type.__name__} has a text renderer already")
    RENDERERS[event_type] = renderer


def render(event: ev.Event, style: TextStyle) -> str:
    """The text of one event in ``style``, without a trailing newline."""
    fn = RENDERERS.get(type(event))
    if fn is None:
        text = getattr(event, "text", None)
        return str(text) if text is not None else ""
    painter = _painter(style)
    text = fn(event, painter)
    if style.ascii:
        # Before fitting: spelling "…" as "..." makes a line wider.
        text = ascii_safe(text)
    # Whatever a renderer built, no line may be wider than the window (visible columns).
    return fit(text, painter.width)


# Typography that has a plain ASCII spelling; anything else non-ASCII is decomposed
# (accents dropped) or becomes "?".
_ASCII = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                        "\u2013": "-", "\u2014": "--", "\u2026": "...", "\u00a0": " ",
                        "\u2022": "*", "\u00ab": "<<", "\u00bb": ">>", "\ufffd": "?"})


def ascii_safe(text: str) -> str:
    """``text`` in ASCII for clients that refused UTF-8."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text.translate(_ASCII))
    return "".join(ch if ch.isascii() else "" if unicodedata.combining(ch) else "?"
                   for ch in text)
