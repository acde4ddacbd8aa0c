"""Builders' items and NPCs (mud/systems/building/things.py, spawning.py) on a copy of the
bundled world: create, set, spawn and destroy change the world's sources and the live world
as the loader would have built them, and a refused edit changes neither. Builders' checks
run inline here (tests/conftest.py). (Real sockets: tests/e2e/test_building_things.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from twisted.internet import task

from mud.engine import actions
from mud.engine.model import NPC
from mud.systems.building import values
from mud.systems.resets import resets_of
from mud.world_loader import _Loader
from mud.world_schema import Report
from tests.support import (
    WirePlayer,
    builder_player,
    building_game,
    hold_building_checks,
    joined_player,
    load_errors,
    npc_of,
    release_checks,
)


@pytest.fixture
def game(tmp_path: Path):
    return building_game(tmp_path)


builder = builder_player


def fresh_world(game):
    """The world a fresh server would load from the sources as they are now."""
    sources = game.world.sources
    world = _Loader(sources.root, Report(), sources.documents()).load(task.Clock())
    assert world is not None
    return world


def names_here(world, room_id: str) -> tuple[list[str], list[str]]:
    room = world.rooms[room_id]
    return [i.id for i in room.items], [n.id for n in room.npcs]


# -- create ---------------------------------------------------------------------------------


def test_create_item_writes_a_placeholder_that_loads_and_a_live_template(game):
    bram = builder(game)
    out = bram.type("create item brass_lamp")
    assert "You create item village:brass_lamp (a new thing)" in out
    entry = game.world.sources.get("village", "item", "brass_lamp")
    assert entry == {"name": "a new thing", "keywords": ["brass_lamp", "brass", "lamp"],
                     "description": "A new thing, not yet described."}
    template = game.world.templates["village:brass_lamp"]
    assert template.name == "a new thing" and "lamp" in template.keywords
    assert game.world.sources.changed_areas() == ["village"]
    assert load_errors(game) == []
    assert "village:brass_lamp" in fresh_world(game).templates


def test_create_npc_in_another_area_by_its_full_id(game):
    bram = builder(game)
    assert "You create npc woods:old_miner" in bram.type("create npc woods:old_miner")
    assert game.world.sources.get("woods", "npc", "old_miner")["name"] == "a nameless figure"
    assert load_errors(game) == []


def test_create_refusals_change_nothing(game):
    bram = builder(game)
    version = game.world.sources.version
    templates = dict(game.world.templates)
    assert "already an item village:bread" in bram.type("create item bread")
    assert "already an npc village:innkeeper" in bram.type("create npc innkeeper")
    assert "is not a valid id" in bram.type("create item Big!Lamp")
    assert "is not a valid id" in bram.type("create item " + "x" * 65)
    assert "There is no area 'nowhere'" in bram.type("create item nowhere:lamp")
    assert "Create what?" in bram.type("create room attic")
    assert "Create what?" in bram.type("create item")
    assert game.world.sources.version == version
    assert game.world.templates == templates


# -- set ------------------------------------------------------------------------------------


def test_set_item_fields_change_every_copy_at_once(game):
    bram = builder(game)
    world = game.world
    apples = [i for i in world.items.values() if i.template.id == "village:apple"]
    assert len(apples) >= 3
    assert "village:apple: name set." in bram.type("set apple name a golden pear")
    assert {a.name for a in apples} == {"a golden pear"}
    # Its written keywords stay, with the new name's plural, as ItemTemplate makes them.
    assert world.templates["village:apple"].keywords == ("apple", "red", "pears")
    bram.type("set apple keywords")  # none written: the name's words
    assert "pear" in apples[0].keywords and "pears" in apples[0].keywords
    bram.type("set apple keywords [pear, fruit]")
    assert apples[0].keywords[:2] == ("pear", "fruit")
    bram.type("set apple keywords pear, golden fruit")
    assert world.sources.get("village", "item", "apple")["keywords"] == \
        ["pear", "golden", "fruit"]
    bram.type("set apple plural golden pears")
    bram.type("set apple fixed yes")
    assert apples[0].plural == "golden pears" and apples[0].template.fixed
    bram.type("set apple description A pear that is oddly golden.")
    assert world.sources.get("village", "item", "apple")["description"] == \
        "A pear that is oddly golden."
    assert "oddly golden" in bram.type("goto market") + bram.type("look pear")
    assert load_errors(game) == []
    fresh = fresh_world(game).templates["village:apple"]
    live = world.templates["village:apple"]
    assert (fresh.name, fresh.keywords, fresh.description, fresh.fixed, fresh.plural) == \
        (live.name, live.keywords, live.description, live.fixed, live.plural)


def test_first_naming_replaces_the_keywords_create_took_from_the_id(game):
    bram = builder(game)
    bram.type("create npc old_miner")
    bram.type("set old_miner name Old Tam")
    assert "keywords" not in game.world.sources.get("village", "npc", "old_miner")
    bram.type("set old_miner keywords [tam, miner]")
    bram.type("set old_miner name Tam the Miner")
    assert game.world.sources.get("village", "npc", "old_miner")["keywords"] == ["tam", "miner"]


def test_set_text_and_container_keys_attach_to_the_template(game):
    bram = builder(game)
    world = game.world
    bram.type("create item box")
    assert "text set" in bram.type("set box text Property of: the Reeve")
    assert world.templates["village:box"].props["text"].startswith("Property of")
    bram.type("set box container {capacity: 2, contents: [bread, apple]}")
    spec = world.templates["village:box"].props["container"]
    assert spec.capacity == 2 and spec.contents == ("village:bread", "village:apple")
    bram.type("spawn box")
    box = world.items["village:square/village:box#1"]
    assert sorted(i.template.id for i in box.contents) == ["village:apple", "village:bread"]
    assert "Property of: the Reeve" in bram.type("read box")
    bram.type('set box text "Line one.\\nLine two."')
    assert world.templates["village:box"].props["text"] == "Line one.\nLine two."
    bram.type("set box text")
    assert "text" not in world.templates["village:box"].props
    assert "text" not in world.sources.get("village", "item", "box")
    assert load_errors(game) == []


def test_set_npc_remakes_each_copy_where_it_stands_with_its_behaviours(game):
    bram, nora = builder(game), joined_player(game, "Nora")
    world = game.world
    old = npc_of(world, "village:cat")
    square = world.rooms["village:square"]
    out = bram.type("set cat behaviours {chatter: {interval: 2, jitter: 0, lines: "
                    "[Mrrp says the cat.]}}")
    assert "village:cat: behaviours set (1 in the world remade)." in out
    assert "Ash shimmers and is remade." in nora.read()
    new = npc_of(world, "village:cat")
    assert new is not old and old.room is None and new.room is square
    assert [type(b).__name__ for b in new.behaviours] == ["Chatter"]
    assert world.sources.get("village", "npc", "cat")["behaviours"] == \
        {"chatter": {"interval": 2, "jitter": 0, "lines": ["Mrrp says the cat."]}}
    world.clock.advance(2.5)
    assert "Mrrp says the cat." in nora.read()
    # The old copy's timers are gone with it: one line per interval, not two.
    world.clock.advance(2)
    assert nora.read().count("Mrrp says the cat.") == 1
    # The reset's slot follows: killed, it comes back as it is now written.
    world.remove_npc(new)
    resets_of(world).reset("village")
    back = npc_of(world, "village:cat")
    assert back.room is square and [type(b).__name__ for b in back.behaviours] == ["Chatter"]


def test_set_behaviors_spelling_is_one_key_and_keys_keep_their_place(game):
    bram = builder(game)
    bram.type("set guard behaviors {wander: {interval: 30}}")
    entry = game.world.sources.get("village", "npc", "guard")
    assert "behaviors" not in entry and entry["behaviours"] == {"wander": {"interval": 30}}
    bram.type("set innkeeper name Marta Wren-Hale")
    assert list(game.world.sources.get("village", "npc", "innkeeper")) == \
        ["name", "keywords", "description", "behaviours"]
    assert load_errors(game) == []


def test_set_refusals_quote_the_loader_and_change_nothing(game):
    bram = builder(game)
    world = game.world
    bram.type("create item lamp")
    version = world.sources.version
    cat = npc_of(world, "village:cat")
    entry = world.sources.get("village", "npc", "cat")
    out = bram.type("set cat behaviours {chatter: {interval: -5, lines: [hi]}}")
    assert "That would not load, so nothing changed:" in out
    assert 'village/npcs.yaml: npc "village:cat": behaviour \'chatter\': parameter ' \
        "'interval' must be a number of seconds above 0" in " ".join(out.split())
    assert "not YAML I can read" in bram.type("set cat behaviours {chatter: {interval: 5")
    assert "Anchors and aliases" in bram.type("set cat behaviours {a: &x [1], b: *x}")
    assert "'chatter' is given twice" in bram.type(
        "set cat behaviours {chatter: {interval: 5, lines: [a]}, chatter: {interval: 6}}")
    # Escapes YAML would turn into control characters after the line was cleaned.
    for escaped in (r'"\e[31mred"', r'"a\x00b"', r'"\u202eevil"'):
        out = bram.type("set cat behaviours {chatter: {interval: 5, lines: [" + escaped +
                        "]}}")
        assert "Control characters and escape sequences are not allowed" in out
    assert "could not determine a constructor" in bram.type(
        "set cat behaviours {!!python/object:os.system x: 1}")
    assert "nests more than" in bram.type("set lamp container " + "[" * 40 + "]" * 40)
    assert "too long" in bram.type("set lamp description " + "x" * (values.MAX_DESCRIPTION + 1))
    assert "too long" in bram.type("set lamp name " + "x" * (values.MAX_NAME + 1))
    assert "too long" in bram.type("set cat behaviours [" + "x," * values.MAX_VALUE + "]")
    assert "NPCs have no field 'colour'" in bram.type("set cat colour red")
    assert "must have a name" in bram.type("set cat name")
    assert "fixed is yes or no" in bram.type("set lamp fixed maybe")
    assert "There is no item or npc village:nothing" in bram.type("set nothing name x")
    assert "Set which field" in bram.type("set cat")
    assert "Set what?" in bram.type("set")
    out = " ".join(bram.type("set lamp container {capacity: 500}").split())
    assert "'container': 'capacity' is 500; it must be from 1 to 100" in out
    assert world.sources.version == version
    assert world.sources.get("village", "npc", "cat") is entry
    assert npc_of(world, "village:cat") is cat and cat.room is not None


def test_set_names_item_or_npc_when_both_have_the_id(game):
    bram = builder(game)
    bram.type("create item cat")
    assert "Both an item and an NPC" in bram.type("set cat name a clay cat")
    assert "village:cat: name set." in bram.type("set item cat name a clay cat")
    assert game.world.templates["village:cat"].name == "a clay cat"
    assert npc_of(game.world, "village:cat").name == "Ash"


# -- spawn ----------------------------------------------------------------------------------


def test_spawn_item_is_live_listed_saved_and_loaded_there_by_a_fresh_world(game):
    bram, nora = builder(game), joined_player(game, "Nora")
    world = game.world
    bram.type("create item lamp")
    bram.type("set lamp name a brass lamp")
    world.snapshot_dirty()
    out = bram.type("spawn lamp")
    assert "You spawn a brass lamp (village:square/village:lamp#1) here" in out
    assert "A brass lamp appears." in nora.read()
    assert world.sources.get("village", "room", "square")["items"] == ["fountain", "board",
                                                                       "lamp"]
    lamp = world.items["village:square/village:lamp#1"]
    assert lamp.location is world.rooms["village:square"]
    # Its place is a change to save, so a restart finds it where it is.
    assert ("village:square/village:lamp#1", "room", "village:square") in \
        world.snapshot_dirty().items
    bram.type("spawn lamp")
    assert "village:square/village:lamp#2" in world.items
    items, _ = names_here(fresh_world(game), "village:square")
    assert items == names_here(world, "village:square")[0]
    # The village's reset keeps two there.
    bram.type("get lamp")
    resets_of(world).reset("village")
    assert sum(i.template.id == "village:lamp" for i in world.rooms["village:square"].items) == 2


def test_spawn_npc_starts_its_behaviours_and_a_fresh_world_places_it(game):
    bram, nora = builder(game), joined_player(game, "Nora")
    world = game.world
    bram.type("create npc miner")
    bram.type("set miner name Old Tam")
    bram.type("set miner behaviours {chatter: {interval: 3, jitter: 0, lines: [Dust and "
              "more dust.]}}")
    nora.read()
    assert "You spawn Old Tam here" in bram.type("spawn miner")
    assert "Old Tam appears." in nora.read()
    tam = npc_of(world, "village:miner")
    assert tam.room is world.rooms["village:square"]
    assert world.sources.get("village", "room", "square")["npcs"] == ["cat", "miner"]
    world.clock.advance(3.5)
    assert "Dust and more dust." in nora.read()
    _, npcs = names_here(fresh_world(game), "village:square")
    assert npcs == ["village:cat", "village:miner"]
    # Gone from the world, the reset brings it back to the room that lists it.
    world.remove_npc(tam)
    resets_of(world).reset("village")
    assert npc_of(world, "village:miner").room is world.rooms["village:square"]


def test_a_builders_npc_name_is_reserved_for_new_characters_at_once(game):
    bram = builder(game)
    bram.type("create npc miner")
    bram.type("set miner name Old Tam")
    bram.type("spawn miner")
    assert "'Tam' is a name of Old Tam" in WirePlayer(game).create("Tam")
    bram.type("set miner name Grizzled Ulf")
    assert "'Ulf' is a name of Grizzled Ulf" in WirePlayer(game).create("Ulf")
    bram.type("destroy ulf")
    out = WirePlayer(game).create("Ulf")
    assert "is a name of" not in out and "Village Square" in out


def test_spawn_another_areas_item_lists_it_by_full_id(game):
    bram = builder(game)
    bram.type("spawn woods:emberleaf")
    assert world_items(game, "woods:emberleaf")
    assert game.world.sources.get("village", "room", "square")["items"][-1] == \
        "woods:emberleaf"
    assert load_errors(game) == []


def world_items(game, template_id: str) -> list:
    return [i for i in game.world.rooms["village:square"].items
            if i.template.id == template_id]


def test_spawn_refusals_change_nothing(game):
    bram = builder(game)
    version = game.world.sources.version
    assert "There is no item or npc village:nothing" in bram.type("spawn nothing")
    assert "Spawn what?" in bram.type("spawn")
    assert "one thing at a time" in bram.type("spawn bread bread")
    assert game.world.sources.version == version
    assert not world_items(game, "village:bread")


# -- destroy --------------------------------------------------------------------------------


def test_destroy_a_listed_item_takes_one_off_the_list(game):
    bram, nora = builder(game), joined_player(game, "Nora")
    world = game.world
    bram.type("goto market")
    nora.type("east")
    out = " ".join(bram.type("destroy apple").split())
    assert "You destroy a red apple" in out and "village:market no longer lists it" in out
    assert "A red apple vanishes." in nora.read()
    assert world.sources.get("village", "room", "market")["items"] == ["lantern", "apple",
                                                                       "apple"]
    assert len(world_items_in(world, "village:market", "village:apple")) == 2
    resets_of(world).reset("village")
    assert len(world_items_in(world, "village:market", "village:apple")) == 2
    assert load_errors(game) == []


def world_items_in(world, room_id: str, template_id: str) -> list:
    return [i for i in world.rooms[room_id].items if i.template.id == template_id]


def test_destroy_something_dropped_here_leaves_the_list_alone(game):
    bram = builder(game)
    world = game.world
    bram.type("goto market")
    bram.type("get apple")
    bram.type("goto square")
    bram.type("drop apple")
    version = world.sources.version
    out = bram.type("destroy apple")
    assert "You destroy a red apple" in out and "no longer lists" not in out
    assert world.sources.version == version
    assert not world_items(game, "village:apple")


def test_destroy_npc_takes_it_off_its_home_list_and_the_reset_keeps_it_gone(game):
    bram, nora = builder(game), joined_player(game, "Nora")
    world = game.world
    out = bram.type("destroy ash")
    assert "You destroy Ash (village:cat); village:square no longer lists it." in out
    assert "Ash vanishes." in nora.read()
    assert "npcs" not in world.sources.get("village", "room", "square")
    assert not [n for n in world.npcs if n.id == "village:cat"]
    resets_of(world).reset("village")
    assert not [n for n in world.npcs if n.id == "village:cat"]
    assert load_errors(game) == []


def test_destroy_a_wandered_npc_takes_it_off_its_home_rooms_list(game):
    bram = builder(game)
    world = game.world
    cat = npc_of(world, "village:cat")
    actions.npc_go(world, cat, world.rooms["village:square"].exits["east"])
    bram.type("goto market")
    out = " ".join(bram.type("destroy ash").split())
    assert "You destroy Ash (village:cat); village:square no longer lists it." in out
    assert "npcs" not in world.sources.get("village", "room", "square")
    assert world.sources.get("village", "room", "market")["npcs"] == ["peddler"]
    resets_of(world).reset("village")
    assert not [n for n in world.npcs if n.id == "village:cat"]


def test_destroy_never_a_player_and_says_what_it_does_not_see(game):
    bram = builder(game)
    joined_player(game, "Nora")
    version = game.world.sources.version
    assert "Players cannot be destroyed." in bram.type("destroy nora")
    assert "You see no 'dragon' here to destroy." in bram.type("destroy dragon")
    assert "Destroy what?" in bram.type("destroy")
    assert "nora" in game.world.online and game.world.sources.version == version


def test_destroy_an_entry_only_once_nothing_uses_it(game):
    bram = builder(game)
    world = game.world
    bram.type("create item lamp")
    bram.type("spawn lamp")
    version = world.sources.version
    out = " ".join(bram.type("destroy item lamp").split())
    assert "village:lamp is still used (listed in village:square; 1 in the world)" in out
    assert world.sources.version == version and "village:lamp" in world.templates
    bram.type("destroy lamp")
    assert "You destroy the item entry village:lamp." in bram.type("destroy item lamp")
    assert world.sources.get("village", "item", "lamp") is None
    assert "village:lamp" not in world.templates
    # Listed nowhere and no copy about, but Marta's accept gives it: the loader says so.
    version = world.sources.version
    out = " ".join(bram.type("destroy item pie").split())
    assert "That would not load, so nothing changed:" in out
    assert 'unknown item "village:pie"' in out
    assert world.sources.get("village", "item", "pie") is not None
    assert "village:pie" in world.templates and world.sources.version == version
    assert isinstance(npc_of(world, "village:cat"), NPC)
    assert load_errors(game) == []


def test_two_builders_editing_one_entry_at_once_keep_both_changes(game, monkeypatch):
    # Each check is held until the test lets it finish, so both edits are checked at once
    # and the second lands after the first changed the entry it was worked out from.
    held = hold_building_checks(monkeypatch)
    bram, cleo = builder(game), builder(game, "Cleo")
    bram.type("spawn bread")
    cleo.type("spawn apple")
    bram.type("set item lantern name a tin lantern")
    cleo.type("set item lantern description Dented tin.")
    release_checks(held)
    world = game.world
    assert world.sources.get("village", "room", "square")["items"] == \
        ["fountain", "board", "bread", "apple"]
    lantern = world.sources.get("village", "item", "lantern")
    assert (lantern["name"], lantern["description"]) == ("a tin lantern", "Dented tin.")
    assert world.templates["village:lantern"].name == "a tin lantern"
    assert world.templates["village:lantern"].description == "Dented tin."
    assert load_errors(game) == []


def test_building_things_is_audited(game, audit_lines):
    bram = builder(game)
    bram.type("create item lamp")
    bram.type("set lamp name a brass lamp")
    bram.type("spawn lamp")
    bram.type("destroy lamp")
    actions = [(line.get("action"), line.get("id")) for line in audit_lines
               if line["event"] == "build"]
    assert actions == [("create item", "village:lamp"), ("set item", "village:lamp"),
                       ("spawn item", "village:lamp"),
                       ("destroy", "village:square/village:lamp#1")]


def test_a_player_is_told_these_need_the_builder_role(game):
    nora = joined_player(game, "Nora")
    version = game.world.sources.version
    for line in ("create item lamp", "set cat name Bob", "spawn bread", "destroy ash"):
        assert f"'{line.split()[0]}' needs the builder role." in nora.type(line)
    assert game.world.sources.version == version
    assert npc_of(game.world, "village:cat").name == "Ash"
