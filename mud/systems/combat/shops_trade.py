"""Shops' commands: list, buy, sell and value (the keys: shops.py; events: shops_events.py).

Each command finds the shopkeeper in the player's room (the first the room lists, or the
one named: ``list pim``, ``buy bread from pim``, ``sell pelt to dunstan``) and refuses in
words when there is none, the player cannot pay, the shop does not buy that, the item is
worn or held (the world's keepers: ``actions.loose``), or the ware is sold out.
"""

from __future__ import annotations

import re

from mud.commands.registry import SETS, Context
from mud.engine import hooks, matching
from mud.engine.actions import Refusal, kept, loose
from mud.engine.grouping import group_items
from mud.engine.model import NPC, Character, Item, ItemTemplate
from mud.engine.world import World
from mud.systems.combat.shops import (
    Shop,
    change_stock,
    currency,
    keeper_in,
    offer,
    price,
    shop_of,
    stock,
)
from mud.systems.combat.shops_events import ShopList, Trade

# The most of one ware bought at once ("buy 20 bread"): every one is an item in the world.
MAX_BUY = 20
_KEEPER = {"from": re.compile(r"^(?P<rest>.*?)\s+from\s+(?P<name>\S+)$", re.IGNORECASE),
           "to": re.compile(r"^(?P<rest>.*?)\s+to\s+(?P<name>\S+)$", re.IGNORECASE)}


def _cap(name: str) -> str:
    return name[:1].upper() + name[1:]


# -- finding the keeper, the ware and the count -------------------------------------------------


def find_keeper(actor: Character, name: str = "") -> NPC:
    """The shopkeeper here ``name`` names (no name: the first the room lists)."""
    room = actor.room
    keepers = keeper_in(room)
    if name:
        keeper = matching.find(name, keepers)
        if keeper is not None:
            return keeper
        other = matching.find(name, room.npcs) if room is not None else None
        if other is not None:
            raise Refusal(f"{_cap(other.name)} keeps no shop: nothing to buy or sell here.")
        raise Refusal(f"You see no '{name[:30]}' here keeping a shop.")
    if not keepers:
        raise Refusal("There is no shopkeeper here. Find one to list, buy, sell or value "
                      "things.")
    return keepers[0]


def open_keeper(world: World, actor: Character, name: str = "") -> NPC:
    """``find_keeper``, refusing while the player or the keeper is in a fight."""
    from mud.systems.combat import vitals

    keeper = find_keeper(actor, name)
    if vitals.is_fighting(world, actor):
        raise Refusal("You are fighting! Trade when the fight is over.")
    if vitals.is_fighting(world, keeper):
        raise Refusal(f"{_cap(keeper.name)} is fighting and has no time to trade.")
    return keeper


def _split(args: str, word: str) -> tuple[str, str]:
    """``"bread from pim"`` -> ("bread", "pim"); without the word, (args, "")."""
    match = _KEEPER[word].match(args.strip())
    return (match["rest"].strip(), match["name"]) if match else (args.strip(), "")


def _count(text: str, verb: str) -> tuple[int | None, str]:
    """``"2 bread"`` -> (2, "bread"); ``"bread"`` -> (None, "bread"); a lone number is
    the query (a list number), not a count."""
    head, _, rest = text.partition(" ")
    if head.isdigit() and rest.strip():
        count = int(head)
        if not 1 <= count <= MAX_BUY:
            raise Refusal(f"{_cap(verb)} how many? From 1 to {MAX_BUY} at a time.")
        return count, rest.strip()
    return None, text.strip()


class _Ware:
    """A line of a shop's list, found by its template's keywords like any item."""

    __slots__ = ("number", "template")

    def __init__(self, number: int, template: ItemTemplate) -> None:
        self.number = number
        self.template = template

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.template.keywords


def _wares(world: World, shop: Shop) -> list[_Ware]:
    # A template taken out of the world by a builder since load is skipped, not a crash.
    return [_Ware(n, world.templates[tid]) for n, (tid, _) in enumerate(shop.wares, 1)
            if tid in world.templates]


