"""The ``guard`` behaviour on task.Clock: the mine's bats stop a player without a light at the
adit and let one with a lantern or candle through; nobody is stopped while the guard is away
from its post; NPCs pass; a bad ``guard:`` entry is a world error naming file:line."""

from __future__ import annotations

import functools
import shutil

import pytest
from twisted.internet import task

from mud.engine import actions
from mud.engine.events import Emote
from mud.world_loader import WorldError, load_world
from tests.support import BUNDLED_WORLD, TINY, npc_of
from tests.support import join as join_world

join = functools.partial(join_world, quiet=True)


npc = npc_of


@pytest.fixture
def ember():
    return load_world(BUNDLED_WORLD, task.Clock())


def carry(world, who, template_id):
    item = next(i for i in world.items.values() if i.template.id == template_id)
    world.transfer(item, who)
    return item


def test_the_bats_stop_a_player_without_a_light_and_say_so(ember) -> None:
    ann = join(ember, "Ann", "mine:adit")
    bob = join(ember, "Bob", "mine:adit")
    with pytest.raises(actions.Refusal, match="Bring a light"):
        actions.go(ember, ann, "north")
    assert ann.room.id == "mine:adit"
    seen = [e for e in bob.link.take() if isinstance(e, Emote)]
    assert seen and seen[0].actor == "a colony of bats" and "Ann stumbles back" in seen[0].text
    assert any(isinstance(e, Emote) for e in ann.link.take())
    # Trying again at once: refused again, but the bats do not fill the room with it.
    with pytest.raises(actions.Refusal):
        actions.go(ember, ann, "n")
    assert not [e for e in bob.link.take() if isinstance(e, Emote)]
    ember.clock.advance(11)  # a while later they react again
    with pytest.raises(actions.Refusal):
        actions.go(ember, ann, "north")
    assert [e for e in bob.link.take() if isinstance(e, Emote)]


@pytest.mark.parametrize("light", ["village:lantern", "village:candle"])
def test_a_player_carrying_a_light_passes(ember, light) -> None:
    ann = join(ember, "Ann", "mine:adit")
    bob = join(ember, "Bob", "mine:adit")
    with pytest.raises(actions.Refusal):
        actions.go(ember, ann, "north")
    bob.link.take()
    carry(ember, ann, light)  # back at once with a light: the bats react to that too
    actions.go(ember, ann, "north")
    assert ann.room.id == "mine:junction"
    passing = [e for e in bob.link.take() if isinstance(e, Emote)]
    assert passing and "blinking at Ann's light" in passing[0].text
    # Bob, with nothing, is still stopped; put down, the light lets nobody through.
    with pytest.raises(actions.Refusal):
        actions.go(ember, bob, "north")
    actions.go(ember, ann, "south")
    actions.drop(ember, ann, "all")
    with pytest.raises(actions.Refusal):
        actions.go(ember, ann, "north")


def test_a_guard_away_from_its_post_stops_nobody_and_npcs_are_never_stopped(ember) -> None:
    ann = join(ember, "Ann", "mine:adit")
    bats = npc(ember, "mine:bats")
    adit = ember.rooms["mine:adit"]
    assert actions.passable(adit.exits["north"], bats)  # an NPC goes where it likes
    actions.npc_go(ember, bats, adit.exits["south"])  # the bats flit out of the adit
    actions.go(ember, ann, "north")
    assert ann.room.id == "mine:junction"
    # Back at their post, they guard again.
    actions.npc_go(ember, bats, ember.rooms["mine:entrance"].exits["north"])
    actions.go(ember, ann, "south")
    with pytest.raises(actions.Refusal):
        actions.go(ember, ann, "north")


def test_a_stopped_guard_hangs_in_no_exit(ember) -> None:
    bats = npc(ember, "mine:bats")
    north = ember.rooms["mine:adit"].exits["north"]
    assert [b.owner for b in north.barriers] == [bats]
    for one in bats.behaviours:
        one.stop()
    assert north.barriers == ()
    ann = join(ember, "Ann", "mine:adit")
    actions.go(ember, ann, "north")
    assert ann.room.id == "mine:junction"


