"""Movement points spent on the road, and resting to get them (and health, mana) back.

- A step through an exit costs the rules' ``move_cost`` (by the environment of the room
  walked into; 0 is free) and a flee ``flee_cost``. A player without enough is stopped
  before moving, through ``World.restraints``: "You are too exhausted to go on...". The
  restraint only decides (it is asked when a walk is weighed: ``go``, a flee's choice of
  ways); the points are spent when the walk really happens, on the ``leave`` happening of
  the very exit that restraint allowed. So a closed door, a guard or a fight that stops
  the walk after the restraint said yes costs nothing, and a recall, a builder's ``goto``
  or a death's journey (which ask no restraint) never cost anything. NPCs walk for free.
- ``rest`` multiplies regeneration by ``regen.resting`` until the player stands up, walks,
  fights, is attacked or logs out; not in the middle of a fight. Nothing of it is saved.
  The regeneration timer stays the one per character of regen.py (a ``BOOSTS`` entry
  multiplies its tick); a resting player is told of nothing else.
- ``score`` says "You are resting." and the prompt field ``%r`` shows "resting".
"""

from __future__ import annotations

from typing import Any

from mud.commands.registry import COMMANDS, Command, Context
from mud.engine import hooks
from mud.engine.actions import Refusal
from mud.engine.model import Character, Exit, Room
from mud.engine.world import World
from mud.systems.combat import regen
from mud.systems.combat import vitals as vit
from mud.systems.combat.moves_events import Rest
from mud.systems.combat.rules import rules_of

FAMILY = "combat"
EXHAUSTED = "You are too exhausted to go on. Rest a while: type 'rest'."
TOO_TIRED_TO_FLEE = ("You are too exhausted to flee! A flee takes {cost} movement and you "
                     "have {mv}.")
_core: dict[str, Command] = {}


class Moves:
    """One world's walks allowed but not yet taken, and who is resting (nothing saved)."""

    def __init__(self, world: World) -> None:
        self.world = world
        # A player -> (the exit its last weighed walk may take, what taking it costs): a
        # walk is taken at once or not at all; the next walk weighed replaces it.
        self.allowed: dict[Character, tuple[Exit, int]] = {}
        self.resting: set[Character] = set()
        world.restraints.append(self.restraint)
        world.hooks.on(hooks.LEAVE, self._left, owner="combat moves")
        world.hooks.on(hooks.LOGOUT, self._logout, owner="combat moves")

    # -- movement ---------------------------------------------------------------------------

    def cost(self, who: Character, exit_: Exit) -> int:
        """What walking through ``exit_`` costs ``who`` now (a flee costs a flee's)."""
        from mud.systems.combat.fight import fights_of

        rules = rules_of(self.world)
        if fights_of(self.world).fleeing(who):
            return rules.flee_cost
        return rules.move_cost.into(getattr(exit_.target, "environment", "") or "")

    def restraint(self, who: Any, exit_: Exit) -> str | None:
        """Stop a player too tired for this step (``World.restraints``); remember a step
        allowed, to be paid for if it is taken."""
        from mud.systems.combat.fight import fighting, fights_of

        if not isinstance(who, Character):
            return None
        self.allowed.pop(who, None)
        in_fight = fighting(self.world, who)
        if in_fight and not fights_of(self.world).fleeing(who):
            return None  # the fight's restraint says why not (only a flee gets out)
        cost = self.cost(who, exit_)
        if cost <= 0:
            return None
        view = vit.vitals_of(self.world, who)
        if view is None:
            return None
        if view.mv < cost:
            return EXHAUSTED
        # Not while a flee only weighs its ways out (still in the fight: its walk, once
        # chosen, is weighed again after the fight let it go), nor through a closed door
        # (which refuses the walk right after this).
        if not in_fight and not getattr(exit_, "closed", False):
            self.allowed[who] = (exit_, cost)
        return None

    def _left(self, who: Any, room: Room, to: Room | None = None, **_: Any) -> None:
        if not isinstance(who, Character):
            return
        self.stand(who, quietly=True)
        allowed = self.allowed.pop(who, None)
        if allowed is None or to is None:
            return
        exit_, cost = allowed
        # Paid only for the very walk allowed: through that exit out of this room. (A walk
        # a guard refused after this restraint allowed it leaves an allowance behind
        # until the next walk weighed; only a teleport out of that room to that exit's
        # very room, before any other step, would pay it.)
        if exit_.target is to and room.exits.get(exit_.name) is exit_:
            vit.spend(self.world, who, "mv", min(cost, _mv(self.world, who)))

    def _logout(self, who: Any, **_: Any) -> None:
        self.allowed.pop(who, None)
        self.resting.discard(who)

    # -- resting ----------------------------------------------------------------------------

    def rest(self, who: Character) -> None:
        from mud.systems.combat.fight import fighting

        if fighting(self.world, who):
            raise Refusal("You cannot rest in the middle of a fight! Type 'flee' to run away.")
        if who in self.resting:
            raise Refusal("You are already resting. Type 'stand' to get up.")
        self.resting.add(who)
        who.send(Rest("rest", who.name, "self"))
        self._tell_room(who, Rest("rest", who.name, "room"))
        vit.live_of(self.world).wake(who)

    def stand(self, who: Character, quietly: bool = False, action: str = "stand") -> bool:
        """``who`` gets up (False: it was not resting). ``quietly``: the room is not told
        (it sees the player walk away instead)."""
        if who not in self.resting:
            return False
        self.resting.discard(who)
        who.send(Rest(action, who.name, "self"))
        if not quietly:
            self._tell_room(who, Rest(action, who.name, "room"))
        return True

    def _tell_room(self, who: Character, event: Rest) -> None:
        if who.room is not None:
            self.world.tell_room(who.room, event, exclude=who)


