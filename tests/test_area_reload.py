"""``reload area``: an area's files read from disk into the running world (issue 12).

Each test copies the bundled world into tmp_path, edits its YAML on disk and reloads,
with the check run inline (edits.run_in_thread) so no reactor is needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mud.engine.model import Character
from mud.systems.building import edits
from tests.support import (
    ROOT,
    builder_player,
    joined_player,
    make_game,
    run_now,
    world_copy,
)


@pytest.fixture
def world_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = world_copy(tmp_path)
    monkeypatch.setattr(edits, "run_in_thread", run_now)
    return folder


@pytest.fixture
def game(world_dir: Path) -> Any:
    return make_game(world_dir)


def builder(game: Any, name: str = "Bea") -> Any:
    return builder_player(game, name)


def edit(world_dir: Path, rel: str, change: Any) -> None:
    """Load a world file, let ``change`` edit the data, write it back."""
    path = world_dir / rel
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def char(game: Any, name: str) -> Character:
    return game.world.online[name.lower()]


def put(game: Any, name: str, room_id: str) -> None:
    game.world.move(char(game, name), game.world.rooms[room_id])


def picture(world: Any) -> Any:
    """Rooms (names, exits), NPCs by room and item ids by room: compared before/after."""
    return ({rid: (r.name, r.description, {n: e.target.id for n, e in r.exits.items()},
                   sorted(n.id for n in r.npcs), sorted(i.id for i in r.items))
             for rid, r in world.rooms.items()},
            sorted(n.id for n in world.npcs), sorted(world.templates))


def test_a_renamed_room_is_seen_by_the_player_standing_in_it(game, world_dir):
    bea, ann = builder(game), joined_player(game, "Ann")
    square = game.world.rooms["village:square"]
    edit(world_dir, "village/rooms.yaml",
         lambda d: d["square"].update(name="Lamplit Square"))
    out = bea.type("reload area village")
    assert "Area village reloaded from disk." in out
    assert "Rooms changed: village:square." in out
    # The same Room object: players, other areas' exits and systems still hold it.
    assert game.world.rooms["village:square"] is square
    assert char(game, "Ann").room is square
    assert "The world shifts around you" in ann.read()
    assert "Lamplit Square" in ann.type("look")
    assert game.world.rooms["village:high_street"].exits["south"].target is square
    # The sources hold the files as read, nothing left unsaved.
    assert game.world.sources.get("village", "room", "square")["name"] == "Lamplit Square"
    assert "village" not in game.world.sources.changed_areas()


def test_a_removed_room_moves_its_players_to_the_entry_room_told_why(game, world_dir):
    bea, ann = builder(game), joined_player(game, "Ann")
    put(game, "Ann", "village:market")
    ann.type("get apple")
    put(game, "Ann", "village:watchtower")
    ann.type("drop apple")
    ann.type("get spyglass")
    ann.read()

    def drop_tower(data: dict[str, Any]) -> None:
        del data["watchtower"]
        del data["gatehouse"]["exits"]["up"]

    edit(world_dir, "village/rooms.yaml", drop_tower)
    out = bea.type("reload area village")
    assert "Rooms removed: village:watchtower." in out
    assert "Players moved out of removed rooms: Ann." in out
    assert "village:watchtower" not in game.world.rooms
    assert "up" not in game.world.rooms["village:gatehouse"].exits
    ann_char = char(game, "Ann")
    # The area's entry room: the first room of rooms.yaml.
    assert ann_char.room is game.world.rooms["village:square"]
    said = " ".join(ann.read().split())  # wrapped to the window: compare words
    assert ("The room you were in was taken away by a reload of the area; you are moved "
            "to Village Square.") in said
    assert "Village Square" in said.split("you are moved")[1]  # and shown where
    # What she carries stays; what she dropped there came along to the entry room.
    assert [i.template.id for i in ann_char.inventory] == ["village:spyglass"]
    assert any(i.id == "village:market/village:apple#1"
               for i in game.world.rooms["village:square"].items)


def test_another_areas_npc_in_a_removed_room_goes_along_to_the_entry_room(game, world_dir):
    bea = builder(game)
    world = game.world
    fox = next(n for n in world.npcs if n.id == "woods:fox")
    fox.room.npcs.remove(fox)
    tower = world.rooms["village:watchtower"]
    fox.room = tower
    tower.npcs.append(fox)

    def drop_tower(data: dict[str, Any]) -> None:
        del data["watchtower"]
        del data["gatehouse"]["exits"]["up"]

    edit(world_dir, "village/rooms.yaml", drop_tower)
    assert "reloaded" in bea.type("reload area village")
    square = world.rooms["village:square"]
    assert fox.room is square and fox in square.npcs and fox in world.npcs


def test_an_npc_behaviour_changed_on_disk_is_the_new_one_with_no_duplicate(game, world_dir):
    bea = builder(game)
    before = game.world.scheduler.live()

    def new_lines(data: dict[str, Any]) -> None:
        data["cat"]["behaviours"]["chatter"]["lines"] = ["emote purrs like a kettle."]

    edit(world_dir, "village/npcs.yaml", new_lines)
    old_cat = next(n for n in game.world.npcs if n.id == "village:cat")
    assert "reloaded" in bea.type("reload area village")
    cats = [n for n in game.world.npcs if n.id == "village:cat"]
    assert len(cats) == 1 and cats[0] is not old_cat
    assert old_cat.room is None
    chatter = next(b for b in cats[0].behaviours if b.name == "chatter")
    assert list(chatter.options["lines"]) == ["emote purrs like a kettle."]
    # The old NPCs' timers went with them, the reset's timer was replaced, not doubled.
    assert game.world.scheduler.live() == before
    assert len(game.world.npcs) == len({(n.id, n.room.id) for n in game.world.npcs})
    bea.type("reload area village")
    assert game.world.scheduler.live() == before


def test_a_broken_file_is_refused_with_the_loaders_words_and_nothing_changes(game,
                                                                             world_dir):
    bea = builder(game)
    before = picture(game.world)
    path = world_dir / "village" / "rooms.yaml"
    text = path.read_text().replace("name: Village Square", "name: Plaza", 1)
    path.write_text(text.replace("    south: lane\n", "    south: nowhere_at_all\n", 1))
    out = " ".join(bea.type("reload area village").split())  # wrapped to the window
    assert "That would not load, so nothing changed:" in out
    assert 'village/rooms.yaml:' in out
    assert 'exit "south" leads to unknown room "village:nowhere_at_all"' in out
    assert picture(game.world) == before
    assert game.world.sources.get("village", "room", "square")["name"] == "Village Square"
    # Invalid YAML: the loader's own message too.
    path.write_text("square: [unclosed\n")
    out = bea.type("reload area village")
    assert "village/rooms.yaml:" in out and "not valid YAML" in out
    assert picture(game.world) == before


def test_a_room_another_area_leads_into_cannot_be_taken_away(game, world_dir):
    bea = builder(game)
    before = picture(game.world)

    def drop_gatehouse(data: dict[str, Any]) -> None:
        del data["gatehouse"]
        del data["high_street"]["exits"]["north"]
        del data["watchtower"]["exits"]["down"]

    edit(world_dir, "village/rooms.yaml", drop_gatehouse)
    out = bea.type("reload area village")
    assert "That would not load" in out
    assert "woods/rooms.yaml" in out and "village:gatehouse" in out
    assert picture(game.world) == before


def test_carried_items_stay_and_show_the_new_template(game, world_dir):
    bea, ann = builder(game), joined_player(game, "Ann")
    put(game, "Ann", "village:market")
    ann.type("get apple")
    ann_char = char(game, "Ann")
    apple = ann_char.inventory[0]
    edit(world_dir, "village/items.yaml",
         lambda d: d["apple"].update(name="a green apple", keywords=["apple", "green"]))
    edit(world_dir, "village/rooms.yaml", lambda d: d["market"].update(
        items=["lantern", "apple"]))
    bea.type("reload area village")
    assert ann_char.inventory == [apple]
    assert apple.name == "a green apple"
    assert "a green apple" in ann.type("inventory")
    market = game.world.rooms["village:market"]
    # The market lists one apple now: the copy Ann holds is that one, so none is added;
    # the other two the area had put there are gone.
    assert sorted(i.id for i in market.items) == ["village:market/village:lantern#1"]


def test_a_new_room_can_be_walked_into_and_the_door_works_on_both_sides(game, world_dir):
    bea, ann = builder(game), joined_player(game, "Ann")

    def attic(data: dict[str, Any]) -> None:
        data["attic"] = {"name": "A Dusty Attic", "description": "Cobwebs and a trunk.",
                         "exits": {"down": "loft"}}
        data["loft"]["exits"]["up"] = "attic"

    edit(world_dir, "village/rooms.yaml", attic)
    out = bea.type("reload area village")
    assert "Rooms added: village:attic." in out
    put(game, "Ann", "village:loft")
    assert "A Dusty Attic" in ann.type("up")
    # The trapdoor, declared on the inn's side, is still one door shared by both sides.
    inn, cellar = game.world.rooms["village:inn"], game.world.rooms["village:cellar"]
    door = inn.exits["trapdoor"].door
    assert door is not None and cellar.exits["trapdoor"].door is door
    put(game, "Ann", "village:inn")
    assert "You open the trapdoor." in ann.type("open trapdoor")
    assert "Inn Cellar" in ann.type("trapdoor")
    assert "You close the trapdoor." in ann.type("close trapdoor")


def test_a_door_declared_by_another_area_pairs_with_the_reloaded_side(game, world_dir):
    bea = builder(game)
    # The mine's gate is declared on mine:entrance; reload the mine and the woods.
    for area in ("mine", "woods", "mine"):
        assert "reloaded" in bea.type(f"reload area {area}")
    entrance = game.world.rooms["mine:entrance"]
    gate = next(e for e in entrance.exits.values() if e.door is not None)
    back = [e for e in gate.target.exits.values() if e.target is entrance]
    assert back and back[0].door is gate.door


def test_unsaved_builder_edits_are_kept_unless_forced(game, world_dir):
    bea = builder(game)
    sources = game.world.sources
    entry = dict(sources.get("village", "room", "square"))
    entry["name"] = "Edited Online"
    sources.put("village", "room", "square", entry)
    out = bea.type("reload area village")
    assert "builder edits that are not saved" in out
    assert "reload area village force" in out
    assert sources.get("village", "room", "square")["name"] == "Edited Online"
    out = bea.type("reload area village force")
    assert "reloaded" in out
    assert sources.get("village", "room", "square")["name"] == "Village Square"
    assert "village" not in sources.changed_areas()


def test_quests_and_resets_are_declared_once_after_reloads(game, world_dir):
    from mud.systems.quests import quests_of
    from mud.systems.resets import resets_of

    bea = builder(game)
    for _ in range(2):
        assert "reloaded" in bea.type("reload area woods")
    starters = quests_of(game.world).starters
    assert all(len(ids) == len(set(ids)) for ids in starters.values())
    assert "woods:emberleaf" in starters[("get", "woods:emberleaf")]
    old_timer = resets_of(game.world).plans["village"].timer
    bea.type("reload area village")
    fresh = resets_of(game.world).plans["village"]
    assert old_timer is not None and not old_timer.live
    assert fresh.timer is not None and fresh.timer.live
    market = game.world.rooms["village:market"]
    assert fresh.stock[market]["village:apple"] == 3
    # A reset after a reload brings back what the files list, once.
    for apple in [i for i in market.items if i.template.id == "village:apple"]:
        game.world.consume(apple)
    resets_of(game.world).reset("village")
    assert sum(i.template.id == "village:apple" for i in market.items) == 3
    # The area's reset no longer declared: its timer goes.
    edit(world_dir, "village/area.yaml", lambda d: d.pop("reset"))
    live = game.world.scheduler.live()
    bea.type("reload area village")
    assert game.world.scheduler.live() == live - 1
    assert "village" not in resets_of(game.world).plans
    assert fresh.timer is None


def test_usage_and_unknown_areas_are_explained(game):
    bea = builder(game)
    assert "Usage: reload area <name> [force]" in bea.type("reload")
    assert "Usage: reload area" in bea.type("reload area village now")
    assert "There is no area 'moon'" in bea.type("reload area moon")


def test_a_player_cannot_reload(game, world_dir):
    ann = joined_player(game, "Ann")
    edit(world_dir, "village/rooms.yaml", lambda d: d["square"].update(name="Plaza"))
    out = ann.type("reload area village")
    assert "builder" in out
    assert game.world.rooms["village:square"].name == "Village Square"


def test_an_exit_into_an_area_the_running_world_has_not_loaded_is_refused(game, world_dir):
    bea = builder(game)
    before = picture(game.world)
    caves = world_dir / "caves"
    caves.mkdir()
    (caves / "area.yaml").write_text("name: The Caves\n")
    (caves / "rooms.yaml").write_text(
        "hole:\n  name: A Hole\n  description: Dark.\n  exits:\n    up: village:square\n")
    edit(world_dir, "world.yaml", lambda d: d.update(areas=["village", "woods", "mine",
                                                            "caves"]))
    edit(world_dir, "village/rooms.yaml",
         lambda d: d["square"]["exits"].update(down="caves:hole"))
    out = bea.type("reload area village")
    assert "caves:hole" in out and "restart the server" in out
    assert picture(game.world) == before


def test_an_npc_another_area_places_is_remade_there_and_its_reset_follows(game, world_dir):
    from mud.systems.resets import resets_of

    bea = builder(game)
    edit(world_dir, "woods/rooms.yaml", lambda d: d["edge"].update(npcs=["village:smith"]))
    assert "reloaded" in bea.type("reload area woods")
    edge = game.world.rooms["woods:edge"]
    assert [n.id for n in edge.npcs] == ["village:smith"]
    edit(world_dir, "village/npcs.yaml", lambda d: d["smith"].update(name="Dunstan Hale the Elder"))
    assert "reloaded" in bea.type("reload area village")
    smiths = [n for n in game.world.npcs if n.id == "village:smith"]
    assert sorted(n.room.id for n in smiths) == ["village:smithy", "woods:edge"]
    assert {n.name for n in smiths} == {"Dunstan Hale the Elder"}
    # The woods' reset holds the new smith at the edge: taken out, it comes back once,
    # as the new one.
    slot = next(s for s in resets_of(game.world).plans["woods"].slots if s.room is edge)
    assert slot.live in smiths and slot.prototype is slot.live
    game.world.remove_npc(slot.live)
    resets_of(game.world).reset("woods")
    assert [n.name for n in edge.npcs] == ["Dunstan Hale the Elder"]


def test_one_reload_walks_the_sources_once_for_all_its_attaches(game, monkeypatch):
    # Each attach used to build its own view of every source: a reloaded area with
    # hundreds of NPCs walked the whole world hundreds of times on the reactor.
    from mud import world_check

    made = []

    class Counting(world_check._Live):
        def __init__(self, world: Any) -> None:
            made.append(1)
            super().__init__(world)

    monkeypatch.setattr(world_check, "_Live", Counting)
    bea = builder(game)
    assert "reloaded" in bea.type("reload area village")
    assert len(made) == 1
    # An edit of the sources (a version later) is seen: the next attach builds anew.
    assert "reloaded" in bea.type("reload area village")
    assert len(made) == 2


def test_a_reload_waits_for_a_save_or_reload_of_the_area_under_way(game, world_dir,
                                                                   monkeypatch):
    from twisted.internet.defer import Deferred

    from mud.systems.building.saving import saver_for

    bea = builder(game)
    saver = saver_for(game.world.sources)
    saver.running["village"] = Deferred()
    assert "being saved right now" in bea.type("reload area village")
    del saver.running["village"]
    # A check still running in its thread: a second reload of the area waits.
    held: list[Any] = []

    def hold(fn: Any, *args: Any) -> Deferred[Any]:
        d: Deferred[Any] = Deferred()
        held.append((d, fn, args))
        return d

    monkeypatch.setattr(edits, "run_in_thread", hold)
    edit(world_dir, "village/rooms.yaml", lambda d: d["square"].update(name="Plaza"))
    assert "Reading area village from disk" in bea.type("reload area village")
    # (Bea's session waits for her command: another builder tries.)
    assert "being reloaded already" in builder(game, "Cid").type("reload area village")
    # A save of the area landing while the files were read: read them again.
    saver.running["village"] = Deferred()
    d, fn, args = held.pop()
    d.callback(fn(*args))
    assert "being saved right now" in bea.read()
    assert game.world.rooms["village:square"].name == "Village Square"
    del saver.running["village"]
    assert "Reading area village" in bea.type("reload area village")
    d, fn, args = held.pop()
    d.callback(fn(*args))
    assert "reloaded" in bea.read()
    assert game.world.rooms["village:square"].name == "Plaza"


def test_the_limits_doc_says_what_the_code_does():
    from mud.systems.building import reload

    row = next(line for line in (ROOT / "docs" / "limits.md").read_text().splitlines()
               if line.startswith("| a builder's `reload area <name>`"))
    assert f"up to {reload.MAX_RETRIES} times" in row
    assert f"first {edits.MAX_SHOWN_ERRORS} messages" in row


def test_a_reload_leaves_an_audit_line_and_a_refused_one_none(game, world_dir, audit_lines):
    bea = builder(game)
    edit(world_dir, "village/rooms.yaml", lambda d: d["square"].update(name="Plaza"))
    bea.type("reload area village force")
    line = next(f for f in audit_lines if f["event"] == "area_reload")
    assert (line["name"], line["area"], line["forced"], line["updated"], line["added"]) == \
        ("Bea", "village", "yes", "1", "0")
    assert line["transport"] == "telnet" and line["address"]
    audit_lines.clear()
    (world_dir / "village" / "rooms.yaml").write_text("square: [\n")
    assert "not valid YAML" in bea.type("reload area village")
    assert not [f for f in audit_lines if f["event"] == "area_reload"]


def test_a_reload_of_the_woods_keeps_the_hermits_slab_opening_without_a_warning(game):
    # His accept behaviour opens the hidden door under the stones: its check looks up the
    # doors written on exits, which the live view of the sources must list as a load does.
    bea = builder(game)
    bea.type("goto woods:edge")
    out = " ".join(bea.type("reload area woods").split())
    assert "Area woods reloaded from disk." in out
    assert "Warning" not in out and "has no door to open" not in out
    hermit = next(n for n in game.world.npcs if n.id == "woods:hermit")
    assert [b.name for b in hermit.behaviours].count("accept") == 1
