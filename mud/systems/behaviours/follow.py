"""``follow``: an NPC that takes up with a player who walks into its home room (or feeds
it) and trails after them for a while, then loses interest and makes its own way home.

It follows at most ``moves`` moves, for at most ``patience`` seconds, and only within its
area (or ``rooms``); a closed door, the edge of its ground, the player logging out or
quitting all end it too. Then it walks home, a step every ``interval`` seconds, seen going
and coming like any wanderer, and rests there ``rest`` seconds before it follows anyone
again.

Cost: the followers of each player are kept in one index per world, by character key, and
the behaviours system's hooks (enter, logout) look the mover up there: a player walking
costs a dictionary lookup, never a scan of NPCs. Its timers (patience, the walk home) live
on the world scheduler in its area's group, owned by the NPC, so they sleep with a quiet
area and move with the NPC into another area.
"""

from __future__ import annotations

import weakref
from collections import deque
from typing import Any

from mud.engine import actions
from mud.engine.events import Emote, Event, Say
from mud.engine.model import NPC, Character, Exit, Room
from mud.engine.scheduler import Timer
from mud.engine.world import World
from mud.systems.behaviours.base import Behaviour, Param, behaviour

# World -> character key -> the follow behaviours trailing that character.
_LEADERS: weakref.WeakKeyDictionary[World, dict[str, list[Follow]]] = \
    weakref.WeakKeyDictionary()


def leaders(world: World) -> dict[str, list[Follow]]:
    """Who is being followed in ``world``, by character key (for the hooks)."""
    found = _LEADERS.get(world)
    if found is None:
        found = _LEADERS[world] = {}
    return found


@behaviour("follow",
           moves=Param("number", "how many moves it follows a player at most", default=8.0),
           patience=Param("seconds", "how long it follows one player at most",
                          default=300.0),
           rooms=Param("rooms", "the rooms it follows within (default: its own area)"),
           interval=Param("seconds", "seconds between its steps on the way home",
                          default=5.0),
           rest=Param("number", "seconds at home before it follows anyone again",
                      default=60.0),
           start=Param("text", "what it does as it takes up with a player ({name}; "
                       "'emote ...' to act it out)", default="emote falls in behind {name}."),
           leave=Param("text", "what it does as it loses interest ({name})",
                       default="emote loses interest in {name} and turns for home."),
           fed=Param("items", "what it eats when given (give <item> to <npc>): it takes up "
                     "with the giver (leaving whoever it followed), or follows them afresh"),
           eats=Param("text", "what it does as it eats ({name}: the giver)",
                      default="emote gobbles it down and looks up at {name}, hopeful."))
