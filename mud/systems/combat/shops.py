"""Shops: shopkeepers who sell and buy, for the world's currency (combat and progression).

``install()`` registers, with no edit anywhere else:

- the ``value:`` key on items (a whole number: what one is worth in the world's currency,
  ``combat: {currency: ...}`` in world.yaml), kept on the item's template so every copy is
  worth it, however it was made;
- the ``shop:`` key on NPCs, checked at load with file:line like every world key::

      shop:
        sells: {longsword: 2, jerkin: 2, bread: unlimited}   # or a list: all unlimited
        buys: [woods:pelt, horseshoe]                        # or true: anything of value
        markup: 1.25    # what it charges: value x markup, rounded up (default 1)
        pays: 0.5       # what it pays: value x pays, rounded down (default 0.5)
        message: "Dunstan wipes his hands on his apron."     # above the list

  Every item it sells must have a ``value:``; ``pays`` is never more than ``markup`` (no
  coins made by buying and selling back);
- world state ``shops``: each shop's stock of the wares it sells a counted number of,
  saved, so a restart keeps what was sold (tbaMUD restocks at boot; here only the area's
  reset does). A shop whose NPC's area has a ``reset:`` gets its declared counts back at
  each reset, never more: what players sold it on top is gone by then;
- the commands and events of mud/systems/combat/shops_trade.py.

What a shop buys: an item it sells a counted number of goes back on its stock (count + 1,
bought back as a thing to sell again); anything else (pelts, loot) is taken out of the
world (``World.consume``, saved as gone). Bought items are new items with the resets'
stable ids (``<keeper id>/<template>~<serial>``), rebuilt after a restart by the resets'
item maker wherever a save put them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from mud.engine.model import NPC, ItemTemplate, Room
from mud.engine.state import STATE
from mud.engine.world import World
from mud.world_keys import Lookup
from mud.world_schema import Context as Where
from mud.world_schema import kind
from mud.world_yaml import shown

# Template prop and YAML key of an item's worth; NPC prop and YAML key of a shop.
VALUE = "value"
SHOP = "shop"
STATE_NAME = "shops"
# Bounds a builder may write: an item's worth, a counted stock, markup and pays.
MAX_VALUE = 1_000_000
MAX_STOCK = 1000
MIN_MARKUP, MAX_MARKUP = 0.1, 100.0
DEFAULT_MARKUP, DEFAULT_PAYS = 1.0, 0.5
MAX_MESSAGE = 200
MAX_WARES = 50
# The word for a ware with no limit, in ``sells``.
UNLIMITED = "unlimited"


@dataclass(frozen=True)
class Shop:
    """A shop as its NPC's ``shop:`` declares it. ``wares``: (template id, declared count
    or None for unlimited), in the order written (the list's numbers); ``buys``: template
    ids, or True for anything with a value."""

    wares: tuple[tuple[str, int | None], ...] = ()
    buys: tuple[str, ...] | bool = False
    markup: float = DEFAULT_MARKUP
    pays: float = DEFAULT_PAYS
    message: str = ""

    def declared(self, template_id: str) -> int | None:
        return next((count for tid, count in self.wares if tid == template_id), None)

    def sells(self, template_id: str) -> bool:
        return any(tid == template_id for tid, _ in self.wares)

    def takes(self, template_id: str) -> bool:
        """Whether it buys this kind of item at all (its worth aside)."""
        return self.buys is True or (isinstance(self.buys, tuple) and template_id in self.buys)


def value_of(template: ItemTemplate) -> int:
    """What one ``template`` is worth in the world's currency (0: no ``value:``)."""
    worth = template.props.get(VALUE, 0)
    return worth if isinstance(worth, int) else 0


def shop_of(npc: NPC) -> Shop | None:
    """The shop ``npc`` keeps (None: it keeps none)."""
    shop = npc.props.get(SHOP)
    return shop if isinstance(shop, Shop) else None


def price(shop: Shop, template: ItemTemplate) -> int:
    """What ``shop`` charges for one ``template``: its value x markup, rounded up, at
    least 1. (The tiny slack keeps 10 x 1.1 at 11, not 12.)"""
    return max(1, math.ceil(value_of(template) * shop.markup - 1e-9))


def offer(shop: Shop, template: ItemTemplate) -> int:
    """What ``shop`` pays for one ``template``: its value x pays, rounded down (0: nothing,
    or it does not buy these)."""
    if not shop.takes(template.id):
        return 0
    return max(0, math.floor(value_of(template) * shop.pays + 1e-9))


def currency(world: World, amount: int) -> str:
    """``amount`` in the world's currency: "1 coin", "12 coins"."""
    from mud.systems.combat.rules import rules_of

    return rules_of(world).coins(amount)


def keeper_in(room: Room | None) -> list[NPC]:
    """The shopkeepers in ``room``, in the order the room lists them."""
    return [npc for npc in room.npcs if shop_of(npc) is not None] if room is not None else []


# -- stock: declared world state -------------------------------------------------------------


def default_state() -> dict[str, Any]:
    # stock: keeper id -> {template id: count}, only for counted wares a trade changed;
    # a keeper not listed has its declared counts.
    return {"stock": {}}


def _stock_table(world: World) -> dict[str, Any]:
    # Read each time: a restart's restore replaces world.state's contents after attach.
    value = world.state.get(STATE_NAME)
    if not isinstance(value, dict) or not isinstance(value.get("stock"), dict):
        value = world.state[STATE_NAME] = default_state()
    return value["stock"]


def stock(world: World, keeper: NPC, template_id: str) -> int | None:
    """How many ``template_id`` ``keeper`` has to sell now (None: no limit; 0: sold out
    or not a ware)."""
    shop = shop_of(keeper)
    if shop is None or not shop.sells(template_id):
        return 0
    declared = shop.declared(template_id)
    if declared is None:
        return None
    held = _stock_table(world).get(keeper.id, {})
    count = held.get(template_id, declared) if isinstance(held, dict) else declared
    return count if isinstance(count, int) and count >= 0 else declared


def change_stock(world: World, keeper: NPC, template_id: str, by: int) -> None:
    """Add ``by`` (negative: take) to a counted ware's stock, saved; an unlimited ware or
    an item it does not sell changes nothing."""
    shop = shop_of(keeper)
    now = stock(world, keeper, template_id)
    if shop is None or now is None or not shop.sells(template_id):
        return
    table = _stock_table(world)
    held = table.get(keeper.id)
    if not isinstance(held, dict):
        held = table[keeper.id] = {}
    held[template_id] = max(0, min(MAX_STOCK * 10, now + by))
    world.changed_state(STATE_NAME)


class Shops:
    """The shops of one world: each keeper's home area, for the area's reset."""

    def __init__(self, world: World) -> None:
        self.world = world
        # keeper id -> the area whose reset restocks it (where it was placed).
        self.homes: dict[str, str] = {}

    def add(self, keeper: NPC) -> None:
        from mud.systems.resets import resets_of

        if keeper.room is not None:
            self.homes.setdefault(keeper.id, keeper.room.area)
        # Made now, so its item maker is in the world before a restart's saves are read.
        resets_of(self.world).join("shops", listener=functools.partial(restock, self.world),
                                   respawner=_respawned)

    def restock(self, area: str) -> int:
        """Every shop at home in ``area`` has its declared stock again; returns how many."""
        table = _stock_table(self.world)
        back = 0
        for keeper_id, home in self.homes.items():
            if home == area and table.pop(keeper_id, None) is not None:
                back += 1
        if back:
            self.world.changed_state(STATE_NAME)
        return back


# Kept in world.parts under this name.
_SHOPS = "combat.shops"


def shops_of(world: World) -> Shops:
    """The world's shops (made on first use)."""
    return world.part(_SHOPS, Shops)


def restock(world: World, area: str, rooms: list[Room]) -> int:
    """The area's reset (a resets listener): its shops' stock back to the declared counts."""
    return shops_of(world).restock(area)


def _respawned(old: NPC, new: NPC) -> None:
    # A keeper a reset brings back keeps shop as the one it replaces did.
    shop = shop_of(old)
    if shop is not None:
        new.props[SHOP] = shop


# -- the world's YAML: value on items, shop on NPCs ------------------------------------------


def check_value(ctx: Where, value: Any, line: int | None, lookup: Lookup) -> int:
    """``value: N``: a whole number from 0 to MAX_VALUE."""
    here = ctx.at(ctx.entry, line)
    if isinstance(value, bool) or not isinstance(value, int):
        here.error(f"'value' must be a whole number (what one is worth in the world's "
                   f"currency, such as value: 12), not {kind(value)} ({shown(value)})")
        return 0
    if not 0 <= value <= MAX_VALUE:
        here.error(f"'value' is {value}; it must be from 0 to {MAX_VALUE}")
        return 0
    return value


def attach_value(world: World, template: ItemTemplate, value: int) -> None:
    # On the template: a bought copy, a respawned one and a corpse's loot are all worth it.
    template.props[VALUE] = value


def _placed_value(world: World, item: Any, value: int) -> None:
    pass  # the template has it (attach_value)


def _values(lookup: Lookup) -> dict[str, Any]:
    return dict(lookup.written("item", VALUE))


def _worth_written(here: Where, lookup: Lookup, full: str, line: int | None,
                   what: str) -> bool:
    """Whether item ``full`` has a ``value:`` above 0 written (else an error saying so)."""
    written = lookup.once(_values)
    if full not in written:
        here.error(f"'shop' {what} {full}, which has no 'value:' (what it is worth): give "
                   f"it one in its items.yaml, such as value: 10", line)
        return False
    if written[full] == 0 and not isinstance(written[full], bool):
        here.error(f"'shop' {what} {full}, whose 'value' is 0: it must be worth something",
                   line)
        return False
    return True


def _sells(here: Where, data: Any, lookup: Lookup) -> list[tuple[str, int | None]]:
    example = "sells: {longsword: 2, bread: unlimited}"
    raw = data.get("sells")
    at = data.line_of("sells")
    wares: list[tuple[str, int | None]] = []
    if raw is None:
        return wares
    if isinstance(raw, list):
        pairs = [(word, word_line, None) for word, word_line in here.words_at(data, "sells")]
    elif isinstance(raw, dict):
        pairs = [(word, raw.line_of(word) if hasattr(raw, "line_of") else at, count)
                 for word, count in raw.items()]
    else:
        here.error(f"'shop': 'sells' must be a mapping of items to how many ({example}) or "
                   f"a list of items, not {kind(raw)}", at)
        return wares
    for word, line, count in pairs:
        if isinstance(raw, dict) and count != UNLIMITED and (
                isinstance(count, bool) or not isinstance(count, int) or
                not 1 <= count <= MAX_STOCK):
            here.error(f"'shop': 'sells' {shown(word)}: {shown(count)} is no count; write "
                       f"a whole number from 1 to {MAX_STOCK}, or {UNLIMITED}", line)
            continue
        full = lookup.item(here, word, line, "'shop' sells")
        if full is None or not _worth_written(here, lookup, full, line, "sells"):
            continue
        if any(tid == full for tid, _ in wares):
            here.error(f"'shop' sells {full} twice: list it once", line)
            continue
        wares.append((full, None if count in (None, UNLIMITED) else count))
    if len(wares) > MAX_WARES:
        here.error(f"'shop' sells {len(wares)} wares; at most {MAX_WARES}", at)
        return wares[:MAX_WARES]
    return wares


def _buys(here: Where, data: Any, lookup: Lookup) -> tuple[str, ...] | bool:
    raw = data.get("buys", False)
    if isinstance(raw, bool):
        return raw
    if not isinstance(raw, list):
        here.error(f"'shop': 'buys' must be true (anything with a value), false, or a list "
                   f"of items such as buys: [pelt, horseshoe], not {kind(raw)}",
                   data.line_of("buys"))
        return False
    found = []
    for word, line in here.words_at(data, "buys"):
        full = lookup.item(here, word, line, "'shop' buys")
        if full is not None and _worth_written(here, lookup, full, line, "buys") and \
                full not in found:
            found.append(full)
    return tuple(found)


def _fraction(here: Where, data: Any, key: str, default: float, low: float,
              high: float) -> float:
    number = data.get(key, default)
    if isinstance(number, bool) or not isinstance(number, int | float) or \
            not low <= number <= high:
        here.error(f"'shop': {key!r} must be a number from {low:g} to {high:g}, not "
                   f"{shown(number)}", data.line_of(key))
        return default
    return float(number)


def check_shop(ctx: Where, value: Any, line: int | None, lookup: Lookup) -> Shop | None:
    """``shop: {sells, buys, markup, pays, message}``; it must sell or buy something."""
    here = ctx.at(ctx.entry, line)
    example = "shop: {sells: {longsword: 2, bread: unlimited}, buys: [pelt]}"
    if not isinstance(value, dict):
        here.error(f"'shop' must be a mapping such as {example}, not {kind(value)}")
        return None
    data = here.check_keys(value, {"sells": False, "buys": False, "markup": False,
                                   "pays": False, "message": False}, "'shop'")
    wares = _sells(here, data, lookup)
    buys = _buys(here, data, lookup)
    if not wares and not buys and "sells" not in data and "buys" not in data:
        here.error(f"'shop' neither sells nor buys anything: give it 'sells' or 'buys' "
                   f"({example})")
    markup = _fraction(here, data, "markup", DEFAULT_MARKUP, MIN_MARKUP, MAX_MARKUP)
    pays = _fraction(here, data, "pays", DEFAULT_PAYS, 0.0, 1.0)
    if pays > markup:
        here.error(f"'shop': 'pays' ({pays:g}) is more than 'markup' ({markup:g}): players "
                   "would make coins buying and selling back; pay less or charge more",
                   data.line_of("pays"))
        pays = markup
    message = " ".join(here.text(data, "message").split())
    if len(message) > MAX_MESSAGE:
        here.error(f"'shop': 'message' is {len(message)} characters, more than "
                   f"{MAX_MESSAGE}: keep it to one line", data.line_of("message"))
        message = ""
    return Shop(tuple(wares), buys, markup, pays, message)


def attach_shop(world: World, keeper: Any, shop: Shop | None) -> None:
    """A placed NPC keeps ``shop``; its area's reset restocks it."""
    if shop is None or not isinstance(keeper, NPC):
        return
    keeper.props[SHOP] = shop
    shops_of(world).add(keeper)


def install() -> None:
    """Register the value and shop keys, the stock state, the commands and the events."""
    from mud import world_keys
    from mud.systems.combat import shops_trade

    world_keys.register_key(VALUE, ("item",), check_value, _placed_value,
                            attach_template=attach_value)
    world_keys.register_key(SHOP, ("npc",), check_shop, attach_shop)
    STATE.declare_world(STATE_NAME, default_state)
    shops_trade.install()