def find_ware(world: World, keeper: NPC, query: str) -> ItemTemplate:
    """The ware ``query`` names (keywords, or its number in the list)."""
    shop = shop_of(keeper)
    assert shop is not None
    wares = _wares(world, shop)
    if not query:
        raise Refusal("Buy what? Name it or its number in the list, for example: buy 1 "
                      "(type 'list' to see the wares)")
    if query.isdigit():
        found = next((w for w in wares if w.number == int(query)), None)
        if found is None:
            raise Refusal(f"{_cap(keeper.name)}'s list has no number {int(query)}: it goes "
                          f"from 1 to {len(shop.wares)}. Type 'list' to see it.")
        return found.template
    ware = matching.find(query, wares)
    if ware is None:
        raise Refusal(f"{_cap(keeper.name)} sells no '{query[:30]}'. Type 'list' to see "
                      "what is for sale.")
    return ware.template


# -- the trades -----------------------------------------------------------------------------------


def show_list(world: World, actor: Character, name: str = "") -> None:
    keeper = open_keeper(world, actor, name)
    shop = shop_of(keeper)
    assert shop is not None
    rows = []
    for ware in _wares(world, shop):
        each = price(shop, ware.template)
        left = stock(world, keeper, ware.template.id)
        rows.append((ware.number, ware.template.name, each, -1 if left is None else left,
                     currency(world, each)))
    actor.send(ShopList(keeper.name, shop.message, tuple(rows), bool(shop.buys)))


def _tell(world: World, actor: Character, verb: str, items: list[Item], keeper: NPC,
          total: int) -> None:
    groups = group_items(items)
    cost = currency(world, total)
    actor.send(Trade(actor.name, verb, groups, keeper.name, total, cost, own=True))
    if actor.room is not None:
        world.tell_room(actor.room, Trade(actor.name, verb, groups, keeper.name, total, cost),
                        exclude=actor)


def buy(world: World, actor: Character, args: str) -> list[Item]:
    """``[count] <ware | list number> [from <keeper>]``: pay, and carry the new things."""
    from mud.systems.combat import vitals
    from mud.systems.resets import resets_of

    text, name = _split(args, "from")
    keeper = open_keeper(world, actor, name)
    shop = shop_of(keeper)
    assert shop is not None
    if not shop.wares:
        raise Refusal(f"{_cap(keeper.name)} sells nothing here, only buys: try 'sell "
                      "<item>'.")
    count, query = _count(text, "buy")
    template = find_ware(world, keeper, query)
    count = count or 1
    left = stock(world, keeper, template.id)
    if left == 0:
        raise Refusal(f"{_cap(keeper.name)} has no {template.plural} left: sold out until "
                      "the next restock.")
    if left is not None and left < count:
        raise Refusal(f"{_cap(keeper.name)} has only {left} of {template.plural} left.")
    total = price(shop, template) * count
    have = vitals.gold(actor)
    what = template.name if count == 1 else f"{count} {template.plural}"
    if have < total or not vitals.take_gold(world, actor, total):
        raise Refusal(f"{_cap(what)} would cost you {currency(world, total)}, and you have "
                      f"{currency(world, have)}.")
    makers = resets_of(world)
    bought = []
    for _ in range(count):
        # The resets' stable ids and item maker: a save finds it again after a restart.
        item = makers.new_item(keeper.id, template.id)
        world.transfer(item, actor)
        bought.append(item)
    change_stock(world, keeper, template.id, -count)
    _tell(world, actor, "buy", bought, keeper, total)
    for item in bought:
        # Carried now, as if picked up: quests started by getting one start, and systems
        # keeping a client's inventory list up to date hear of it.
        world.hooks.emit(hooks.GET, who=actor, item=item, room=actor.room, shop=keeper)
    return bought


def _pick(world: World, actor: Character, query: str, verb: str) -> list[Item]:
    """The carried, loose items ``[count] <item>`` names (worn ones are refused with the
    keeper's words)."""
    count, query = _count(query, verb)
    if not query:
        raise Refusal(f"{_cap(verb)} what? Name something you carry, for example: {verb} "
                      "pelt")
    pool = loose(world, actor)
    if count is not None:
        found = matching.find_all(f"all.{query}", pool)[:count]
    else:
        found = matching.find_all(query, pool)
    if found:
        return found
    held = matching.find_all(query, actor.inventory)
    why = kept(world, actor, held[0]) if held else None
    raise Refusal(why or f"You are not carrying '{query[:30]}'.")