class Follow(Behaviour):
    """Trails the first player to walk into its home room, then goes home."""

    home: Room | None = None
    leader: Character | None = None
    _timer: Timer | None = None
    _homeward: Timer | None = None
    _rested_at: float | None = None

    def start(self) -> None:
        self.home = self.owner.room
        rooms = self.options["rooms"]
        self.allowed = frozenset(r.id for r in rooms) if rooms else None
        self.home_area = self.home.area if self.home is not None else ""

    def stop(self) -> None:
        self._forget_leader()
        self._cancel_homeward()

    # -- who it may go to -------------------------------------------------------------------

    def may_enter(self, room: Room) -> bool:
        if self.allowed is not None:
            return room.id in self.allowed or room is self.home
        return room.area == self.home_area

    @property
    def idle(self) -> bool:
        """At home, following nobody, rested."""
        if self.leader is not None or self._homeward is not None or \
                self.owner.room is not self.home:
            return False
        rested = self._rested_at
        return rested is None or \
            self.world.clock.seconds() - rested >= self.options["rest"]

    # -- taking up with a player ----------------------------------------------------------

    def on_enter(self, who: Character | NPC, came_from: Room | None) -> None:
        if not isinstance(who, Character) or came_from is None or not self.idle:
            return
        self._take_up(who)

    def on_give(self, giver: Character, item: Any) -> Any:
        """Given something it eats (``fed``), it takes it (after everyone saw the give)."""
        fed = self.options["fed"]
        if not fed or item.template.id not in fed:
            return None
        return lambda: self._fed(giver, item)

    def _fed(self, giver: Character, item: Any) -> None:
        self.world.consume(item)
        self.speak(self.options["eats"], giver.name)
        # Bread buys its company: from whoever it followed (or afresh, moves and patience
        # started over, when it was the giver), or off its way home, or out of its rest.
        self._forget_leader()
        self._cancel_homeward()
        self._take_up(giver, announce=False)

    def _take_up(self, who: Character, announce: bool = True) -> None:
        self.leader = who
        self.moves_left = int(self.options["moves"])
        leaders(self.world).setdefault(who.key, []).append(self)
        room = self.owner.room
        self._timer = self.world.scheduler.call_later(
            self.options["patience"], self.lose_interest,
            group=room.area if room is not None else None, owner=self.owner_id)
        if announce:
            self.speak(self.options["start"], who.name)

    def leader_moved(self, came_from: Room, room: Room) -> None:
        """Its player walked from ``came_from`` to ``room``: after them, if it can."""
        here = self.owner.room
        if here is room:
            return  # it took up with them as they came in: already there
        if here is not came_from:
            self.lose_interest()  # left behind (it was elsewhere): give up
            return
        way = _exit_between(came_from, room)
        if way is None or self.moves_left <= 0 or not self.may_enter(room) or \
                not actions.passable(way, self.owner, self.world):
            self.lose_interest()
            return
        self.moves_left -= 1
        actions.npc_go(self.world, self.owner, way)

    def leader_gone(self) -> None:
        """Its player logged out or quit."""
        self.lose_interest()

    def lose_interest(self) -> None:
        """Stop following (with its ``leave`` line) and set off home."""
        leader = self.leader
        if leader is None:
            return
        self._forget_leader()
        self.speak(self.options["leave"], leader.name)
        if leader.room is not self.owner.room and \
                self.world.online.get(leader.key) is leader:
            # They just walked on and left it behind: they see it give up, over their
            # shoulder, as the room they left does.
            leader.send(_spoken(self.owner.name, self.options["leave"], leader.name))
        self._go_home()

    def _forget_leader(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        leader = self.leader
        self.leader = None
        if leader is None:
            return
        table = leaders(self.world)
        followers = table.get(leader.key, [])
        if self in followers:
            followers.remove(self)
        if not followers:
            table.pop(leader.key, None)

    # -- going home ---------------------------------------------------------------------------

    def _go_home(self) -> None:
        if self.owner.room is self.home:
            self._rested_at = self.world.clock.seconds()
            return
        room = self.owner.room
        self._homeward = self.world.scheduler.every(
            self.options["interval"], self._step_home,
            group=room.area if room is not None else None, owner=self.owner_id)

    def _cancel_homeward(self) -> None:
        if self._homeward is not None:
            self._homeward.cancel()
            self._homeward = None

    def _step_home(self) -> None:
        here = self.owner.room
        if here is None or self.home is None:
            self._cancel_homeward()
            return
        way = self._way_home(here)
        if way is not None:
            actions.npc_go(self.world, self.owner, way)
        # No way (a door shut behind it): it waits and tries again next time.
        if self.owner.room is self.home:
            self._cancel_homeward()
            self._rested_at = self.world.clock.seconds()

    def _way_home(self, here: Room) -> Exit | None:
        """The first exit of a shortest open path home, through rooms it may enter (a
        breadth-first search of its own ground: an area, not the world)."""
        first: dict[Room, Exit | None] = {here: None}
        queue = deque([here])
        while queue:
            room = queue.popleft()
            if room is self.home:
                return first[room]
            for _, exit_ in sorted(room.exits.items()):
                target = exit_.target
                if target in first or not self.may_enter(target) or \
                        not actions.passable(exit_, self.owner, self.world):
                    continue
                first[target] = first[room] or exit_
                queue.append(target)
        return None


def _spoken(speaker: str, line: str, name: str) -> Event:
    # What Behaviour.speak tells a room, for one more listener.
    line = line.replace("{name}", name)
    if line.startswith("emote "):
        return Emote(speaker, line[6:].strip())
    return Say(speaker, line)


def _exit_between(room: Room, target: Room) -> Exit | None:
    for _, exit_ in sorted(room.exits.items()):
        if exit_.target is target:
            return exit_
    return None


def on_player_enter(world: World, who: Any, room: Room, came_from: Room | None) -> None:
    """The behaviours system's enter hook: followers of a player who walked go after them."""
    if not isinstance(who, Character) or came_from is None:
        return
    followers = leaders(world).get(who.key)
    if followers:
        for one in tuple(followers):
            one.leader_moved(came_from, room)


def on_player_logout(world: World, who: Any) -> None:
    """The behaviours system's logout hook: nobody follows a player who left the game."""
    if not isinstance(who, Character):
        return
    for one in tuple(leaders(world).get(who.key, ())):
        one.leader_gone()
