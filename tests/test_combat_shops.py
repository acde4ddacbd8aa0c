"""Shops (mud/systems/combat/shops*.py): list, buy, sell and value at a shopkeeper, the
YAML keys checked at load, stock put back by the area's reset, and bought things kept
through a save and a restart."""

from __future__ import annotations

import json
import shutil

import pytest
from twisted.internet.task import Clock

from mud.render.json_events import render_json
from mud.render.text import PLAIN, render, text_style
from mud.systems.combat import vitals
from mud.systems.combat.shops import STATE_NAME, offer, price, shop_of, stock
from mud.systems.combat.shops_events import ShopList, Trade
from mud.systems.resets import resets_of
from tests.support import BUNDLED_WORLD, WirePlayer, make_game, npc_of
from tests.test_world_loader import build, error

# Pim the peddler keeps a test shop of things only this test's world has, so the bundled
# world's own prices can change without breaking it.
EXTRA_ITEMS = """
trinket:
  name: a tin trinket
  keywords: [trinket, tin]
  description: A bent tin trinket.
  value: 4
charm:
  name: a lucky charm
  keywords: [charm, lucky]
  description: A knot of red thread.
  value: 3
rag:
  name: a greasy rag
  keywords: [rag, greasy]
  description: A rag.
  value: 5
pebble:
  name: a grey pebble
  keywords: [pebble, grey]
  description: A pebble.
pouch:
  name: a leather pouch
  keywords: [pouch, leather]
  description: A pouch.
  value: 8
  container: {capacity: 3}
"""
SHOP = """  shop:
    sells: {trinket: 2, charm: unlimited}
    buys: [trinket, rag, pouch]
    markup: 1.5
    pays: 0.5
    message: "Pim spreads his wares on a blanket."
"""


@pytest.fixture
def shop_world(tmp_path):
    root = tmp_path / "world"
    shutil.copytree(BUNDLED_WORLD, root)
    items = root / "village" / "items.yaml"
    items.write_text(items.read_text() + EXTRA_ITEMS)
    npcs = root / "village" / "npcs.yaml"
    text = npcs.read_text()
    assert "  name: Pim Thistle\n" in text
    npcs.write_text(text.replace("  name: Pim Thistle\n", "  name: Pim Thistle\n" + SHOP))
    return root


def at_market(root, clock=None, gold=20):
    game = make_game(root, clock=clock or Clock())
    ann = WirePlayer(game)
    ann.create("Ann")
    ann.type("east")
    body = game.world.find_online("ann")
    # Exactly ``gold`` coins, whatever the world's rules start a character with.
    assert vitals.take_gold(game.world, body, vitals.gold(body))
    vitals.add_gold(game.world, body, gold)
    ann.read()
    return game, ann, body


def give(game, body, template_id):
    """A new item of ``template_id`` in ``body``'s hands."""
    item = resets_of(game.world).new_item("test", template_id)
    game.world.transfer(item, body)
    return item


def carried(body, template_id):
    return [i.id for i in body.inventory if i.template.id == template_id]


def pim(game):
    return npc_of(game.world, "village:peddler")


def test_list_shows_numbers_prices_and_stock(shop_world):
    _, ann, _ = at_market(shop_world)
    out = ann.type("list")
    assert "Pim spreads his wares on a blanket." in out
    assert "Pim Thistle sells:" in out
    assert "1. a tin trinket  6 coins  (2 left)" in out   # 4 x 1.5
    assert "2. a lucky charm  5 coins" in out              # 3 x 1.5 = 4.5, rounded up
    assert "3." not in out
    assert "buys things too" in out
    # Named keeper works too; someone who keeps no shop is told so.
    assert "Pim Thistle sells:" in ann.type("list pim")
    ann.type("west")
    assert "There is no shopkeeper here." in ann.type("list")


