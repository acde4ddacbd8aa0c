"""Equipment: the equip: key, wear/wield/hold/remove/equipment, the keeper, the vitals
bonus, the look detailer, the events (text, JSON, GMCP Char.Items) and saving."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from twisted.conch.telnet import DO, IAC
from twisted.internet.task import Clock

from mud.engine import hooks
from mud.render.json_events import render_json
from mud.systems.combat import equipment as eq
from mud.systems.combat.equipment_events import Equipment, EquipmentState, WearAction
from mud.systems.containers import new_item
from mud.world_loader import load_world
from tests.support import BUNDLED_WORLD, MemoryStore, WirePlayer, gmcp_messages, make_game
from tests.test_negotiator import GMCP, sb
from tests.test_world_loader import ROOMS, WORLD, build, error

GEAR = """
t_sword:
  name: a test sword
  keywords: [sword, test]
  description: Sharp.
  equip: {slot: wield, damage: 2d4+1, hitroll: 2}
t_blade:
  name: a notched blade
  keywords: [blade, notched]
  description: Old.
  equip: {slot: wield, damage: 1d4}
t_cap:
  name: a felt cap
  keywords: [cap, felt]
  description: Soft.
  equip: head
t_coat:
  name: a quilted coat
  keywords: [coat, quilted]
  description: Warm.
  equip: {slot: body, armour: 3, hp: 5, mp: 2}
t_crown:
  name: an iron crown
  keywords: [crown, iron]
  description: Heavy.
  equip: {slot: head, armour: 1, level: 3}
t_torch:
  name: a pine torch
  keywords: [torch, pine]
  description: Smoky.
  equip: hold
t_stick:
  name: a walking stick
  keywords: [stick, walking]
  description: Knotted.
  equip: {slot: wield, hitroll: 1}
"""


def gear_world(folder: Path) -> Path:
    """A copy of the bundled world whose village has the test gear (unplaced)."""
    root = folder / "world"
    shutil.copytree(BUNDLED_WORLD, root)
    with open(root / "village" / "items.yaml", "a", encoding="utf-8") as f:
        f.write(GEAR)
    return root


def outfit(game, name: str, *templates: str):
    """New copies of village test gear in ``name``'s hands."""
    world = game.world
    body = world.find_online(name)
    made = []
    for template in templates:
        item = new_item(world, body.room, f"village:t_{template}")
        world.transfer(item, body)
        made.append(item)
    return made


@pytest.fixture
def game(tmp_path):
    game = make_game(gear_world(tmp_path))
    game.command_rate, game.command_burst = 1e12, 10**12
    return game


def pair(game):
    ann, bob = WirePlayer(game), WirePlayer(game)
    ann.create("Ann")
    bob.create("Bob")
    ann.read(), bob.read()
    return ann, bob


# -- the YAML key ------------------------------------------------------------------------------


def test_equip_is_read_into_the_template(game):
    sword = eq.spec_of(game.world.templates["village:t_sword"])
    assert (sword.slot, str(sword.damage), sword.hitroll, sword.level) == \
        ("wield", "2d4+1", 2, 1)
    assert eq.spec_of(game.world.templates["village:t_cap"]) == eq.Spec("head")
    coat = eq.spec_of(game.world.templates["village:t_coat"])
    assert (coat.armour, coat.hp, coat.mp) == (3, 5, 2)
    assert eq.spec_of(game.world.templates["village:bread"]) is None


@pytest.mark.parametrize("written, words", [
    ("equip: tail", "there is no slot 'tail' in this world; its slots are wield, hold"),
    ("equip: {slot: head, damage: 1d4}", "'damage' counts only on a wielded weapon"),
    ("equip: {slot: wield, damage: 3x}", "'equip': 'damage': '3x' is not dice"),
    ("equip: {slot: body, armour: lots}", "'armour' must be a whole number from -1000"),
    ("equip: {slot: body, level: 0}", "'level' (the level needed to use it) must be"),
    ("equip: {slot: body, level: 11}",
     "'level' is 11, above this world's last level (10, world.yaml combat: levels)"),
    ("equip: {slot: body, weight: 3}", "unknown key 'weight'"),
    ("equip: [head]", "'equip' must be a slot (equip: head) or a mapping"),
    ("equip: {armour: 2}", "missing required key 'slot'"),
])
def test_a_bad_equip_names_file_line_and_what_to_write(tmp_path, monkeypatch, written, words):
    items = f"apple:\n  name: an apple\n  description: Red.\n  {written}\n"
    message = error(build(tmp_path, monkeypatch, village__items=items))
    assert "items.yaml:4" in message and "village:apple" in message
    assert words in message


