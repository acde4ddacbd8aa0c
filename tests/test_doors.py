"""The doors system: open/close/lock/unlock, both sides one door, blocked ways, YAML, state."""

from __future__ import annotations

import json

from twisted.internet.task import Clock

from mud.engine.actions import passable, room_view
from mud.engine.model import Character
from mud.protocols.options import gmcp
from mud.render.json_events import render_json
from mud.render.text import TextStyle, render
from mud.world_loader import load_world
from tests.support import Probe, WirePlayer, make_game
from tests.test_world_loader import ROOMS, build, error


def two_in_inn():
    game = make_game()
    ann, bob = WirePlayer(game), WirePlayer(game)
    ann.create("Ann")
    bob.create("Bob")
    for p in (ann, bob):
        p.type("west")
    ann.read(), bob.read()
    return game, ann, bob


def test_closed_trapdoor_blocks_the_way_and_the_view_until_opened():
    _game, ann, bob = two_in_inn()
    assert "[Exits: e u trapdoor (closed)]" in ann.type("look")
    assert "The trapdoor is closed. Type 'open trapdoor'" in ann.type("trapdoor")
    assert "The trapdoor is closed" in ann.type("look trapdoor")
    assert "You open the trapdoor." in ann.type("open trapdoor")
    assert "Ann opens the trapdoor." in bob.read()
    assert "steep steps" in ann.type("look trapdoor")
    assert "The Inn Cellar" in ann.type("trapdoor")
    # The other side is the same door: open there too, and closing it shows on both sides.
    assert "trapdoor (closed)" not in ann.type("look")
    assert "You close the trapdoor." in ann.type("close trapdoor")
    assert "Ann closes the trapdoor." in bob.read()
    assert "trapdoor (closed)" in bob.type("look")
    assert "already closed" in ann.type("close trapdoor")


def test_locked_gate_needs_its_key_and_refusals_say_what_to_do():
    game, ann, _bob = two_in_inn()
    world = game.world
    gate_room = world.rooms["mine:entrance"]
    world.move(game.world.find_online("Ann"), gate_room)
    out = ann.type("open north")
    assert "The iron gate is locked. Type 'unlock north'" in out
    assert "do not carry the key" in ann.type("unlock gate")
    assert "no door" in ann.type("open south")
    assert "no door 'window'" in ann.type("open window")
    assert "Which door?" in ann.type("open")
    key = next(i for i in world.rooms["village:cellar"].items if i.template.id == "village:key")
    world.transfer(key, world.find_online("Ann"))
    assert "You unlock the iron gate." in ann.type("unlock iron gate")
    assert "You open the iron gate." in ann.type("open n")
    assert "The Adit" in ann.type("n")
    assert "You close the iron gate." in ann.type("close s")
    assert "You lock the iron gate." in ann.type("lock south")
    assert "locked" in ann.type("open south")
    view = json.loads(render_json(room_view(world, world.find_online("Ann"))))
    assert view["doors"] == {"south": {"name": "iron gate", "closed": True, "locked": True}}


def test_npcs_do_not_pass_a_closed_door():
    game = make_game()
    inn = game.world.rooms["village:inn"]
    trapdoor = inn.exits["trapdoor"]
    back = game.world.rooms["village:cellar"].exits["trapdoor"]
    assert trapdoor.door is back.door
    assert not passable(trapdoor) and not passable(back)
    trapdoor.door.set(False, False)
    assert passable(trapdoor) and passable(back)


def test_door_state_is_world_state_and_survives_a_restore():
    game = make_game()
    world = game.world
    door = world.rooms["village:inn"].exits["trapdoor"].door
    door.set(False, False)
    rows = [("doors", world.declared.dump_world(world.state, "doors"))]
    fresh = make_game().world
    fresh.restore_state(rows)
    assert not fresh.rooms["village:inn"].exits["trapdoor"].closed
    assert fresh.rooms["village:cellar"].exits["trapdoor"].door.closed is False


def test_yaml_door_errors_name_file_and_line(tmp_path, monkeypatch):
    rooms = ROOMS.replace("    north: hall\n", "    north:\n      to: hall\n"
                          "      door: {name: oak door, closed: maybe, locked: true,"
                          " hinge: 1}\n", 1)
    root = build(tmp_path, monkeypatch, village__rooms=rooms)
    text = error(root)
    assert "rooms.yaml:" in text
    assert "door 'closed' must be true or false" in text
    assert "door key \"hinge\" is not known" in text or "door key 'hinge' is not known" in text
    assert "a locked door needs a key" in text


