"""``wander``: an NPC that walks about its area, or a list of rooms, now and then."""

from __future__ import annotations

from mud.engine import actions
from mud.systems.behaviours.base import Param, behaviour
from mud.systems.behaviours.talking import Repeating


@behaviour("wander",
           interval=Param("seconds", "how often it moves", required=True),
           jitter=Param("number", "how much each wait may vary (default: a quarter of "
                        "the interval; 0: exact)"),
           rooms=Param("rooms", "the rooms it keeps to (default: its own area)"))
class Wander(Repeating):
    """Every ``interval`` seconds, goes through a random open exit that leads to a room it
    may enter (one of ``rooms``, else its own area), seen leaving and arriving."""

    def start(self) -> None:
        room = self.owner.room
        rooms = self.options["rooms"]
        self.home_area = room.area if room is not None else ""
        self.allowed = frozenset(r.id for r in rooms) if rooms else None
        super().start()

    def act(self) -> None:
        room = self.owner.room
        if room is None:
            return
        ways = [e for _, e in sorted(room.exits.items())
                if actions.passable(e, self.owner, self.world) and e.target is not room
                and (e.target.id in self.allowed if self.allowed is not None
                     else e.target.area == self.home_area)]
        if not ways:
            return
        way = ways[self.world.scheduler.rng.randrange(len(ways))]
        # Into another area, all its timers follow it (the system's enter hook regroups them).
        actions.npc_go(self.world, self.owner, way)