def test_the_slots_are_the_worlds_own(tmp_path, monkeypatch):
    world_yaml = WORLD + "combat:\n  slots: [wield, tail]\n"
    items = "apple:\n  name: an apple\n  description: Red.\n  equip: tail\n"
    root = build(tmp_path, monkeypatch, world=world_yaml, village__items=items)
    world = load_world(root, Clock())
    assert eq.spec_of(world.templates["village:apple"]).slot == "tail"
    assert eq.slots_of(world) == ("wield", "tail")
    items = "apple:\n  name: an apple\n  description: Red.\n  equip: head\n"
    message = error(build(tmp_path, monkeypatch, world=world_yaml, village__items=items))
    assert "no slot 'head' in this world; its slots are wield, tail" in message


def test_a_reloaded_area_keeps_the_worlds_own_slots_and_what_is_worn_in_them(
        tmp_path, monkeypatch):
    # world.yaml is not read by 'reload area': the slots come from the live world's rules,
    # not the defaults (where 'shield' is no slot: the buckler would be unwearable and
    # silently come off whoever wears it).
    import yaml

    from mud.systems.building import edits
    from tests.support import builder_player, run_now
    monkeypatch.setattr(edits, "run_in_thread", run_now)
    root = gear_world(tmp_path)
    meta = yaml.safe_load((root / "world.yaml").read_text())
    meta["combat"]["slots"] = ["wield", "hold", "head", "body", "feet", "shield"]
    (root / "world.yaml").write_text(yaml.safe_dump(meta, sort_keys=False))
    with open(root / "village" / "items.yaml", "a", encoding="utf-8") as f:
        f.write("t_buckler:\n  name: a round buckler\n  keywords: [buckler]\n"
                "  description: Round.\n  equip: {slot: shield, armour: 1}\n")
    game = make_game(root)
    game.command_rate, game.command_burst = 1e12, 10**12
    ann, _ = pair(game)
    (buckler,) = outfit(game, "Ann", "buckler")
    assert "You wear a round buckler" in ann.type("wear buckler")
    out = builder_player(game, "Bram").type("reload area village")
    assert "reloaded" in out and "no slot 'shield'" not in out, out
    template = game.world.templates["village:t_buckler"]
    assert eq.spec_of(template) is not None and eq.spec_of(template).slot == "shield"
    assert eq.worn(game.world, game.world.find_online("Ann")) == {"shield": buckler}


NPC_GEAR = """\
cat:
  name: Mouser
  description: A cat.
  equipment: [helm, club]
"""
GEAR_ITEMS = """\
helm:
  name: a tin helm
  description: Tin.
  equip: {slot: head, armour: 2}
club:
  name: a knobbly club
  description: Knobbly.
  equip: {slot: wield, damage: 1d8}
apple:
  name: an apple
  description: Red.
"""


def test_an_npc_wears_its_equipment_shown_on_a_look_and_counted(tmp_path, monkeypatch):
    from mud.systems.combat.equipment_events import view

    rooms = ROOMS.replace("  exits:\n    north: hall\n", "  npcs: [cat]\n  exits:\n"
                          "    north: hall\n", 1)
    root = build(tmp_path, monkeypatch, village__npcs=NPC_GEAR, village__items=GEAR_ITEMS,
                 village__rooms=rooms)
    game = make_game(root)
    ann = WirePlayer(game)
    ann.create("Ann")
    out = ann.type("look mouser")
    assert "Mouser is using:\n  wielded: a knobbly club\n  on head: a tin helm" in out
    cat = game.world.npcs[0]
    assert eq.bonus(game.world, cat) == {"armour": 2, "max_hp": 0, "max_mp": 0, "hitroll": 0,
                                         "damage": eq.spec_of(
                                             game.world.templates["village:club"]).damage,
                                         "weapon": "a knobbly club"}
    assert [row[2] for row in view(game.world, cat).slots][:3] == ["a knobbly club", "",
                                                                 "a tin helm"]