def test_both_sides_are_one_door_in_a_small_world(tmp_path, monkeypatch):
    rooms = ROOMS.replace("    north: hall\n", "    north:\n      to: hall\n"
                          "      door: {name: oak door, closed: true}\n", 1)
    root = build(tmp_path, monkeypatch, village__rooms=rooms)
    world = load_world(root, Clock())
    north = world.rooms["village:square"].exits["north"]
    assert north.closed and north.door.name == "oak door"
    assert world.rooms["village:hall"].exits["south"].door is north.door


CAT_THROUGH_A_DOOR = """\
cat:
  name: Mouser
  description: A cat.
  behaviours:
    wander: {interval: 10}
"""


def test_a_wandering_npc_stays_behind_a_closed_door_and_goes_once_open(tmp_path, monkeypatch):
    rooms = ROOMS.replace("    north: hall\n", "    north:\n      to: hall\n"
                          "      door: {name: oak door, closed: true}\n", 1)
    rooms = rooms.replace("  description: A square.\n", "  description: A square.\n"
                          "  npcs: [cat]\n", 1)
    root = build(tmp_path, monkeypatch, village__rooms=rooms, village__npcs=CAT_THROUGH_A_DOOR)
    clock = Clock()
    world = load_world(root, clock)
    cat = world.npcs[0]
    ann = Character("Ann", world.rooms["village:square"])
    ann.link = Probe()
    world.enter(ann)
    for _ in range(30):
        clock.advance(10)
        assert cat.room is world.rooms["village:square"]
    world.rooms["village:square"].exits["north"].door.set(False, False)
    places = set()
    for _ in range(30):
        clock.advance(10)
        places.add(cat.room.id)
    assert places == {"village:square", "village:hall"}


def test_gmcp_room_info_carries_doors_with_mudlet_values():
    game, _ann, _bob = two_in_inn()
    ann_char = game.world.find_online("Ann")
    info = dict(gmcp.for_event(room_view(game.world, ann_char)))["Room.Info"]
    data = json.loads(info.split(b" ", 1)[1][:-2])  # after "Room.Info ", before IAC SE
    assert data["doors"] == {"trapdoor": 2}
    assert set(data["exits"]) == {"e", "u", "trapdoor"}
    game.world.move(ann_char, game.world.rooms["mine:entrance"])
    info = dict(gmcp.for_event(room_view(game.world, ann_char)))["Room.Info"]
    assert json.loads(info.split(b" ", 1)[1][:-2])["doors"] == {"n": 3}


def test_text_marks_closed_doors_and_wraps_and_says_it_plainly():
    game, _ann, _bob = two_in_inn()
    view = room_view(game.world, game.world.find_online("Ann"))
    narrow = render(view, TextStyle(colour=False, width=20))
    assert "[Exits: e u\ntrapdoor (closed)]" in narrow
    assert all(len(line) <= 20 for line in narrow.splitlines()
               if "Exits" in line or "trapdoor" in line)
    spoken = render(view, TextStyle(colour=0, width=80, screen_reader=True))
    assert "Exits: east, up and trapdoor (door closed)." in spoken


def test_both_sides_declaring_a_door_are_one_door_the_first_read_wins(tmp_path, monkeypatch):
    rooms = ROOMS.replace("    north: hall\n", "    north:\n      to: hall\n"
                          "      door: {name: oak door, closed: true}\n", 1)
    rooms = rooms.replace("    south: square\n", "    south:\n      to: square\n"
                          "      door: {name: pine door}\n", 1)
    root = build(tmp_path, monkeypatch, village__rooms=rooms)
    world = load_world(root, Clock())
    north = world.rooms["village:square"].exits["north"]
    south = world.rooms["village:hall"].exits["south"]
    assert north.door is south.door
    assert (north.door.name, south.closed) == ("oak door", True)


def test_unlock_without_a_keyhole_and_lock_an_open_door_are_refused_with_a_way_out():
    game, ann, _bob = two_in_inn()
    assert "is not locked. Type 'open trapdoor'" in ann.type("unlock trapdoor")
    assert "has no lock" in ann.type("lock trapdoor")
    ann.type("open trapdoor")
    assert "already open" in ann.type("open trapdoor")
    gate = game.world.rooms["mine:entrance"].exits["north"].door
    gate.set(False, False)
    game.world.move(game.world.find_online("Ann"), game.world.rooms["mine:entrance"])
    key = next(i for i in game.world.rooms["village:cellar"].items
               if i.template.id == "village:key")
    game.world.transfer(key, game.world.find_online("Ann"))
    assert "is open. Type 'close north' first." in ann.type("lock gate")
    assert "open <door|direction>" in ann.type("help open")


