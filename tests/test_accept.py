"""Giving to NPCs: the claimable give, the ``accept`` behaviour and the hidden way it opens.

The bundled world's Nell (emberleaf -> herb satchel) and Ambrose (ring -> the stone slab
under the standing stones) carry the content; a tiny world checks each parameter and the
load errors.
"""

from __future__ import annotations

import shutil

import pytest
from twisted.internet.task import Clock

from mud.engine import actions, hooks
from mud.engine.actions import Refusal
from mud.engine.events import Emote, ItemAction, RoomView, Say
from mud.engine.hooks import Hooks
from mud.engine.world import GONE
from mud.systems.doors import DoorAction
from mud.systems.quests import QuestUpdate
from mud.systems.resets import resets_of
from mud.world_loader import WorldError, load_world
from tests.support import TINY, join, make_game
from tests.test_world_loader import ROOMS, build, error

EMBERLEAF = "woods:brook/woods:emberleaf#1"




def hand(world, who, template_id, n=1):
    """Put ``n`` of the world's placed ``template_id`` items in ``who``'s hands."""
    found = [i for i in world.items.values() if i.template.id == template_id][:n]
    for item in found:
        world.transfer(item, who)
    return found


def seen(events):
    """What a player read, as (kind, words) pairs, in order."""
    out = []
    for e in events:
        if isinstance(e, ItemAction):
            out.append(("item", f"{e.actor} {e.verb} {e.item} -> {e.target}"))
        elif isinstance(e, Say):
            out.append(("say", e.speaker))
        elif isinstance(e, Emote):
            out.append(("emote", e.actor))
        elif isinstance(e, QuestUpdate):
            out.append(("quest", f"{e.quest} {e.status}"))
        elif isinstance(e, DoorAction):
            out.append(("door", f"{e.verb} {e.door}"))
    return out


@pytest.fixture
def world():
    return make_game().world


# -- the claimable give -------------------------------------------------------------------------

def test_an_unclaimed_give_names_the_npc_and_the_item_and_keeps_it(world):
    ann = join(world, "Ann", "woods:herb_cottage", quiet=True)
    staff, = hand(world, ann, "woods:staff")
    with pytest.raises(Refusal, match=r"^Nell Briar does not want a walking staff\.$"):
        actions.give(world, ann, "staff", "nell")
    assert staff in ann.inventory
    assert ann.link.take() == []


def test_a_claim_comes_after_everyone_has_seen_the_give_and_a_broken_claimer_is_skipped():
    failures = []
    h = Hooks(report=lambda owner, what, exc: failures.append((owner, what)))
    calls = []

    def broken(**fields):
        raise RuntimeError("no")

    h.claim_with(hooks.GIVE, broken, owner="npc x")
    h.claim_with(hooks.GIVE, lambda **f: None)
    off = h.claim_with(hooks.GIVE, lambda **f: (lambda: calls.append(f["item"])))
    finish = h.claim(hooks.GIVE, giver="ann", item="leaf", receiver="nell", room=None)
    assert failures and failures[0][0] == "npc x" and calls == []
    finish()
    assert calls == ["leaf"]
    off()
    assert h.claim(hooks.GIVE, giver="ann", item="leaf", receiver="nell") is None
    with pytest.raises(ValueError):
        h.claim_with("shout", broken)


# -- Nell: says, gives, once, quest ----------------------------------------------------------

