"""Builders' room commands (mud/systems/building/rooms.py) on a copy of the bundled world:
each edit is checked by the loader's rules, lands in the world's sources and in the live
world, and a refused one changes neither."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import (
    builder_player,
    building_game,
    hold_building_checks,
    joined_player,
    load_errors,
    release_checks,
)


@pytest.fixture
def game(tmp_path: Path):
    return building_game(tmp_path)


builder = builder_player


def test_dig_makes_a_room_both_ways_live_and_in_the_sources(game):
    bram, nora = builder(game), joined_player(game, "Nora")
    out = bram.type("dig up attic The Attic Under the Eaves")
    assert "You dig up and make The Attic Under the Eaves (village:attic)" in out
    world = game.world
    attic, square = world.rooms["village:attic"], world.rooms["village:square"]
    assert square.exits["up"].target is attic and attic.exits["down"].target is square
    assert attic.num > 0 and attic.num not in {r.num for r in world.rooms.values()
                                               if r is not attic}
    entry = world.sources.get("village", "room", "attic")
    assert entry["exits"] == {"down": "square"} and entry["name"] == "The Attic Under the Eaves"
    assert world.sources.get("village", "room", "square")["exits"]["up"] == "attic"
    assert world.sources.changed_areas() == ["village"]
    assert load_errors(game) == []
    # Anyone can walk it at once.
    assert "The Attic Under the Eaves" in nora.type("up")
    assert "The Attic Under the Eaves" in bram.type("up") and "Nora is here" in bram.read() + \
        bram.type("look")


def test_dig_refusals_change_nothing(game):
    bram = builder(game)
    version = game.world.sources.version
    assert "already an exit north" in bram.type("dig north hall")
    assert "not a direction" in bram.type("dig sideways hall")
    assert "already a room village:inn" in bram.type("dig up inn")
    assert "not a valid room id" in bram.type("dig up Big!Hall")
    assert "without an area" in bram.type("dig up woods:hall")
    assert "Usage: dig" in bram.type("dig up")
    assert game.world.sources.version == version
    assert "up" not in game.world.rooms["village:square"].exits


def test_a_change_the_loader_would_refuse_is_refused_with_its_words(game):
    bram = builder(game)
    before = dict(game.world.sources.get("village", "room", "square"))
    version = game.world.sources.version
    # A door whose key names no item: the doors system's own check says so.
    out = bram.type("rexit north door {name: gate, closed: true, locked: true, key: nokey}")
    assert "That would not load, so nothing changed:" in out
    assert "village/rooms.yaml: room" in out and '"village:square"' in out
    assert 'unknown item "village:nokey"' in out
    assert game.world.sources.version == version
    assert game.world.sources.get("village", "room", "square") == before
    assert game.world.rooms["village:square"].exits["north"].door is None
    assert "That value is not YAML I can read" in bram.type("rexit north door {name: [")
    assert "Anchors and aliases" in bram.type("rexit north door &a {name: gate}")


def test_link_unlink_rname_and_rexit(game):
    bram = builder(game)
    world = game.world
    square, cellar = world.rooms["village:square"], world.rooms["village:cellar"]
    assert "one way" in bram.type("link up village:cellar")
    assert square.exits["up"].target is cellar
    assert world.sources.get("village", "room", "square")["exits"]["up"] == "cellar"
    # To another area: written area:id.
    bram.type("link down woods:edge")
    assert world.sources.get("village", "room", "square")["exits"]["down"] == "woods:edge"
    bram.type("unlink down")
    assert "There is already an exit up" in bram.type("link up village:market")
    assert "There is no room 'nowhere'" in bram.type("link down nowhere")
    assert "You take away the exit up" in bram.type("unlink up")
    assert "up" not in square.exits
    assert "up" not in world.sources.get("village", "room", "square")["exits"]
    assert "This room is now called Old Square." in bram.type("rname Old Square")
    assert square.name == "Old Square" and "Old Square" in bram.type("look")
    bram.type("rexit north description A cobbled rise to the gate.")
    assert world.sources.get("village", "room", "square")["exits"]["north"] == {
        "to": "high_street", "description": "A cobbled rise to the gate."}
    assert "A cobbled rise to the gate." in bram.type("look north")
    assert load_errors(game) == []


def test_a_door_hung_with_rexit_works_from_both_sides(game):
    bram, nora = builder(game), joined_player(game, "Nora")
    bram.type("rexit north door {name: gate, closed: true}")
    assert "The gate is closed" in nora.type("north")
    assert "You open the gate." in nora.type("open gate")
    assert "High Street" in nora.type("north")
    assert "You close the gate." in nora.type("close gate")
    assert "The gate is closed" in nora.type("south")


def test_rdesc_reads_lines_until_a_dot_and_abort_leaves_it(game):
    bram = builder(game)
    square = game.world.rooms["village:square"]
    old = square.description
    assert "a line with only . ends it" in bram.type("rdesc")
    bram.type("Wind scours the empty square.")
    bram.type("look")   # text now, not a command
    bram.type("")
    assert "The room's description is set." in bram.type(".")
    assert square.description == "Wind scours the empty square. look\nThe rest is silence." \
        or square.description == "Wind scours the empty square. look"
    bram.type("rdesc")
    bram.type("Something else entirely.")
    assert "Description left as it was." in bram.type("@abort")
    assert square.description.startswith("Wind scours")
    assert "Wind scours the empty square." in bram.type("look")
    assert square.description != old
    # And one line at once.
    bram.type("rdesc A plain square.")
    assert square.description == "A plain square."
    assert game.world.sources.get("village", "room", "square")["description"] == \
        "A plain square."


def test_goto_and_where(game):
    bram, nora = builder(game), joined_player(game, "Nora")
    out = bram.type("goto village:inn")
    assert "The Ember and Anvil" in out
    assert "Bram vanishes." in nora.read()
    assert bram.type("goto inn") and "You are there already." in bram.type("goto inn")
    assert "Village Square" in bram.type("goto square")
    assert "NPC village:cat (Ash) is in village:square." in bram.type("where cat")
    assert "Nora is in village:square" in bram.type("where Nora")
    assert "Room village:square: Village Square" in bram.type("where square")
    assert "Item village:bread" in bram.type("where bread")
    assert "Nothing is called 'zzz'" in bram.type("where zzz")


def test_players_cannot_build(game):
    nora = joined_player(game, "Nora")
    for line in ("dig up attic", "link up inn", "unlink north", "rname X", "rdesc X",
                 "rexit north description x", "goto inn", "where cat"):
        assert "needs the builder role" in nora.type(line), line
    assert "up" not in game.world.rooms["village:square"].exits
    assert game.world.sources.changed_areas() == []


def test_edits_are_audited(game, audit_lines):
    bram = builder(game)
    bram.type("rname Old Square")
    line = next(a for a in audit_lines if a["event"] == "build")
    assert line["name"] == "Bram" and line["action"] == "rname" and line["area"] == "village"
    assert line["room"] == "village:square"


def test_two_builders_editing_one_room_at_once_keep_both_edits(game, monkeypatch):
    held = hold_building_checks(monkeypatch)
    bram, nora = builder(game), builder(game, "Nora")
    bram.type("rname Old Square")
    nora.type("link up village:cellar")
    assert len(held) == 2   # both checked against the same sources
    release_checks(held)
    entry = game.world.sources.get("village", "room", "square")
    assert entry["name"] == "Old Square" and entry["exits"]["up"] == "cellar"
    square = game.world.rooms["village:square"]
    assert square.name == "Old Square" and "up" in square.exits
    assert load_errors(game) == []


def _doors(world, *room_ids):
    return {(rid, name): (e.door is not None and e.door.name, bool(e.closed),
                          e.door is not None and bool(e.door.locked))
            for rid in room_ids for name, e in world.rooms[rid].exits.items()}


def _fresh(game):
    from twisted.internet import task

    from mud.world_loader import _Loader
    from mud.world_schema import Report
    sources = game.world.sources
    return _Loader(sources.root, Report(), sources.documents()).load(task.Clock())


def test_unlinking_the_side_that_does_not_declare_a_door_keeps_the_door(game):
    bram = builder(game)
    world = game.world
    # The mine's locked gate is written on the entrance's north exit only.
    bram.type("goto mine:adit")
    bram.type("unlink south")
    entrance = world.rooms["mine:entrance"]
    assert entrance.exits["north"].door is not None and entrance.exits["north"].door.locked
    assert _doors(world, "mine:entrance", "mine:adit") == \
        _doors(_fresh(game), "mine:entrance", "mine:adit")
    bram.type("link south mine:entrance")
    assert world.rooms["mine:adit"].exits["south"].door is entrance.exits["north"].door
    assert "closed" in bram.type("south")
    assert world.online["bram"].room.id == "mine:adit"
    assert _doors(world, "mine:entrance", "mine:adit") == \
        _doors(_fresh(game), "mine:entrance", "mine:adit")
    nora = joined_player(game, "Nora")
    world.move(world.online["nora"], entrance)
    assert "closed" in nora.type("north")


def test_a_door_taken_off_its_declaring_side_leaves_both_sides_open(game):
    bram = builder(game)
    world = game.world
    bram.type("goto mine:entrance")
    bram.type("rexit north door")
    assert world.rooms["mine:entrance"].exits["north"].door is None
    assert world.rooms["mine:adit"].exits["south"].door is None
    assert _doors(world, "mine:entrance", "mine:adit") == \
        _doors(_fresh(game), "mine:entrance", "mine:adit")
    bram.type("rexit north door {name: grille, closed: true}")
    assert world.rooms["mine:adit"].exits["south"].door.name == "grille"
    assert _doors(world, "mine:entrance", "mine:adit") == \
        _doors(_fresh(game), "mine:entrance", "mine:adit")


def test_an_empty_multi_line_rdesc_is_refused_in_words_and_a_refused_one_too(game):
    bram = builder(game)
    bram.type("rdesc")
    said = bram.type(".")   # refused at once, by the reader itself
    assert "A room needs a description: nothing changed." in said
    assert "Something went wrong" not in said
    bram.type("rdesc")
    bram.type("x" * 200)
    for _ in range(20):
        bram.type("y" * 200)
    said = bram.type(".")
    assert "characters; 4000 at most" in said and "Something went wrong" not in said
    assert "Village Square" in bram.type("look")   # commands again, not the reader