def test_door_states_are_declared_world_state():
    game = make_game()
    assert "doors" in game.world.declared.world
    door = game.world.rooms["village:inn"].exits["trapdoor"].door
    door.set(False, False)
    assert "doors" in game.world._dirty_state


def test_reset_puts_a_door_back_as_declared():
    game = make_game()
    gate = game.world.rooms["mine:entrance"].exits["north"].door
    assert gate.reset() is False
    gate.set(False, False)
    assert gate.reset() is True
    assert (gate.closed, gate.locked) == (True, True)


def test_a_door_key_that_names_no_item_is_an_error_with_file_and_line(tmp_path, monkeypatch):
    rooms = ROOMS.replace("    north: hall\n", "    north:\n      to: hall\n"
                          "      door: {closed: true, locked: true, key: aple}\n", 1)
    root = build(tmp_path, monkeypatch, village__rooms=rooms)
    text = error(root)
    assert ('rooms.yaml:7: room "village:square": exit "north": door \'key\' is unknown '
            'item "village:aple": did you mean "village:apple"?') in text
    assert "needs a key" not in text


def test_the_village_reset_shuts_the_trapdoor_again_seen_on_both_sides():
    clock = Clock()
    game = make_game(clock=clock)
    ann, bob = WirePlayer(game), WirePlayer(game)
    ann.create("Ann")
    bob.create("Bob")
    ann.type("w")
    ann.type("open trapdoor")
    bob.type("w")
    bob.type("trapdoor")
    ann.read(), bob.read()
    clock.advance(601)  # the village resets every 600 s
    assert "The trapdoor swings shut." in ann.read()
    assert "The trapdoor swings shut." in bob.read()
    assert game.world.rooms["village:cellar"].exits["trapdoor"].closed
    # The mine has no reset: its gate stays as players leave it.
    gate = game.world.rooms["mine:entrance"].exits["north"].door
    gate.set(False, False)
    clock.advance(601)
    assert not gate.closed


def test_a_hidden_door_as_the_only_way_out_is_a_load_error_naming_file_line_room_exit(
        tmp_path, monkeypatch):
    # The square's only exit, hidden from the square while shut: a reset would trap anyone
    # standing in the square.
    rooms = ROOMS.replace("    north: hall\n", "    north:\n      to: hall\n"
                          "      door: {name: slab, closed: true, hidden: true}\n", 1)
    text = error(build(tmp_path, monkeypatch, village__rooms=rooms))
    assert "rooms.yaml:7:" in text and 'exit "north"' in text
    assert "a hidden door cannot be the only way out of village:square" in text
    # Another way out (not itself a hidden door) is enough.
    (tmp_path / "b").mkdir()
    rooms_b = rooms.replace("      door: {name: slab, closed: true, hidden: true}\n",
                            "      door: {name: slab, closed: true, hidden: true}\n"
                            "    west: hall\n", 1)
    world = load_world(build(tmp_path / "b", monkeypatch, village__rooms=rooms_b), Clock())
    assert world.rooms["village:square"].exits["north"].hidden
    # Two hidden doors are no way out either.
    (tmp_path / "c").mkdir()
    rooms_c = rooms.replace("      door: {name: slab, closed: true, hidden: true}\n",
                            "      door: {name: slab, closed: true, hidden: true}\n"
                            "    west:\n      to: hall\n"
                            "      door: {name: panel, closed: true, hidden: true}\n", 1)
    text = error(build(tmp_path / "c", monkeypatch, village__rooms=rooms_c))
    assert text.count("a hidden door cannot be the only way out of village:square") == 2
    # Hidden on the far side only (declared in the hall): the square sees its way out.
    (tmp_path / "d").mkdir()
    rooms_d = ROOMS.replace("    south: square\n", "    south:\n      to: square\n"
                            "      door: {name: slab, closed: true, hidden: true}\n"
                            "    up: square\n", 1)
    load_world(build(tmp_path / "d", monkeypatch, village__rooms=rooms_d), Clock())
