"""The containers system: put, get from, look in, nesting, capacity, YAML, saving, resets."""

from __future__ import annotations

import json

import pytest
from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from mud.engine import hooks
from mud.engine.grouping import ItemGroup
from mud.engine.model import Item
from mud.persistence.store import Store
from mud.render.json_events import render_json
from mud.render.text import render as render_text
from mud.render.text import text_style
from mud.systems.containers import new_item, refill_area, spec_of
from mud.systems.containers.commands import ContainerAction, ContainerView
from mud.world_loader import load_world
from tests.support import BUNDLED_WORLD, MemoryStore, WirePlayer, make_game
from tests.test_world_loader import ITEMS, ROOMS, build, error

NEST = "woods:canopy/woods:nest#1"
RING = "woods:canopy/woods:nest#1/woods:ring#1"


def two_in(room_id: str, game=None):
    """Ann and Bob in ``room_id`` of the bundled world (a fresh game unless given)."""
    game = game or make_game()
    ann, bob = WirePlayer(game), WirePlayer(game)
    ann.create("Ann")
    bob.create("Bob")
    world = game.world
    for name in ("Ann", "Bob"):
        body = world.find_online(name)
        came_from = body.room
        world.move(body, world.rooms[room_id])
        # As walking in does: the area wakes (its reset timer runs while someone is there).
        world.hooks.emit(hooks.ENTER, who=body, room=body.room, came_from=came_from)
    ann.read(), bob.read()
    return game, ann, bob


def give(game, name: str, template_id: str, n: int = 1) -> list[Item]:
    """New copies of an item in ``name``'s hands (as a quest reward is made)."""
    world = game.world
    body = world.find_online(name)
    made = []
    for _ in range(n):
        item = new_item(world, body.room, template_id)
        world.transfer(item, body)
        made.append(item)
    return made


def inside(item: Item) -> list[str]:
    return sorted(i.template.id for i in item.contents or ())


# -- commands ---------------------------------------------------------------------------------


def test_the_ring_is_in_the_nest_and_comes_out_with_get_from():
    game, ann, bob = two_in("woods:canopy")
    look = ann.type("look")
    assert "You see a magpie's nest here." in look and "silver ring" not in look
    out = ann.type("look in nest")
    assert "A magpie's nest holds:\n  a silver ring\n  two brass buttons\n  a dented thimble" \
        in out
    assert "You take a silver ring from a magpie's nest." in ann.type("get ring from nest")
    assert "Ann takes a silver ring from a magpie's nest." in bob.read()
    assert [i.id for i in game.world.find_online("Ann").inventory] == [RING]
    # take ... out of, and all.<word>: grouped like listings.
    assert "You take two brass buttons from a magpie's nest." in \
        ann.type("take all.button out of nest")
    assert "Ann takes two brass buttons from a magpie's nest." in bob.read()
    assert "You take a dented thimble from a magpie's nest." in ann.type("get all from nest")
    assert "A magpie's nest is empty." in ann.type("look in nest")
    assert "A magpie's nest is empty." in ann.type("get ring from nest")


def test_taking_from_a_container_is_a_get_happening_for_other_systems():
    game, ann, _bob = two_in("woods:canopy")
    heard = []
    game.world.hooks.on(hooks.GET, lambda **fields: heard.append(fields))
    ann.type("get ring from nest")
    assert [(f["who"].name, f["item"].id, f["room"].id, f["container"].id) for f in heard] == \
        [("Ann", RING, "woods:canopy", NEST)]


