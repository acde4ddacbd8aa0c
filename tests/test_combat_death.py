"""Death (mud/systems/combat/death*.py, corpses.py): NPC corpses with their loot, coins and
experience for the killers, the area's reset bringing NPCs back, player deaths (a corpse
holding everything, the penalty, waking at the chapel), corpses rotting, a restart keeping
a corpse and what is in it, and recall."""

from __future__ import annotations

import pytest
from twisted.internet.task import Clock

from mud.systems.combat import vitals
from mud.systems.combat.corpses import STATE_NAME, corpses_of
from mud.systems.combat.death import xp_share
from mud.systems.combat.fight import ROUND, fighting
from mud.systems.combat.rules import rules_of
from mud.systems.resets import resets_of
from tests.support import WirePlayer, make_game, npc_of
from tests.test_combat_fight import fight_world, on_path, player_at
from tests.test_world_loader import build, error

PATH = "woods:path"


@pytest.fixture
def root(tmp_path):
    found = tmp_path / "world"
    fight_world(found)
    return found


def corpses(room) -> list:
    return [i for i in room.items if i.id.startswith("corpse/")]


def give(game, body, template_id: str):
    item = resets_of(game.world).new_item("test", template_id)
    game.world.transfer(item, body)
    return item


def kill_rat(game, ann) -> None:
    rat = npc_of(game.world, "woods:testrat")
    vitals.hurt(game.world, rat, 5)   # one point left: the first blow kills it
    ann.type("kill rat")


def test_an_npc_dies_leaving_its_loot_in_a_corpse_and_coins_and_xp_for_its_killer(root):
    game, ann, body = on_path(root)
    world = game.world
    gold = vitals.gold(body)
    rat = npc_of(world, "woods:testrat")
    vitals.hurt(world, rat, 5)
    said = ann.type("kill rat")
    assert "You have killed a test rat!" in said
    assert "You take 5 coins from the corpse of a test rat." in said
    assert "You gain 20 experience." in said
    assert vitals.gold(body) == gold + 5 and vitals.vitals_of(world, body).xp == 20
    assert rat.room is None and rat not in world.npcs and not fighting(world, body)
    room = world.rooms[PATH]
    (corpse,) = corpses(room)
    assert corpse.name == "the corpse of a test rat"
    assert [i.id.split("~")[0] for i in corpse.contents] == ["loot:woods:testrat/woods:emberleaf"]
    assert "the corpse of a test rat" in ann.type("look")
    assert "a sprig of emberleaf" in ann.type("look in corpse")
    assert "You take a sprig of emberleaf from the corpse" in ann.type("get all from corpse")
    assert "cannot take the corpse" in ann.type("get corpse")
    assert world.scheduler.owned("fight " + PATH) == ()


def test_the_areas_reset_brings_a_killed_npc_back_whole(root):
    clock = Clock()
    game, ann, _body = on_path(root, clock)
    kill_rat(game, ann)
    clock.advance(900)   # the woods' reset
    rat = npc_of(game.world, "woods:testrat")
    assert rat.room is game.world.rooms[PATH]
    view = vitals.vitals_of(game.world, rat)
    assert view is not None and view.hp == view.max_hp == 6
    assert "loot" in rat.props   # its loot came back with it
    assert "a test rat appears." in ann.read()


def test_experience_and_coins_are_shared_by_those_who_hurt_it(root):
    game, ann, body = on_path(root)
    bob, bob_body = player_at(game, "Bob", PATH)
    rat = npc_of(game.world, "woods:testrat")
    vitals.hurt(game.world, rat, 4)
    ann.type("kill rat")   # 1 left
    bob.type("kill rat")   # dead
    xp = lambda b: vitals.vitals_of(game.world, b).xp  # noqa: E731
    assert xp(body) == xp(bob_body) == 10
    start = rules_of(game.world).start_gold
    assert sorted([vitals.gold(body), vitals.gold(bob_body)]) == [start + 2, start + 3]
    # A killer well above the NPC's level gets less; never nothing.
    assert xp_share(20, 1, 1, 1) == 20 and xp_share(20, 1, 3, 1) == 12
    assert xp_share(20, 1, 30, 1) == 2 and xp_share(1, 3, 1, 1) == 1


def test_an_npc_corpse_rots_with_its_loot_and_what_players_put_in_falls_out(root):
    clock = Clock()
    game, ann, body = on_path(root, clock)
    world = game.world
    kill_rat(game, ann)
    room = world.rooms[PATH]
    (corpse,) = corpses(room)
    loot = list(corpse.contents)
    apple = give(game, body, "village:apple")
    ann.type("put apple in corpse")
    assert apple.location is corpse
    clock.advance(rules_of(world).corpse_decay - 1)
    assert corpses(room) == [corpse]
    clock.advance(1)
    assert corpses(room) == [] and corpse.id not in world.items
    assert all(i.id not in world.items for i in loot)   # the rat's loot rotted with it
    assert apple.location is room   # the apple a player put in did not
    assert "crumbles to dust, and what it held falls to the ground" in " ".join(
        ann.read().split())
    assert world.state[STATE_NAME]["due"] == {}