def test_nell_takes_emberleaf_thanks_and_rewards_in_order_seen_by_the_room(world):
    ann = join(world, "Ann", "woods:herb_cottage")
    bob = join(world, "Bob", "woods:herb_cottage")
    leaf, = hand(world, ann, "woods:emberleaf")
    ann.link.take(), bob.link.take()
    actions.give(world, ann, "emberleaf", "nell")
    mine = seen(ann.link.take())
    assert mine == [("item", "Ann give a sprig of emberleaf -> Nell Briar"),
                    ("emote", "Nell Briar"), ("say", "Nell Briar"), ("say", "Nell Briar"),
                    ("item", "Nell Briar give a herb satchel -> you"),
                    ("quest", "woods:emberleaf done")]
    assert seen(bob.link.take()) == [
        ("item", "Ann give a sprig of emberleaf -> Nell Briar"), ("emote", "Nell Briar"),
        ("say", "Nell Briar"), ("say", "Nell Briar"),
        ("item", "Nell Briar give a herb satchel -> Ann")]
    # The leaf is used up; the satchel is new, with a stable runtime id.
    assert leaf.id not in world.items and leaf.location is None
    satchel, = [i for i in ann.inventory if i.template.id == "woods:satchel"]
    assert satchel.id.startswith("woods:herbalist/woods:satchel~")
    assert ann.state["accepted"] == {"woods:herbalist woods:emberleaf": 1}
    assert ann.state["quests"] == {"woods:emberleaf": "done"}


def test_once_a_repeat_give_is_taken_with_the_again_line_and_no_second_reward(world):
    ann = join(world, "Ann", "woods:herb_cottage")
    _first, second = hand(world, ann, "woods:emberleaf", 2)
    actions.give(world, ann, "emberleaf", "nell")
    ann.link.take()
    actions.give(world, ann, "emberleaf", "nell")
    events = ann.link.take()
    said = [e.text for e in events if isinstance(e, Say)]
    assert said == ["More emberleaf? You're a treasure, Ann. Into the pot it goes."]
    assert not [e for e in events if isinstance(e, QuestUpdate)]
    assert [i.template.id for i in ann.inventory] == ["woods:satchel"]
    assert second.id not in world.items
    assert ann.state["accepted"] == {"woods:herbalist woods:emberleaf": 1}


def test_a_consumed_item_and_a_reward_are_saved_so_a_restart_neither_returns_nor_loses_them():
    game = make_game()
    world = game.world
    ann = join(world, "Ann", "woods:herb_cottage")
    hand(world, ann, "woods:emberleaf")
    world.snapshot_dirty()  # the pick-up is old news: what follows is the give's save
    actions.give(world, ann, "emberleaf", "nell")
    snap = world.snapshot_dirty()
    satchel, = ann.inventory
    assert (EMBERLEAF, GONE, "") in snap.items
    assert (satchel.id, "char", "ann") in snap.items
    # A fresh world restored from those rows: the leaf is not back by the brook, the
    # satchel is rebuilt from its id, and the id serial is saved world state.
    again = make_game().world
    before = [i.id for i in again.rooms["woods:brook"].items]
    assert EMBERLEAF in before
    for row in snap.items:
        assert again.restore_item(*row)
    again.restore_state(snap.world)
    assert EMBERLEAF not in [i.id for i in again.rooms["woods:brook"].items]
    assert EMBERLEAF not in again.items
    assert [i.id for i in again.stored["ann"]] == [satchel.id]
    assert again.items[satchel.id].template.id == "woods:satchel"
    made = resets_of(again).new_item("woods:herbalist", "woods:satchel")
    assert made.id != satchel.id


# -- Ambrose: opens the hidden way ----------------------------------------------------------------

def exits_seen(world, who):
    return actions.room_view(world, who).exits


def test_ambrose_opens_the_hidden_slab_under_the_stones_seen_on_both_sides(world):
    ann = join(world, "Ann", "woods:hermitage")
    cy = join(world, "Cy", "woods:stones")
    assert "down" not in exits_seen(world, cy)
    with pytest.raises(Refusal, match="cannot go 'down'"):
        actions.go(world, cy, "down")
    with pytest.raises(Refusal, match="no door 'down'"):
        from mud.systems.doors import act
        act(world, cy, "open", "down")
    with pytest.raises(Refusal, match="no door 'slab'"):
        act(world, cy, "open", "slab")
    hand(world, ann, "woods:ring")
    cy.link.take()
    actions.give(world, ann, "ring", "ambrose")
    assert seen(ann.link.take())[-1] == ("quest", "woods:ring done")
    assert seen(cy.link.take()) == [("door", "open stone slab")]
    assert "down" in exits_seen(world, cy)
    actions.go(world, cy, "down")
    assert cy.room.id == "woods:barrow"


