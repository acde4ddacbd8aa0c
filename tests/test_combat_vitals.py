"""Vitals and progression on task.Clock: a new character's points, regeneration timers (one
per character below its maximum, none once full, none while fighting, none after logout),
experience and levels, coins, NPCs' combat: key and respawns, the silent Vitals/Status
events (GMCP, JSON), score, prompt fields, and the state across a logout and a login."""

from __future__ import annotations

import json

import pytest
from twisted.internet.task import Clock

from mud.engine import hooks
from mud.render.json_events import render_json
from mud.systems.combat import vitals as v
from mud.systems.combat.dice import Dice
from mud.systems.combat.rules import Rules, set_rules
from mud.systems.combat.vitals_events import Experience, LevelUp, Status, Vitals
from mud.world_loader import WorldError, load_world
from tests.support import WirePlayer, gmcp_messages, join, make_game, npc_of
from tests.test_negotiator import DO, GMCP, IAC, sb
from tests.test_world_loader import build

REGEN = 5  # the bundled world's regen.every


def owned(world, character):
    return world.scheduler.owned(f"vitals {character.key}")


@pytest.fixture
def game(clock):
    return make_game(clock=clock)


def ann_in(game):
    player = WirePlayer(game)
    player.create("Ann")
    player.read()
    return player, game.world.online["ann"]


# -- a new character ---------------------------------------------------------------------------

def test_a_new_character_starts_full_at_level_one_with_the_worlds_coins(game):
    _, ann = ann_in(game)
    view = v.vitals_of(game.world, ann)
    assert (view.hp, view.max_hp, view.mp, view.max_mp, view.mv, view.max_mv) == \
        (20, 20, 10, 10, 60, 60)
    assert (view.level, view.xp, view.xp_next, view.gold) == (1, 0, 100, 10)
    assert view.damage == Dice(1, 3) and view.weapon == "" and view.armour == 0
    assert ann.state["combat"] == {"hp": 20, "mp": 10, "mv": 60, "level": 1, "xp": 0,
                                   "gold": 10}
    assert owned(game.world, ann) == ()   # full: no regeneration timer


def test_login_sends_silent_vitals_and_status_events(game):
    ann = join(game.world, "Ann", state=True)
    events = ann.link.take()
    vitals = next(e for e in events if isinstance(e, Vitals))
    status = next(e for e in events if isinstance(e, Status))
    assert (vitals.hp, vitals.maxhp, vitals.gold, vitals.xp_next) == (20, 20, 10, 100)
    assert vitals.silent and status.silent and status.labels and status.name == "Ann"
    frame = json.loads(render_json(vitals))
    assert frame["type"] == "vitals" and frame["silent"] is True
    assert {k: frame[k] for k in ("hp", "maxhp", "mp", "maxmp", "mv", "maxmv", "level", "xp",
                                  "xp_next", "gold")} == \
        {"hp": 20, "maxhp": 20, "mp": 10, "maxmp": 10, "mv": 60, "maxmv": 60, "level": 1,
         "xp": 0, "xp_next": 100, "gold": 10}
    # The client asks again (GMCP Char turned on later): told again.
    game.world.hooks.emit(hooks.REFRESH, who=ann, room=ann.room)
    assert {type(e) for e in ann.link.take()} >= {Vitals, Status}


def test_a_world_whose_files_name_no_combat_key_still_sends_vitals_at_the_first_login(clock):
    from mud.systems.combat.equipment_events import EquipmentState
    from tests.support import TINY
    world = load_world(TINY, clock)
    ann = join(world, "Ann", state=True)
    kinds = {type(e) for e in ann.link.take()}
    assert {Vitals, Status, EquipmentState} <= kinds


def test_telnet_gmcp_char_gets_vitals_status_and_status_vars_with_numbers(game):
    ann = WirePlayer(game)
    ann.send_bytes(IAC + DO + GMCP)
    ann.send_bytes(sb(GMCP, b'Core.Supports.Set ["Char 1"]'))
    ann.read_bytes()
    ann.send_bytes(b"create Ann secret1\r\n")
    got = dict(gmcp_messages(ann.read_bytes()))
    assert got["Char.Vitals"] == {"hp": 20, "maxhp": 20, "mp": 10, "maxmp": 10, "mv": 60,
                                  "maxmv": 60, "xp": 0, "maxxp": 100,
                                  "string": "H:20/20 M:10/10 V:60/60"}
    assert got["Char.Status"] == {"name": "Ann", "level": 1, "xp": 0, "maxxp": 100,
                                  "gold": 10, "title": "Newcomer"}
    assert got["Char.StatusVars"]["level"] == "Level"
    assert got["Char.StatusVars"]["title"] == "Title"
    # Every change is sent: a wound, then each regeneration tick.
    v.hurt(game.world, game.world.online["ann"], 5)
    assert dict(gmcp_messages(ann.read_bytes()))["Char.Vitals"]["hp"] == 15
    game.world.clock.advance(REGEN)
    assert dict(gmcp_messages(ann.read_bytes()))["Char.Vitals"]["hp"] == 17
    # Silent: the telnet player reads no line for any of it.
    assert "H:" not in ann.read()


