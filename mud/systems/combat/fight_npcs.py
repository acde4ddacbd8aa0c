"""NPCs' fighting behaviours, named in YAML as every behaviour is (mud/systems/behaviours):

- ``aggressive`` (``delay``: seconds before it strikes, default 0): attacks a player who
  comes into its room, logs in there, or is there when it arrives (wandering in, coming
  back with its area's reset); never in a safe room, never while it is already fighting,
  never a link-dead body;
- ``wimpy`` (``below``: a percentage of its health, default 20): runs away (a flee)
  once a blow leaves it at or below that share of its health.

An NPC needs a ``combat:`` key (its vitals) to fight at all; without one these do nothing.
"""

from __future__ import annotations

from typing import Any

from mud.engine import hooks
from mud.engine.model import NOBODY, NPC, Character, Room
from mud.engine.scheduler import Timer
from mud.engine.world import World
from mud.systems.behaviours.base import Behaviour, Param, behaviour
from mud.world_keys import Lookup
from mud.world_schema import Context
from mud.world_yaml import shown


@behaviour("aggressive",
           delay=Param("number", "seconds before it attacks a player who comes in "
                       "(default 0: at once)", default=0.0))
class Aggressive(Behaviour):
    """Attacks players who come into its room (see the module's docstring)."""

    _pending: Timer | None = None

    def start(self) -> None:
        _watch(self.world)
        # A moment later, not now: a reset's respawn gives the NPC its vitals after its
        # behaviours, and whoever is here should see it appear before it strikes.
        room = self.owner.room
        self._pending = self.world.scheduler.call_later(
            0.0, self._first_look, group=room.area if room is not None else None,
            owner=self.owner_id)

    def _first_look(self) -> None:
        self._pending = None
        self.look_around()

    def stop(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def on_enter(self, who: Character | NPC, came_from: Room | None) -> None:
        if isinstance(who, Character):
            self.soon(who)

    def look_around(self) -> None:
        """Go for the first player here it may attack (it arrived, or came back)."""
        room = self.owner.room
        if room is None:
            return
        for who in room.characters:
            if self.may_attack(who):
                self.soon(who)
                return

    def soon(self, who: Character) -> None:
        delay = float(self.options.get("delay") or 0.0)
        if delay <= 0:
            self.attack(who)
            return
        if self._pending is not None and self._pending.live:
            return  # already about to strike someone
        room = self.owner.room
        self._pending = self.world.scheduler.call_later(
            delay, self.attack, who, group=room.area if room is not None else None,
            owner=self.owner_id)

    def may_attack(self, who: Character) -> bool:
        from mud.systems.combat.fight import fighting
        from mud.systems.combat.fight_peace import is_safe
        from mud.systems.combat.vitals import vitals_of

        npc, world = self.owner, self.world
        room = npc.room
        return (room is not None and who.room is room and who.link is not NOBODY
                and world.online.get(who.key) is who and not is_safe(world, room)
                and not fighting(world, npc) and vitals_of(world, npc) is not None)

    def attack(self, who: Character) -> None:
        from mud.systems.combat.fight import fights_of

        self._pending = None
        if self.may_attack(who):
            fights_of(self.world).engage(self.owner, who)


@behaviour("wimpy",
           below=Param("number", "the share of its health (a percentage) at which it runs",
                       default=20.0))
class Wimpy(Behaviour):
    """Flees a fight when hurt to ``below`` percent of its health (the fight asks)."""

    @classmethod
    def check(cls, ctx: Context, options: dict[str, Any], line: int | None,
              lookup: Lookup) -> None:
        below = options["below"]
        if below is not None and not 0 < below < 100:
            ctx.error(f"behaviour 'wimpy': parameter 'below' is {shown(below)}; it is a "
                      "percentage of the NPC's health, above 0 and below 100", line)


def _watch(world: World) -> None:
    """Once per world: an aggressive NPC arriving somewhere (walking in, put back by a
    reset) looks around; a player logging in next to one is seen."""
    if getattr(world, "_aggressive_watch", False):
        return
    world._aggressive_watch = True  # type: ignore[attr-defined]

    def arrived(who: Any, room: Room, came_from: Room | None = None, **_: Any) -> None:
        if isinstance(who, NPC):
            for one in who.behaviours:
                if isinstance(one, Aggressive):
                    one.look_around()

    def logged_in(who: Any, room: Room, **_: Any) -> None:
        for npc in tuple(room.npcs):
            for one in npc.behaviours:
                if isinstance(one, Aggressive):
                    one.soon(who)

    world.hooks.on(hooks.ENTER, arrived, owner="aggressive")
    world.hooks.on(hooks.LOGIN, logged_in, owner="aggressive")


def install() -> None:
    """The behaviours register themselves when this module is imported."""
