"""NPCs that talk: ``chatter`` (a line now and then), ``greet`` (a word for newcomers) and
``respond`` (answers to keywords said in the room, and to ``ask <npc> about <topic>``)."""

from __future__ import annotations

from typing import Any

from mud.engine.model import NPC, Character, Room
from mud.engine.scheduler import Timer
from mud.systems.behaviours.base import Behaviour, Param, behaviour, normalised

__all__ = ["Chatter", "Greet", "Repeating", "Respond", "normalised"]


class Repeating(Behaviour):
    """A behaviour that acts every ``interval`` seconds (+/- ``jitter``) in its area."""

    _timer: Timer | None = None

    def start(self) -> None:
        interval = self.options["interval"]
        jitter = self.options["jitter"]
        if jitter is None:
            jitter = interval / 4  # so a room of NPCs does not speak in chorus
        room = self.owner.room
        self._timer = self.world.scheduler.every(
            interval, self.act, group=room.area if room is not None else None,
            jitter=jitter, owner=self.owner_id)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def act(self) -> None:
        raise NotImplementedError


@behaviour("chatter",
           interval=Param("seconds", "how often it speaks", required=True),
           jitter=Param("number", "how much each wait may vary (default: a quarter of "
                        "the interval; 0: exact)"),
           lines=Param("lines", "what it says; a line starting 'emote ' is acted out",
                       required=True))
class Chatter(Repeating):
    """Says or emotes a random line from ``lines`` every ``interval`` seconds."""

    last = -1

    def act(self) -> None:
        room = self.owner.room
        if room is None or not room.characters:
            return  # nobody to hear it: say nothing
        lines = self.options["lines"]
        pick = self.world.scheduler.rng.randrange(len(lines))
        if pick == self.last and len(lines) > 1:
            pick = (pick + 1) % len(lines)  # never the same line twice running
        self.last = pick
        self.speak(lines[pick])


@behaviour("greet",
           lines=Param("lines", "what it says to a player who arrives ({name}: the "
                       "player's name; 'emote ...' to act it out)", required=True),
           cooldown=Param("number", "seconds before it greets the same player again",
                          default=60.0))
class Greet(Behaviour):
    """Greets a player who walks into its room (not one who logs in, nor another NPC)."""

    def __init__(self, world: Any, owner: NPC, options: dict[str, Any]) -> None:
        super().__init__(world, owner, options)
        # Character key -> when last greeted; kept small by forgetting old entries.
        self.greeted: dict[str, float] = {}

    def on_enter(self, who: Character | NPC, came_from: Room | None) -> None:
        if not isinstance(who, Character) or came_from is None:
            return
        now = self.world.clock.seconds()
        cooldown = self.options["cooldown"]
        last = self.greeted.get(who.key)
        if last is not None and now - last < cooldown:
            return
        if len(self.greeted) > 256:
            self.greeted = {k: t for k, t in self.greeted.items() if now - t < cooldown}
        self.greeted[who.key] = now
        lines = self.options["lines"]
        self.speak(lines[self.world.scheduler.rng.randrange(len(lines))], who.name)


@behaviour("respond",
           topics=Param("topics", "keywords (comma-separated) and the reply to each",
                        required=True),
           default=Param("text", "its answer when asked about anything else"))
class Respond(Behaviour):
    """Answers keywords: said in its room (``say``), or asked (``ask <npc> about <topic>``)."""

    def reply_to(self, text: str) -> str | None:
        padded = normalised(text)
        for keywords, reply in self.options["topics"]:
            if any(f" {word} " in padded for word in keywords):
                return reply
        return None

    def listens_for(self) -> tuple[str, ...]:
        return tuple({word.split()[0] for keywords, _ in self.options["topics"]
                      for word in keywords})

    def on_say(self, speaker: Character, text: str) -> None:
        reply = self.reply_to(text)
        if reply is not None:
            self.speak(reply, speaker.name)

    def on_ask(self, asker: Character, topic: str) -> bool:
        reply = self.reply_to(topic) or self.options["default"]
        if reply is None:
            return False
        self.speak(reply, asker.name)
        return True
