"""Movement, resting and mending (mud/systems/combat/moves*.py, mend.py): a step costs
movement, an exhausted player is stopped, a door or a guard that stops a walk costs
nothing, a flee costs more; rest multiplies regeneration until the player stands, walks or
fights; mend spends mana on health, once a round in a fight. On task.Clock."""

from __future__ import annotations

import json
from dataclasses import replace

from twisted.internet.task import Clock

from mud.render.json_events import render_json
from mud.render.text import PLAIN, render
from mud.systems.combat import vitals
from mud.systems.combat.death import teleport
from mud.systems.combat.dice import Dice
from mud.systems.combat.fight import ROUND, fighting
from mud.systems.combat.moves import is_resting
from mud.systems.combat.moves_events import Mend, Rest
from mud.systems.combat.moves_rules import Mend as MendRule
from mud.systems.combat.moves_rules import MoveCost
from mud.systems.combat.rules import Regen, rules_of, set_rules
from tests.support import BUNDLED_WORLD, make_game, npc_of
from tests.test_combat_fight import Rigged, fight_world, player_at
from tests.test_combat_rules import _check

EXHAUSTED = "You are too exhausted to go on. Rest a while: type 'rest'."


def game_with(root=BUNDLED_WORLD, clock=None, **rules):
    """A game whose combat rules are the world's with ``rules`` in their place."""
    game = make_game(root, clock=clock or Clock())
    set_rules(game.world, replace(rules_of(game.world), **rules))
    return game


def view(game, who):
    return vitals.vitals_of(game.world, who)


def tired(game, who, left: int) -> None:
    """Leave ``who`` with ``left`` movement points."""
    vitals.spend(game.world, who, "mv", view(game, who).mv - left)


def test_a_step_costs_movement_by_the_environment_walked_into():
    game = game_with(move_cost=MoveCost(1, (("forest", 3),)))
    ann, body = player_at(game, "Ann", "village:square")
    full = view(game, body).mv
    ann.type("north")
    assert body.room.id == "village:high_street" and view(game, body).mv == full - 1
    teleport(game.world, body, game.world.rooms["woods:path"], "", "arrives")
    assert view(game, body).mv == full - 1   # a teleport (recall, goto, death) is free
    ann.type("north")   # into the forest
    assert body.room.id == "woods:fork" and view(game, body).mv == full - 4


def test_move_cost_zero_makes_walking_free():
    game = game_with(move_cost=MoveCost(0))
    ann, body = player_at(game, "Ann", "village:square")
    tired(game, body, 0)
    ann.type("north")
    assert body.room.id == "village:high_street" and view(game, body).mv == 0


def test_an_exhausted_player_is_stopped_before_moving():
    game = game_with(move_cost=MoveCost(2))
    ann, body = player_at(game, "Ann", "village:square")
    tired(game, body, 1)
    said = ann.type("north")
    assert EXHAUSTED in said
    assert body.room.id == "village:square" and view(game, body).mv == 1
    tired(game, body, 0)
    ann.type("recall")   # a prayer, not a walk: no movement needed
    assert body.room.id == "village:chapel"


def test_a_closed_door_or_a_guard_that_stops_a_walk_costs_nothing():
    clock = Clock()
    game = game_with(clock=clock, move_cost=MoveCost(2))
    ann, body = player_at(game, "Ann", "mine:entrance")
    full = view(game, body).mv
    assert "The iron gate is closed" in ann.type("north")
    assert view(game, body).mv == full
    # Nothing is owed for the gate: a later teleport to where it led is free.
    teleport(game.world, body, game.world.rooms["mine:adit"], "", "arrives")
    assert view(game, body).mv == full
    said = ann.type("north")   # the bats will not let anyone in without a light
    assert "The bats will not let you" in said and body.room.id == "mine:adit"
    assert view(game, body).mv == full
    assert "The iron gate is closed" in ann.type("south")   # the gate, from inside
    assert view(game, body).mv == full
    teleport(game.world, body, game.world.rooms["village:square"], "", "arrives")
    ann.type("north")   # a walk that happens is paid
    assert body.room.id == "village:high_street" and view(game, body).mv == full - 2


