"""Combat rules (world.yaml ``combat:``) and dice: defaults, the check's errors, rolls."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from mud.systems.combat.dice import Dice, parse_dice
from mud.systems.combat.rules import Points, Rules, check_combat, recall_room, rules_of, set_rules
from mud.world_schema import Context, Report
from mud.world_yaml import read_yaml

# -- dice ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "dice", "written"), [
    ("2d6+1", Dice(2, 6, 1), "2d6+1"), ("1d4", Dice(1, 4), "1d4"),
    ("d8-1", Dice(1, 8, -1), "1d8-1"),
    ("3", Dice(0, 0, 3), "3"), (3, Dice(0, 0, 3), "3"), (" 2D6 + 1 ", Dice(2, 6, 1), "2d6+1"),
])
def test_dice_are_read_as_builders_write_them(text, dice, written):
    assert parse_dice(text) == dice
    assert str(parse_dice(text)) == written


@pytest.mark.parametrize(("text", "words"), [
    ("x", "is not dice"), ("-3", "is not dice"), ("0d4", "throw 1 to 100 dice"),
    ("1d0", "1 to 1000 sides"), ("1d4+2000", "at most 1000"), ("", "must be written"),
    (True, "not true/false"), ("2d6+1x", "is not dice"), (None, "must be written"),
])
def test_bad_dice_say_what_to_write(text, words):
    with pytest.raises(ValueError) as caught:
        parse_dice(text)
    assert words in str(caught.value)


def test_a_roll_stays_within_its_dice_and_repeats_under_one_seed():
    dice = parse_dice("2d6+1")
    rolls = [dice.roll(random.Random(7)) for _ in range(3)]
    assert len(set(rolls)) == 1   # the same seed, the same throw
    many = [dice.roll(random.Random(seed)) for seed in range(300)]
    assert min(many) == 3 and max(many) == 13
    assert (dice.least, dice.most, dice.average) == (3, 13, 8.0)
    # A throw never heals: 1d2-3 hits for nothing.
    assert parse_dice("1d2-3").roll(random.Random(1)) == 0


# -- rules --------------------------------------------------------------------------------------

def test_default_rules_match_the_shared_plan():
    rules = Rules()
    assert rules.start == Points(20, 10, 60) and rules.start["hp"] == 20
    assert rules.per_level.mv == 5 and rules.regen.every == 5 and rules.regen["mv"] == 4
    assert rules.levels[:6] == (0, 100, 250, 500, 900, 1400)
    assert rules.slots[0] == "wield" and "finger" in rules.slots
    assert rules.death.xp_loss == 0.1 and rules.death["gold_loss"] == 0.25
    assert (rules.pvp, rules.corpse_decay, rules.start_gold, rules.recall) == (False, 300, 0, "")
    assert rules.coins(1) == "1 coin" and rules.coins(12) == "12 coins"


def test_levels_follow_the_xp_table():
    rules = Rules()
    assert [rules.level_for(xp) for xp in (0, 99, 100, 249, 250, 10**8)] == [1, 1, 2, 2, 3, 10]
    assert rules.xp_for(1) == 0 and rules.xp_for(3) == 250
    assert rules.xp_next(1) == 100 and rules.xp_next(rules.max_level) is None
    assert rules.maxima(3) == Points(36, 18, 70)


class _Lookup:
    """The loader's lookup, as far as the combat check asks it: rooms by full id."""

    def __init__(self, rooms: set[str]) -> None:
        self.rooms = rooms

    def room(self, ctx, ref, line, what):
        if ref in self.rooms:
            return type("R", (), {"id": ref})()
        ctx.error(f"{what}: no room {ref!r}", line)
        return None


def _check(text: str, tmp_path: Path, rooms: frozenset[str] = frozenset({"village:chapel"})):
    """check_combat on ``text`` read as the loader reads world.yaml: (rules, errors)."""
    path = tmp_path / "world.yaml"
    path.write_text(text, encoding="utf-8")
    report = Report()
    ctx = Context(path, report)
    with report.collecting():
        rules = check_combat(ctx, read_yaml(path, tmp_path), 3, _Lookup(set(rooms)))
    return rules, report.errors


def test_a_world_writes_its_own_numbers(tmp_path):
    rules, errors = _check("start: {hp: 30}\nper_level: {hp: 10}\nlevels: [0, 50, 150]\n"
                           "regen: {every: 3, hp: 4}\nslots: [Wield, body]\n"
                           "currency: silver crown\n"
                           "start_gold: 10\nrecall: village:chapel\ndeath: {xp_loss: 0.2}\n"
                           "pvp: true\ncorpse_decay: 60\nnpc_xp: 20\n", tmp_path)
    assert errors == []
    assert rules.start == Points(30, 10, 60) and rules.per_level.hp == 10
    assert rules.levels == (0, 50, 150) and rules.max_level == 3
    assert rules.regen.every == 3.0 and rules.regen.hp == 4 and rules.regen.mp == 1
    assert rules.slots == ("wield", "body") and rules.coins(2) == "2 silver crowns"
    assert (rules.start_gold, rules.recall, rules.pvp, rules.corpse_decay, rules.npc_xp) == \
        (10, "village:chapel", True, 60.0, 20)
    assert rules.death.xp_loss == 0.2 and rules.death.gold_loss == 0.25


@pytest.mark.parametrize(("text", "words"), [
    ("levels: [0, 100, 50]", "'levels' must grow: level 3 needs 50 xp"),
    ("levels: [10, 100]", "'levels' must start at 0"),
    ("levels: []", "'levels' must be a list"),
    ("start: {hp: 0}", "'start.hp' must be 1 at least"),
    ("start: {hp: lots}", "'combat': 'start.hp' must be a whole number"),
    ("start: {health: 3}", "unknown key 'health'"),
    ("regen: {every: 0}", "'regen.every' is 0; it must be from 1 to 3600"),
    ("recall: chapel", "as area:room"),
    ("recall: village:nowhere", "no room 'village:nowhere'"),
    ("death: {xp_loss: 2}", "'death.xp_loss' is 2; it must be from 0 to 1"),
    ("slots: [wield, wield]", "lists wield more than once"),
    ("pvp: sometimes", "'pvp' must be true or false"),
    ("hitpoints: 3", "unknown key 'hitpoints'"),
    ("titles: Newcomer", "'titles' must be a list, one title a level"),
    ("titles: [Newcomer, 3]", "title 2 must be text"),
    ("titles: [" + "x" * 31 + "]", "a title is 30 characters at most, not 31"),
    ("levels: [0, 100]\ntitles: [A, B, C]", "names 3 titles for 2 levels"),
])
def test_a_bad_combat_key_is_an_error_naming_the_line(text, words, tmp_path):
    _, errors = _check(text, tmp_path)
    assert any(words in e for e in errors), errors
    assert all(e.startswith("world.yaml:") for e in errors)


def test_a_world_without_combat_plays_by_the_defaults(world):
    assert rules_of(world) == Rules()
    assert recall_room(world) is world.start
    set_rules(world, Rules(recall="nowhere:at-all"))
    assert recall_room(world) is world.start   # a room that is gone falls back to the start
    room = next(iter(world.rooms.values()))
    set_rules(world, Rules(recall=room.id))
    assert recall_room(world) is room
