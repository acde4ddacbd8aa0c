"""Fights: rounds on the scheduler, one timer per fight, NPCs that fight back.

A ``Fight`` is everyone fighting in one room: each fighter hits its target (``targets``,
in the order they joined) once a round, every ``ROUND`` seconds, on ONE timer of the world
scheduler in the room's area's group. A round costs the fighters of that fight and
nothing else: no scan of the world, no timer per fighter.

- Starting one (``Fights.engage``: ``kill``, an aggressive NPC) gives the attacker its
  first blow at once, and a victim not yet fighting answers it at once too (if still
  standing and not fled): so kill, flee, come back and kill again is no free blow. From
  then on both hit once a round. Someone attacked while
  fighting another keeps its target; when a target goes (dead, fled, gone) a fighter
  turns on whoever is still attacking it, else stops fighting. A fight ends when nobody
  is left with a target.
- To hit: a d20 plus the attacker's hitroll and level against 10 plus the victim's armour
  and level; a 20 always hits, a 1 always misses. Damage: the attacker's damage dice
  (a wielded weapon's, an NPC's own, bare hands' 1d3) as the vitals part gives them.
- Nobody walks away from a fight (a restraint on ``World.restraints``): ``flee`` runs
  through a random open exit, and may fail. A player's ``wimpy`` and an NPC's ``wimpy``
  behaviour flee on their own when health falls that low. An NPC flees only into rooms
  of the area it is in (else it is stuck): its area's reset brings back only an NPC that
  is gone from the world, so one run off into another area would be lost to its own.
- A fight lets go of whoever leaves the room any way at all (a flee, a builder's
  ``goto``), logs out (a link-dead body keeps fighting, as in the Diku family, so
  dropping the line is no escape), or leaves the world (an NPC a builder destroys, an
  area reloaded); a room taken away ends its fight.

Deaths are the death part's (mud/systems/combat/death.py); what is said is
``fight_events``'; peace (safe rooms, pvp) is ``fight_peace``'s.
"""

from __future__ import annotations

from typing import Any

from mud.engine import actions, hooks, prompts
from mud.engine.model import NOBODY, NPC, Character, Exit, Room
from mud.engine.scheduler import Timer
from mud.engine.world import World
from mud.systems.combat import vitals as vit
from mud.systems.combat.fight_events import Combat

# Seconds between rounds (the Diku family's PULSE_VIOLENCE).
ROUND = 3.0
# The chance a flee fails (the fighter stays, and the round goes on).
FLEE_FAILS = 0.25
RESTRAINT = "You are fighting! Type 'flee' to run away."
# The declared character state of a player's wimpy (health at which it flees; 0: never).
WIMPY = "combat.wimpy"

Fighter = Character | NPC


class Fight:
    """Everyone fighting in one room, and whom each hits."""

    __slots__ = ("hurt_by", "room", "targets", "timer")

    def __init__(self, room: Room) -> None:
        self.room = room
        self.targets: dict[Fighter, Fighter] = {}
        # Players who hurt each NPC here: they share its experience when it dies.
        self.hurt_by: dict[NPC, dict[Character, None]] = {}
        self.timer: Timer | None = None

    def __repr__(self) -> str:
        return f"<Fight {self.room.id}: {len(self.targets)}>"


