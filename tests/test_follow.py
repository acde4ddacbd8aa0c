"""The ``follow`` behaviour on task.Clock, with the bundled world's stray dog in Well Lane: it
takes up with a player who walks in, trails them (seen arriving and leaving like a
wanderer), gives up after its moves, its patience, the edge of the village or the player
quitting, and walks home on the scheduler; nothing scans the world's NPCs to do it."""

from __future__ import annotations

import functools

import pytest
from twisted.internet import task

from mud.engine import actions
from mud.engine.events import Arrive, Depart, Emote
from mud.systems.behaviours import follow
from mud.world_loader import load_world
from tests.support import BUNDLED_WORLD
from tests.support import join as join_world

join = functools.partial(join_world, quiet=True)


@pytest.fixture
def ember():
    return load_world(BUNDLED_WORLD, task.Clock())


def dog(world):
    return next(n for n in world.npcs if n.id == "village:dog")


def walk(world, who, *steps):
    for step in steps:
        actions.go(world, who, step)


def emotes(events, actor="a scruffy stray dog"):
    return [e.text for e in events if isinstance(e, Emote) and e.actor == actor]


def test_the_dog_takes_up_with_a_player_and_is_seen_coming_and_going(ember) -> None:
    ann = join(ember, "Ann", "village:square")
    bob = join(ember, "Bob", "village:square")
    walk(ember, ann, "south")
    assert any("sniffs at Ann's boots" in t for t in emotes(ann.link.take()))
    walk(ember, ann, "north")
    assert dog(ember).room.id == "village:square"
    seen = bob.link.take()
    arrivals = [e for e in seen if isinstance(e, Arrive) and e.name == "a scruffy stray dog"]
    assert arrivals and arrivals[0].npc and arrivals[0].phrase == "arrives from the south"
    # Ann reads the room first, then the dog coming in after her.
    mine = ann.link.take()
    assert [type(e).__name__ for e in mine][-1] == "Arrive"
    walk(ember, ann, "east")
    departures = [e for e in bob.link.take() if isinstance(e, Depart)]
    assert [(e.name, e.phrase, e.npc) for e in departures] == [
        ("Ann", "leaves east", False), ("a scruffy stray dog", "leaves east", True)]
    assert dog(ember).room.id == "village:market"


def test_it_gives_up_after_its_moves_and_walks_home_on_the_scheduler(ember) -> None:
    ann = join(ember, "Ann", "village:square")
    walk(ember, ann, "south")
    # Ten moves about the village, the dog on her heels, then two more.
    walk(ember, ann, *["north", "south"] * 5)
    assert dog(ember).room.id == "village:lane"
    walk(ember, ann, "north", "east")
    assert dog(ember).room.id == "village:market"  # the 12th move
    ann.link.take()
    walk(ember, ann, "north")  # the 13th: no more
    assert dog(ember).room.id == "village:market"
    assert ann.room.id == "village:chapel"
    timer = dog(ember).behaviours[0]._homeward
    assert timer is not None and timer.group == "village"
    ember.clock.advance(4)  # one step home (market -> lane, southwest)
    assert dog(ember).room.id == "village:lane"
    assert dog(ember).behaviours[0]._homeward is None
    assert follow.leaders(ember) == {}


def test_it_stops_at_the_edge_of_the_village_and_after_its_patience(ember) -> None:
    ann = join(ember, "Ann", "village:lane")
    walk(ember, ann, "north")
    walk(ember, ann, "south")  # into the lane: the dog takes up with her
    walk(ember, ann, "north", "north", "north")
    assert dog(ember).room.id == "village:gatehouse"
    watch = join(ember, "Wynn", "village:gatehouse")
    walk(ember, ann, "gate")  # out into the woods: not its ground
    assert dog(ember).room.id == "village:gatehouse"
    assert any("loses interest in Ann" in t for t in emotes(watch.link.take()))
    assert any("loses interest in Ann" in t for t in emotes(ann.link.take()))  # behind her
    for _ in range(4):
        ember.clock.advance(4)
    assert dog(ember).room.id == "village:lane"  # gatehouse, high street, square, lane

    # Patience: rested, it follows Bob, who then stands about for three minutes.
    ember.clock.advance(30)
    bob = join(ember, "Bob", "village:square")
    walk(ember, bob, "south", "north")
    assert dog(ember).room.id == "village:square"
    ember.clock.advance(179)
    assert follow.leaders(ember)
    ember.clock.advance(1)
    assert follow.leaders(ember) == {}
    assert any("loses interest in Bob" in t for t in emotes(bob.link.take()))
    ember.clock.advance(4)
    assert dog(ember).room.id == "village:lane"