def test_put_in_a_carried_container_and_examine_shows_what_it_holds():
    game, ann, bob = two_in("woods:herb_cottage")
    satchel, = give(game, "Ann", "woods:satchel")
    give(game, "Ann", "woods:emberleaf", 3)
    assert spec_of(satchel) is not None  # made at runtime, still a container
    out = ann.type("put all.emberleaf in satchel")
    assert "You put three sprigs of emberleaf in a herb satchel." in out
    assert "Ann puts three sprigs of emberleaf in a herb satchel." in bob.read()
    assert inside(satchel) == ["woods:emberleaf"] * 3
    assert "You are carrying:\n  a herb satchel" in ann.type("i")
    out = ann.type("examine satchel")
    assert "A herb satchel\nA soft leather satchel" in out
    assert "A herb satchel holds:\n  three sprigs of emberleaf" in out
    # A plain item's look shows no listing.
    assert "holds" not in ann.type("look me")
    assert "You take a sprig of emberleaf from a herb satchel." in \
        ann.type("get emberleaf from my satchel")
    # Plain get and drop are untouched.
    assert "You drop a herb satchel." in ann.type("drop satchel")
    assert "You pick up a herb satchel." in ann.type("get satchel")
    assert inside(satchel) == ["woods:emberleaf"] * 2


def test_refusals_say_what_is_wrong():
    game, ann, _bob = two_in("woods:canopy")
    satchel, = give(game, "Ann", "woods:satchel")
    staff, = give(game, "Ann", "woods:staff")
    assert "Put what in what?" in ann.type("put ring")
    assert "You see no 'box' here to put things in." in ann.type("put staff in box")
    assert "A walking staff is not a container: nothing goes in it." in \
        ann.type("put satchel in staff")
    assert "You are not carrying 'lantern'." in ann.type("put lantern in satchel")
    assert "You cannot put a herb satchel inside itself." in ann.type("put satchel in satchel")
    assert "There is no 'lantern' in a magpie's nest." in ann.type("get lantern from nest")
    assert "You see no 'box' here to take things from." in ann.type("get ring from box")
    assert "Look in what?" in ann.type("look in")
    assert "Take ring out of what? For example: get ring from satchel" in \
        ann.type("get ring from")
    assert "Take ring out of what?" in ann.type("get ring out of")
    # The nest is fixed: it cannot be picked up, but it can be used.
    assert "You cannot take a magpie's nest: it is fixed in place." in ann.type("get nest")
    assert "You put a walking staff in a magpie's nest." in ann.type("put staff in nest")
    assert staff.location is game.world.rooms["woods:canopy"].items[0]
    assert satchel.location is game.world.find_online("Ann")


def test_nesting_and_no_container_inside_something_inside_it():
    game, ann, _bob = two_in("woods:canopy")
    outer, inner = give(game, "Ann", "woods:satchel", 2)
    give(game, "Ann", "woods:emberleaf")
    out = ann.type("put emberleaf in 2.satchel")
    assert "You put a sprig of emberleaf in a herb satchel." in out
    assert "You put a herb satchel in a herb satchel." in ann.type("put 2.satchel in satchel")
    assert inner.location is outer and inside(inner) == ["woods:emberleaf"]
    # The inner satchel (inside the carried one) can be looked in and taken from.
    assert "a sprig of emberleaf" in ann.type("look in 2.satchel")
    # Putting the outer one into the inner one would put it inside itself.
    world = game.world
    world.transfer(inner, world.find_online("Ann"))
    world.transfer(outer, inner)
    out = ann.type("put satchel in 2.satchel")
    assert "You cannot put a herb satchel into a herb satchel" in out or "inside itself" in out
    assert outer.location is inner and inner.location is world.find_online("Ann")
    # "put all": everything that fits, never the container itself.
    give(game, "Ann", "woods:emberleaf", 2)
    ann.type("put all in satchel")
    assert inner.location is world.find_online("Ann")
    assert inside(inner) == ["woods:emberleaf"] * 3 + ["woods:satchel"]


def test_a_full_container_takes_no_more_and_says_how_many_did_not_fit():
    game, ann, _bob = two_in("woods:herb_cottage")
    satchel, = give(game, "Ann", "woods:satchel")
    give(game, "Ann", "woods:emberleaf", 8)
    out = ann.type("put all.emberleaf in satchel")
    assert "You put six sprigs of emberleaf in a herb satchel." in out
    assert "A herb satchel is full now; 2 more things did not fit." in out
    assert len(satchel.contents) == spec_of(satchel).capacity == 6
    assert "A herb satchel is full: it holds 6 things." in ann.type("put emberleaf in satchel")
    assert "It is full." in ann.type("look in satchel")