def test_loot_a_player_carries_falls_out_of_her_corpse_and_other_loot_out_of_a_rats(root):
    """Only the loot made for a creature's corpse rots with it: loot a player picked up
    and died carrying, or put into another corpse, falls to the floor (issue 13)."""
    clock = Clock()
    game, ann, body = on_path(root, clock)
    world = game.world
    room = world.rooms[PATH]
    kill_rat(game, ann)
    (rat_corpse,) = corpses(room)
    own = list(rat_corpse.contents)
    assert own and all(i.id.startswith("loot:") for i in own)
    ann.type("get all from corpse")
    carried = [i for i in body.inventory if i.id.startswith("loot:")]
    assert carried
    # Loot of another rat's (an id of the same shape), put back into this corpse.
    stray = resets_of(world).new_item("loot:woods:testrat", "village:apple")
    world.transfer(stray, body)
    ann.type("put apple in corpse")
    assert stray.location is rat_corpse
    # Ann dies carrying the rat's loot; both corpses rot.
    dead = corpses_of(world).make(room, body)
    for thing in list(body.inventory):
        world.transfer(thing, dead)
    assert all(i.location is dead for i in carried)
    clock.advance(rules_of(world).corpse_decay + 1)
    assert corpses(room) == []
    assert all(i.id in world.items and i.location is room for i in carried)
    assert stray.id in world.items and stray.location is room
    assert world.state[STATE_NAME]["loot"] == {}


def test_a_restart_still_rots_a_creatures_own_loot_but_not_a_players(root):
    clock = Clock()
    game, ann, body = on_path(root, clock)
    room = game.world.rooms[PATH]
    kill_rat(game, ann)
    (rat_corpse,) = corpses(room)
    own = sorted(i.id for i in rat_corpse.contents)
    apple = give(game, body, "village:apple")
    ann.type("put apple in corpse")
    clock2 = Clock()
    clock2.advance(clock.seconds())
    again = restarted(game, root, clock2)
    room2 = again.world.rooms[PATH]
    player_at(again, "Cyd", PATH)
    clock2.advance(rules_of(again.world).corpse_decay + 1)
    assert corpses(room2) == []
    assert all(i not in again.world.items for i in own)
    assert apple.id in again.world.items and again.world.items[apple.id].location is room2


def dead_ann(root, clock):
    """Ann, level 2 with 150 xp and 20 coins, wielding a sword and carrying emberleaf,
    killed by the rat on the path; Bob watching."""
    game, ann, body = on_path(root, clock)
    world = game.world
    vitals.gain_xp(world, body, 150)
    vitals.add_gold(world, body, 20 - vitals.gold(body))
    sword = give(game, body, "village:sword")
    leaf = give(game, body, "woods:emberleaf")
    assert "You wield" in ann.type("wield sword")
    bob, bob_body = player_at(game, "Bob", PATH)
    vitals.hurt(world, body, vitals.vitals_of(world, body).hp - 1)
    ann.send_bytes(b"kill rat\r\n")   # what she is told stays for the tests to read
    clock.advance(ROUND)   # the rat's answer to her first blow fells her at once
    return game, ann, body, bob, bob_body, (sword, leaf)


def test_a_dead_player_leaves_everything_in_a_corpse_and_wakes_at_the_chapel(root):
    clock = Clock()
    game, ann, body, bob, _, (sword, leaf) = dead_ann(root, clock)
    world = game.world
    said = " ".join(ann.read().split())
    assert "You have been killed by a test rat! You are dead." in said
    assert "You lose 5 experience." in said   # a tenth of the 50 earned within level 2
    assert "You have lost 5 coins." in said   # a quarter of 20
    assert "You wake in Chapel of the Hearth" in said
    assert body.room.id == "village:chapel" and not fighting(world, body)
    view = vitals.vitals_of(world, body)
    assert view.hp == view.max_hp and view.level == 2 and view.xp == 145
    assert vitals.gold(body) == 15
    assert body.inventory == [] and body.state.get("equipment") == {}
    (corpse,) = corpses(world.rooms[PATH])
    assert corpse.name == "the corpse of Ann"
    assert {sword, leaf} == set(corpse.contents)
    assert "Ann is dead! R.I.P." in bob.read()
    # The rat is no longer fighting anyone; Bob loots the corpse.
    assert not fighting(world, npc_of(world, "woods:testrat"))
    assert "You take a short sword and a sprig of emberleaf" in bob.type(
        "get all from corpse")


def test_a_player_corpse_rots_but_what_it_holds_falls_to_the_floor(root):
    clock = Clock()
    game, _ann, _body, bob, _, (sword, leaf) = dead_ann(root, clock)
    room = game.world.rooms[PATH]
    clock.advance(rules_of(game.world).corpse_decay)
    assert corpses(room) == []
    assert sword.location is room and leaf.location is room
    assert "The corpse of Ann crumbles to dust" in bob.read()