def test_it_rests_at_home_before_following_again(ember) -> None:
    ann = join(ember, "Ann", "village:square")
    walk(ember, ann, "south", "north", "north")
    ember.clock.advance(180)  # patience runs out at the high street
    for _ in range(2):
        ember.clock.advance(4)
    assert dog(ember).room.id == "village:lane"
    bob = join(ember, "Bob", "village:square")
    walk(ember, bob, "south")
    assert not follow.leaders(ember)  # still resting
    walk(ember, bob, "north")
    ember.clock.advance(30)
    walk(ember, bob, "south")
    assert list(follow.leaders(ember)) == ["bob"]


def test_a_player_who_quits_is_followed_no_more(ember) -> None:
    ann = join(ember, "Ann", "village:square")
    bob = join(ember, "Bob", "village:square")
    walk(ember, ann, "south", "north")
    assert dog(ember).room.id == "village:square"
    ember.leave(ann)  # quit, or a dropped link's logout
    assert follow.leaders(ember) == {}
    assert any("loses interest in Ann" in t for t in emotes(bob.link.take()))
    ember.clock.advance(4)
    assert dog(ember).room.id == "village:lane"
    # Ann back and walking about: the dog stays home (it is resting, and no longer hers).
    again = join(ember, "Ann", "village:square")
    walk(ember, again, "east")
    assert dog(ember).room.id == "village:lane"


def test_following_scans_no_npcs_and_a_stopped_follower_forgets_its_player(ember) -> None:
    class NoScan(list):
        def __iter__(self):
            raise AssertionError("something scanned every NPC")

    ember.npcs = NoScan(ember.npcs)
    ann = join(ember, "Ann", "village:square")
    walk(ember, ann, "south", "north", "east", "west")
    square = ember.rooms["village:square"]
    patch = next(n for n in square.npcs if n.id == "village:dog")  # back with her
    patch.behaviours[0].stop()
    assert follow.leaders(ember) == {}
    walk(ember, ann, "east")
    assert ann.room.id == "village:market"


def bread_for(world, who):
    loaf = next(i for i in world.items.values() if i.template.id == "village:bread")
    world.transfer(loaf, who)
    return loaf


def test_fed_bread_the_dog_eats_it_and_follows_the_giver_even_while_resting(ember) -> None:
    ann = join(ember, "Ann", "village:square")
    walk(ember, ann, "south", "north", "north")
    ember.clock.advance(180)  # patience runs out at the high street; home in two steps
    ember.clock.advance(4)
    ember.clock.advance(4)
    assert dog(ember).room.id == "village:lane" and not follow.leaders(ember)
    bob = join(ember, "Bob", "village:lane")  # logged in there: no arrival, no follower
    loaf = bread_for(ember, bob)
    actions.give(ember, bob, "bread", "dog")  # resting, but bread is bread
    assert loaf not in bob.inventory and ember.items.get(loaf.id) is None  # eaten
    assert any("wolfs down the bread" in t and "Bob" in t for t in emotes(bob.link.take()))
    assert list(follow.leaders(ember)) == ["bob"]
    walk(ember, bob, "north")
    assert dog(ember).room.id == "village:square"
    with pytest.raises(actions.Refusal, match="does not want"):
        apple = next(i for i in ember.items.values() if i.template.id == "village:apple")
        ember.transfer(apple, bob)
        actions.give(ember, bob, "apple", "dog")


def test_a_treat_starts_its_moves_over(ember) -> None:
    ann = join(ember, "Ann", "village:square")
    walk(ember, ann, "south", *["north", "south"] * 5, "north")  # 11 moves
    bread_for(ember, ann)
    actions.give(ember, ann, "bread", "dog")
    walk(ember, ann, *["east", "west"] * 6)  # 12 more: still at her heels
    assert dog(ember).room.id == "village:square"
    walk(ember, ann, "east")
    assert dog(ember).room.id == "village:square" and not follow.leaders(ember)