# -- regeneration ------------------------------------------------------------------------------

def test_regeneration_is_one_timer_while_below_max_and_none_once_full(game, clock):
    _, ann = ann_in(game)
    world = game.world
    before = world.scheduler.live()
    assert v.hurt(world, ann, 9) is False
    assert len(owned(world, ann)) == 1 and world.scheduler.live() == before + 1
    v.hurt(world, ann, 1)
    assert len(owned(world, ann)) == 1   # still one timer, however often hurt
    v.spend(world, ann, "mv", 10)
    seen = []
    for _ in range(6):
        clock.advance(REGEN)
        seen.append(v.vitals_of(world, ann).hp)
    assert seen == [12, 14, 16, 18, 20, 20]
    assert v.vitals_of(world, ann).mv == 60   # 4 a tick: full after 3
    assert owned(world, ann) == () and world.scheduler.live() == before


def test_nothing_regenerates_while_fighting_and_it_starts_again_after(game, clock):
    _, ann = ann_in(game)
    world = game.world
    v.set_fighting(world, ann, True)
    v.hurt(world, ann, 6)
    assert v.is_fighting(world, ann) and owned(world, ann) == ()
    clock.advance(REGEN * 3)
    assert v.vitals_of(world, ann).hp == 14
    v.set_fighting(world, ann, False)
    assert len(owned(world, ann)) == 1
    clock.advance(REGEN)
    assert v.vitals_of(world, ann).hp == 16


def test_logging_out_cancels_the_timer_and_the_wound_is_saved(game, clock):
    player, ann = ann_in(game)
    world = game.world
    v.hurt(world, ann, 8)
    player.type("quit")
    assert owned(world, ann) == ()
    saved = json.loads(game.store.characters["ann"].state)["combat"]["value"]
    assert saved["hp"] == 12
    clock.advance(REGEN * 10)   # nothing runs for someone who is not here
    again = WirePlayer(game)
    again.type("Ann")
    again.type("secret1")
    back = world.online["ann"]
    assert v.vitals_of(world, back).hp == 12
    # Back in the game: regenerating again.
    assert len(owned(world, back)) == 1
    clock.advance(REGEN)
    assert v.vitals_of(world, back).hp == 14


def test_level_xp_and_coins_survive_a_logout_and_a_login(game):
    player, ann = ann_in(game)
    world = game.world
    v.gain_xp(world, ann, 260, tell=False)
    v.add_gold(world, ann, 32)
    v.spend(world, ann, "mp", 5)
    player.type("quit")
    again = WirePlayer(game)
    again.type("Ann")
    again.type("secret1")
    view = v.vitals_of(world, world.online["ann"])
    assert (view.level, view.xp, view.gold, view.mp, view.max_mp) == (3, 260, 42, 13, 18)


# -- experience and levels --------------------------------------------------------------------

def test_gaining_levels_tells_the_player_and_adds_the_levels_points(game):
    player, ann = ann_in(game)
    world = game.world
    v.hurt(world, ann, 10)
    assert v.gain_xp(world, ann, 99) == 0
    assert v.gain_xp(world, ann, 1) == 1
    out = player.read()
    assert "You gain 99 experience." in out and "You gain 1 experience." in out
    assert "You are now level 2! (+8 health, +4 mana, +5 movement)" in out
    view = v.vitals_of(world, ann)
    assert (view.level, view.hp, view.max_hp, view.max_mv, view.xp_next) == (2, 18, 28, 65, 250)
    assert v.gain_xp(world, ann, 10_000) == 8   # to the top, 10 levels in all
    assert v.vitals_of(world, ann).level == 10 and v.vitals_of(world, ann).xp_next is None
    assert "You are now level 10!" in player.read()


