"""The fighting commands: kill (attack), flee, consider, wimpy; and no quitting mid-fight.

``quit`` is the core command extended (``CommandTable.extend``): while fighting it is
refused, so leaving the game is no way out of a fight (a dropped connection is not
either: the body stays, link-dead, and keeps fighting).
"""

from __future__ import annotations

from typing import Any

from mud.commands.registry import COMMANDS, Command, Context
from mud.engine import matching
from mud.engine.actions import Refusal
from mud.engine.events import Message
from mud.engine.model import NPC, Character, Room
from mud.engine.state import of
from mud.engine.world import World
from mud.systems.combat import fight_peace
from mud.systems.combat.fight import WIMPY, fighting, fights_of
from mud.systems.combat.fight_events import Consider, cap
from mud.systems.combat.vitals import vitals_of

FAMILY = "combat"
_core: dict[str, Command] = {}


def _room(actor: Character) -> Room:
    if actor.room is None:
        raise Refusal("You are nowhere at all.")
    return actor.room


def find_foe(actor: Character, query: str, doing: str) -> NPC | Character:
    """The NPC (first) or player here that ``query`` names."""
    room = _room(actor)
    query = query.strip()
    if not query:
        raise Refusal(f"{cap(doing)} whom? Name them, for example: {doing} rat")
    found = matching.find(query, room.npcs) or \
        matching.find(query, [c for c in room.characters if c is not actor])
    if found is None:
        if query.lower() in ("me", "self", "myself") or query.lower() == actor.key:
            raise Refusal("You cannot fight yourself.")
        raise Refusal(f"You see no '{query[:30]}' here to {doing}. Type 'look' to see "
                      "who is here.")
    return found


def attack(world: World, actor: Character, query: str) -> None:
    """Start a fight with whoever ``query`` names (or turn on them, mid-fight)."""
    foe = find_foe(actor, query, "attack")
    why = fight_peace.refusal(world, actor, foe)
    if why is not None:
        raise Refusal(why)
    if vitals_of(world, foe) is None:
        raise Refusal(f"{cap(foe.name)} is not someone you can fight.")
    fights = fights_of(world)
    if fights.target_of(actor) is foe:
        raise Refusal(f"You are already fighting {foe.name}!")
    fights.engage(actor, foe)


def verdict(difference: int) -> str:
    """How a fight with something ``difference`` levels above you looks."""
    if difference <= -5:
        return "Now where did that chicken go? It is no match for you at all."
    if difference <= -2:
        return "Easy: you could do it with a needle."
    if difference == -1:
        return "Fairly easy."
    if difference == 0:
        return "The perfect match!"
    if difference == 1:
        return "You would need some luck."
    if difference <= 3:
        return "You would need a lot of luck, and good equipment."
    return "Are you mad? It would kill you."


def consider(world: World, actor: Character, query: str) -> None:
    foe = find_foe(actor, query, "consider")
    mine, theirs = vitals_of(world, actor), vitals_of(world, foe)
    if theirs is None or mine is None:
        # A refusal (an error frame), not a consider frame: a difference of 0 would read
        # as "the perfect match" to a client going by the number.
        raise Refusal(f"{cap(foe.name)} is not someone you can fight: there is nothing "
                      "to size up.")
    difference = theirs.level - mine.level
    actor.send(Consider(foe.name, difference,
                        f"You size up {foe.name}. {verdict(difference)}"))


def set_wimpy(world: World, actor: Character, args: str) -> None:
    word = args.strip().lower()
    view = vitals_of(world, actor)
    most = max(1, view.max_hp // 2) if view is not None else 1
    now = of(actor, WIMPY)
    if not word:
        if isinstance(now, int) and now > 0:
            actor.send(Message(f"Your wimpy is {now}: you flee a fight on your own when "
                               f"your health falls to {now} or below. 'wimpy off' stops it."))
        else:
            actor.send(Message(f"Your wimpy is off: you fight until you flee or fall. "
                               f"Type 'wimpy <health>' (1 to {most}) to flee on your own."))
        return
    if word in ("off", "0", "none"):
        actor.state[WIMPY] = 0
        world.changed(actor)
        actor.send(Message("Wimpy is off: you fight on until you flee or fall."))
        return
    if not word.isdigit():
        raise Refusal(f"Wimpy takes a number of health points, for example: wimpy {most // 2 or 1}"
                      " (or 'wimpy off').")
    value = int(word)
    if not 1 <= value <= most:
        raise Refusal(f"Your wimpy can be from 1 to {most} (half your health); not {value}.")
    actor.state[WIMPY] = value
    world.changed(actor)
    actor.send(Message(f"Wimpy set to {value}: you will flee a fight when your health falls "
                       f"to {value} or below."))


# -- the commands -------------------------------------------------------------------------------


def kill(ctx: Context, args: str) -> None:
    """kill <creature>

    Attack a creature here (or, where the world allows it, a player). The fight goes on
    in rounds by itself until one of you dies or flees; attack another while fighting to
    turn on it. No fighting in safe places such as the chapel.
    Example: kill rat
    """
    attack(ctx.world, ctx.actor, args)


def flee(ctx: Context, args: str) -> None:
    """flee

    Run from a fight through a random way out. It may fail: you stay, and the fight goes
    on. While fighting, 'flee' is the only way to leave the room.
    """
    fights = fights_of(ctx.world)
    if not fighting(ctx.world, ctx.actor):
        raise Refusal("You are not fighting anyone: just walk away.")
    fights.flee(ctx.actor)


def consider_(ctx: Context, args: str) -> None:
    """consider <creature>

    Size up a creature (or a player) before a fight: how its level compares with yours.
    Example: consider wolf
    """
    consider(ctx.world, ctx.actor, args)


def wimpy(ctx: Context, args: str) -> None:
    """wimpy [health | off]

    Flee a fight on your own when your health falls to this many points or fewer (at most
    half your health). Without a number: what it is now. Example: wimpy 8
    """
    set_wimpy(ctx.world, ctx.actor, args)


def quit_(ctx: Context, args: str) -> Any:
    """quit

    Save your character and leave the game. You will come back where you left off.
    Not in the middle of a fight: flee first.
    """
    if fighting(ctx.world, ctx.actor):
        raise Refusal("You cannot quit in the middle of a fight! Type 'flee' first.")
    return _core["quit"].handler(ctx, args)


def install() -> None:
    if "kill" not in COMMANDS.commands:
        COMMANDS.register("kill", "attack", family=FAMILY)(kill)
        COMMANDS.register("flee", family=FAMILY)(flee)
        COMMANDS.register("consider", "con", family=FAMILY)(consider_)
        COMMANDS.register("wimpy", family=FAMILY)(wimpy)
    if "quit" in COMMANDS.commands:
        _core["quit"] = COMMANDS.extend("quit", quit_)
