"""give and drop of something that is inside a carried container (not carried loose) say
where it is and how to take it out, instead of "You see no 'ring' on you"."""

from __future__ import annotations

import pytest

from mud.engine import actions
from mud.engine.actions import Refusal
from mud.engine.model import Character, Item
from tests.support import Probe, make_game

RING = "woods:canopy/woods:nest#1/woods:ring#1"


@pytest.fixture
def world():
    return make_game().world


def carrying_the_ring_in_a_satchel(world, room="woods:canopy"):
    """Ann in ``room`` with a herb satchel in hand and the silver ring in the satchel."""
    ann = Character("Ann", world.rooms[room])
    ann.link = Probe()
    world.enter(ann)
    satchel = Item("test/woods:satchel#1", world.templates["woods:satchel"])
    world.items[satchel.id] = satchel
    world.transfer(satchel, ann)
    world.transfer(world.items[RING], satchel)
    return ann, satchel


HINT = "A silver ring is in your herb satchel: get ring from satchel first."


def test_give_to_an_npc_says_the_ring_is_in_the_satchel(world):
    ann, _ = carrying_the_ring_in_a_satchel(world, "woods:hermitage")
    ambrose = next(n for n in world.npcs if n.room is ann.room)
    with pytest.raises(Refusal) as refused:
        actions.give_npc(world, ann, "ring", ambrose)
    assert refused.value.message == HINT


def test_give_to_a_player_and_drop_say_it_too(world):
    ann, satchel = carrying_the_ring_in_a_satchel(world)
    bob = Character("Bob", ann.room)
    bob.link = Probe()
    world.enter(bob)
    with pytest.raises(Refusal) as refused:
        actions.give(world, ann, "silver", "bob")
    assert refused.value.message == HINT
    with pytest.raises(Refusal) as refused:
        actions.drop(world, ann, "ring")
    assert refused.value.message == HINT
    assert world.items[RING].location is satchel


def test_something_deeper_in_names_what_comes_out_first(world):
    ann, satchel = carrying_the_ring_in_a_satchel(world)
    nest = world.items["woods:canopy/woods:nest#1"]
    world.transfer(nest, satchel)
    world.transfer(world.items[RING], nest)
    with pytest.raises(Refusal) as refused:
        actions.drop(world, ann, "ring")
    assert refused.value.message == ("A silver ring is in a magpie's nest in your herb "
                                     "satchel: get nest from satchel first.")


def test_what_is_nowhere_on_you_is_still_not_seen(world):
    ann, _ = carrying_the_ring_in_a_satchel(world)
    with pytest.raises(Refusal, match="You see no 'lantern' on you"):
        actions.drop(world, ann, "lantern")