def test_losing_experience_never_costs_a_level(game):
    _, ann = ann_in(game)
    world = game.world
    v.gain_xp(world, ann, 300, tell=False)
    v.gain_xp(world, ann, -30)
    assert v.vitals_of(world, ann).xp == 270
    v.gain_xp(world, ann, -500)
    view = v.vitals_of(world, ann)
    assert (view.level, view.xp) == (3, 250)


def test_experience_and_level_events_render(game):
    from mud.render.text import PLAIN, render
    assert render(Experience(20, 120), PLAIN) == "You gain 20 experience."
    assert render(Experience(-12, 88), PLAIN) == "You lose 12 experience."
    assert json.loads(render_json(LevelUp(3, 8, 4, 5)))["level"] == 3


# -- coins ---------------------------------------------------------------------------------

def test_coins_are_given_and_taken_only_when_there_are_enough(game):
    _, ann = ann_in(game)
    world = game.world
    assert v.gold(ann) == 10 and v.gold(world, ann) == 10
    v.add_gold(world, ann, 5)
    assert v.take_gold(world, ann, 16) is False and v.gold(ann) == 15
    assert v.take_gold(world, ann, 15) is True and v.gold(ann) == 0
    v.add_gold(world, ann, -3)   # never a way to take
    assert v.gold(ann) == 0


def test_points_stay_within_zero_and_the_maximum(game):
    _, ann = ann_in(game)
    world = game.world
    assert v.spend(world, ann, "mp", 11) is False and v.vitals_of(world, ann).mp == 10
    v.heal(world, ann, 50)
    assert v.vitals_of(world, ann).hp == 20
    assert v.hurt(world, ann, 500) is True and v.vitals_of(world, ann).hp == 0
    assert owned(world, ann) == ()   # nothing regenerates the dead: the fight part decides
    v.restore(world, ann)
    assert v.vitals_of(world, ann).full
    with pytest.raises(ValueError):
        v.spend(world, ann, "hp", 1)


def test_a_damaged_saved_record_is_put_right(game):
    _, ann = ann_in(game)
    ann.state["combat"] = {"hp": "lots", "level": 0, "xp": 260, "gold": -4, "junk": 1}
    view = v.vitals_of(game.world, ann)
    assert (view.level, view.xp, view.gold, view.hp) == (3, 260, 10, 36)
    assert set(ann.state["combat"]) == {"hp", "mp", "mv", "level", "xp", "gold"}


def test_a_saved_level_the_worlds_levels_no_longer_reach_is_brought_to_its_experience(game):
    # A builder shrank 'levels' to three: a saved level 5 with 950 experience is level 1
    # now (950 < 1000), and one more point of experience is one more point, not a jump.
    import dataclasses
    _, ann = ann_in(game)
    world = game.world
    ann.state["combat"] = {"hp": 52, "mp": 26, "mv": 80, "level": 5, "xp": 950, "gold": 0}
    set_rules(world, dataclasses.replace(Rules(), levels=(0, 1000, 2000)))
    assert v.vitals_of(world, ann).level == 1
    v.gain_xp(world, ann, 1, tell=False)
    assert (ann.state["combat"]["level"], ann.state["combat"]["xp"]) == (1, 951)
    v.gain_xp(world, ann, 5000, tell=False)   # past the last level: stays at the last
    assert (v.vitals_of(world, ann).level, v.vitals_of(world, ann).xp) == (3, 5951)
    ann.state["combat"]["level"] = 9           # above the last level: brought down
    assert v.vitals_of(world, ann).level == 3


# -- bonuses ----------------------------------------------------------------------------------

def test_a_registered_bonus_adds_to_maxima_and_arms_the_character(game):
    _, ann = ann_in(game)
    world = game.world

    def ring(w, who):
        return {"max_hp": 5, "armour": 2, "hitroll": 1, "damage": Dice(1, 8),
                "weapon": "a short sword"} if who is ann else {}
    v.register_bonus(ring)
    try:
        view = v.vitals_of(world, ann)
        assert (view.max_hp, view.armour, view.hitroll, str(view.damage), view.weapon) == \
            (25, 2, 1, "1d8", "a short sword")
        v.restore(world, ann)
        assert v.vitals_of(world, ann).hp == 25
    finally:
        v.BONUSES.remove(ring)
    # The ring comes off: health above the new maximum comes down when next sent.
    v.send_vitals(world, ann)
    assert v.vitals_of(world, ann).hp == 20


# -- NPCs ----------------------------------------------------------------------------------

