"""Death and recall: what a death does, and the ``recall`` command.

- An NPC that dies leaves a corpse (mud/systems/combat/corpses.py) holding its ``loot:``
  items (death_loot.py); its coins and its experience are shared out at once among the
  players who hurt it and are still in the game (experience shrinks for a killer
  well above its level: a fifth less per level above, a tenth at least). It is taken out
  of the world (``World.remove_npc``), so its area's reset brings it back.
- A player who dies leaves a corpse holding everything carried, worn things too (taken
  off first, through the equipment part), loses the rules' share of the experience
  earned within the current level (never a level) and of the coins carried, and wakes at
  the rules' recall room (``combat: {recall: ...}``, else the world's start) with full
  health, mana and movement. Whoever finds the corpse may loot it; it rots after
  ``corpse_decay`` seconds and what it held falls to the floor, never lost.
- ``recall`` takes a player who is not fighting to the recall room at once.
"""

from __future__ import annotations

from mud.commands.registry import COMMANDS, Context
from mud.engine import actions, hooks
from mud.engine.actions import Refusal
from mud.engine.events import Arrive, Depart, Message
from mud.engine.model import NPC, Character, Room
from mud.engine.world import World
from mud.systems.combat import vitals as vit
from mud.systems.combat.corpses import corpses_of
from mud.systems.combat.rules import recall_room, rules_of

# What the dead are told as they wake, and how the room they wake in sees them come.
WAKE = "You wake in {room}, cold and shaken but alive."
ARRIVE_DEAD = "appears, pale and shaken"


def died(world: World, victim: NPC | Character, killer: NPC | Character,
         helpers: list[Character], room: Room) -> None:
    """``victim`` died in ``room`` at ``killer``'s hand (the fight has let go of it)."""
    if isinstance(victim, NPC):
        npc_died(world, victim, killer, helpers, room)
    else:
        player_died(world, victim, room)


def xp_share(worth: int, sharers: int, killer_level: int, npc_level: int) -> int:
    """One killer's share of an NPC's experience ``worth``, split ``sharers`` ways and
    shrunk for a killer above the NPC's level."""
    share = worth / max(1, sharers)
    above = killer_level - npc_level
    if above > 0:
        share *= max(0.1, 1.0 - 0.2 * above)
    return max(1, int(share)) if worth > 0 else 0


def npc_died(world: World, npc: NPC, killer: NPC | Character, helpers: list[Character],
             room: Room) -> None:
    from mud.systems.combat.death_loot import fill, loot_of

    view = vit.vitals_of(world, npc)
    worth, level = (view.xp, view.level) if view is not None else (0, 1)
    corpse = corpses_of(world).make(room, npc)
    fill(world, npc, corpse)
    world.remove_npc(npc)
    sharers = [c for c in helpers if world.online.get(c.key) is c]
    if not sharers and isinstance(killer, Character) and world.online.get(killer.key) is killer:
        sharers = [killer]
    if not sharers:
        return
    loot = loot_of(npc)
    coins = loot.coins(world.scheduler.rng) if loot is not None else 0
    rules = rules_of(world)
    each, extra = divmod(coins, len(sharers))
    for n, player in enumerate(sharers):
        mine = each + (extra if n == 0 else 0)
        if mine > 0:
            vit.add_gold(world, player, mine)
            player.send(Message(f"You take {rules.coins(mine)} from {corpse.name}."))
        own = vit.vitals_of(world, player)
        vit.gain_xp(world, player, xp_share(worth, len(sharers),
                                            own.level if own is not None else 1, level))


def player_died(world: World, player: Character, room: Room) -> None:
    rules = rules_of(world)
    try:
        from mud.systems.combat.equipment import take_off_all
    except ImportError:  # a server without the equipment part: nothing is worn
        pass
    else:
        take_off_all(world, player)
    corpse = corpses_of(world).make(room, player)
    for item in list(player.inventory):
        world.transfer(item, corpse)
    view = vit.vitals_of(world, player)
    lost_xp = 0
    if view is not None:
        lost_xp = int(max(0, view.xp - rules.xp_for(view.level)) * rules.death.xp_loss)
    coins = vit.gold(player)
    lost_gold = int(coins * rules.death.gold_loss)
    if lost_xp > 0:
        vit.gain_xp(world, player, -lost_xp)
    if lost_gold > 0:
        vit.take_gold(world, player, lost_gold)
    said = "Your body lies where you fell; all you carried is in your corpse there."
    if lost_gold > 0:
        said += f" You have lost {rules.coins(lost_gold)}."
    player.send(Message(said))
    vit.restore(world, player)
    target = recall_room(world)
    player.send(Message(WAKE.format(room=target.name)))
    teleport(world, player, target, "", ARRIVE_DEAD)


def teleport(world: World, who: Character, target: Room, leaving: str, arriving: str) -> None:
    """Take ``who`` straight to ``target`` (recall, a death): seen going (unless
    ``leaving`` is empty) and coming, heard by the hooks as a builder's goto is."""
    room = who.room
    if room is not None:
        if leaving:
            world.tell_room(room, Depart(who.name, leaving), exclude=who)
        world.hooks.emit(hooks.LEAVE, who=who, room=room, to=target)
    world.move(who, target)
    world.tell_room(target, Arrive(who.name, arriving), exclude=who)
    actions.look(world, who)
    world.hooks.emit(hooks.ENTER, who=who, room=target, came_from=room)


def recall(ctx: Context, args: str) -> None:
    """recall

    Pray to be taken back to the world's place of safety (in Emberfall, the Chapel of the
    Hearth) at once. Not in the middle of a fight: flee first.
    """
    from mud.systems.combat.fight import fighting

    world, actor = ctx.world, ctx.actor
    if fighting(world, actor):
        raise Refusal("You cannot recall in the middle of a fight! Type 'flee' first.")
    target = recall_room(world)
    if actor.room is target:
        raise Refusal(f"You are already in {target.name}.")
    actor.send(Message("You close your eyes and pray, and the world turns about you."))
    teleport(world, actor, target, "prays and vanishes", "appears in a shimmer of light")


def install() -> None:
    """The recall command, corpses and the loot key."""
    from mud import systems
    from mud.systems.combat import corpses, death_loot

    corpses.install()
    death_loot.install()
    # Every world gets the corpses' item maker as it is built, before a save's items are
    # restored, whatever its files say: a corpse saved before a restart is found again.
    systems.on_world(corpses.corpses_of)
    if "recall" not in COMMANDS.commands:
        COMMANDS.register("recall", family="combat")(recall)