def test_an_npc_a_reset_brings_back_wears_its_gear_again_and_its_vitals_count_it(
        tmp_path, monkeypatch):
    from mud.systems.combat import vitals as v
    from mud.systems.resets import resets_of

    npcs = NPC_GEAR.replace("  equipment: [helm, club]\n",
                            "  equipment: [helm, club]\n  combat: {level: 2, hp: 12}\n")
    rooms = ROOMS.replace("  exits:\n    north: hall\n", "  npcs: [cat]\n  exits:\n"
                          "    north: hall\n", 1)
    root = build(tmp_path, monkeypatch, village__npcs=npcs, village__items=GEAR_ITEMS,
                 village__rooms=rooms,
                 village__area="name: The Village\nreset: {every: 60}\n")
    world = load_world(root, Clock())
    cat = world.npcs[0]
    world.remove_npc(cat)                       # killed
    resets_of(world).reset("village")
    back = next(n for n in world.npcs if n.id == cat.id)
    assert back is not cat
    assert {slot: t.id for slot, t in eq.worn(world, back).items()} == \
        {"wield": "village:club", "head": "village:helm"}
    view = v.vitals_of(world, back)
    assert (view.armour, str(view.damage), view.weapon) == (2, "1d8", "a knobbly club")
    assert view.hp == view.max_hp == 12


@pytest.mark.parametrize("listed, words", [
    ("[apple]", "'equipment': village:apple has no 'equip:'"),
    ("[helm, helm]", "both go in the 'head' slot"),
    ("[pie]", 'unknown item "village:pie"'),
])
def test_bad_npc_equipment_is_refused_at_load(tmp_path, monkeypatch, listed, words):
    npcs = NPC_GEAR.replace("[helm, club]", listed)
    message = error(build(tmp_path, monkeypatch, village__npcs=npcs,
                          village__items=GEAR_ITEMS))
    assert "npcs.yaml" in message and words in message


# -- the commands ------------------------------------------------------------------------------
def test_wield_wear_hold_and_remove_are_told_to_the_room(game):
    ann, bob = pair(game)
    sword, cap, torch = outfit(game, "Ann", "sword", "cap", "torch")
    assert "You wield a test sword." in ann.type("wield sword")
    assert "You wear a felt cap on your head." in ann.type("wear cap")
    assert "You hold a pine torch." in ann.type("hold torch")
    seen = bob.read()
    assert "Ann wields a test sword.\n" in seen and "Ann wears a felt cap.\n" in seen
    assert "Ann holds a pine torch." in seen
    body = game.world.find_online("Ann")
    assert eq.worn(game.world, body) == {"wield": sword, "hold": torch, "head": cap}
    assert body.state["equipment"] == {"wield": sword.id, "head": cap.id, "hold": torch.id}
    out = ann.type("eq")
    assert "You are using:\n  wielded: a test sword\n  held:    a pine torch\n" \
           "  on head: a felt cap" in out
    assert "You stop using a felt cap." in ann.type("remove cap")
    assert "Ann stops using a felt cap." in bob.read()
    assert "You stop using a test sword.\nYou stop using a pine torch." in \
        ann.type("remove all")
    assert eq.worn(game.world, body) == {}
    assert "You are using nothing." in ann.type("equipment")


def test_refusals_say_what_to_type_instead(game):
    ann, _ = pair(game)
    outfit(game, "Ann", "cap", "sword")
    assert "A felt cap is no weapon: type 'wear cap'." in ann.type("wield cap")
    assert "You cannot hold a test sword: type 'wield sword'." in ann.type("hold sword")
    assert "You cannot wear a loaf of bread." not in ann.type("wear bread")
    assert "You are not carrying 'bread'." in ann.type("wear bread")
    assert "Wield what? For example: wield sword" in ann.type("wield")
    assert "Remove what?" in ann.type("remove")
    assert "You are not using anything." in ann.type("remove cap")
    ann.type("wear cap")
    assert "You are already using a felt cap." in ann.type("wear cap")
    assert "You are not using a test sword." in ann.type("remove sword")
    assert "You are not using 'boots'." in ann.type("remove boots")
    game.world.transfer(new_item(game.world, game.world.find_online("Ann").room,
                                 "village:bread"), game.world.find_online("Ann"))
    assert "You cannot wear a loaf of bread." in ann.type("wear bread")