NPCS = """\
cat:
  name: Mouser
  description: A cat.
wolf:
  name: a grey wolf
  description: Grey.
  combat: {level: 2, hp: 18, damage: 1d6, armour: 1, xp: 30}
rat:
  name: a rat
  description: Small.
  combat: {level: 3, hp: 6}
"""
ROOMS = """\
square:
  name: Square
  description: A square.
  npcs: [cat, wolf, rat]
"""


def test_an_npcs_combat_key_gives_each_placed_copy_vitals_and_a_respawn_fresh_ones(
        tmp_path, monkeypatch):
    root = build(tmp_path, monkeypatch, village__npcs=NPCS, village__rooms=ROOMS,
                 village__area="name: The Village\nreset: {every: 60}\n")
    clock = Clock()
    world = load_world(root, clock)
    wolf, rat, cat = (npc_of(world, f"village:{n}") for n in ("wolf", "rat", "cat"))
    assert v.vitals_of(world, cat) is None   # no combat: it cannot fight
    view = v.vitals_of(world, wolf)
    assert (view.hp, view.max_hp, view.level, view.xp, view.armour, str(view.damage)) == \
        (18, 18, 2, 30, 1, "1d6")
    rat_view = v.vitals_of(world, rat)
    assert (rat_view.xp, str(rat_view.damage), rat_view.max_mv) == (45, "1d4", 70)
    join(world, "Ann", "village:square", quiet=True)   # the area wakes
    v.hurt(world, wolf, 10)
    assert world.scheduler.owned("npc village:wolf")
    clock.advance(REGEN)
    assert v.vitals_of(world, wolf).hp == 10
    world.remove_npc(wolf)   # killed
    assert world.scheduler.owned("npc village:wolf") == ()
    clock.advance(61)
    back = npc_of(world, "village:wolf")
    assert back is not wolf and v.vitals_of(world, back).hp == 18


@pytest.mark.parametrize(("combat", "words"), [
    ("{hp: 5}", "missing required key 'level'"),
    ("{level: 1, hp: 0}", "'hp' is 0; it must be from 1"),
    ("{level: 1, hp: 5, damage: 2x}", "'combat': 'damage': '2x' is not dice"),
    ("{level: 1, hp: 5, xp: lots}", "'xp' must be a whole number"),
    ("{level: 1, hp: 5, speed: 3}", "unknown key 'speed'"),
    ("fierce", "'combat' must be a mapping"),
])
def test_a_bad_npc_combat_key_is_refused_naming_file_and_line(tmp_path, monkeypatch, combat,
                                                               words):
    npcs = f"wolf:\n  name: a wolf\n  description: Grey.\n  combat: {combat}\n"
    root = build(tmp_path, monkeypatch, village__npcs=npcs,
                 village__rooms=ROOMS.replace("cat, wolf, rat", "wolf"))
    with pytest.raises(WorldError) as caught:
        load_world(root, Clock())
    assert words in str(caught.value)
    assert "village/npcs.yaml:4" in str(caught.value)


def test_the_status_frame_carries_the_servers_plural_of_the_currency(tmp_path, monkeypatch):
    # "silver pence", as the server's own text says it: a client never makes up
    # "silver pennies".
    from tests.test_world_loader import WORLD
    root = build(tmp_path, monkeypatch,
                 world=WORLD + "combat:\n  currency: silver penny\n  start_gold: 7\n")
    game = make_game(root)
    player = WirePlayer(game)
    player.create("Ann")
    player.read()
    assert "You carry 7 silver pence." in player.type("score")
    ann = game.world.online["ann"]
    frame = json.loads(render_json(next(
        e for e in _sent_status(game.world, ann))))
    assert (frame["currency"], frame["currency_plural"], frame["gold"]) == \
        ("silver penny", "silver pence", 7)


def _sent_status(world, character):
    from tests.support import Probe
    character.link = probe = Probe()
    v.send_status(world, character)
    return [e for e in probe.take() if isinstance(e, Status)]


def test_a_bad_world_combat_key_stops_the_load_naming_world_yaml(tmp_path, monkeypatch):
    from tests.test_world_loader import WORLD
    root = build(tmp_path, monkeypatch,
                 world=WORLD + "combat:\n  recall: village:nowhere\n  levels: [0, 5, 5]\n")
    with pytest.raises(WorldError) as caught:
        load_world(root, Clock())
    text = str(caught.value)
    assert "world.yaml:5" in text and "nowhere" in text
    assert "world.yaml:6" in text and "'levels' must grow" in text