class Fights:
    """The fights of one world: by room, and by fighter."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.by_room: dict[Room, Fight] = {}
        self.of: dict[Fighter, Fight] = {}
        # Whoever is fleeing right now: the restraint lets them through.
        self._fleeing: Fighter | None = None
        world.restraints.append(self.restraint)
        world.hooks.on(hooks.LEAVE, self._left, owner="fights")
        world.hooks.on(hooks.LOGOUT, self._logout, owner="fights")
        world.hooks.on(hooks.ROOM_REMOVED, self._room_removed, owner="fights")

    # -- who fights whom ----------------------------------------------------------------------

    def fight_of(self, who: Any) -> Fight | None:
        return self.of.get(who)

    def target_of(self, who: Any) -> Fighter | None:
        fight = self.of.get(who)
        return fight.targets.get(who) if fight is not None else None

    def engage(self, attacker: Fighter, victim: Fighter) -> Fight:
        """``attacker`` attacks ``victim`` (both in the same room, both with vitals; the
        caller checked peace and pvp): a new fighter's first blow lands at once, and a
        victim drawn into the fight by it answers at once (no hit and run); one already
        fighting here turns on ``victim`` from the next round."""
        room = attacker.room
        assert room is not None and victim.room is room
        for who in (attacker, victim):
            old = self.of.get(who)
            if old is not None and old.room is not room:
                self.withdraw(who)  # moved without a hook (a recall, a builder's goto)
        fight = self.by_room.get(room)
        if fight is None:
            fight = self.by_room[room] = Fight(room)
            fight.timer = self.world.scheduler.every(
                ROUND, self.round, fight, group=room.area, owner=f"fight {room.id}")
        switching = attacker in fight.targets
        fight.targets[attacker] = victim
        self._join(fight, attacker)
        answers = victim not in fight.targets
        if answers:
            fight.targets[victim] = attacker
            self._join(fight, victim)
        self.say(room, "engage", attacker, victim)
        if not switching:
            self.swing(fight, attacker, victim)
            # The counter-blow: without it the attacker's blow is the only one before the
            # next round, and kill + flee, repeated, kills a creature that never hits back.
            if answers and fight.targets.get(victim) is attacker and \
                    attacker in fight.targets and victim.room is room and attacker.room is room:
                self.swing(fight, victim, attacker)
        return fight

    def _join(self, fight: Fight, who: Fighter) -> None:
        if self.of.get(who) is not fight:
            self.of[who] = fight
            vit.set_fighting(self.world, who, True)

    def withdraw(self, who: Any) -> None:
        """``who`` is out of its fight (dead, fled, gone): whoever was hitting it turns on
        someone still attacking them, or stops; a fight nobody is left in ends."""
        fight = self.of.pop(who, None)
        if fight is None:
            return
        fight.targets.pop(who, None)
        if isinstance(who, NPC):
            fight.hurt_by.pop(who, None)
        vit.set_fighting(self.world, who, False)
        for other, target in list(fight.targets.items()):
            if target is not who:
                continue
            enemy = next((o for o, t in fight.targets.items() if t is other), None)
            if enemy is not None:
                fight.targets[other] = enemy
            else:
                fight.targets.pop(other, None)
                self.of.pop(other, None)
                vit.set_fighting(self.world, other, False)
        if not fight.targets:
            self._end(fight)

    def _end(self, fight: Fight) -> None:
        for who in list(fight.targets):
            if self.of.get(who) is fight:
                del self.of[who]
                vit.set_fighting(self.world, who, False)
        fight.targets.clear()
        fight.hurt_by.clear()
        if fight.timer is not None:
            fight.timer.cancel()
            fight.timer = None
        if self.by_room.get(fight.room) is fight:
            del self.by_room[fight.room]

    # -- rounds ---------------------------------------------------------------------------------

    def round(self, fight: Fight) -> None:
        """One round: each fighter still here hits its target, in the order they joined."""
        room = fight.room
        for who in list(fight.targets):
            target = fight.targets.get(who)
            if target is None:
                continue  # out of the fight since the round began
            if who.room is not room:
                self.withdraw(who)
                continue
            if target not in fight.targets:
                self.withdraw(who)  # no one to hit here (never expected: withdraw retargets)
                continue
            if target.room is not room:
                self.withdraw(target)  # moved without a hook: whoever hit it turns away
                continue
            self.swing(fight, who, target)
        # Each player still fighting sees the prompt after the round, as the Diku family
        # shows it: one with vitals fields reads as a health bar between the blows.
        for who in fight.targets:
            if isinstance(who, Character) and who.link is not NOBODY:
                who.send(prompts.prompt_for(self.world, who))
        if not fight.targets and fight.timer is not None:
            self._end(fight)

    def swing(self, fight: Fight, attacker: Fighter, victim: Fighter) -> None:
        """One blow: a hit or a miss, told to both and to the room; a death is the death
        part's; a victim left low on health may flee on its own (wimpy)."""
        world = self.world
        va, vv = vit.vitals_of(world, attacker), vit.vitals_of(world, victim)
        if va is None or vv is None:
            self.withdraw(attacker if va is None else victim)
            return
        rng = world.scheduler.rng
        roll = rng.randint(1, 20)
        if roll == 1 or (roll != 20 and
                         roll + va.hitroll + va.level < 10 + vv.armour + vv.level):
            self.say(fight.room, "miss", attacker, victim)
            return
        amount = max(1, va.damage.roll(rng))
        if isinstance(victim, NPC) and isinstance(attacker, Character):
            fight.hurt_by.setdefault(victim, {})[attacker] = None
        self.say(fight.room, "hit", attacker, victim, amount, va.weapon)
        if vit.hurt(world, victim, amount, vv):
            self.killed(fight, attacker, victim)
        elif wants_to_flee(world, victim, vv):
            self.flee(victim)

    def killed(self, fight: Fight, killer: Fighter, victim: Fighter) -> None:
        from mud.systems.combat import death

        room = fight.room
        helpers = [c for c in fight.hurt_by.get(victim, ()) if c.key in self.world.online] \
            if isinstance(victim, NPC) else []
        self.say(room, "kill", killer, victim)
        self.withdraw(victim)
        death.died(self.world, victim, killer, helpers, room)

    # -- fleeing --------------------------------------------------------------------------------

    def flee(self, who: Fighter) -> bool:
        """Run from the fight through a random open exit (an NPC: only one into a room of
        its own area); False if it failed (the fighter is still fighting). Someone not
        fighting may flee too (it is a quick walk)."""
        world = self.world
        room = who.room
        if room is None:
            return False
        self._fleeing = who
        try:
            ways = [e for e in actions.visible_exits(room).values()
                    if e.target is not room and actions.passable(e, who, world)
                    and (isinstance(who, Character) or e.target.area == room.area)]
        finally:
            self._fleeing = None
        rng = world.scheduler.rng
        if not ways or rng.random() < FLEE_FAILS:
            self.say(room, "stuck", who, None)
            return False
        way = ways[rng.randrange(len(ways))]
        self.say(room, "flee", who, None, direction=way.name)
        self.withdraw(who)
        if isinstance(who, NPC):
            actions.npc_go(world, who, way)
        else:
            self._fleeing = who  # still fleeing while it goes: restraints may charge a flee
            try:
                actions.go(world, who, way.name)
            finally:
                self._fleeing = None
        return True

    def fleeing(self, who: Any) -> bool:
        """Whether ``who`` is fleeing right now (a restraint asked meanwhile may let it
        through, or charge it a flee's movement rather than a step's)."""
        return who is not None and who is self._fleeing

    def restraint(self, who: Any, exit_: Exit) -> str | None:
        """No walking away mid-fight (``World.restraints``): only ``flee``."""
        fight = self.of.get(who)
        if fight is None or who is self._fleeing:
            return None
        if who.room is not fight.room:
            self.withdraw(who)  # moved without a hook: that fight is not here
            return None
        return RESTRAINT

    # -- happenings -----------------------------------------------------------------------------

    def _left(self, who: Any, room: Room, to: Room | None = None, **_: Any) -> None:
        if who in self.of:
            self.withdraw(who)

    def _logout(self, who: Any, **_: Any) -> None:
        if who in self.of:
            self.withdraw(who)

    def _room_removed(self, room: Room, **_: Any) -> None:
        fight = self.by_room.get(room)
        if fight is not None:
            self._end(fight)

    # -- telling --------------------------------------------------------------------------------

    def say(self, room: Room, action: str, attacker: Fighter, victim: Fighter | None,
            amount: int = 0, weapon: str = "", direction: str = "") -> None:
        """Tell the attacker, the victim and the rest of ``room`` what happened."""
        a = attacker.name
        v = victim.name if victim is not None else ""
        if isinstance(attacker, Character):
            attacker.send(Combat(action, a, v, "attacker", amount, weapon, direction))
        if isinstance(victim, Character):
            victim.send(Combat(action, a, v, "victim", amount, weapon, direction))
        shared = Combat(action, a, v, "room", amount, weapon, direction)
        for other in room.characters:
            if other is not attacker and other is not victim:
                other.link.send(shared)