def test_a_second_weapon_swaps_with_the_first_which_stays_carried(game):
    ann, _bob = pair(game)
    sword, blade = outfit(game, "Ann", "sword", "blade")
    ann.type("wield sword")
    out = ann.type("wield blade")
    assert "You stop using a test sword.\nYou wield a notched blade." in out
    body = game.world.find_online("Ann")
    assert eq.worn(game.world, body) == {"wield": blade} and sword in body.inventory
    assert "a test sword" in ann.type("i") and "notched" not in ann.type("i")


def test_wear_all_fills_each_free_slot_once_and_skips_the_rest(game):
    ann, _ = pair(game)
    sword, _blade, cap, coat = outfit(game, "Ann", "sword", "blade", "cap", "coat")
    out = ann.type("wear all")
    assert out.count("You ") == 3 and "notched blade" not in out
    body = game.world.find_online("Ann")
    assert eq.worn(game.world, body) == {"wield": sword, "head": cap, "body": coat}
    assert "You have nothing more to wear." in ann.type("wear all")
    assert "You are carrying:\n  a notched blade\n" in ann.type("inventory")


def test_a_level_too_low_is_refused(game):
    ann, _ = pair(game)
    _crown, = outfit(game, "Ann", "crown")
    assert "You must be level 3 to use an iron crown; you are level 1." in \
        ann.type("wear crown")
    assert "You must be level 3" in ann.type("wear all")
    body = game.world.find_online("Ann")
    from mud.systems.combat import vitals
    vitals.gain_xp(game.world, body, 300, tell=False)
    assert "You wear an iron crown on your head." in ann.type("wear crown")


def test_a_level_past_the_worlds_last_is_a_load_error_naming_file_and_line(tmp_path,
                                                                          monkeypatch):
    world_yaml = WORLD + "combat:\n  levels: [0, 100, 250]\n"
    items = "crown:\n  name: a crown\n  description: Gold.\n  equip: {slot: head, level: 3}\n"
    world = load_world(build(tmp_path, monkeypatch, world=world_yaml, village__items=items),
                       Clock())
    assert eq.spec_of(world.templates["village:crown"]).level == 3
    items = items.replace("level: 3", "level: 4")
    message = error(build(tmp_path, monkeypatch, world=world_yaml, village__items=items))
    assert "items.yaml:4" in message and "village:crown" in message
    assert "'level' is 4, above this world's last level (3" in message


def test_a_wielded_thing_without_damage_hits_as_fists_and_is_named_in_score(game):
    ann, _ = pair(game)
    outfit(game, "Ann", "stick")
    assert "You wield a walking stick." in ann.type("wield stick")
    out = ann.type("score")
    assert "Damage: 1d3 (a walking stick)" in out and "bare hands" not in out
    assert "Hitroll: +1" in out


# -- the keeper --------------------------------------------------------------------------------
def test_what_is_worn_cannot_be_dropped_given_or_put_away(game):
    ann, _bob = pair(game)
    sword, _cap = outfit(game, "Ann", "sword", "cap")
    satchel = new_item(game.world, game.world.start, "woods:satchel")
    game.world.transfer(satchel, game.world.find_online("Ann"))
    ann.type("wield sword")
    assert "You are wielding a test sword: type 'remove sword' first." in \
        ann.type("drop sword")
    assert "You are wielding a test sword" in ann.type("give sword to bob")
    assert "You are wielding a test sword" in ann.type("put sword in satchel")
    # "drop all" drops what is loose and leaves what is worn on.
    out = ann.type("drop all")
    assert "You drop a felt cap." in out and "test sword" not in out
    body = game.world.find_online("Ann")
    assert sword in body.inventory and eq.worn(game.world, body) == {"wield": sword}
    ann.type("remove sword")
    assert "You drop a test sword." in ann.type("drop sword")