def test_the_loft_chest_is_fixed_and_holds_its_declared_things():
    _game, ann, bob = two_in("village:loft")
    out = ann.type("look in chest")
    assert "A battered sea chest holds:\n  a moth-eaten blanket\n  a coil of tarred rope\n" \
        "  a canvas kitbag" in out
    assert "fixed in place" in ann.type("get chest")
    assert "You take a coil of tarred rope from a battered sea chest." in \
        ann.type("get rope from chest")
    assert "Ann takes a coil of tarred rope" in bob.read()


def test_events_render_as_text_within_the_window_and_as_json():
    groups = (ItemGroup("a sprig of emberleaf", "sprigs of emberleaf", 3),)
    put = ContainerAction("Kip", "put", groups, "a herb satchel")
    assert render_text(put, text_style(colour=0)) == \
        "Kip puts three sprigs of emberleaf in a herb satchel."
    narrow = render_text(put, text_style(colour=0, width=20))
    assert all(len(line) <= 19 for line in narrow.splitlines())
    frame = json.loads(render_json(put))
    assert frame == {"type": "container", "actor": "Kip", "verb": "put",
                     "items": [{"name": "a sprig of emberleaf", "count": 3,
                                "label": "three sprigs of emberleaf"}],
                     "container": "a herb satchel", "own": False,
                     "text": "Kip puts three sprigs of emberleaf in a herb satchel."}
    view = json.loads(render_json(ContainerView("a magpie's nest", groups, 3, 8)))
    assert view["type"] == "contents" and view["capacity"] == 8 and view["count"] == 3
    assert view["text"] == "A magpie's nest holds:\n  three sprigs of emberleaf"
    assert json.loads(render_json(ContainerView("a nest", (), 0, 8)))["text"] == \
        "A nest is empty."


# -- the world's YAML ---------------------------------------------------------------------------

BOX_ROOMS = ROOMS.replace("    north: hall\n", "    north: hall\n  items: [box]\n", 1)


def box_items(container: str, extra: str = "") -> str:
    return ITEMS + f"box:\n  name: a box\n  description: Wooden.\n  container: {container}\n" \
        + extra


def test_yaml_container_errors_name_file_line_and_what_to_do(tmp_path, monkeypatch):
    def fails(container: str, extra: str = "") -> str:
        root = build(tmp_path, monkeypatch, village__rooms=BOX_ROOMS,
                     village__items=box_items(container, extra))
        return error(root)

    out = fails("{contents: [aple]}")
    assert "items.yaml:7" in out and 'item "village:box"' in out
    assert 'unknown item "village:aple": did you mean "village:apple"?' in out
    out = fails("{contents: [box]}")
    assert "would put village:box inside itself (village:box holds village:box)" in out
    out = fails("{contents: [crate]}",
                "crate:\n  name: a crate\n  description: Big.\n  container: {contents: [box]}\n")
    assert "inside itself (village:crate holds village:box holds village:crate)" in out
    assert "'capacity' is 0; it must be from 1 to 100" in fails("{capacity: 0}")
    assert "'capacity' must be a whole number" in fails("{capacity: lots}")
    assert "holds 3 things in 'contents' but its 'capacity' is 2" in \
        fails("{capacity: 2, contents: [apple, apple, apple]}")
    assert "unknown key 'size'" in fails("{size: 3}")
    assert "'container' must be a mapping" in fails("[apple]")


def test_declared_contents_at_any_depth_have_stable_ids(tmp_path, monkeypatch):
    crate = "crate:\n  name: a crate\n  description: Big.\n  container: {contents: [apple]}\n"
    root = build(tmp_path, monkeypatch, village__rooms=BOX_ROOMS,
                 village__items=box_items("{capacity: 3, contents: [crate, apple]}", crate))
    world = load_world(root, Clock())
    box = world.rooms["village:square"].items[0]
    assert [i.id for i in box.contents] == ["village:square/village:box#1/village:crate#1",
                                            "village:square/village:box#1/village:apple#1"]
    crate_item = box.contents[0]
    assert [i.id for i in crate_item.contents] == \
        ["village:square/village:box#1/village:crate#1/village:apple#1"]
    assert all(world.items[i.id] is i for i in world.nested([box]))