def test_npcs_walk_for_free(tmp_path):
    root = tmp_path / "world"
    fight_world(root)
    game = game_with(root, move_cost=MoveCost(5))
    hare = npc_of(game.world, "woods:testhare")
    from mud.engine import actions

    actions.npc_go(game.world, hare, hare.room.exits["north"])
    assert hare.room.id == "woods:fork"


def test_flee_costs_more_than_a_step_and_cannot_be_done_without(tmp_path):
    root = tmp_path / "world"
    fight_world(root)
    game = game_with(root, move_cost=MoveCost(1), flee_cost=6)
    game.world.scheduler.rng = Rigged()
    ann, body = player_at(game, "Ann", "woods:path")
    ann.type("kill rat")
    tired(game, body, 5)
    said = ann.type("flee")
    assert "You are too exhausted to flee! A flee takes 6 movement and you have 5." in said
    assert fighting(game.world, body) and body.room.id == "woods:path"
    assert view(game, body).mv == 5
    vitals.record(game.world, body)["mv"] = 10
    said = ann.type("flee")
    assert "You flee head over heels" in said and body.room.id != "woods:path"
    assert view(game, body).mv == 4   # the flee's 6, not a step's 1


def test_rest_doubles_regeneration_until_the_player_stands():
    clock = Clock()
    game = game_with(clock=clock, regen=Regen(every=5, hp=2, mp=1, mv=4, resting=2))
    ann, body = player_at(game, "Ann", "village:square")
    bob, _ = player_at(game, "Bob", "village:square")
    tired(game, body, 10)
    clock.advance(5)
    assert view(game, body).mv == 14   # standing: 4 a tick
    said = ann.type("rest")
    assert "You sit down to rest." in said and "Ann sits down to rest." in bob.read()
    assert is_resting(game.world, body)
    assert "You are already resting" in ann.type("rest")
    clock.advance(5)
    assert view(game, body).mv == 22   # resting: 8 a tick
    assert "You are resting." in ann.type("score")
    ann.type("prompt <%v %r>")
    assert "<22 resting>" in ann.type("look")
    said = ann.type("stand")
    assert "You stand up." in said and "Ann stands up." in bob.read()
    assert "You are already standing." in ann.type("stand")
    clock.advance(5)
    assert view(game, body).mv == 26
    # One timer for the character, whether resting or not.
    assert len(game.world.scheduler.owned("vitals ann")) == 1


def test_walking_ends_a_rest():
    clock = Clock()
    game = game_with(clock=clock)
    ann, body = player_at(game, "Ann", "village:square")
    tired(game, body, 10)
    ann.type("rest")
    said = ann.type("north")
    assert "You stand up." in said and not is_resting(game.world, body)
    before = view(game, body).mv
    clock.advance(5)
    assert view(game, body).mv == before + rules_of(game.world).regen.mv


def test_no_rest_in_a_fight_and_an_attack_gets_a_resting_player_up(tmp_path):
    root = tmp_path / "world"
    fight_world(root)
    game = game_with(root)
    game.world.scheduler.rng = Rigged()
    ann, body = player_at(game, "Ann", "woods:path")
    bob, _ = player_at(game, "Bob", "woods:path")
    ann.type("rest")
    assert is_resting(game.world, body)
    # The snarling wolf at the fork attacks whoever comes in: Ann starts a fight instead.
    said = ann.type("kill rat")
    assert "You leap to your feet!" in said and not is_resting(game.world, body)
    assert "Ann leaps up!" in bob.read()
    assert "You cannot rest in the middle of a fight!" in ann.type("rest")


def test_an_attacked_resting_player_stands_up(tmp_path):
    root = tmp_path / "world"
    fight_world(root)
    game = game_with(root)
    game.world.scheduler.rng = Rigged()
    ann, body = player_at(game, "Ann", "woods:path")
    ann.type("rest")
    from mud.systems.combat.fight import fights_of

    rat = npc_of(game.world, "woods:testrat")
    fights_of(game.world).engage(rat, body)
    said = ann.read()
    assert "You leap to your feet!" in said and "attacks you!" in said
    assert not is_resting(game.world, body)