# -- the bonus and the look --------------------------------------------------------------------
def test_the_bonus_reaches_vitals_and_score(game):
    from mud.systems.combat import vitals
    ann, _ = pair(game)
    outfit(game, "Ann", "sword", "coat")
    body = game.world.find_online("Ann")
    before = vitals.vitals_of(game.world, body)
    ann.type("wear all")
    after = vitals.vitals_of(game.world, body)
    assert after.max_hp == before.max_hp + 5 and after.max_mp == before.max_mp + 2
    assert after.armour == before.armour + 3 and after.hitroll == before.hitroll + 2
    assert str(after.damage) == "2d4+1" and after.weapon == "a test sword"
    ann.type("remove all")
    again = vitals.vitals_of(game.world, body)
    assert (again.max_hp, again.armour, str(again.damage)) == \
        (before.max_hp, before.armour, str(before.damage))


def test_look_at_a_player_lists_what_they_wear(game):
    ann, bob = pair(game)
    outfit(game, "Ann", "sword", "cap")
    assert "is using" not in bob.type("look ann")
    ann.type("wear all")
    out = bob.type("look ann")
    assert "Ann looks back at you.\nAnn is using:\n  wielded: a test sword\n" \
           "  on head: a felt cap" in out
    bob_web = game.world.find_online("Bob")
    from tests.support import Probe
    bob_web.link = Probe()
    from mud.engine import actions
    actions.look_at(game.world, bob_web, "ann")
    examine, = bob_web.link.take()
    assert examine.details == ("Ann is using:", "  wielded: a test sword",
                               "  on head: a felt cap")
    assert json.loads(render_json(examine))["details"][0] == "Ann is using:"


# -- events ------------------------------------------------------------------------------------
def test_the_equipment_frames_list_every_slot_in_the_worlds_order(game):
    from tests.support import Probe
    _ann, _ = pair(game)
    sword, = outfit(game, "Ann", "sword")
    body = game.world.find_online("Ann")
    body.link = probe = Probe()
    from mud.systems.combat.equipment_commands import put_on
    put_on(game.world, body, "sword", "wield")
    sent = probe.take()
    own = [e for e in sent if isinstance(e, WearAction)]
    assert own[0].fields() == {"actor": "Ann", "verb": "wield", "item": "a test sword",
                               "slot": "wield", "own": True}
    state = next(e for e in sent if isinstance(e, EquipmentState))
    frame = json.loads(render_json(state))
    assert frame["type"] == "equipment" and frame["silent"] is True
    assert [s["slot"] for s in frame["slots"]] == list(eq.slots_of(game.world))
    assert frame["slots"][0] == {"slot": "wield", "label": "wielded", "item": "a test sword",
                                 "keyword": "sword"}
    assert frame["slots"][2] == {"slot": "head", "label": "on head", "item": None,
                                 "keyword": None}
    assert state.items == ((sword.id, "a test sword", "w"),)
    wear = json.loads(render_json(own[0]))
    assert (wear["type"], wear["verb"], wear["label"]) == ("wear", "wield", "wielded")
    listed = Equipment("Ann", state.slots)
    assert "silent" not in json.loads(render_json(listed))


def _items_lists(data: bytes) -> list[object]:
    return [body for package, body in gmcp_messages(data) if package == "Char.Items.List"]