def test_a_closed_door_still_stops_first(ember) -> None:
    ann = join(ember, "Ann", "mine:entrance")
    with pytest.raises(actions.Refusal, match="The iron gate is closed"):
        actions.go(ember, ann, "north")


# -- checked at load -----------------------------------------------------------------------

CAT = "cat:\n  name: Mouser\n  description: A cat.\n  behaviours:\n"


def broken(tmp_path, npc_yaml: str) -> str:
    world = tmp_path / "w"
    shutil.copytree(TINY, world)
    (world / "home" / "npcs.yaml").write_text(CAT + npc_yaml)
    with pytest.raises(WorldError) as caught:
        load_world(world, task.Clock())
    return str(caught.value)


def test_an_exit_the_home_room_lacks_is_a_world_error(tmp_path) -> None:
    message = broken(tmp_path, "    guard: {exit: west}\n")
    assert ("npcs.yaml:5: npc \"home:cat\": behaviour 'guard': parameter 'exit' is 'west', "
            "but its room home:kitchen has no such exit (its exits: south)") in message


def test_bad_guard_parameters_are_named(tmp_path) -> None:
    message = broken(tmp_path, "    guard: {exit: south, carrying: [home:aple], colour: 2}\n")
    assert "behaviour 'guard': parameter 'carrying', item 1 is unknown item \"home:aple\"" \
        in message
    assert 'did you mean "home:apple"?' in message
    assert "unknown parameter 'colour'" in message
    message = broken(tmp_path / "2", "    guard: {carrying: apple}\n")
    assert "behaviour 'guard': missing parameter 'exit'" in message
    assert "parameter 'carrying' must be a list of item ids" in message


def test_a_good_guard_in_a_small_world(tmp_path) -> None:
    world = tmp_path / "w"
    shutil.copytree(TINY, world)
    (world / "home" / "npcs.yaml").write_text(
        CAT + "    guard: {exit: s, carrying: [apple], message: \"Mew at {name}.\"}\n")
    loaded = load_world(world, task.Clock())
    ann = join(loaded, "Ann", "home:hall")
    actions.go(loaded, ann, "north")
    with pytest.raises(actions.Refusal, match=r"Mouser will not let you go south\."):
        actions.go(loaded, ann, "south")
    carry(loaded, ann, "home:apple")
    actions.go(loaded, ann, "south")
    assert ann.room.id == "home:hall"


def test_a_guard_lets_through_a_player_who_has_done_its_quest(tmp_path) -> None:
    from mud.systems import quests

    world = tmp_path / "w"
    shutil.copytree(BUNDLED_WORLD, world)
    npcs = world / "mine" / "npcs.yaml"
    text = npcs.read_text(encoding="utf-8")
    assert "      carrying: [village:lantern, village:candle]\n" in text
    npcs.write_text(text.replace("      carrying: [village:lantern, village:candle]\n",
                                 "      quest: woods:ring\n"), encoding="utf-8")
    loaded = load_world(world, task.Clock())
    ann = join(loaded, "Ann", "mine:adit")
    carry(loaded, ann, "village:lantern")  # a light is no use to these bats now
    with pytest.raises(actions.Refusal):
        actions.go(loaded, ann, "north")
    quests.complete(loaded, ann, "woods:ring")
    actions.go(loaded, ann, "north")
    assert ann.room.id == "mine:junction"
    npcs.write_text(text.replace("      carrying: [village:lantern, village:candle]\n",
                                 "      quest: woods:rnig\n"), encoding="utf-8")
    with pytest.raises(WorldError) as caught:
        load_world(world, task.Clock())
    assert "behaviour 'guard': parameter 'quest' 'woods:rnig' names no quest" in \
        str(caught.value)