def _why_not(keeper: NPC, shop: Shop, item: Item) -> str | None:
    """Why ``keeper`` would not buy ``item`` (None: it would)."""
    if not shop.takes(item.template.id):
        return f"{_cap(keeper.name)} does not buy {item.name}."
    if offer(shop, item.template) <= 0:
        return f"{_cap(keeper.name)} would pay nothing for {item.name}."
    if item.contents:
        return f"Empty {item.name} first: {keeper.name} would buy it, not what is in it."
    return None


def _offers(world: World, actor: Character, args: str, verb: str
            ) -> tuple[NPC, Shop, list[Item]]:
    text, name = _split(args, "to")
    keeper = open_keeper(world, actor, name)
    shop = shop_of(keeper)
    assert shop is not None
    if not shop.buys:
        raise Refusal(f"{_cap(keeper.name)} buys nothing, only sells: type 'list' to see "
                      "the wares.")
    items = _pick(world, actor, text, verb)
    taken = [item for item in items if _why_not(keeper, shop, item) is None]
    if not taken:
        raise Refusal(_why_not(keeper, shop, items[0]) or "")
    return keeper, shop, taken


def sell(world: World, actor: Character, args: str) -> int:
    """``[count] <item> [to <keeper>]``: hand it over and be paid; returns the coins."""
    from mud.systems.combat import vitals

    keeper, shop, items = _offers(world, actor, args, "sell")
    total = sum(offer(shop, item.template) for item in items)
    for item in items:
        # A counted ware goes back on the stock (to sell again); anything else (a pelt)
        # is used up: either way the item leaves the world, saved as gone.
        change_stock(world, keeper, item.template.id, 1)
        world.consume(item)
    # Told first, then paid: the coins' vitals frame follows the sale it comes from.
    _tell(world, actor, "sell", items, keeper, total)
    vitals.add_gold(world, actor, total)
    # What the actor carries changed: the engine's 'carried' happening (consume, transfer)
    # refreshes a client's inventory (GMCP Char.Items, the web's panel); nothing to do here.
    return total


def value(world: World, actor: Character, args: str) -> int:
    """``<item> [to <keeper>]``: what the keeper would pay for it, told to the actor."""
    keeper, shop, items = _offers(world, actor, args, "value")
    total = sum(offer(shop, item.template) for item in items)
    actor.send(Trade(actor.name, "value", group_items(items), keeper.name, total,
                     currency(world, total), own=True))
    return total


# -- the commands ---------------------------------------------------------------------------------


def list_cmd(ctx: Context, args: str) -> None:
    """list [shopkeeper]

    See what the shopkeeper here sells, with the price of each and how many are left.
    Buy one by its name or its number in the list.
    Example: list
    """
    show_list(ctx.world, ctx.actor, args.strip().split(" ")[0] if args.strip() else "")


def buy_cmd(ctx: Context, args: str) -> None:
    """buy [count] <item or number> [from <shopkeeper>]

    Buy from the shopkeeper here, paying in coins: by name, or by its number in the
    list. A count buys several at once.
    Example: buy 2 torch
    """
    buy(ctx.world, ctx.actor, args)


def sell_cmd(ctx: Context, args: str) -> None:
    """sell [count] <item> [to <shopkeeper>]

    Sell something you carry to the shopkeeper here, if they buy that kind of thing.
    What you wear or wield you must remove first. 'value' tells you the price.
    Example: sell pelt
    """
    sell(ctx.world, ctx.actor, args)


def value_cmd(ctx: Context, args: str) -> None:
    """value <item> [to <shopkeeper>]

    Ask the shopkeeper here what they would pay for something you carry.
    Example: value pelt
    """
    value(ctx.world, ctx.actor, args)

def install() -> None:
    """Add list, buy, sell and value, and register the events' looks."""
    from mud.systems.combat import shops_events

    player = SETS["player"]
    for name, handler in (("list", list_cmd), ("buy", buy_cmd), ("sell", sell_cmd),
                          ("value", value_cmd)):
        if name not in player.commands:
            player.register(name, family="shops")(handler)
    shops_events.install()