def test_gmcp_char_items_list_goes_to_clients_that_asked_once_per_command(tmp_path):
    clock = Clock()
    game = make_game(gear_world(tmp_path), clock=clock)
    game.command_rate, game.command_burst = 1e12, 10**12
    ann, bob = WirePlayer(game), WirePlayer(game)
    ann.send_bytes(IAC + DO + GMCP)
    ann.send_bytes(sb(GMCP, b'Core.Supports.Set ["Char 1", "Char.Items 1"]'))
    ann.read()
    ann.send_bytes(b"create Ann secret1\r\n")
    # At login, after Char.Name.
    first = ann.read_bytes()
    bob.create("Bob")
    packages = [p for p, _ in gmcp_messages(first)]
    assert packages.index("Char.Name") < packages.index("Char.Items.List")
    assert _items_lists(first) == [{"location": "inv", "items": []}]
    assert _items_lists(bob.read_bytes()) == []
    sword, cap = outfit(game, "Ann", "sword", "cap")
    satchel = new_item(game.world, game.world.start, "woods:satchel")
    game.world.transfer(satchel, game.world.find_online("Ann"))
    ann.send_bytes(b"wield sword\r\n")
    listed = _items_lists(ann.read_bytes())
    assert listed == [{"location": "inv", "items": [
        {"id": sword.id, "name": "a test sword", "attrib": "w"},
        {"id": cap.id, "name": "a felt cap", "attrib": "W"},
        {"id": satchel.id, "name": "a herb satchel", "attrib": "c"}]}]
    # A drop of everything loose: one list once the command is done, not one per thing.
    ann.send_bytes(b"drop all\r\n")
    assert _items_lists(ann.read_bytes()) == []
    clock.advance(0)
    listed = _items_lists(ann.read_bytes())
    assert len(listed) == 1 and [i["id"] for i in listed[0]["items"]] == [sword.id]
    ann.send_bytes(b"get cap\r\n")
    clock.advance(0)
    assert [i["attrib"] for i in _items_lists(ann.read_bytes())[0]["items"]] == ["w", "W"]
    ann.send_bytes(b"give cap to bob\r\n")
    clock.advance(0)
    assert [i["id"] for i in _items_lists(ann.read_bytes())[0]["items"]] == [sword.id]
    assert _items_lists(bob.read_bytes()) == []   # Bob never asked for Char.Items
    # The text client prints nothing for the silent state.
    assert "using" not in ann.type("look")


def test_char_items_list_follows_put_a_give_to_an_npc_its_reward_and_a_sale(tmp_path):
    # None of these is a get, drop or give between players: the engine's 'carried'
    # happening (transfer, consume) tells the equipment part, once per command.
    clock = Clock()
    game = make_game(gear_world(tmp_path), clock=clock)
    game.command_rate, game.command_burst = 1e12, 10**12
    world = game.world
    ann = WirePlayer(game)
    ann.send_bytes(IAC + DO + GMCP)
    ann.send_bytes(sb(GMCP, b'Core.Supports.Set ["Char 1", "Char.Items 1"]'))
    ann.read()
    ann.send_bytes(b"create Ann secret1\r\n")
    ann.read_bytes()
    body = world.find_online("Ann")
    kitbag, torch = (new_item(world, body.room, t) for t in ("village:kitbag", "village:torch"))
    world.transfer(kitbag, body)
    world.transfer(torch, body)
    clock.advance(0)
    ann.read_bytes()
    ann.send_bytes(b"put torch in kitbag\r\n")
    clock.advance(0)
    listed = _items_lists(ann.read_bytes())
    assert listed == [{"location": "inv", "items": [
        {"id": kitbag.id, "name": "a canvas kitbag", "attrib": "c"}]}]
    # Given to Nell: the sprig goes (one list), and her reward comes after (another).
    world.move(body, world.rooms["woods:herb_cottage"])
    world.transfer(new_item(world, body.room, "woods:emberleaf"), body)
    clock.advance(0)
    ann.read_bytes()
    ann.send_bytes(b"give emberleaf to nell\r\n")
    clock.advance(0)
    clock.advance(5)
    names = [[i["name"] for i in one["items"]] for one in _items_lists(ann.read_bytes())]
    assert names and "a sprig of emberleaf" not in names[-1]
    assert any(i.template.id == "woods:satchel" for i in body.inventory)
    assert "a herb satchel" in names[-1]
    # Sold to Dunstan: one list without the cap.
    world.move(body, world.rooms["village:smithy"])
    cap = new_item(world, body.room, "village:cap")
    world.transfer(cap, body)
    clock.advance(0)
    ann.read_bytes()
    ann.send_bytes(b"sell cap\r\n")
    clock.advance(0)
    listed = _items_lists(ann.read_bytes())
    assert len(listed) == 1 and cap.id not in [i["id"] for i in listed[0]["items"]]


def test_refresh_sends_the_state_again(game):
    from tests.support import Probe
    pair(game)
    body = game.world.find_online("Ann")
    body.link = probe = Probe()
    game.world.hooks.emit(hooks.REFRESH, who=body, room=body.room)
    assert [type(e) for e in probe.take()].count(EquipmentState) == 1


