"""Quests: small errands the world declares, started and finished by what players do.

An area declares its quests in ``area.yaml``::

    quests:
      emberleaf:
        name: Emberleaf for Nell
        starts: {read: village:board, get: emberleaf}
        active: Nell Briar wants fresh emberleaf from Alder Brook. Give her a sprig.
        done: You brought Nell her emberleaf; she gave you a herb satchel.

A quest starts for a character when they do what ``starts`` names (``read`` a notice,
``get`` an item: the engine's ``get`` and the readables system's ``read`` happenings), and
is done when an NPC's ``accept`` behaviour with ``quest: <id>`` takes the item from them
(done straight away if they never started it: bringing the thing is what counts).

``install()`` (called once by mud.systems.install_all) registers, with no edit anywhere
else: the ``quests:`` key on areas (checked with file:line); per-character saved state
``quests`` (quest id -> "active" or "done", in the order they happened); the ``quests``
command; and two events with text and JSON renderings: ``quest`` (one started or done) and
``quests`` (the list).
"""

from __future__ import annotations

from typing import Any

from mud.commands.registry import COMMANDS, Context
from mud.engine import hooks
from mud.engine.actions import Refusal
from mud.engine.events import Event
from mud.engine.model import Character
from mud.engine.state import STATE, of
from mud.engine.world import World
from mud.systems.quests.declared import Quest, check_quests, check_ref

__all__ = ["ACTIVE", "DONE", "Quest", "QuestList", "QuestUpdate", "check_ref", "complete",
           "install", "quests_of", "start"]

STATE_NAME = "quests"
ACTIVE, DONE = "active", "done"


class QuestUpdate(Event):
    """A quest started (``status`` "active") or was done ("done") for the one told."""

    __slots__ = ("name", "quest", "status", "words")
    kind = "quest"

    def __init__(self, quest: str, name: str, status: str, words: str) -> None:
        super().__init__()
        self.quest = quest
        self.name = name
        self.status = status
        self.words = words


class QuestList(Event):
    """A character's quests: (id, name, words) in progress, then done."""

    __slots__ = ("active", "done")
    kind = "quests"

    def __init__(self, active: tuple[tuple[str, str, str], ...],
                 done: tuple[tuple[str, str, str], ...]) -> None:
        super().__init__()
        self.active = active
        self.done = done


class Quests:
    """The quests of one world, and which happenings start them."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.quests: dict[str, Quest] = {}
        # (happening, item template id) -> quest ids it starts: a dict lookup per get/read.
        self.starters: dict[tuple[str, str], list[str]] = {}
        world.hooks.on(hooks.GET, self._happened(hooks.GET), owner="quests")
        world.hooks.on(hooks.READ, self._happened(hooks.READ), owner="quests")

    def add(self, quest: Quest) -> None:
        self.drop([quest.id])  # declared again (its area reloaded): never started twice
        self.quests[quest.id] = quest
        for happening, templates in quest.starts.items():
            for template in templates:
                self.starters.setdefault((happening, template), []).append(quest.id)

    def drop(self, quest_ids: list[str]) -> None:
        """Forget these quests (their area reloaded): players' progress is kept."""
        for quest_id in quest_ids:
            if self.quests.pop(quest_id, None) is None:
                continue
            for key, ids in list(self.starters.items()):
                if quest_id in ids:
                    ids.remove(quest_id)
                    if not ids:
                        del self.starters[key]

    def area_quests(self, area: str) -> list[str]:
        """The ids of the quests ``area`` declares."""
        return [quest_id for quest_id in self.quests if quest_id.startswith(f"{area}:")]

    def _happened(self, happening: str) -> Any:
        def handler(who: Any, item: Any, **_: Any) -> None:
            if isinstance(who, Character):
                for quest in self.starters.get((happening, item.template.id), ()):
                    start(self.world, who, quest)
        return handler


# Kept in world.parts under this name.
_QUESTS = "quests"


def quests_of(world: World) -> Quests:
    """The world's quests (made on first use)."""
    return world.part(_QUESTS, Quests)


