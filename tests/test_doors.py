"""The doors system: open/close/lock/unlock, both sides one door, blocked ways, YAML, state."""

from __future__ import annotations

import json

from twisted.internet.task import Clock

from mud.engine.actions import passable, room_view
from mud.render.json_events import render_json
from mud.world_loader import load_world
from tests.support import WirePlayer, make_game
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
