"""Equipment's commands: wear, wield, hold, remove and equipment (eq).

``wear`` puts on anything wearable (a weapon is wielded, a lantern held: its item says
which slot); ``wield`` and ``hold`` take only what goes in those slots, so a player who
types them gets what they meant or a pointer to the right word. Wearing something in a
slot already in use swaps them: the old thing stays carried. ``wear all`` and ``remove
all`` do what they say, slot by slot.
"""

from __future__ import annotations

from mud.commands.registry import COMMANDS, Context
from mud.engine import matching
from mud.engine.actions import Refusal
from mud.engine.model import Character, Item, Room
from mud.engine.world import World
from mud.systems.combat import equipment as eq
from mud.systems.combat.equipment_events import WearAction, send_state, view


def _room(actor: Character) -> Room:
    if actor.room is None:
        raise Refusal("You are nowhere at all.")
    return actor.room


def _verb(slot: str) -> str:
    return "wield" if slot == eq.WIELD else "hold" if slot == eq.HOLD else "wear"


def _worn_items(world: World, actor: Character) -> list[Item]:
    return [i for i in eq.worn(world, actor).values() if isinstance(i, Item)]


def _loose(world: World, actor: Character) -> list[Item]:
    worn = set(_worn_items(world, actor))
    return [i for i in actor.inventory if i not in worn]


def _changed(world: World, actor: Character) -> None:
    """After a change: the player's panel and gauges (max hp may have moved)."""
    send_state(world, actor)
    from mud.systems.combat import vitals

    vitals.send_vitals(world, actor)


def _tell(world: World, actor: Character, verb: str, item: Item, slot: str) -> None:
    actor.send(WearAction(actor.name, verb, item.name, slot, own=True))
    world.tell_room(_room(actor), WearAction(actor.name, verb, item.name, slot),
                    exclude=actor)


def _refusal(world: World, actor: Character, item: Item, command: str) -> str | None:
    """Why ``actor`` cannot ``command`` (wear, wield, hold) ``item``, or None."""
    spec = eq.spec_of(item)
    if spec is None:
        return f"You cannot {command} {item.name}."
    if command == "wield" and spec.slot != eq.WIELD:
        return f"{item.name[:1].upper()}{item.name[1:]} is no weapon: type " \
               f"'{_verb(spec.slot)} {eq.handle(item)}'."
    if command == "hold" and spec.slot != eq.HOLD:
        return f"You cannot hold {item.name}: type '{_verb(spec.slot)} {eq.handle(item)}'."
    if spec.slot not in eq.slots_of(world):
        return f"{item.name[:1].upper()}{item.name[1:]} fits nowhere on you in this world."
    return eq.level_needed(world, actor, item)


def put_on(world: World, actor: Character, query: str, command: str) -> None:
    """Wear (``command`` wear), wield or hold what ``query`` names among carried things."""
    _room(actor)
    query = query.strip()
    if not query:
        example = {"wield": "sword", "hold": "buckler"}.get(command, "cap")
        also = " (or: wear all)" if command == "wear" else ""
        raise Refusal(f"{command.capitalize()} what? For example: {command} {example}{also}")
    if query.lower() == "all" or query.lower().startswith("all."):
        put_on_all(world, actor, query, command)
        return
    item = matching.find(query, _loose(world, actor))
    if item is None:
        using = matching.find(query, _worn_items(world, actor))
        if using is not None:
            raise Refusal(f"You are already using {using.name}.")
        raise Refusal(f"You are not carrying '{query[:30]}'. Type 'inventory' to see what "
                      "you carry.")
    why = _refusal(world, actor, item, command)
    if why is not None:
        raise Refusal(why)
    spec = eq.spec_of(item)
    assert spec is not None
    before = eq.put_on(world, actor, item)
    if before is not None:
        _tell(world, actor, "remove", before, spec.slot)
    _tell(world, actor, _verb(spec.slot), item, spec.slot)
    _changed(world, actor)


def put_on_all(world: World, actor: Character, query: str, command: str) -> None:
    """Everything carried (or ``all.<word>``) that fits a free slot, in inventory order."""
    taken = set(eq.worn(world, actor))
    done = 0
    first_refusal = None
    for item in matching.find_all(query, _loose(world, actor)):
        spec = eq.spec_of(item)
        if spec is None or spec.slot in taken:
            continue
        why = _refusal(world, actor, item, command)
        if why is not None:
            first_refusal = first_refusal or why
            continue
        eq.put_on(world, actor, item)
        taken.add(spec.slot)
        _tell(world, actor, _verb(spec.slot), item, spec.slot)
        done += 1
    if not done:
        raise Refusal(first_refusal or f"You have nothing more to {command}.")
    _changed(world, actor)


def take_off(world: World, actor: Character, query: str) -> None:
    """Stop using what ``query`` names among worn things (``all``: everything)."""
    _room(actor)
    query = query.strip()
    if not query:
        raise Refusal("Remove what? For example: remove cap (or: remove all)")
    using = _worn_items(world, actor)
    if not using:
        raise Refusal("You are not using anything.")
    found = matching.find_all(query, using)
    if not found:
        carried = matching.find(query, actor.inventory)
        if carried is not None:
            raise Refusal(f"You are not using {carried.name}.")
        raise Refusal(f"You are not using '{query[:30]}'. Type 'equipment' to see what you "
                      "use.")
    for item in found:
        slot = eq.slot_of(actor, item) or ""
        eq.take_off(world, actor, item)
        _tell(world, actor, "remove", item, slot)
    _changed(world, actor)


# -- the commands -------------------------------------------------------------------------------


def wear(ctx: Context, args: str) -> None:
    """wear <item>

    Put on something you carry: armour, a cap, boots. A weapon is wielded and a buckler
    held, as 'wield' and 'hold' do. Wearing a thing where you already wear another
    swaps them. 'wear all' puts on everything that fits.
    Example: wear jerkin
    """
    put_on(ctx.world, ctx.actor, args, "wear")


def wield(ctx: Context, args: str) -> None:
    """wield <weapon>

    Take up a weapon you carry: you fight with it (its damage instead of your fists).
    Example: wield sword
    """
    put_on(ctx.world, ctx.actor, args, "wield")


def hold(ctx: Context, args: str) -> None:
    """hold <item>

    Hold something you carry in your other hand: a buckler, a shield.
    Example: hold buckler
    """
    put_on(ctx.world, ctx.actor, args, "hold")


def remove(ctx: Context, args: str) -> None:
    """remove <item>

    Stop wearing, wielding or holding something: it stays in your pack. 'remove all'
    takes everything off.
    Example: remove cap
    """
    take_off(ctx.world, ctx.actor, args)


def equipment(ctx: Context, args: str) -> None:
    """equipment

    List what you wear, wield and hold.
    """
    ctx.send(view(ctx.world, ctx.actor))


def install() -> None:
    """Add the commands to everyone's set (help family "combat", with the fights')."""
    for name, aliases, handler in (("wear", (), wear), ("wield", (), wield),
                                   ("hold", (), hold), ("remove", (), remove),
                                   ("equipment", ("eq",), equipment)):
        if name not in COMMANDS.commands:
            COMMANDS.register(name, *aliases, family="combat")(handler)
