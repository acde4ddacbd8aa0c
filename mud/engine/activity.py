"""Quiet areas cost nothing: an area's timers sleep while no player is in it.

``QuietAreas`` counts the players in each area from the engine's hooks (login, logout,
enter, leave). When the last one leaves, the area's scheduler group is suspended after a
short grace (so walking out and straight back in does not restart every timer); when a
player comes in, it is resumed at once. At start every area is quiet.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mud.engine.hooks import ENTER, LEAVE, LOGIN, LOGOUT, Hooks
from mud.engine.model import Character
from mud.engine.scheduler import Scheduler, Timer

# Seconds an area keeps running after its last player has left.
QUIET_GRACE = 30.0


class QuietAreas:
    """Players per area, and the scheduler groups that follow them."""

    def __init__(self, scheduler: Scheduler, hooks: Hooks, areas: Iterable[str],
                 grace: float = QUIET_GRACE) -> None:
        self.scheduler = scheduler
        self.grace = grace
        self.players: dict[str, int] = {}
        self._falling_asleep: dict[str, Timer] = {}
        for area in areas:
            scheduler.suspend(area)
        hooks.on(LOGIN, self._login)
        hooks.on(LOGOUT, self._logout)
        hooks.on(ENTER, self._enter)
        hooks.on(LEAVE, self._leave)

    def busy(self, area: str) -> bool:
        """Whether a player is in ``area``."""
        return self.players.get(area, 0) > 0

    def _login(self, who: Any, room: Any, **_: Any) -> None:
        if isinstance(who, Character) and room is not None:
            self._arrived(room.area)

    def _logout(self, who: Any, room: Any, **_: Any) -> None:
        if isinstance(who, Character) and room is not None:
            self._gone(room.area)

    def _enter(self, who: Any, room: Any, came_from: Any = None, **_: Any) -> None:
        if isinstance(who, Character) and (came_from is None or came_from.area != room.area):
            self._arrived(room.area)

    def _leave(self, who: Any, room: Any, to: Any = None, **_: Any) -> None:
        if isinstance(who, Character) and (to is None or to.area != room.area):
            self._gone(room.area)

    def _arrived(self, area: str) -> None:
        self.players[area] = self.players.get(area, 0) + 1
        pending = self._falling_asleep.pop(area, None)
        if pending is not None:
            pending.cancel()
        self.scheduler.resume(area)

    def _gone(self, area: str) -> None:
        left = self.players.get(area, 0) - 1
        if left > 0:
            self.players[area] = left
            return
        self.players.pop(area, None)
        if area in self._falling_asleep:
            return
        if not self.scheduler.has_timers(area):
            self.scheduler.suspend(area)  # nothing to keep running: no grace needed
            return
        self._falling_asleep[area] = self.scheduler.call_later(
            self.grace, self._asleep, area, owner=f"area {area}")

    def _asleep(self, area: str) -> None:
        self._falling_asleep.pop(area, None)
        if not self.busy(area):
            self.scheduler.suspend(area)
