"""Readables: things with words on them (notice boards, letters, signs, ledgers).

``install()`` (called once by mud.systems.install_all) registers everything it brings,
without an edit anywhere else:

- the ``text:`` key on items in the world's YAML: what ``read`` shows (``look`` still
  shows the description, the thing itself); checked at load like every other key;
- ``read <thing>`` in the player command set, and ``read`` alone, which lists what can be
  read here and marks what the character has not read yet;
- two events with their text and JSON renderings: ``read`` (what was read) and
  ``readables`` (the list);
- the ``read`` happening (mud/engine/hooks.py), emitted after the words are shown, so
  other systems react to reading (a notice board starts the quests it asks for);
- per-character saved state ``readables``: the texts the character has read, by item
  template, each with a fingerprint of its words, so a notice the builders rewrite shows
  as changed.
"""

from __future__ import annotations

import zlib
from typing import Any

from mud.commands.registry import COMMANDS, Context
from mud.engine import hooks, matching
from mud.engine.actions import Refusal
from mud.engine.events import Event
from mud.engine.model import Item, ItemTemplate
from mud.engine.state import STATE, of
from mud.engine.world import World
from mud.world_schema import Context as Where
from mud.world_yaml import shown

# The per-character state's name; its value maps item template id -> fingerprint.
STATE_NAME = "readables"
# Longest text a builder may give one thing (characters): a page, not a book.
MAX_TEXT = 4000
# A thing read for the first time, read before and unchanged, rewritten since.
NEW, READ, CHANGED = "new", "read", "changed"


class Reading(Event):
    """What is written on a thing (``words``), and whether it is new to the reader."""

    __slots__ = ("name", "status", "words")
    kind = "read"

    def __init__(self, name: str, words: str, status: str) -> None:
        super().__init__()
        self.name = name
        self.words = words
        self.status = status


class Readables(Event):
    """The things here that can be read: (name, status) each."""

    __slots__ = ("things",)
    kind = "readables"

    def __init__(self, things: tuple[tuple[str, str], ...]) -> None:
        super().__init__()
        self.things = things


def text_of(item: Item) -> str | None:
    """The words written on ``item`` (None: nothing is)."""
    text = item.template.props.get("text")
    return text if isinstance(text, str) else None


def fingerprint(text: str) -> str:
    # Short and stable across restarts: a character's save holds one per text read.
    return f"{zlib.crc32(text.encode('utf-8')):08x}"


def status(seen: dict[str, str], item: Item, text: str) -> str:
    known = seen.get(item.template.id)
    return NEW if known is None else READ if known == fingerprint(text) else CHANGED


def read(ctx: Context, args: str) -> None:
    """read [thing]

    Read what is written on something you carry or see here: a notice, a letter, a sign.
    Without a word: list what can be read here, marking what you have not read yet.
    Example: read board
    """
    actor = ctx.actor
    room = actor.room
    if room is None:
        raise Refusal("You are nowhere at all.")
    seen: dict[str, str] = of(actor, STATE_NAME)
    query = args.strip()
    if query.lower().startswith("the "):
        query = query[4:]
    if not query:
        things: dict[str, tuple[str, str]] = {}
        for item in (*actor.inventory, *room.items):
            text = text_of(item)
            if text is not None and item.template.id not in things:
                things[item.template.id] = (item.name, status(seen, item, text))
        if not things:
            raise Refusal("There is nothing to read here.")
        ctx.send(Readables(tuple(things.values())))
        return
    item = matching.find(query, actor.inventory) or matching.find(query, room.items)
    if item is None:
        raise Refusal(f"You see no '{query[:30]}' here to read. Type 'read' to see what "
                      "can be read here.")
    text = text_of(item)
    if text is None:
        raise Refusal(f"There is nothing written on {item.name}.")
    now = status(seen, item, text)
    if now != READ:
        seen[item.template.id] = fingerprint(text)
        ctx.world.changed(actor)
    ctx.send(Reading(item.name, text, now))
    # After the words: a quest the notice starts is told after it is read.
    ctx.world.hooks.emit(hooks.READ, who=actor, item=item, room=room)


# -- the world's YAML: text on items ----------------------------------------------------------


def check_text(ctx: Where, value: Any, line: int | None, lookup: Any) -> str:
    """``text:`` must be non-blank text of at most MAX_TEXT characters."""
    here = ctx.at(ctx.entry, line)
    text = here.text({"text": value}, "text").rstrip()
    if len(text) > MAX_TEXT:
        here.error(f"'text' is {len(text)} characters long, more than the {MAX_TEXT} one "
                   f"thing may hold: cut it, or split it over several things "
                   f"(starts {shown(text[:20])})")
        return ""
    return text


def attach_text(world: World, template: ItemTemplate, text: str) -> None:
    # Every copy of an item reads the same: the words belong to its template, so a copy
    # made later (in a container's contents, a reward, a respawn) reads them too.
    if text:
        template.props["text"] = text


def _placed(world: World, item: Item, text: str) -> None:
    pass  # the template has the words already (attach_text)


# -- how the events look ------------------------------------------------------------------------


def _reading_text(e: Reading, p: Any) -> str:
    opening = f"You read {e.name}" + ("; it has changed since you last read it:"
                                      if e.status == CHANGED else ":")
    return f"{p('notice', opening)}\n{p.wrap(e.words)}"


def _list_text(e: Readables, p: Any) -> str:
    marks = {NEW: " (not read yet)", CHANGED: " (changed since you read it)", READ: ""}
    rows = [f"  {name}{marks[state]}" for name, state in e.things]
    return p("notice", "You can read here:") + "\n" + "\n".join(rows)


def install() -> None:
    """Register the text key, the read command, the events' looks and the saved state."""
    from mud import world_keys
    from mud.render import json_events, text

    world_keys.register_key("text", ("item",), check_text, _placed,
                            attach_template=attach_text)
    STATE.declare_character(STATE_NAME, dict)
    if "read" not in COMMANDS.commands:
        COMMANDS.register("read", family="items")(read)
    text.register(Reading, _reading_text)
    text.register(Readables, _list_text)
    # The frame's own "text" is the plain rendering; the written words are "words".
    json_events.register(Reading, _reading_json)
    json_events.register(Readables, _list_json)


def _reading_json(e: Reading) -> dict[str, Any]:
    return {"name": e.name, "words": e.words, "status": e.status}


def _list_json(e: Readables) -> dict[str, Any]:
    return {"things": [{"name": n, "status": s} for n, s in e.things]}