# -- saving ------------------------------------------------------------------------------------
def test_worn_things_stay_worn_through_quit_and_a_restart_and_stale_entries_go(tmp_path):
    root = gear_world(tmp_path)
    game = make_game(root, store=MemoryStore())
    game.command_rate, game.command_burst = 1e12, 10**12
    ann, _ = pair(game)
    sword, cap = outfit(game, "Ann", "sword", "cap")
    ann.type("wield sword")
    ann.type("wear cap")
    ann.type("quit")
    saved = json.loads(game.store.characters["ann"].state)["equipment"]
    assert saved == {"v": 1, "value": {"wield": sword.id, "head": cap.id}}
    game.store.save(game.world.snapshot_everything())
    # The cap was lost meanwhile (its row gone: a builder took it away).
    del game.store.items[cap.id]
    again = make_game(root, store=game.store)
    again.command_rate, again.command_burst = 1e12, 10**12
    for item_id, kind, place in game.store.items.values():
        again.world.restore_item(item_id, kind, place)
    ann2 = WirePlayer(again)
    ann2.read()
    ann2.type("connect Ann secret1")
    body = again.world.find_online("Ann")
    assert [i.id for i in body.inventory] == [sword.id]
    assert body.state["equipment"] == {"wield": sword.id}
    assert "You are using:\n  wielded: a test sword" in ann2.type("eq")
    assert "You are wielding a test sword" in ann2.type("drop sword")


def test_take_off_all_for_a_death_empties_the_slots_and_the_panel_after(tmp_path):
    from tests.support import Probe
    clock = Clock()
    game = make_game(gear_world(tmp_path), clock=clock)
    game.command_rate, game.command_burst = 1e12, 10**12
    ann, _ = pair(game)
    sword, cap = outfit(game, "Ann", "sword", "cap")
    ann.type("wear all")
    body = game.world.find_online("Ann")
    body.link = probe = Probe()
    assert eq.take_off_all(game.world, body) == [sword, cap]
    assert body.state["equipment"] == {} and eq.keeper(body, sword) is None
    # The things go elsewhere (a corpse) before the panel hears of it: once.
    game.world.transfer(sword, game.world.start)
    assert probe.take() == []
    clock.advance(0)
    state, = probe.take()
    assert isinstance(state, EquipmentState) and {r[2] for r in state.slots} == {""}
    assert state.items == ((cap.id, "a felt cap", "W"),)


def test_watchman_pell_of_the_bundled_world_shows_his_spear_and_jerkin():
    game = make_game()
    ann = WirePlayer(game)
    ann.create("Ann")
    pell = next(n for n in game.world.npcs if n.name == "Watchman Pell")
    game.world.move(game.world.find_online("Ann"), pell.room)
    assert "Watchman Pell is using:\n  wielded: a watchman's spear\n  on body: a leather " \
           "jerkin" in ann.type("look pell")


def test_nothing_is_forgotten_while_out_of_the_game_and_a_reload_unwearable_thing_is(game):
    from mud.engine.model import Character
    ann, _ = pair(game)
    sword, cap = outfit(game, "Ann", "sword", "cap")
    ann.type("wear all")
    body = game.world.find_online("Ann")
    saved = dict(body.state["equipment"])
    # A body out of the game (as at login, before its things are back in its hands).
    ghost = Character("Ann")
    ghost.state = {"equipment": dict(saved)}
    assert eq.worn(game.world, ghost) == {} and ghost.state["equipment"] == saved
    # The cap is no longer something to wear (its item entry changed and was reloaded).
    del cap.template.props[eq.PROP]
    assert eq.worn(game.world, body) == {"wield": sword}
    assert body.state["equipment"] == {"wield": sword.id}


def test_the_limits_doc_gives_equips_bounds():
    from mud.systems.combat import dice, rules
    from tests.test_docs import row
    line = row("what a thing worn adds (an item's `equip:`)")
    assert f"`armour`, `hp`, `mp` -{eq.MAX_STAT} to {eq.MAX_STAT}; `hitroll` " \
           f"-{eq.MAX_HITROLL} to {eq.MAX_HITROLL}; the `level` needed 1 to {eq.MAX_LEVEL}" \
        in line
    assert f"1 to {dice.MAX_COUNT} dice of 1 to {dice.MAX_SIDES} sides, plus or minus up to " \
           f"{dice.MAX_BONUS}" in line
    assert f"(at most {rules.MAX_SLOTS})" in line