def test_a_reset_shuts_the_way_and_ambrose_opens_it_again_only_for_who_earned_it(world):
    ann = join(world, "Ann", "woods:hermitage")
    hand(world, ann, "woods:ring")
    actions.give(world, ann, "ring", "ambrose")
    actions.go(world, ann, "east")
    actions.go(world, ann, "down")
    resets_of(world).reset("woods")
    assert [e.verb for e in ann.link.take() if isinstance(e, DoorAction)] == ["close"]
    # From inside it is an ordinary door: nobody is shut in.
    view = actions.room_view(world, ann)
    assert view.exits == ("up",) and view.doors["up"][1] is True
    from mud.systems.doors import act
    act(world, ann, "open", "up")
    actions.go(world, ann, "up")
    resets_of(world).reset("woods")
    assert "down" not in exits_seen(world, ann)
    # Someone who never brought the ring walks into the hollow: nothing opens.
    bob = join(world, "Bob", "woods:stones")
    actions.go(world, bob, "west")
    assert "down" not in exits_seen(world, ann)
    actions.go(world, ann, "west")
    said = [e.text for e in ann.link.take() if isinstance(e, Emote)]
    assert any("It's open for you." in text for text in said)
    actions.go(world, ann, "east")
    actions.go(world, ann, "down")
    assert ann.room.id == "woods:barrow"


def test_the_hidden_exit_is_not_listed_in_any_view_while_shut(world):
    cy = join(world, "Cy", "woods:stones", quiet=True)
    actions.list_exits(world, cy)
    actions.look(world, cy)
    events = cy.link.take()
    assert [n for n, _ in events[0].exits] == ["south", "east", "west"]
    view = next(e for e in events if isinstance(e, RoomView))
    assert "down" not in view.exits and "down" not in view.doors
    with pytest.raises(Refusal, match="You see no 'down' here"):
        actions.look_at(world, cy, "down")


# -- the tiny world: each parameter, and errors at load ---------------------------------------

CAT = "cat:\n  name: Mouser\n  keywords: [mouser, cat]\n  description: A cat.\n" \
      "  behaviours:\n    accept:\n"


def tiny(tmp_path, accept: str, area: str = "") -> tuple:
    root = tmp_path / "w"
    shutil.copytree(TINY, root)
    (root / "home" / "npcs.yaml").write_text(CAT + accept)
    if area:
        with (root / "home" / "area.yaml").open("a") as f:
            f.write(area)
    return root


def broken(tmp_path, accept: str, area: str = "") -> str:
    with pytest.raises(WorldError) as caught:
        load_world(tiny(tmp_path, accept, area), Clock())
    return str(caught.value)


QUEST = "quests:\n  mouse:\n    name: Feed the cat\n    active: It is hungry.\n" \
        "    done: It is fed.\n"


def test_without_once_every_give_is_rewarded_and_the_quest_is_done_once(tmp_path):
    world = load_world(tiny(tmp_path, "      item: apple\n      says: [\"emote purrs.\"]\n"
                                      "      gives: yard:trowel\n      quest: mouse\n", QUEST),
                       Clock())
    ann = join(world, "Ann", "home:kitchen")
    hand(world, ann, "home:apple", 2)
    actions.give(world, ann, "apple", "cat")
    actions.give(world, ann, "apple", "cat")
    events = ann.link.take()
    assert [i.template.id for i in ann.inventory] == ["yard:trowel", "yard:trowel"]
    assert len([e for e in events if isinstance(e, Emote)]) == 2
    assert len([e for e in events if isinstance(e, QuestUpdate)]) == 1
    assert "accepted" not in ann.state or not ann.state["accepted"]