# -- saving ---------------------------------------------------------------------------------------


def restart(game, clock: Clock | None = None):
    """A new game on the same MemoryStore, restored as build_service does."""
    game.store.save(game.world.snapshot_everything())
    again = make_game(clock=clock or Clock(), store=game.store)
    for item_id, kind, place in game.store.items.values():
        again.world.restore_item(item_id, kind, place)
    return again


def test_contents_in_rooms_and_in_a_logged_out_players_satchel_survive_a_restart():
    game, ann, _bob = two_in("woods:canopy")
    satchel, = give(game, "Ann", "woods:satchel")
    give(game, "Ann", "woods:emberleaf", 2)
    ann.type("get ring from nest")
    ann.type("put ring in satchel")
    ann.type("put emberleaf in satchel")
    ann.type("put emberleaf in nest")
    ann.type("quit")
    assert game.world.find_online("Ann") is None
    # The quit's own save carries what is inside what she carries, not a later autosave.
    assert game.store.items[RING] == (RING, "in", satchel.id)
    again = restart(game)
    nest = again.world.rooms["woods:canopy"].items[0]
    assert inside(nest) == ["woods:button", "woods:button", "woods:emberleaf",
                            "woods:thimble"]
    ann2 = WirePlayer(again)
    ann2.read()
    ann2.type("connect Ann secret1")
    body = again.world.find_online("Ann")
    assert [i.id for i in body.inventory] == [satchel.id]
    assert inside(body.inventory[0]) == ["woods:emberleaf", "woods:ring"]
    assert "a silver ring" in ann2.type("look in satchel")
    # Nothing lost or duplicated: every ring and sprig is in exactly one place.
    places = [i for i in again.world.items.values() if i.template.id == "woods:ring"]
    assert len(places) == 1 and places[0].location is body.inventory[0]


def test_restore_order_does_not_matter_and_loops_are_refused():
    game, ann, _bob = two_in("woods:canopy")
    outer, inner = give(game, "Ann", "woods:satchel", 2)
    ann.type("get ring from nest")
    ann.type("put ring in 2.satchel")
    ann.type("put 2.satchel in satchel")
    ann.type("drop satchel")
    game.store.save(game.world.snapshot_everything())
    rows = list(game.store.items.values())
    for order in (rows, rows[::-1]):
        fresh = make_game()
        for row in order:
            assert fresh.world.restore_item(*row)
        box = next(i for i in fresh.world.rooms["woods:canopy"].items if i.id == outer.id)
        assert [i.id for i in box.contents] == [inner.id]
        assert [i.id for i in box.contents[0].contents] == [RING]
        assert inside(fresh.world.items[NEST]) == ["woods:button", "woods:button",
                                                   "woods:thimble"]
        # A save that would put a container inside what it holds is refused.
        assert not fresh.world.restore_item(outer.id, "in", inner.id)
        assert not fresh.world.restore_item(RING, "in", "village:nowhere/x#1")
        assert fresh.world.items[RING].location.id == inner.id


def test_saved_in_real_sqlite_and_an_old_save_still_loads(tmp_path):
    store = Store(str(tmp_path / "data"))
    store.prepare()
    store.close()
    # An old save (room and char rows only) next to new "in" rows, through the real schema.
    import sqlite3
    conn = sqlite3.connect(tmp_path / "data" / "mud.sqlite3")
    with conn:
        conn.executemany("INSERT INTO item_places (item, kind, place) VALUES (?, ?, ?)",
                         [("village:cellar/village:key#1", "room", "village:square"),
                          (RING, "in", "village:loft/village:chest#1"),
                          ("village:loft/village:chest#1/village:rope#1", "char", "ann")])
    conn.close()
    store = Store(str(tmp_path / "data"))
    rows = store.prepare()
    store.close()
    world = load_world(BUNDLED_WORLD, Clock())
    for row in rows:
        assert world.restore_item(*row)
    chest = world.items["village:loft/village:chest#1"]
    assert inside(chest) == ["village:blanket", "village:kitbag", "woods:ring"]
    assert [i.template.id for i in world.stored["ann"]] == ["village:rope"]
    assert world.items["village:cellar/village:key#1"].location.id == "village:square"