def start(world: World, who: Character, quest_id: str) -> bool:
    """Start ``quest_id`` for ``who`` unless they have it already; True if it started."""
    quest = quests_of(world).quests.get(quest_id)
    progress: dict[str, str] = of(who, STATE_NAME)
    if quest is None or quest_id in progress:
        return False
    progress[quest_id] = ACTIVE
    world.changed(who)
    who.send(QuestUpdate(quest.id, quest.name, ACTIVE, quest.active))
    return True


def complete(world: World, who: Character, quest_id: str) -> bool:
    """Mark ``quest_id`` done for ``who`` (started or not); True if it was not done yet."""
    quest = quests_of(world).quests.get(quest_id)
    progress: dict[str, str] = of(who, STATE_NAME)
    if quest is None or progress.get(quest_id) == DONE:
        return False
    progress.pop(quest_id, None)
    progress[quest_id] = DONE  # at the end: done quests list in the order they were done
    world.changed(who)
    who.send(QuestUpdate(quest.id, quest.name, DONE, quest.done))
    return True


def quests(ctx: Context, args: str) -> None:
    """quests

    List your quests: those in progress, with what is left to do, and those done.
    Quests start as you go: read the notices, pick things up, talk to people.
    """
    known = quests_of(ctx.world).quests
    progress: dict[str, str] = of(ctx.actor, STATE_NAME)
    active, done = [], []
    for quest_id, status in progress.items():
        quest = known.get(quest_id)
        if quest is None:
            continue  # its area is gone from the world: kept in the save, not listed
        if status == DONE:
            done.append((quest.id, quest.name, quest.done))
        else:
            active.append((quest.id, quest.name, quest.active))
    if args.strip():
        raise Refusal("Type 'quests' alone to list your quests.")
    ctx.send(QuestList(tuple(active), tuple(done)))


# -- the world's YAML: quests on areas ------------------------------------------------------


def attach_quests(world: World, area: str, checked: list[Quest]) -> None:
    found = quests_of(world)
    for quest in checked:
        found.add(quest)


# -- how the events look ----------------------------------------------------------------------


def _indented(text: str, width: int, indent: str) -> str:
    from mud.render.wrapping import reflow

    room = max(10, width - len(indent))
    return "\n".join(indent + line if line else line for line in reflow(text, room).split("\n"))


def _update_text(e: QuestUpdate, p: Any) -> str:
    heading = f"New quest: {e.name}" if e.status == ACTIVE else f"Quest done: {e.name}"
    return f"{p('notice', heading)}\n{_indented(e.words, p.width, '  ')}"


def _list_text(e: QuestList, p: Any) -> str:
    if not e.active and not e.done:
        return p.wrap("You have no quests yet. Read the notices, pick things up and talk "
                      "to people (ask <someone> about <something>): someone may need your "
                      "help.")
    lines = []
    for heading, rows in (("Quests in progress:", e.active), ("Quests done:", e.done)):
        if not rows:
            continue
        lines.append(p("notice", heading))
        for _, name, words in rows:
            lines.append(_indented(name, p.width, "  "))
            lines.append(_indented(words, p.width, "    "))
    return "\n".join(lines)


def _update_json(e: QuestUpdate) -> dict[str, Any]:
    return {"quest": e.quest, "name": e.name, "status": e.status, "words": e.words}


def _list_json(e: QuestList) -> dict[str, Any]:
    return {"active": [{"quest": q, "name": n, "words": w} for q, n, w in e.active],
            "done": [{"quest": q, "name": n, "words": w} for q, n, w in e.done]}


def install() -> None:
    """Register the quests key, the saved state, the command and the events' looks."""
    from mud import world_keys
    from mud.render import json_events, text

    world_keys.register_key("quests", ("area",), check_quests, attach_quests)
    STATE.declare_character(STATE_NAME, dict)
    if "quests" not in COMMANDS.commands:
        COMMANDS.register("quests", family="info")(quests)
    text.register(QuestUpdate, _update_text)
    text.register(QuestList, _list_text)
    json_events.register(QuestUpdate, _update_json)
    json_events.register(QuestList, _list_json)