def test_buy_by_name_number_and_count_takes_coins_and_counts_stock(shop_world):
    game, ann, body = at_market(shop_world)
    bob = WirePlayer(game)
    bob.create("Bob")
    bob.type("east")
    bob.read()
    keeper = pim(game)
    out = ann.type("buy trinket")
    assert "You buy a tin trinket from Pim Thistle for 6 coins." in out
    assert "Ann buys a tin trinket from Pim Thistle." in bob.read()
    assert vitals.gold(body) == 14 and stock(game.world, keeper, "village:trinket") == 1
    (bought,) = carried(body, "village:trinket")
    assert bought.startswith("village:peddler/village:trinket~")
    assert game.world.items[bought].location is body
    out = ann.type("buy 2 2")       # two of the list's second ware, the charm
    assert "You buy two lucky charms from Pim Thistle for 10 coins." in out
    assert vitals.gold(body) == 4 and len(carried(body, "village:charm")) == 2
    assert stock(game.world, keeper, "village:charm") is None   # unlimited
    assert "has only 1 of tin trinkets left" in ann.type("buy 2 trinket")
    assert "A tin trinket would cost you 6 coins, and you have 4 coins." in \
        ann.type("buy 1")
    assert vitals.gold(body) == 4 and stock(game.world, keeper, "village:trinket") == 1


def test_refusals_say_why(shop_world):
    game, ann, body = at_market(shop_world, gold=100)
    assert "sells no 'lantern'" in ann.type("buy lantern")
    assert "has no number 7: it goes from 1 to 2" in ann.type("buy 7")
    assert "Buy how many? From 1 to 20" in ann.type("buy 21 charm")
    assert "Buy how many?" in ann.type("buy 0 charm")
    assert "Buy what?" in ann.type("buy")
    ann.type("buy 2 trinket")
    assert "has no tin trinkets left: sold out" in ann.type("buy trinket")
    assert "sold out" in ann.type("list")
    assert "You are not carrying 'pebble'" in ann.type("sell pebble")
    give(game, body, "village:pebble")
    assert "Pim Thistle does not buy a grey pebble." in ann.type("sell pebble")
    assert "Pim Thistle does not buy a grey pebble." in ann.type("value pebble")
    assert "Sell what?" in ann.type("sell")
    assert "You buy a lucky charm from Pim Thistle" in ann.type("buy charm from pim")
    assert "You see no 'marta' here keeping a shop." in ann.type("buy charm from marta")
    # Someone here who keeps no shop, named.
    ann.type("west")
    ann.type("west")
    assert "Marta Wren keeps no shop" in ann.type("list marta")
    assert "There is no shopkeeper here." in ann.type("sell pebble")
    assert "There is no shopkeeper here." in ann.type("value pebble")
    assert "There is no shopkeeper here." in ann.type("buy 1")


def test_no_trade_in_a_fight_and_a_keeper_brought_back_keeps_shop(shop_world):
    clock = Clock()
    game, ann, body = at_market(shop_world, clock)
    vitals.set_fighting(game.world, body, True)
    assert "You are fighting! Trade when the fight is over." in ann.type("buy charm")
    vitals.set_fighting(game.world, body, False)
    keeper = pim(game)
    vitals.set_fighting(game.world, keeper, True)
    assert "Pim Thistle is fighting and has no time to trade." in ann.type("list")
    vitals.set_fighting(game.world, keeper, False)
    # Taken out of the world (killed), he comes back with the village's reset, in shop.
    assert game.world.remove_npc(keeper)
    assert "There is no shopkeeper here." in ann.type("list")
    clock.advance(601)
    again = pim(game)
    assert again is not keeper and shop_of(again) is shop_of(keeper)
    assert "You buy a lucky charm from Pim Thistle for 5 coins." in ann.type("buy charm")


def test_a_worn_item_is_refused_in_the_keepers_words(shop_world):
    game, ann, body = at_market(shop_world)
    rag = give(game, body, "village:rag")
    game.world.keepers.append(
        lambda who, item: "You are wearing a greasy rag: remove it first." if item is rag
        else None)
    assert "You are wearing a greasy rag: remove it first." in ann.type("sell rag")
    assert "You are wearing a greasy rag" in ann.type("value rag")
    assert vitals.gold(body) == 20 and rag.location is body