def test_mend_heals_at_once_and_costs_mana():
    game = game_with(mend=MendRule(4, Dice(0, 0, 7)))
    ann, body = player_at(game, "Ann", "village:square")
    bob, bob_body = player_at(game, "Bob", "village:square")
    assert "You are not hurt." in ann.type("mend")
    mp = view(game, body).mp
    assert view(game, body).mp == mp
    vitals.hurt(game.world, body, 10)
    hp = view(game, body).hp
    said = ann.type("mend")
    assert "your wounds close. (+7 health)" in said
    assert view(game, body).hp == hp + 7 and view(game, body).mp == mp - 4
    assert "Ann murmurs a word of mending and looks better." in bob.read()
    vitals.hurt(game.world, bob_body, 3)
    said = ann.type("mend bob")
    assert "over Bob. (+3 health)" in said   # never more than was missing
    assert "over you, and your wounds close. (+3 health)" in bob.read()
    assert view(game, bob_body).hp == view(game, bob_body).max_hp
    assert "You can mend only yourself" in ann.type("mend cat")


def test_mend_is_refused_with_too_little_mana():
    game = game_with(mend=MendRule(4, Dice(0, 0, 7)))
    ann, body = player_at(game, "Ann", "village:square")
    vitals.hurt(game.world, body, 10)
    vitals.spend(game.world, body, "mp", view(game, body).mp - 3)
    hp = view(game, body).hp
    said = ann.type("mend")
    assert "You do not have enough mana: a mend takes 4 and you have 3." in said
    assert view(game, body).hp == hp and view(game, body).mp == 3


def test_mend_in_a_fight_once_a_round(tmp_path):
    root = tmp_path / "world"
    fight_world(root)
    clock = Clock()
    game = game_with(root, clock=clock, mend=MendRule(1, Dice(0, 0, 2)))
    game.world.scheduler.rng = Rigged(d20=1)   # nobody hits: only the mends count
    ann, body = player_at(game, "Ann", "woods:path")
    vitals.hurt(game.world, body, 10)
    ann.type("kill snarling")   # not here; the rat is
    ann.type("kill rat")
    hp = view(game, body).hp
    assert "(+2 health)" in ann.type("mend")
    assert "once this round already" in ann.type("mend")
    assert view(game, body).hp == hp + 2
    clock.advance(ROUND)
    assert "(+2 health)" in ann.type("mend")
    assert view(game, body).hp == hp + 4


def test_the_events_read_in_text_and_json():
    assert render(Rest("rest", "Wynn", "room"), PLAIN) == "Wynn sits down to rest."
    frame = json.loads(render_json(Mend("Wynn", "Cora", 5, 4, "target")))
    assert frame["type"] == "mend" and frame["amount"] == 5 and frame["cost"] == 4
    assert frame["text"] == ("Wynn murmurs a word of mending over you, and your wounds "
                             "close. (+5 health)")
    frame = json.loads(render_json(Rest("woken", "Wynn", "self")))
    assert frame["type"] == "rest" and frame["action"] == "woken"


def test_the_world_yaml_keys_are_checked(tmp_path):
    rules, errors = _check("move_cost: {default: 1, forest: 2}\nflee_cost: 4\n"
                           "mend: {cost: 3, heals: 1d6}\nregen: {resting: 3}\n", tmp_path)
    assert errors == []
    assert rules.move_cost.into("forest") == 2 and rules.move_cost.into("town") == 1
    assert rules.flee_cost == 4 and rules.mend.cost == 3 and str(rules.mend.heals) == "1d6"
    assert rules.regen.resting == 3 and rules.regen.hp == 2
    assert _check("move_cost: 0\n", tmp_path)[0].move_cost.free
    for bad, said in (("move_cost: -1", "'move_cost' is -1; it must be from 0 to 1000"),
                      ("move_cost: {forest: lots}", "'move_cost.forest' must be a whole"),
                      ("move_cost: {dark forest: 2}", "one word each"),
                      ("flee_cost: 1.5", "'flee_cost' must be a whole number"),
                      ("mend: {cost: 5, heals: lots}", "'mend.heals'"),
                      ("mend: {price: 5}", "unknown key 'price'"),
                      ("mend: 5", "'mend' must be a mapping"),
                      ("regen: {resting: 0}", "'regen.resting' is 0; it must be from 1 to 10")):
        _, errors = _check(bad + "\n", tmp_path)
        assert any(said in e for e in errors), (bad, errors)
        assert all(e.startswith("world.yaml:1") for e in errors), errors
