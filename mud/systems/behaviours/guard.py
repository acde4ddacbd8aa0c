"""``guard``: an NPC that stops players going through one exit of its home room, unless
they carry something it lets pass (a light, a pass, a token) or have done its quest.

It hangs itself in the exit's ``barriers`` (the engine's one seam for refusing movement,
``mud.engine.actions.stopped``, which closed doors go through too), so it costs nothing
until someone walks that way. It guards only while it stands in its home room: a guard
that wandered off, or was taken out of the world, stops nobody. NPCs are never stopped.
"""

from __future__ import annotations

from typing import Any

from mud.engine import directions
from mud.engine.model import NPC, Character, Exit, Room
from mud.engine.state import of
from mud.systems.behaviours.base import Behaviour, Param, behaviour
from mud.world_keys import Lookup
from mud.world_schema import Context
from mud.world_yaml import shown

# Seconds before a guard says its piece again to the same player (the refusal itself is
# always given): a player trying the exit five times does not fill the room with speech.
SPEAK_AGAIN = 10.0


@behaviour("guard",
           exit=Param("text", "the exit of its home room it guards (north, gate, ...)",
                      required=True),
           carrying=Param("items", "a player carrying any of these (in hand) may pass"),
           quest=Param("text", "a player who has done this quest may pass (a quest id, "
                       "woods:ring); with neither this nor carrying, no player passes"),
           message=Param("text", "what it says to a player it stops ({name}: the player, "
                         "{exit}: the exit; 'emote ...' to act it out)",
                         default="emote steps into the way {exit}."),
           refusal=Param("text", "what the stopped player is told (default: '<npc> will not "
                         "let you go <exit>.')"),
           passing=Param("text", "what it says as it lets a player through (optional)"))
class Guard(Behaviour):
    """Stops players at ``exit`` unless they carry one of ``carrying`` or did ``quest``."""

    home: Room | None = None
    guarded: Exit | None = None

    @classmethod
    def check(cls, ctx: Context, options: dict[str, Any], line: int | None,
              lookup: Lookup) -> None:
        # The exit must be there in every room that places the NPC: a typo would otherwise
        # be a guard that silently guards nothing.
        if options["quest"] is not None:
            from mud.systems import quests

            options["quest"] = quests.check_ref(ctx, options["quest"], line, lookup,
                                                "behaviour 'guard': parameter 'quest'")
        wanted = directions.exit_name(options["exit"])
        for room in lookup.homes():
            if wanted not in room.exits:
                known = ", ".join(sorted(room.exits)) or "none"
                ctx.error(f"behaviour 'guard': parameter 'exit' is {shown(options['exit'])}, "
                          f"but its room {room.id} has no such exit (its exits: {known})",
                          line)

    def start(self) -> None:
        self.home = self.owner.room
        if self.home is None:
            return
        self.guarded = self.home.exits.get(directions.exit_name(self.options["exit"]))
        if self.guarded is not None:
            self.guarded.barriers = (*self.guarded.barriers, self)
        # (character key, which line) -> when it last said that line to that player.
        self.spoke: dict[tuple[str, str], float] = {}

    def stop(self) -> None:
        if self.guarded is not None:
            self.guarded.barriers = tuple(b for b in self.guarded.barriers if b is not self)
            self.guarded = None

    def allows(self, who: Character) -> bool:
        """Whether ``who`` may pass: carries (in hand) one of the items it lets through,
        or has done its quest."""
        carrying = self.options["carrying"]
        if carrying and any(i.template.id in carrying for i in who.inventory):
            return True
        quest = self.options["quest"]
        if quest is None:
            return False
        from mud.systems import quests

        return bool(of(who, quests.STATE_NAME).get(quest) == quests.DONE)

    def refuse(self, who: Character | NPC | None, exit_: Exit) -> str | None:
        """Asked as ``who`` tries the guarded exit: None lets it through (NPCs, and anyone
        while the guard is away from its post); else the guard speaks and says no."""
        if not isinstance(who, Character) or self.owner.room is not self.home:
            return None
        way = exit_.name if exit_.name in directions.OPPOSITES else \
            f"through the {exit_.name}"
        if self.allows(who):
            if self.options["passing"] and self._may_speak(who, "passing"):
                self.speak(self.options["passing"].replace("{exit}", way), who.name)
            return None
        if self._may_speak(who, "message"):
            self.speak(self.options["message"].replace("{exit}", way), who.name)
        refusal = self.options["refusal"]
        if refusal:
            return refusal.replace("{name}", who.name).replace("{exit}", way)
        name = self.owner.name
        return f"{name[:1].upper()}{name[1:]} will not let you go {way}."

    def _may_speak(self, who: Character, line: str) -> bool:
        # Each line has its own wait: one just stopped who comes back with a light is let
        # through with the passing line at once.
        now = self.world.clock.seconds()
        key = (who.key, line)
        last = self.spoke.get(key)
        if last is not None and now - last < SPEAK_AGAIN:
            return False
        if len(self.spoke) > 256:
            self.spoke = {k: t for k, t in self.spoke.items() if now - t < SPEAK_AGAIN}
        self.spoke[key] = now
        return True
