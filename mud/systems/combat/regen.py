"""Regeneration and who is fighting: one timer per character or NPC below a maximum.

Whoever is below a maximum (health, mana or movement) has one timer on the world scheduler
that gives back the rules' ``regen`` points every ``regen.every`` seconds and stops once
they are full; it is cancelled when a character logs out or an NPC leaves the world, and
while someone fights (``set_fighting``) there is none: regeneration waits for the fight's
end. An NPC's timer is in its area's group, so it sleeps with a quiet area. Nothing scans
the world. ``Live`` also sends a character's vitals and status at login and when its
client asks again (the ``login`` and ``refresh`` happenings).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mud.engine import hooks
from mud.engine.model import NPC, Character
from mud.engine.scheduler import Timer
from mud.engine.world import World
from mud.systems.combat.vitals import Vitals, send_status, send_vitals, vitals_of

# What multiplies a tick's points for someone (``fn(world, who) -> int``): resting doubles
# them (mud/systems/combat/moves.py).
BOOSTS: list[Callable[[World, Any], int]] = []
# Told whenever someone starts (True) or stops (False) fighting: ``fn(world, who, flag)``
# (a resting player attacked gets up).
WATCHERS: list[Callable[[World, Any, bool], None]] = []


class Live:
    """One world's regeneration timers and who is fighting (nothing of it is saved)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.timers: dict[Any, Timer] = {}
        self.fighting: set[Any] = set()
        world.hooks.on(hooks.LOGIN, self._login, owner="combat vitals")
        world.hooks.on(hooks.LOGOUT, self._logout, owner="combat vitals")
        world.hooks.on(hooks.LEAVE, self._left, owner="combat vitals")
        world.hooks.on(hooks.REFRESH, self._login, owner="combat vitals")

    def catch_up(self) -> None:
        """Made after someone logged in (a world without combat keys, where the first use
        makes it): tell those already here what a login would have."""
        for character in list(self.world.online.values()):
            self._login(character)

    def _login(self, who: Any, room: Any = None, **_: Any) -> None:
        if isinstance(who, Character):
            send_vitals(self.world, who)
            send_status(self.world, who, labels=True)

    def _logout(self, who: Any, **_: Any) -> None:
        self.stop(who)
        self.fighting.discard(who)

    def _left(self, who: Any, to: Any = None, **_: Any) -> None:
        if isinstance(who, NPC) and to is None:  # out of the world for good
            self.stop(who)
            self.fighting.discard(who)

    def stop(self, who: Any) -> None:
        timer = self.timers.pop(who, None)
        if timer is not None:
            timer.cancel()

    def wake(self, who: Any, view: Vitals | None = None) -> None:
        """Start ``who``'s regeneration if it is below a maximum, not fighting and has
        none running."""
        if who in self.timers or who in self.fighting:
            return
        if isinstance(who, Character) and self.world.online.get(who.key) is not who:
            return  # not in the game: nothing to regenerate until it logs in
        if isinstance(who, NPC) and who.room is None:
            return
        view = view or vitals_of(self.world, who)
        if view is None or view.hp <= 0 or not _wanting(view):
            return
        every = view.rules.regen.every
        if isinstance(who, NPC):
            assert who.room is not None
            self.timers[who] = self.world.scheduler.every(
                every, self.tick, who, group=who.room.area, owner=f"npc {who.id}")
        else:
            self.timers[who] = self.world.scheduler.every(
                every, self.tick, who, owner=f"vitals {who.key}")

    def tick(self, who: Any) -> None:
        """One regeneration tick for ``who``; its timer stops once it is full."""
        view = vitals_of(self.world, who)
        if view is None or who in self.fighting or view.hp <= 0:
            self.stop(who)
            return
        regen = view.rules.regen
        boost = 1
        for fn in BOOSTS:
            boost *= fn(self.world, who)
        view.hp, view.mp, view.mv = (view.hp + regen.hp * boost, view.mp + regen.mp * boost,
                                     view.mv + regen.mv * boost)
        if isinstance(who, Character):
            self.world.changed(who)
            who.send(view.event())
        if not _wanting(view):
            self.stop(who)


def _wanting(view: Vitals) -> bool:
    """Whether a tick would give ``view`` anything: some point below its maximum that the
    rules regenerate (a world with ``regen: {mp: 0}`` never keeps a timer for mana)."""
    regen = view.rules.regen
    return any(getattr(regen, name) > 0 and getattr(view, name) < getattr(view, f"max_{name}")
               for name in ("hp", "mp", "mv"))


# Kept in world.parts under this name.
_LIVE = "combat.vitals"


def live_of(world: World) -> Live:
    """The world's regeneration and fighting flags (made on first use)."""
    found = world.parts.get(_LIVE)
    if found is None:
        # Not world.part alone: catch_up sends vitals, which asks for this again, so it
        # runs once the new one is kept.
        found = world.part(_LIVE, Live)
        found.catch_up()
    return found


def set_fighting(world: World, who: Any, flag: bool) -> None:
    """``who`` is (True) or is no longer (False) in a fight: nothing regenerates while
    fighting; after, regeneration starts again if anything is below its maximum."""
    live = live_of(world)
    if flag:
        live.fighting.add(who)
        live.stop(who)
    else:
        live.fighting.discard(who)
        live.wake(who)
    for fn in WATCHERS:
        fn(world, who, flag)


def is_fighting(world: World, who: Any) -> bool:
    return who in live_of(world).fighting