def test_sell_pays_and_the_item_joins_the_stock_or_leaves_the_world(shop_world):
    game, ann, body = at_market(shop_world)
    keeper = pim(game)
    rag = give(game, body, "village:rag")
    assert "Pim Thistle would give you 2 coins for a greasy rag." in ann.type("value rag")
    assert vitals.gold(body) == 20 and rag.location is body
    assert "You sell a greasy rag to Pim Thistle for 2 coins." in ann.type("sell rag")
    assert vitals.gold(body) == 22 and rag.location is None
    assert rag.id not in game.world.items      # used up: saved as gone
    ann.type("buy trinket")
    assert stock(game.world, keeper, "village:trinket") == 1
    assert "You sell a tin trinket to Pim Thistle for 2 coins." in ann.type("sell trinket")
    assert stock(game.world, keeper, "village:trinket") == 2   # back on the stock
    # A container is bought empty, or not at all.
    pouch = give(game, body, "village:pouch")
    game.world.transfer(give(game, body, "village:pebble"), pouch)
    assert "Empty a leather pouch first" in ann.type("sell pouch")
    # Several at once: only what the keeper buys goes.
    for _ in range(3):
        give(game, body, "village:rag")
    gold = vitals.gold(body)
    assert "You sell two greasy rags to Pim Thistle for 4 coins." in ann.type("sell 2 rag")
    assert vitals.gold(body) == gold + 4 and len(carried(body, "village:rag")) == 1


@pytest.fixture
def restock_game(shop_world):
    clock = Clock()
    return clock, *at_market(shop_world, clock, gold=100)


def test_stock_comes_back_to_the_declared_counts_with_the_areas_reset(restock_game):
    clock, game, ann, _ = restock_game
    keeper = pim(game)
    ann.type("buy 2 trinket")
    assert stock(game.world, keeper, "village:trinket") == 0
    clock.advance(599)
    assert stock(game.world, keeper, "village:trinket") == 0
    clock.advance(2)                                    # the village resets every 600 s
    assert stock(game.world, keeper, "village:trinket") == 2
    assert "1. a tin trinket  6 coins  (2 left)" in ann.type("list")
    # Sold to the shop on top of its stock: a reset brings it down to what is declared.
    ann.type("sell 2 trinket")
    assert stock(game.world, keeper, "village:trinket") == 4
    clock.advance(600)
    assert stock(game.world, keeper, "village:trinket") == 2


def test_bought_things_coins_and_stock_survive_a_save_and_a_restart(shop_world):
    game, ann, body = at_market(shop_world)
    ann.type("buy trinket")
    ann.type("buy 2 charm")
    bought = sorted(carried(body, "village:trinket") + carried(body, "village:charm"))
    assert len(bought) == 3
    ann.type("quit")
    game.store.save(game.world.snapshot_everything())
    world_rows: dict[str, str] = {}
    for snap in game.store.saves:
        world_rows.update(snap.world)
    # A new game on the same store, restored as build_service does (items, then state).
    again = make_game(shop_world, clock=Clock(), store=game.store)
    for item_id, kind, place in list(game.store.items.values()):
        again.world.restore_item(item_id, kind, place)
    assert again.world.restore_state(list(world_rows.items())) == []
    assert stock(again.world, pim(again), "village:trinket") == 1
    ann2 = WirePlayer(again)
    ann2.read()
    ann2.type("connect Ann secret1")
    body2 = again.world.find_online("ann")
    assert sorted(carried(body2, "village:trinket") + carried(body2, "village:charm")) == \
        bought
    assert vitals.gold(body2) == 20 - 6 - 10
    out = ann2.type("inventory")
    assert "a tin trinket" in out and "two lucky charms" in out
    # And they sell like any other (the remade items are the templates' own).
    assert "You sell a tin trinket to Pim Thistle" in ann2.type("sell trinket")


def test_prices_round_up_for_the_shop_and_down_for_the_player(shop_world):
    game = make_game(shop_world)
    shop = shop_of(pim(game))
    templates = game.world.templates
    assert price(shop, templates["village:charm"]) == 5      # 4.5 up
    assert offer(shop, templates["village:rag"]) == 2        # 2.5 down
    assert offer(shop, templates["village:charm"]) == 0      # not bought at all
    assert STATE_NAME in game.world.state


