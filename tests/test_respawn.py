"""NPCs taken out of the world (World.remove_npc, what combat will use) and brought back by
their area's reset, tbaMUD-style, on task.Clock: back at the listing room with their
behaviours started again, never a duplicate of one still alive anywhere, nothing saved
that a restart could double."""

from __future__ import annotations

import functools
import shutil
from collections import Counter

import pytest
from twisted.internet import task

from mud.engine import actions, hooks
from mud.engine.events import Arrive, Say
from mud.systems.behaviours import follow
from mud.world_loader import load_world
from tests.support import BUNDLED_WORLD, TINY
from tests.support import join as join_world

VILLAGE_RESET = 600


join = functools.partial(join_world, quiet=True)


def alive(world, npc_id):
    return [n for n in world.npcs if n.id == npc_id]


def one(world, npc_id):
    found = alive(world, npc_id)
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def ember():
    return load_world(BUNDLED_WORLD, task.Clock())


def test_remove_npc_stops_its_behaviours_and_takes_it_out(ember) -> None:
    left = []
    ember.hooks.on(hooks.LEAVE, lambda **f: left.append(f))
    ann = join(ember, "Ann", "village:inn")
    marta = one(ember, "village:innkeeper")
    cat = one(ember, "village:cat")
    assert ember.scheduler.owned("npc village:cat")
    assert ember.remove_npc(cat) and ember.remove_npc(marta)
    assert not ember.remove_npc(cat)  # once is enough
    assert ember.scheduler.owned("npc village:cat") == ()
    assert cat.room is None and cat not in ember.rooms["village:square"].npcs
    assert alive(ember, "village:cat") == []
    assert left[0]["who"] is cat and left[0]["to"] is None
    actions.say(ember, ann, "Any rooms free?")  # nobody answers: Marta is gone
    assert not [e for e in ann.link.take() if isinstance(e, Say) and e.speaker == "Marta Wren"]
    # A guard taken out guards nothing; a follower forgets its player.
    bats = one(ember, "mine:bats")
    ember.remove_npc(bats)
    assert ember.rooms["mine:adit"].exits["north"].barriers == ()
    bob = join(ember, "Bob", "village:square")
    actions.go(ember, bob, "south")
    assert follow.leaders(ember)
    ember.remove_npc(one(ember, "village:dog"))
    assert follow.leaders(ember) == {}
    ember.clock.advance(60)
    assert ember.scheduler.owned("npc village:dog") == ()


def test_a_missing_npc_is_back_at_the_reset_with_its_behaviours(ember) -> None:
    ann = join(ember, "Ann", "village:inn")
    ember.remove_npc(one(ember, "village:innkeeper"))
    ember.remove_npc(one(ember, "village:cat"))
    ember.clock.advance(VILLAGE_RESET - 1)
    assert alive(ember, "village:innkeeper") == []
    ann.link.take()
    ember.clock.advance(1)
    marta = one(ember, "village:innkeeper")
    assert marta.room.id == "village:inn"
    assert [(e.name, e.phrase, e.npc) for e in ann.link.take() if isinstance(e, Arrive)] \
        == [("Marta Wren", "appears", True)]
    actions.say(ember, ann, "Any rooms free?")
    replies = [e for e in ann.link.take() if isinstance(e, Say) and e.speaker == "Marta Wren"]
    assert len(replies) == 1 and "under the eaves" in replies[0].text
    # The cat is back in the square, wandering and chattering on the scheduler again.
    cat = one(ember, "village:cat")
    assert cat.room.id == "village:square"
    assert [b.name for b in cat.behaviours] == ["wander", "chatter"]
    assert len(ember.scheduler.owned("npc village:cat")) == 2
    join(ember, "Bob", "village:square")
    rooms = {cat.room.id}
    for _ in range(20):
        ember.clock.advance(15)
        rooms.add(cat.room.id)
    assert rooms == {"village:square", "village:inn"}


def test_a_reset_never_duplicates_an_npc_still_alive_anywhere(ember) -> None:
    join(ember, "Ann", "village:square")
    cat = one(ember, "village:cat")
    actions.npc_go(ember, cat, ember.rooms["village:square"].exits["west"])  # off to the inn
    ember.clock.advance(VILLAGE_RESET * 3)
    assert one(ember, "village:cat")  # wandered, not gone: no second cat
    counts = Counter(n.id for n in ember.npcs)
    assert set(counts.values()) == {1}
    # Taken out twice, back twice: one each time.
    for _ in range(2):
        ember.remove_npc(one(ember, "village:cat"))
        ember.clock.advance(VILLAGE_RESET)
        assert one(ember, "village:cat").room.id == "village:square"


def test_one_that_followed_into_another_area_is_not_duplicated(tmp_path) -> None:
    world = tmp_path / "w"
    shutil.copytree(TINY, world)
    (world / "home" / "area.yaml").write_text("name: The Cottage\nreset: {every: 60}\n")
    (world / "home" / "npcs.yaml").write_text(
        "cat:\n  name: Mouser\n  description: A cat.\n  behaviours:\n"
        "    follow: {rooms: [kitchen, hall, yard:garden], moves: 5}\n"
        "    guard: {exit: south, carrying: [apple]}\n")
    loaded = load_world(world, task.Clock())
    ann = join(loaded, "Ann", "home:hall")
    actions.go(loaded, ann, "north")  # the cat takes up with her
    south = loaded.rooms["home:kitchen"].exits["south"]
    cat = one(loaded, "home:cat")
    assert cat.room.id == "home:kitchen" and south.barriers
    with pytest.raises(actions.Refusal):  # at its post it guards, follower or not
        actions.go(loaded, ann, "south")
    loaded.transfer(next(i for i in loaded.items.values() if i.template.id == "home:apple"),
                    ann)
    actions.go(loaded, ann, "south")  # with an apple she passes, the cat at her heels
    actions.go(loaded, ann, "east")
    assert cat.room.id == "yard:garden"
    loaded.clock.advance(60 * 3)
    assert len(alive(loaded, "home:cat")) == 1
    # Gone for good, it is back at its post, guarding again.
    loaded.remove_npc(cat)
    assert south.barriers == ()
    join(loaded, "Bob", "home:kitchen")  # someone in the cottage: its reset runs
    loaded.clock.advance(60)
    again = one(loaded, "home:cat")
    assert again.room.id == "home:kitchen"
    assert [b.owner for b in south.barriers] == [again]


def test_nothing_about_npcs_is_saved_so_a_restart_has_each_once(ember) -> None:
    join(ember, "Ann", "village:square")
    ember.remove_npc(one(ember, "village:cat"))
    ember.clock.advance(VILLAGE_RESET)
    saved = ember.snapshot_everything()
    assert one(ember, "village:cat")
    again = load_world(BUNDLED_WORLD, task.Clock())
    again.restore_state(saved.world)
    for place in saved.items:
        again.restore_item(*place)
    counts = Counter(n.id for n in again.npcs)
    assert counts == Counter(n.id for n in load_world(BUNDLED_WORLD, task.Clock()).npcs)
    assert set(counts.values()) == {1}