def test_the_bundled_world_recalls_to_the_chapel(game):
    from mud.systems.combat.rules import recall_room, rules_of
    assert recall_room(game.world).id == "village:chapel"
    assert rules_of(game.world).start_gold == 10


# -- score and the prompt ---------------------------------------------------------------------

def test_score_shows_the_sheet_as_text(game):
    player, ann = ann_in(game)
    v.gain_xp(game.world, ann, 130, tell=False)
    player.read()
    out = player.type("score")
    # Emberfall's titles give the level a name (world.yaml combat: titles).
    assert "Ann the Wayfarer, level 2" in out
    assert "Health: 28/28  Mana: 14/14  Movement: 65/65" in out
    assert "Experience: 130 (120 to level 3)" in out
    assert "Damage: 1d3 (bare hands)" in out and "You carry 10 coins." in out


def test_prompt_fields_show_vitals(game):
    player, ann = ann_in(game)
    v.hurt(game.world, ann, 3)
    player.read()
    player.type("prompt <%h/%Hhp %m/%Mm %v/%Vmv L%l %x/%Xxp %gc %%>")
    out = player.type("look")
    assert "<17/20hp 10/10m 60/60mv L1 0/100xp 10c %>" in out


def test_a_world_with_different_rules_counts_by_them(game):
    set_rules(game.world, Rules(levels=(0, 10), start_gold=0))
    _, ann = ann_in(game)
    assert v.gold(ann) == 0
    assert v.gain_xp(game.world, ann, 50, tell=False) == 1
    assert v.vitals_of(game.world, ann).xp_next is None


def test_no_timer_waits_on_a_point_the_rules_never_regenerate(game, clock):
    from mud.systems.combat.rules import Regen
    set_rules(game.world, Rules(regen=Regen(every=5, hp=2, mp=0, mv=4), start_gold=10))
    _, ann = ann_in(game)
    world = game.world
    v.spend(world, ann, "mp", 4)
    assert owned(world, ann) == ()   # mana never comes back here: nothing to wait for
    v.hurt(world, ann, 2)
    assert len(owned(world, ann)) == 1
    clock.advance(REGEN)
    assert v.vitals_of(world, ann).hp == 20 and v.vitals_of(world, ann).mp == 6
    assert owned(world, ann) == ()


def test_an_npc_starts_full_counting_what_it_wears(tmp_path, monkeypatch):
    root = build(tmp_path, monkeypatch, village__npcs=NPCS, village__rooms=ROOMS)
    world = load_world(root, Clock())
    wolf = npc_of(world, "village:wolf")

    def hide(w, who):   # a thick hide, as equipment would add it
        return {"max_hp": 5} if who is wolf else {}
    v.register_bonus(hide)
    try:
        view = v.vitals_of(world, wolf)
        assert (view.hp, view.max_hp) == (23, 23)
    finally:
        v.BONUSES.remove(hide)


def test_a_worlds_titles_name_each_level_in_status_and_score_and_past_the_last(game):
    """world.yaml combat: titles: the class-like field Char.Status carries (the issue's
    "fields the world defines"), in the status frame and score too."""
    import json as _json
    player, ann = ann_in(game)
    rules = v.rules_of(game.world)
    assert rules.title(1) == "Newcomer" and rules.title(3) == "Woodsrunner"
    assert rules.title(999) == "Warden of Emberfall"
    v.gain_xp(game.world, ann, 260, tell=False)   # level 3
    player.read()
    assert "Ann the Woodsrunner, level 3" in player.type("score")
    seen = []
    ann.link, real = type("Tap", (), {"send": lambda self, e: seen.append(e)})(), ann.link
    v.send_status(game.world, ann)
    ann.link = real
    frame = _json.loads(render_json(next(e for e in seen if isinstance(e, Status))))
    assert frame["title"] == "Woodsrunner" and frame["level"] == 3


def test_a_world_without_titles_sends_none(clock):
    from tests.support import TINY
    world = load_world(TINY, clock)
    ann = join(world, "Ann", state=True)
    status = next(e for e in ann.link.take() if isinstance(e, Status))
    assert status.title == ""
    from mud.systems.combat.vitals_events import _status_gmcp
    (_, vars_), (_, fields) = _status_gmcp(Status("Ann", 1, 0, 100, 0, "coin", labels=True))
    assert "title" not in fields and "title" not in vars_