def _mv(world: World, who: Character) -> int:
    view = vit.vitals_of(world, who)
    return view.mv if view is not None else 0


# Kept in world.parts under this name.
_MOVES = "combat.moves"


def moves_of(world: World) -> Moves:
    """The world's movement and resting (made on first use)."""
    return world.part(_MOVES, Moves)


def is_resting(world: World, who: Any) -> bool:
    found = world.parts.get(_MOVES)
    return found is not None and who in found.resting


def _boost(world: World, who: Any) -> int:
    """What a regeneration tick is multiplied by for ``who`` (regen.BOOSTS)."""
    return rules_of(world).regen.resting if is_resting(world, who) else 1


def _fighting(world: World, who: Any, flag: bool) -> None:
    """Someone started a fight or was attacked (regen.WATCHERS): up on their feet."""
    if flag and isinstance(who, Character) and is_resting(world, who):
        moves_of(world).stand(who, action="woken")


# -- the commands ----------------------------------------------------------------------------


def rest(ctx: Context, args: str) -> None:
    """rest

    Sit down to rest: your health, mana and movement come back faster (twice as fast in
    Emberfall) until you stand up, walk on, or fight. Not in the middle of a fight.
    Walking costs movement; when you are too exhausted to go on, rest.
    """
    moves_of(ctx.world).rest(ctx.actor)


def stand(ctx: Context, args: str) -> None:
    """stand

    Get up after resting (walking on gets you up too).
    """
    if not moves_of(ctx.world).stand(ctx.actor):
        raise Refusal("You are already standing.")


def flee_(ctx: Context, args: str) -> Any:
    """flee

    Run from a fight through a random way out. It may fail: you stay, and the fight goes
    on. While fighting, 'flee' is the only way to leave the room. Fleeing takes more
    movement than a step (5 in Emberfall): too exhausted, you cannot flee.
    """
    from mud.systems.combat.fight import fighting

    world, actor = ctx.world, ctx.actor
    cost = rules_of(world).flee_cost
    if fighting(world, actor) and cost > 0:
        mv = _mv(world, actor)
        if mv < cost:
            raise Refusal(TOO_TIRED_TO_FLEE.format(cost=cost, mv=mv))
    return _core["flee"].handler(ctx, args)


def score_(ctx: Context, args: str) -> Any:
    """score

    Show your health, mana and movement, your level and experience (and how much more
    the next level needs), your armour, hitroll and damage, and the coins you carry;
    and whether you are resting.
    Example: score
    """
    result = _core["score"].handler(ctx, args)
    if is_resting(ctx.world, ctx.actor):
        ctx.actor.send(Rest("resting", ctx.actor.name, "self"))
    return result


def _prompt_resting(world: Any, character: Any) -> str:
    return "resting" if is_resting(world, character) else ""


def install() -> None:
    """Register rest and stand, extend flee and score, and hook into regeneration."""
    from mud import systems
    from mud.systems.combat import moves_events

    moves_events.install()
    if "rest" not in COMMANDS.commands:
        COMMANDS.register("rest", family=FAMILY)(rest)
        COMMANDS.register("stand", "wake", family=FAMILY)(stand)
    for name, handler in (("flee", flee_), ("score", score_)):
        if name in COMMANDS.commands:
            _core[name] = COMMANDS.extend(name, handler)
    if _boost not in regen.BOOSTS:
        regen.BOOSTS.append(_boost)
    if _fighting not in regen.WATCHERS:
        regen.WATCHERS.append(_fighting)
    systems.on_world(moves_of)
    try:
        from mud.engine import prompts
    except ImportError:  # an engine without player prompts
        return
    prompts.register_field("r", _prompt_resting, "'resting' while you rest")