def restarted(game, root, clock):
    """A new game on the same saves, restored as build_service does (items, then state)."""
    game.store.save(game.world.snapshot_everything())
    world_rows: dict[str, str] = {}
    for snap in game.store.saves:
        world_rows.update(snap.world)
    again = make_game(root, clock=clock, store=game.store)
    for item_id, kind, place in list(game.store.items.values()):
        assert again.world.restore_item(item_id, kind, place), item_id
    assert again.world.restore_state(list(world_rows.items())) == []
    return again


def test_a_restart_keeps_a_corpse_and_what_is_in_it_and_it_still_rots(root):
    clock = Clock()
    game, _ann, _body, _bob, _, (sword, leaf) = dead_ann(root, clock)
    (corpse,) = corpses(game.world.rooms[PATH])
    clock.advance(100)
    clock2 = Clock()
    clock2.advance(clock.seconds())
    again = restarted(game, root, clock2)
    room = again.world.rooms[PATH]
    (back,) = corpses(room)
    assert back.id == corpse.id and back.name == "the corpse of Ann"
    assert sorted(i.id for i in back.contents) == sorted([sword.id, leaf.id])
    # Someone comes to the woods: the corpse rots when it was due, not a full period later.
    cyd, _ = player_at(again, "Cyd", PATH)
    assert "the corpse of Ann" in cyd.type("look")
    left = game.world.state[STATE_NAME]["due"][corpse.id] - clock2.seconds()
    clock2.advance(left - 1)
    assert corpses(room) == [back]
    clock2.advance(1)
    assert corpses(room) == []
    assert {i.id for i in room.items} >= {sword.id, leaf.id}
    # An NPC's corpse comes back by its id alone too, named after its NPC.
    maker = corpses_of(again.world).remake
    assert maker("corpse/99/npc/woods:testrat").name == "the corpse of a test rat"
    assert maker("corpse/x/npc/woods:testrat") is None and maker("village:apple") is None


def test_recall_takes_a_player_to_the_chapel_but_not_mid_fight(root):
    game, ann, body = on_path(root)
    _bob, _ = player_at(game, "Bob", PATH)
    ann.type("kill rat")
    assert "cannot recall in the middle of a fight" in ann.type("recall")
    game.world.leave(body)   # the fight lets go
    cyd = WirePlayer(game)
    cyd.create("Cyd")
    cyd_body = game.world.find_online("cyd")
    said = cyd.type("recall")
    assert "You close your eyes and pray" in said and "Chapel of the Hearth" in said
    assert cyd_body.room.id == "village:chapel"
    assert "already in Chapel of the Hearth" in cyd.type("recall")


def test_loot_key_errors_name_the_file_and_the_line(tmp_path, monkeypatch):
    from tests.test_world_loader import ROOMS
    rooms = ROOMS.replace("    north: hall\n", "    north: hall\n  npcs: [cat]\n", 1)
    for loot, words in (("{coins: [9, 2]}", "a range [least, most]"),
                        ("{items: [nothing]}", "nothing"),
                        ("{items: [{item: apple, chance: 2}]}", "above 0 and at most 1"),
                        ("{coin: 3}", "unknown key 'coin'"),
                        ("[apple]", "'loot' must be a mapping")):
        npcs = ("cat:\n  name: a cat\n  keywords: [cat]\n  description: A cat.\n"
                f"  loot: {loot}\n")
        message = error(build(tmp_path, monkeypatch, village__rooms=rooms,
                              village__npcs=npcs))
        assert "npcs.yaml:5" in message and words in message, message


def test_a_world_without_safe_or_loot_keys_still_finds_a_corpse_after_a_restart(
        tmp_path, monkeypatch):
    from tests.test_world_loader import ROOMS
    rooms = ROOMS.replace("    north: hall\n", "    north: hall\n  npcs: [brute]\n", 1)
    npcs = ("brute:\n  name: a brute\n  keywords: [brute]\n  description: A brute.\n"
            "  combat: {level: 1, hp: 50}\n")
    root = build(tmp_path, monkeypatch, village__rooms=rooms, village__npcs=npcs)
    clock = Clock()
    game = make_game(root, clock=clock)
    ann = WirePlayer(game)
    ann.create("Ann")
    body = game.world.find_online("ann")
    apple = resets_of(game.world).new_item("test", "village:apple")
    game.world.transfer(apple, body)
    vitals.hurt(game.world, body, vitals.vitals_of(game.world, body).hp - 1)
    ann.type("kill brute")
    for _ in range(20):
        clock.advance(ROUND)
    (corpse,) = corpses(game.world.rooms["village:square"])
    assert apple.location is corpse
    again = restarted(game, root, Clock())
    (back,) = corpses(again.world.rooms["village:square"])
    assert [i.id for i in back.contents] == [apple.id]
