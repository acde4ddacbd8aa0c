"""Where items are (mud/engine/placing.py): moving them, nesting, using them up, and the
save rows that say where each is, read back into another world."""

from __future__ import annotations

from twisted.internet import task

from mud.engine.model import Character
from mud.engine.placing import CARRIED, GONE, IN_ROOM, INSIDE
from mud.world_loader import load_world
from tests.support import BUNDLED_WORLD

NEST = "woods:canopy/woods:nest#1"


def world():
    return load_world(BUNDLED_WORLD, task.Clock())


def test_moves_nesting_and_using_up_give_one_save_row_of_each_kind():
    w = world()
    ann = Character("Ann", w.rooms["woods:canopy"])
    w.enter(ann)
    nest, ring = w.items[NEST], w.items[f"{NEST}/woods:ring#1"]
    button, thimble = w.items[f"{NEST}/woods:button#1"], w.items[f"{NEST}/woods:thimble#1"]
    assert w.inside(ring, nest) and not w.inside(nest, ring)
    assert set(w.nested([nest])) == {nest, ring, button, thimble, w.items[f"{NEST}/woods:button#2"]}
    w.transfer(ring, ann)
    w.transfer(button, w.rooms["woods:old_oak"])
    w.consume(thimble)
    rows = sorted(w.item_places([ring, button, thimble, nest]))
    assert rows == sorted([(ring.id, CARRIED, "ann"), (button.id, IN_ROOM, "woods:old_oak"),
                           (thimble.id, GONE, ""), (nest.id, IN_ROOM, "woods:canopy")])
    assert thimble.id not in w.items and thimble not in nest.contents


def test_rows_read_back_into_a_fresh_world_in_any_order():
    w = world()
    # The thimble inside the ring's row comes before the ring's own: still found.
    rows = [(f"{NEST}/woods:thimble#1", INSIDE, f"{NEST}/woods:button#1"),
            (f"{NEST}/woods:button#1", IN_ROOM, "woods:old_oak"),
            (f"{NEST}/woods:ring#1", GONE, "")]
    assert all(w.restore_item(*row) for row in rows)
    button = w.items[f"{NEST}/woods:button#1"]
    assert button.location is w.rooms["woods:old_oak"]
    assert [i.id for i in button.contents] == [f"{NEST}/woods:thimble#1"]
    assert f"{NEST}/woods:ring#1" not in w.items
    # A loop no save should hold, and a place that is gone, are refused.
    assert not w.restore_item(f"{NEST}/woods:button#1", INSIDE, f"{NEST}/woods:thimble#1")
    assert not w.restore_item(f"{NEST}/woods:button#2", IN_ROOM, "woods:nowhere")


def test_a_change_in_what_a_character_holds_is_heard_however_it_happens(world):
    from mud.engine import hooks
    from tests.support import join
    ann, bob = join(world, "Ann"), join(world, "Bob")
    heard = []
    world.hooks.on(hooks.CARRIED, lambda who, room: heard.append(who.name))
    apple = next(i for i in world.start.items if i.template.id == "home:apple")
    table = next(i for i in world.start.items if i.template.id == "home:table")
    world.transfer(apple, ann)        # picked up
    world.transfer(apple, bob)        # handed over: both hands changed
    world.transfer(apple, table)      # put into something (a container)
    world.transfer(apple, world.start)
    assert heard == ["Ann", "Ann", "Bob", "Bob"]
    world.transfer(apple, bob)
    world.consume(apple)              # used up in Bob's hands
    assert heard[-2:] == ["Bob", "Bob"]
