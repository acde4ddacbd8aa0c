"""``mend``: spend mana to close wounds at once, your own or another player's here.

The rules' ``mend: {cost, heals}`` says what it costs (mana) and gives back (health dice,
thrown on the world's rng). Out of a fight a player may mend as often as its mana allows;
in a fight at most once a round (a wait of the fight's ``ROUND`` seconds on the world's
clock since the last one, counted per healer). Refused, costing nothing, when mana is
short, when the one to mend is not hurt, or (in a fight) too soon. Everyone in the room
is told (``Mend`` events); the new numbers follow as the vitals part's vitals events.
"""

from __future__ import annotations

import weakref

from mud.commands.registry import COMMANDS, Context
from mud.engine import hooks, matching
from mud.engine.actions import Refusal
from mud.engine.model import Character
from mud.engine.world import World
from mud.systems.combat import vitals as vit
from mud.systems.combat.fight_events import cap
from mud.systems.combat.moves_events import Mend
from mud.systems.combat.rules import rules_of

FAMILY = "combat"

# One world's healers -> when (world clock) each last mended: the once-a-round rule.
_LAST: weakref.WeakKeyDictionary[World, dict[Character, float]] = weakref.WeakKeyDictionary()


def _last_of(world: World) -> dict[Character, float]:
    found = _LAST.get(world)
    if found is None:
        found = _LAST[world] = {}
        # Forget a healer who leaves the game: nothing of it outlives the session.
        world.hooks.on(hooks.LOGOUT, lambda who, **_: found.pop(who, None),
                       owner="combat mend")
    return found


def _target(actor: Character, query: str) -> Character:
    query = query.strip()
    if not query or query.lower() in ("me", "self", "myself") or query.lower() == actor.key:
        return actor
    room = actor.room
    others = [c for c in room.characters if c is not actor] if room is not None else []
    found = matching.find(query, others)
    if found is None:
        if room is not None and matching.find(query, room.npcs) is not None:
            raise Refusal("You can mend only yourself or another player.")
        raise Refusal(f"You see no '{query[:30]}' here to mend. Type 'look' to see who is "
                      "here.")
    return found


def mend_someone(world: World, actor: Character, query: str) -> int:
    """``actor`` mends itself (``query`` empty) or the player ``query`` names; the health
    given back. Raises Refusal (nothing spent) when it cannot."""
    from mud.systems.combat.fight import ROUND, fighting

    rules = rules_of(world).mend
    target = _target(actor, query)
    mine, theirs = vit.vitals_of(world, actor), vit.vitals_of(world, target)
    if mine is None or theirs is None:
        raise Refusal("Nothing here can be mended.")
    if theirs.hp >= theirs.max_hp:
        raise Refusal("You are not hurt." if target is actor else
                      f"{cap(target.name)} is not hurt.")
    if mine.mp < rules.cost:
        raise Refusal(f"You do not have enough mana: a mend takes {rules.cost} and you have "
                      f"{mine.mp}. Rest to get it back: type 'rest'.")
    last = _last_of(world)
    now = world.clock.seconds()
    if fighting(world, actor) and actor in last and now - last[actor] < ROUND:
        raise Refusal("You have mended once this round already: wait for the next round.")
    amount = min(max(1, rules.heals.roll(world.scheduler.rng)), theirs.max_hp - theirs.hp)
    last[actor] = now
    # Told first: the new numbers follow as vitals events (a web client's frames).
    _tell(world, actor, target, amount, rules.cost)
    vit.spend(world, actor, "mp", rules.cost)
    vit.heal(world, target, amount)
    return amount


def _tell(world: World, actor: Character, target: Character, amount: int, cost: int) -> None:
    actor.send(Mend(actor.name, target.name, amount, cost, "healer"))
    if target is not actor:
        target.send(Mend(actor.name, target.name, amount, cost, "target"))
    room = actor.room
    if room is not None:
        shared = Mend(actor.name, target.name, amount, cost, "room")
        for other in room.characters:
            if other is not actor and other is not target:
                other.link.send(shared)


def mend(ctx: Context, args: str) -> None:
    """mend [player]

    Spend mana to close wounds at once: your own, or another player's here (5 mana for
    2d4+2 health in Emberfall). In a fight, once a round. Example: mend, or mend Cora
    """
    mend_someone(ctx.world, ctx.actor, args)


def install() -> None:
    """Register ``mend`` (its event's looks are registered by the moves part)."""
    if "mend" not in COMMANDS.commands:
        COMMANDS.register("mend", "heal", family=FAMILY)(mend)