class RealStoreTests(unittest.TestCase):
    """Nested contents through the real SQLite store: saved by a game, read back at start."""

    @defer.inlineCallbacks
    def test_nested_contents_round_trip_through_sqlite(self):
        data = self.mktemp()
        store = Store(data)
        store.prepare()
        self.addCleanup(store.close)  # a failure must not leave the pool's thread running
        game, ann, _bob = two_in("woods:canopy")
        outer, inner = give(game, "Ann", "woods:satchel", 2)
        ann.type("get ring from nest")
        ann.type("put ring in 2.satchel")
        ann.type("put 2.satchel in satchel")
        ann.type("get button from nest")
        ann.type("drop button")
        yield store.save(game.world.snapshot_everything())
        store.close()
        again = Store(data)
        rows = again.prepare()
        again.close()
        self.assertIn((RING, "in", inner.id), rows)
        self.assertIn((inner.id, "in", outer.id), rows)
        fresh = make_game()
        for row in sorted(rows, reverse=True):
            self.assertTrue(fresh.world.restore_item(*row))
        carried = fresh.world.stored["ann"]
        self.assertEqual([i.id for i in carried], [outer.id])
        self.assertEqual([i.id for i in carried[0].contents], [inner.id])
        self.assertEqual([i.id for i in carried[0].contents[0].contents], [RING])
        self.assertEqual(inside(fresh.world.items[NEST]), ["woods:button", "woods:thimble"])


# -- resets ---------------------------------------------------------------------------------------


def test_the_woods_reset_refills_the_nest_without_duplicates():
    clock = Clock()
    game, ann, _bob = two_in("woods:canopy", make_game(clock=clock))
    world = game.world
    nest = world.items[NEST]
    ann.type("get ring from nest")
    ann.type("get button from nest")
    clock.advance(901)
    assert inside(nest) == ["woods:button", "woods:button", "woods:ring", "woods:thimble"]
    made = [i for i in nest.contents if "~" in i.id]
    assert len(made) == 2 and all(i.id.startswith("woods:canopy/") for i in made)
    # What is still inside is never doubled, nor is something else put in instead.
    ann.type("put ring in nest")
    clock.advance(900)
    assert inside(nest) == ["woods:button", "woods:button", "woods:ring", "woods:ring",
                            "woods:thimble"]
    assert refill_area(world, "woods", [world.rooms["woods:canopy"]]) == 0
    # A container the area did not put there (a chest made elsewhere) is not filled.
    chest = new_item(world, world.rooms["village:loft"], "village:chest")
    world.transfer(chest, world.rooms["woods:canopy"])
    assert refill_area(world, "woods", [world.rooms["woods:canopy"]]) == 0
    assert chest.contents is None


def test_refilled_items_survive_a_restart_where_they_are():
    clock = Clock()
    game, ann, _bob = two_in("woods:canopy", make_game(clock=clock))
    ann.type("get ring from nest")
    clock.advance(901)
    new_ring = next(i for i in game.world.items[NEST].contents if "~" in i.id)
    ann.type("get ring from nest")
    ann.type("quit")
    again = restart(game)
    assert inside(again.world.items[NEST]) == ["woods:button", "woods:button",
                                              "woods:thimble"]
    assert sorted(i.id for i in again.world.stored["ann"]) == sorted([RING, new_ring.id])


@pytest.mark.parametrize("line", ["put", "put x in y", "get x from y", "look in y",
                                  "look in"])
def test_container_commands_never_crash_without_a_room(line):
    game = make_game(store=MemoryStore())
    ann = WirePlayer(game)
    ann.create("Ann")
    out = ann.type(line)
    assert "Traceback" not in out and out.strip()