def wants_to_flee(world: World, who: Any, view: Any = None) -> bool:
    """Whether ``who``, hurt and alive, runs now: a player at or below its ``wimpy``, an
    NPC whose ``wimpy`` behaviour's share of its health is reached. ``view``: ``who``'s
    vitals if the caller has them (a blow does); they are read only for the wimpy."""
    wimpy = 0
    below: float | None = None
    if isinstance(who, Character):
        wimpy = who.state.get(WIMPY, 0)
        if not isinstance(wimpy, int) or wimpy <= 0:
            return False
    else:
        below = next((float(one.options.get("below") or 0)
                      for one in getattr(who, "behaviours", ())
                      if getattr(one, "name", "") == "wimpy"), None)
        if below is None:
            return False
    if view is None or view.who is not who:
        view = vit.vitals_of(world, who)
    if view is None or view.hp <= 0:
        return False
    if below is None:
        return view.hp <= wimpy
    return view.hp * 100 <= below * view.max_hp


# Kept in world.parts under this name.
_FIGHTS = "combat.fights"


def fights_of(world: World) -> Fights:
    """The world's fights (made on first use)."""
    return world.part(_FIGHTS, Fights)


def fighting(world: World, who: Any) -> bool:
    """Whether ``who`` is in a fight now."""
    found = world.parts.get(_FIGHTS)
    return found is not None and who in found.of


def install() -> None:
    """Register the fight's events, commands, behaviours and the safe key."""
    from mud.engine.state import STATE
    from mud.systems.combat import fight_commands, fight_events, fight_npcs, fight_peace

    STATE.declare_character(WIMPY, int)
    fight_events.install()
    fight_peace.install()
    fight_npcs.install()
    fight_commands.install()