def test_what_docs_shops_md_says_of_making_coins_between_shops():
    """Within one shop, and between shops whose markups are all 1 or more, no keeper pays
    more than any keeper charges; a cheap seller and a generous buyer do mint coins (the
    loader does not compare shops: docs/shops.md says so, issue 13)."""
    from mud.engine.model import ItemTemplate
    from mud.systems.combat.shops import VALUE, Shop

    def worth(n):
        template = ItemTemplate("t:x", "a thing", ("thing",), "A thing.")
        template.props[VALUE] = n
        return template

    pays = (0.0, 0.1, 0.5, 0.8, 0.99, 1.0)
    for value in range(1, 301):
        thing = worth(value)
        for markup in (1.0, 1.01, 1.1, 1.25, 2.0):
            seller = Shop(wares=(("t:x", None),), markup=markup)
            for pay in pays:
                buyer = Shop(buys=True, markup=max(pay, 0.1), pays=pay)
                assert offer(buyer, thing) <= price(seller, thing), (value, markup, pay)
        for markup in (0.1, 0.5, 0.9, 1.0):
            for pay in pays:
                if pay <= markup:   # the loader's check, one shop alone
                    alone = Shop(wares=(("t:x", None),), buys=True, markup=markup, pays=pay)
                    assert offer(alone, thing) <= price(alone, thing)
    cheap = Shop(wares=(("t:x", None),), markup=0.5)
    generous = Shop(buys=True, markup=1.0, pays=0.8)
    assert offer(generous, worth(10)) > price(cheap, worth(10))   # 8 for what costs 5


def test_events_render_as_text_at_forty_columns_and_as_json():
    listing = ShopList("Pim Thistle", "Pim grins.", ((1, "an extraordinarily long "
                       "polished brass spyglass", 120, 3, "120 coins"),
                       (2, "a charm", 1, -1, "1 coin")), True)
    narrow = render(listing, text_style(colour=0, width=40))
    assert all(len(line) <= 39 for line in narrow.splitlines()), narrow
    assert "120 coins" in narrow and "1 coin" in narrow
    frame = json.loads(render_json(listing))
    assert frame["type"] == "shop"
    assert frame["wares"][0] == {"number": 1, "name": "an extraordinarily long polished "
                                 "brass spyglass", "price": 120, "stock": 3,
                                 "cost": "120 coins"}
    assert frame["wares"][1]["stock"] is None and frame["buys"] is True
    from mud.engine.grouping import ItemGroup
    items = (ItemGroup("a loaf of bread", "loaves of bread", 2),)
    own = Trade("Ann", "buy", items, "Dunstan Hale", 4, "4 coins", own=True)
    assert render(own, PLAIN) == "You buy two loaves of bread from Dunstan Hale for 4 coins."
    other = json.loads(render_json(Trade("Ann", "sell", items, "Dunstan Hale", 4, "4 coins")))
    assert other["type"] == "trade" and other["verb"] == "sell" and "price" not in other
    assert other["text"] == "Ann sells two loaves of bread to Dunstan Hale."
    mine = json.loads(render_json(own))
    assert (mine["price"], mine["cost"], mine["own"]) == (4, "4 coins", True)


def _shop_error(tmp_path, monkeypatch, shop: str, items: str = "") -> str:
    item_text = ("apple:\n  name: an apple\n  description: Red.\n  value: 2\n"
                 "pear:\n  name: a pear\n  description: Green.\n" + items)
    npcs = "cat:\n  name: Mouser\n  description: A cat.\n" + shop
    return error(build(tmp_path, monkeypatch, village__items=item_text, village__npcs=npcs))


@pytest.mark.parametrize(("shop", "wanted"), [
    ("  shop: 12\n", "'shop' must be a mapping such as"),
    ("  shop: {sells: {apple: 2}, price: 3}\n", "unknown key 'price'"),
    ("  shop: {sells: {pear: 2}}\n", "'shop' sells village:pear, which has no 'value:'"),
    ("  shop: {sells: {apple: lots}}\n", "'lots' is no count"),
    ("  shop: {sells: {apple: 0}}\n", "0 is no count"),
    ("  shop: {sells: {plum: 2}}\n", "plum"),
    ("  shop: {sells: [apple], pays: 2}\n", "'pays' must be a number from 0 to 1"),
    ("  shop: {sells: [apple], markup: 0.4, pays: 0.5}\n",
     "'pays' (0.5) is more than 'markup' (0.4)"),
    ("  shop: {buys: [pear]}\n", "'shop' buys village:pear, which has no 'value:'"),
    ("  shop: {buys: pear}\n", "'buys' must be true (anything with a value), false, or"),
    ("  shop: {}\n", "neither sells nor buys anything"),
    ("  shop: {sells: [apple], message: [a]}\n", "'message' must be text"),
])
def test_the_shop_key_is_checked_with_file_and_line(tmp_path, monkeypatch, shop, wanted):
    said = _shop_error(tmp_path, monkeypatch, shop)
    assert "w/village/npcs.yaml:4: npc \"village:cat\"" in said, said
    assert wanted in said, said