def test_give_all_hands_over_only_what_is_wanted(tmp_path):
    world = load_world(tiny(tmp_path, "      item: apple\n"), Clock())
    ann = join(world, "Ann", "home:kitchen")
    hand(world, ann, "home:apple", 2)
    hand(world, ann, "yard:trowel")
    actions.give(world, ann, "all", "cat")
    assert [i.template.id for i in ann.inventory] == ["yard:trowel"]
    assert ann.link.take()[-1].text == "Mouser does not want a rusty trowel."


@pytest.mark.parametrize("accept, area, expected", [
    ("      says: [hi]\n", "", "behaviour 'accept': missing parameter 'item'"),
    ("      item: aple\n", "", "parameter 'item' is unknown item \"home:aple\""),
    ("      item: apple\n      gives: yard:spade\n", "",
     "parameter 'gives' is unknown item \"yard:spade\""),
    ("      item: apple\n      opens: west\n", "",
     "parameter 'opens': room 'home:kitchen' has no exit 'west' (its exits: south)"),
    ("      item: apple\n      opens: south\n", "",
     "parameter 'opens': the exit 'south' of room 'home:kitchen' has no door to open"),
    ("      item: apple\n      opens: home:nowhere:up\n", "",
     "parameter 'opens' 'home:nowhere:up' is unknown room \"home:nowhere\""),
    ("      item: apple\n      once: yes please\n", "",
     "parameter 'once' must be true or false, not text"),
    ("      item: apple\n      again: [Again?]\n", "",
     "'again' is said to someone rewarded before, which only 'once: true' keeps track of"),
    ("      item: apple\n      quest: mice\n", QUEST,
     "parameter 'quest' 'mice' names no quest (known: home:mouse); did you mean 'home:mouse'?"),
    ("      item: apple\n      thanks: [Ta]\n", "", "unknown parameter 'thanks'"),
])
def test_bad_accept_parameters_stop_the_load_naming_file_npc_and_parameter(
        tmp_path, accept, area, expected):
    message = broken(tmp_path, accept, area)
    assert "npcs.yaml:" in message and 'npc "home:cat"' in message
    assert expected in message


def test_a_hidden_door_must_start_shut_and_cannot_be_locked(tmp_path, monkeypatch):
    rooms = ROOMS.replace("    north: hall\n", "    north:\n      to: hall\n"
                          "      door: {name: slab, hidden: true}\n", 1)
    text = error(build(tmp_path, monkeypatch, village__rooms=rooms))
    assert "rooms.yaml:" in text and "a hidden door starts shut" in text
    rooms = ROOMS.replace("    north: hall\n", "    north:\n      to: hall\n"
                          "      door: {name: slab, hidden: yes please}\n", 1)
    (tmp_path / "b").mkdir()
    assert "door 'hidden' must be true or false" in error(
        build(tmp_path / "b", monkeypatch, village__rooms=rooms))
    rooms = ROOMS.replace("    north: hall\n", "    north:\n      to: hall\n"
                          "      door: {name: slab, hidden: true, closed: true, locked: true,"
                          " key: apple}\n", 1)
    (tmp_path / "c").mkdir()
    assert "a hidden door cannot be locked" in error(
        build(tmp_path / "c", monkeypatch, village__rooms=rooms))


def test_opens_finds_a_door_declared_on_the_far_side_and_opens_it(tmp_path):
    root = tiny(tmp_path, "      item: apple\n      opens: yard:garden:gate\n")
    rooms = root / "yard" / "rooms.yaml"
    rooms.write_text(rooms.read_text().replace(
        "    gate: garden\n",
        "    gate:\n      to: garden\n      door: {name: wooden gate, closed: true}\n"))
    world = load_world(root, Clock())
    gate = world.rooms["yard:garden"].exits["gate"]
    assert gate.closed
    ann = join(world, "Ann", "home:kitchen")
    hand(world, ann, "home:apple")
    actions.give(world, ann, "apple", "cat")
    assert not gate.closed and not world.rooms["yard:shed"].exits["gate"].closed