@pytest.mark.parametrize("escaped", ["\\e[2J", "\\a", "\\x9b2J"])
def test_control_characters_in_combats_text_stop_the_load_at_their_line(
        tmp_path, monkeypatch, escaped):
    """A shop's greeting and the rules' currency word reach players' terminals: a
    control character in them (YAML's escapes) is a load error naming file:line, by the
    loader's own text reading, never a terminal command (issue 13)."""
    said = _shop_error(tmp_path, monkeypatch,
                       f'  shop: {{sells: [apple], message: "{escaped} Mouser purrs."}}\n')
    assert "w/village/npcs.yaml:4" in said and "players' terminals" in said, said
    world = ("name: Test\ndescription: A test world.\nstart: village:square\n"
             f'combat:\n  currency: "silver{escaped}"\n')
    said = error(build(tmp_path, monkeypatch, world=world))
    assert "w/world.yaml:5" in said and "players' terminals" in said, said


def test_the_value_key_is_checked_with_file_and_line(tmp_path, monkeypatch):
    for value, wanted in (("cheap", "'value' must be a whole number"),
                          ("-3", "'value' is -3; it must be from 0 to 1000000"),
                          ("2.5", "'value' must be a whole number")):
        items = f"apple:\n  name: an apple\n  description: Red.\n  value: {value}\n"
        said = error(build(tmp_path, monkeypatch, village__items=items))
        assert "w/village/items.yaml:4: item \"village:apple\"" in said, said
        assert wanted in said, said


def test_a_good_shop_loads(tmp_path, monkeypatch):
    from mud.world_loader import load_world
    items = "apple:\n  name: an apple\n  description: Red.\n  value: 2\n"
    npcs = ("cat:\n  name: Mouser\n  description: A cat.\n"
            "  shop: {sells: {apple: 3}, buys: true, markup: 2}\n")
    rooms = ("square:\n  name: Square\n  description: A square.\n  npcs: [cat]\n"
             "  exits:\n    north: hall\nhall:\n  name: Hall\n  description: A hall.\n"
             "  exits:\n    south: square\n")
    world = load_world(build(tmp_path, monkeypatch, village__items=items,
                             village__npcs=npcs, village__rooms=rooms), Clock())
    shop = shop_of(npc_of(world, "village:cat"))
    assert shop.wares == (("village:apple", 3),) and shop.buys is True
    assert price(shop, world.templates["village:apple"]) == 4


def test_dunstan_sells_the_forges_goods_and_buys_every_creatures_loot():
    """The bundled world: a newcomer's coins buy a weapon, and whatever a creature's
    loot: may leave, Dunstan pays something for."""
    import yaml

    game = make_game()
    keeper = npc_of(game.world, "village:smith")
    shop = shop_of(keeper)
    templates = game.world.templates
    wares = {tid for tid, _ in shop.wares}
    assert {"village:cudgel", "village:sword", "village:jerkin"} <= wares
    from mud.systems.combat.rules import rules_of
    assert min(price(shop, templates[t]) for t in wares
               if "equip" in templates[t].props) <= rules_of(game.world).start_gold
    loot = set()
    for npcs in BUNDLED_WORLD.glob("*/npcs.yaml"):
        area = npcs.parent.name
        for entry in (yaml.safe_load(npcs.read_text()) or {}).values():
            for drop in (entry.get("loot") or {}).get("items", []):
                loot.add(drop["item"] if ":" in drop["item"] else f"{area}:{drop['item']}")
    assert loot and all(offer(shop, templates[t]) > 0 for t in loot), loot
