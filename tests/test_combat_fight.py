"""Fights (mud/systems/combat/fight*.py): rounds on the scheduler's clock, NPCs fighting
back, the restraint and flee, wimpy (players' and NPCs'), aggressive NPCs, safe rooms,
pvp refused, consider, and fights ending cleanly when someone goes."""

from __future__ import annotations

import json
import random
import shutil

import pytest
from twisted.internet.task import Clock

from mud.render.json_events import render_json
from mud.render.text import PLAIN, render
from mud.systems.combat import vitals
from mud.systems.combat.death import teleport
from mud.systems.combat.fight import ROUND, fighting, fights_of
from mud.systems.combat.fight_events import Combat
from mud.systems.combat.rules import rules_of, set_rules
from tests.support import BUNDLED_WORLD, WirePlayer, make_game, npc_of
from tests.test_world_loader import build, error

# Creatures only these tests' world has, so the bundled world's own can be tuned freely.
CREATURES = """
testrat:
  name: a test rat
  keywords: [rat, test]
  description: A rat that lives only in tests.
  combat: {level: 1, hp: 6, damage: 1d2, xp: 20}
  loot: {coins: 5, items: [emberleaf]}
testhare:
  name: a timid hare
  keywords: [hare, timid]
  description: A hare with its ears flat.
  combat: {level: 1, hp: 10, damage: "1", xp: 5}
  behaviours: {wimpy: {below: 60}}
snarler:
  name: a snarling wolf
  keywords: [wolf, snarling]
  description: A wolf that lives only in tests.
  combat: {level: 1, hp: 30, damage: 1d2, xp: 40}
  behaviours: {aggressive: {}}
"""


def fight_world(root) -> None:
    """The bundled world at ``root``, with the test creatures: the rat and the hare on
    the Thornwood Path, the snarling wolf at the fork; the woods' edge is safe."""
    shutil.copytree(BUNDLED_WORLD, root)
    npcs = root / "woods" / "npcs.yaml"
    npcs.write_text(npcs.read_text() + CREATURES)
    rooms = root / "woods" / "rooms.yaml"
    text = rooms.read_text()
    for old, new in (("    north: fork\n    south: edge\n",
                      "    north: fork\n    south: edge\n  npcs: [testrat, testhare]\n"),
                     ("  items: [waystone]\n", "  items: [waystone]\n  npcs: [snarler]\n"),
                     ("edge:\n  name: Edge of the Thornwood\n",
                      "edge:\n  name: Edge of the Thornwood\n  safe: true\n")):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    rooms.write_text(text)


@pytest.fixture
def root(tmp_path):
    found = tmp_path / "world"
    fight_world(found)
    return found


class Rigged(random.Random):
    """Dice that do what a test says: every d20 comes up ``d20``, every other die its
    lowest face (1 damage a die), and ``random()`` (a flee's chance) gives ``chance``."""

    def __init__(self, d20: int = 20, chance: float = 0.9) -> None:
        super().__init__(1)
        self.d20 = d20
        self.chance = chance

    def randint(self, a: int, b: int) -> int:
        return self.d20 if (a, b) == (1, 20) else a

    def random(self) -> float:
        return self.chance


def player_at(game, name: str, room_id: str) -> tuple[WirePlayer, object]:
    """A new player ``name`` taken to ``room_id`` (heard by the hooks, so its area wakes)."""
    player = WirePlayer(game)
    player.create(name)
    body = game.world.find_online(name.lower())
    teleport(game.world, body, game.world.rooms[room_id], "", "arrives")
    player.read()
    return player, body


def on_path(root, clock=None, rng=None):
    game = make_game(root, clock=clock or Clock())
    game.world.scheduler.rng = rng or Rigged()
    ann, body = player_at(game, "Ann", "woods:path")
    return game, ann, body


def hp(game, who) -> int:
    return vitals.vitals_of(game.world, who).hp


def test_kill_lands_a_first_blow_and_the_fight_goes_on_in_rounds_on_one_timer(root):
    clock = Clock()
    game, ann, body = on_path(root, clock)
    rat = npc_of(game.world, "woods:testrat")
    said = ann.type("kill rat")
    assert "You attack a test rat!" in said
    assert "You graze a test rat. (1)" in said   # the first blow, at once
    assert "A test rat grazes you. (1)" in said   # and the rat's answer, at once too
    assert said.index("You graze") < said.index("A test rat grazes you")
    assert hp(game, rat) == 5 and fighting(game.world, body) and fighting(game.world, rat)
    timers = game.world.scheduler.owned("fight woods:path")
    assert len(timers) == 1
    full = hp(game, body) + 1
    assert hp(game, body) == full - 1
    clock.advance(ROUND - 0.1)
    assert hp(game, rat) == 5 and hp(game, body) == full - 1   # nothing until the round
    clock.advance(0.1)
    said = ann.read()
    # The round: Ann hits, the rat (who joined second) bites back.
    assert "You graze a test rat. (1)" in said and "A test rat grazes you. (1)" in said
    assert hp(game, rat) == 4 and hp(game, body) == full - 2
    # After the round the fighter sees the prompt again: a prompt with vitals is the
    # health bar between blows.
    ann.type("prompt <%h/%Hhp>")
    clock.advance(ROUND)
    assert ann.read().rstrip("\n").endswith(f"<{full - 3}/{full}hp> ")
    # A second player joins the same fight: still one timer for the room.
    bob, _bob_body = player_at(game, "Bob", "woods:path")
    bob.type("kill rat")
    assert game.world.scheduler.owned("fight woods:path") == timers
    assert "Bob attacks a test rat!" in ann.read()


def test_the_room_sees_each_blow_in_its_own_words_and_web_clients_get_the_fields(root):
    game, ann, _body = on_path(root)
    bob, _ = player_at(game, "Bob", "woods:path")
    ann.type("kill rat")
    seen = bob.read()
    assert "Ann attacks a test rat!" in seen and "Ann grazes a test rat." in seen
    assert "(1)" not in seen   # numbers are for the two fighting
    frame = json.loads(render_json(Combat("hit", "Ann", "a test rat", "victim", 4,
                                          "a short sword")))
    assert frame["type"] == "combat" and frame["action"] == "hit" and frame["amount"] == 4
    assert frame["role"] == "victim" and frame["weapon"] == "a short sword"
    assert frame["text"] == "Ann hits you with a short sword. (4)"
    assert render(Combat("hit", "Ann", "a test rat", "attacker", 4, "a short sword"),
                  PLAIN) == "You hit a test rat with your short sword. (4)"
    assert render(Combat("kill", "Ann", "a test rat", "room"), PLAIN) == \
        "A test rat is dead! R.I.P."


def test_misses_when_the_dice_say_so_and_a_twenty_always_hits(root):
    game, ann, _body = on_path(root, rng=Rigged(d20=1))
    rat = npc_of(game.world, "woods:testrat")
    assert "You miss a test rat." in ann.type("kill rat")
    assert hp(game, rat) == 6
    # Even against armour no level makes up for: a 20 is a hit.
    rat.props["vitals"].spec = type(rat.props["vitals"].spec)(level=1, hp=6, armour=50)
    game.world.scheduler.rng.d20 = 20
    game.world.scheduler.clock.advance(ROUND)
    assert hp(game, rat) == 5


def test_a_fighter_cannot_walk_away_but_can_flee(root):
    clock = Clock()
    game, ann, body = on_path(root, clock)
    ann.type("kill rat")
    said = ann.type("north")
    assert "You are fighting! Type 'flee' to run away." in said
    assert body.room.id == "woods:path"
    game.world.scheduler.rng.chance = 0.0   # the flee fails
    assert "You try to flee, but cannot get away!" in ann.type("flee")
    assert fighting(game.world, body) and body.room.id == "woods:path"
    game.world.scheduler.rng.chance = 0.9
    said = ann.type("flee")
    assert "You flee head over heels" in said
    assert body.room.id != "woods:path" and not fighting(game.world, body)
    rat = npc_of(game.world, "woods:testrat")
    assert not fighting(game.world, rat)
    assert game.world.scheduler.owned("fight woods:path") == ()   # the fight ended
    assert "You are not fighting anyone" in ann.type("flee")


def test_hit_and_run_costs_the_attacker_a_blow_each_time(root):
    """kill, flee, walk back, kill again, faster than a round: the creature answers each
    first blow at once, so the loop is never free (issue 13)."""
    clock = Clock()
    game, ann, body = on_path(root, clock)
    rat = npc_of(game.world, "woods:testrat")
    start = hp(game, body)
    back = {"north": "south", "south": "north", "east": "west", "west": "east"}
    cycles = 0
    while rat.room is not None and cycles < 20:
        cycles += 1
        ann.type("kill rat")
        if rat.room is None:
            break
        said = ann.type("flee")
        way = said.split("flee head over heels ")[1].split("!")[0]
        ann.type(back[way])
        clock.advance(1.0)   # well inside a round
    assert rat.room is None and cycles == 6   # a point a blow on a rat of 6
    # Five answered blows (the last blow killed it before it could answer).
    assert hp(game, body) == start - 5


def test_a_flee_is_followed_by_a_room_frame_for_the_runner_and_a_depart_for_others(root):
    """What docs/protocol.md says of a flee: the runner's own combat frame is followed by
    the room it ran to; everyone else's by a depart (issue 13)."""
    from tests.support import Probe, join

    game, _ann, body = on_path(root)
    world = game.world
    bob = join(world, "Bob", "woods:path", quiet=True)
    fights = fights_of(world)
    fights.engage(body, npc_of(world, "woods:testrat"))
    body.link, bob.link = Probe(silent=False), Probe(silent=False)
    assert fights.flee(body)
    own = [e.kind for e in body.link.take()]
    assert own[:2] == ["combat", "room"], own
    theirs = [e.kind for e in bob.link.take()]
    assert theirs[:2] == ["combat", "depart"], theirs


def test_a_players_wimpy_flees_on_its_own(root):
    clock = Clock()
    game, ann, body = on_path(root, clock)
    assert "Your wimpy is off" in ann.type("wimpy")
    assert "from 1 to 10" in ann.type("wimpy 99")
    assert "Wimpy set to 10" in ann.type("wimpy 10")
    assert "Your wimpy is 10" in ann.type("wimpy")
    vitals.hurt(game.world, body, hp(game, body) - 11)   # one point above it
    said = ann.type("kill rat")   # the rat's answer leaves 10: Ann runs at once
    assert body.room.id != "woods:path" and not fighting(game.world, body)
    assert "You flee head over heels" in said
    ann.type("wimpy off")
    assert body.state["combat.wimpy"] == 0


def test_a_wimpy_npc_runs_when_hurt_enough(root):
    clock = Clock()
    game, ann, body = on_path(root, clock)
    hare = npc_of(game.world, "woods:testhare")
    vitals.hurt(game.world, hare, 4)   # 6 of 10 left: one more blow takes it under 60%
    said = ann.type("kill hare")
    assert "A timid hare panics and flees" in said
    assert hare.room is not body.room and not fighting(game.world, hare)
    assert not fighting(game.world, body)


def test_a_wimpy_npc_flees_only_into_rooms_of_its_own_area():
    """The poacher at the Foot of the Hills never runs north into the mine (another
    area, whose reset would never bring him back to the woods); with only that way open
    he is stuck (issue 13)."""
    game = make_game(BUNDLED_WORLD, clock=Clock())
    world = game.world
    world.scheduler.rng = random.Random(7)
    foot = world.rooms["woods:hill_foot"]
    poacher = npc_of(world, "woods:poacher")
    fights = fights_of(world)
    went = set()
    for _ in range(40):
        if fights.flee(poacher):
            went.add(poacher.room.area)
            poacher.room.npcs.remove(poacher)   # straight back, for the next try
            poacher.room = foot
            foot.npcs.append(poacher)
    assert went == {"woods"}
    # Only the mine's way left open: stuck where he is.
    woods_ways = {name: e for name, e in foot.exits.items() if e.target.area == "woods"}
    for name in woods_ways:
        del foot.exits[name]
    try:
        for _ in range(10):
            assert not fights.flee(poacher)
            assert poacher.room is foot
    finally:
        foot.exits.update(woods_ways)


def test_an_aggressive_npc_attacks_who_comes_in_but_not_in_a_safe_room(root):
    clock = Clock()
    game, ann, body = on_path(root, clock)
    wolf = npc_of(game.world, "woods:snarler")
    said = ann.type("north")
    assert "A snarling wolf attacks you!" in said
    assert fighting(game.world, wolf) and fights_of(game.world).target_of(wolf) is body
    # The same wolf in a safe room leaves players alone.
    game2 = make_game(root, clock=Clock())
    game2.world.scheduler.rng = Rigged()
    cyd, cyd_body = player_at(game2, "Cyd", "woods:edge")
    wolf2 = npc_of(game2.world, "woods:snarler")
    fork, edge = game2.world.rooms["woods:fork"], game2.world.rooms["woods:edge"]
    fork.npcs.remove(wolf2)
    wolf2.room = edge
    edge.npcs.append(wolf2)
    cyd.type("north")
    assert "attacks you" not in cyd.type("south")   # back into the safe edge
    game2.world.scheduler.clock.advance(1)
    assert not fighting(game2.world, cyd_body) and not fighting(game2.world, wolf2)


def test_no_fighting_in_a_safe_room_and_no_pvp_unless_the_rules_allow(root):
    game, ann, body = on_path(root)
    bob, bob_body = player_at(game, "Bob", "woods:path")
    assert "Players do not fight each other" in ann.type("kill bob")
    assert not fighting(game.world, body)
    from dataclasses import replace
    set_rules(game.world, replace(rules_of(game.world), pvp=True))
    assert "You attack Bob!" in ann.type("kill bob")
    assert "Ann attacks you!" in bob.read()
    assert fighting(game.world, bob_body)
    # The woods' edge is safe (this world's rooms.yaml says so), whatever the rules.
    cyd, _ = player_at(game, "Cyd", "woods:edge")
    _dan, _ = player_at(game, "Dan", "woods:edge")
    assert "This is a place of peace" in cyd.type("kill dan")
    # An NPC without combat: cannot be fought at all.
    eve, _ = player_at(game, "Eve", "woods:herb_cottage")
    assert "Nell Briar is not someone you can fight" in eve.type("kill nell")
    assert "You see no 'dragon' here" in eve.type("kill dragon")
    assert "Attack whom?" in eve.type("kill")


def test_consider_compares_levels(root):
    game, ann, _body = on_path(root)
    assert "You size up a test rat. The perfect match!" in ann.type("consider rat")
    rat = npc_of(game.world, "woods:testrat")
    rat.props["vitals"].spec = type(rat.props["vitals"].spec)(level=9, hp=6)
    assert "Are you mad?" in ann.type("con rat")


def test_consider_refuses_what_cannot_be_fought_rather_than_calling_it_a_match(root):
    """Nell has no combat: consider is refused in words (an error frame), never a
    consider frame with difference 0 that reads as "the perfect match" (issue 13)."""
    from mud.engine.actions import Refusal
    from mud.systems.combat.fight_commands import consider

    game, _ann, _body = on_path(root)
    eve, eve_body = player_at(game, "Eve", "woods:herb_cottage")
    with pytest.raises(Refusal, match="Nell Briar is not someone you can fight"):
        consider(game.world, eve_body, "nell")   # (no Consider event sent: refused)
    eve.read()
    said = eve.type("consider nell")
    assert "Nell Briar is not someone you can fight: there is nothing to size up." in said
    assert "perfect match" not in said


def test_fights_end_cleanly_when_someone_goes(root):
    clock = Clock()
    game, ann, body = on_path(root, clock)
    world = game.world
    rat = npc_of(world, "woods:testrat")
    ann.type("kill rat")
    # A builder takes the rat out of the world: the fight is over, nothing left ticking.
    world.remove_npc(rat)
    assert not fighting(world, body) and world.scheduler.owned("fight woods:path") == ()
    clock.advance(ROUND * 3)
    # Quitting mid-fight is refused; a logout (a link-dead body timing out) ends it.
    ann.type("kill hare")
    assert "cannot quit in the middle of a fight" in ann.type("quit")
    hare = npc_of(world, "woods:testhare")
    world.leave(body)
    assert not fighting(world, hare) and world.scheduler.owned("fight woods:path") == ()
    # Moved away with no hook at all (a reload's vanishing room does that): the next round
    # lets go of both, and nothing is hit across rooms.
    bob, bob_body = player_at(game, "Bob", "woods:path")
    bob.type("kill hare")
    hp_before = hp(game, hare)
    world.move(bob_body, world.rooms["woods:fork"])
    clock.advance(ROUND)
    assert hp(game, hare) == hp_before and not fighting(world, bob_body)
    assert not fighting(world, hare) and world.scheduler.owned("fight woods:path") == ()


def test_a_link_dead_body_keeps_fighting(root):
    clock = Clock()
    game, ann, body = on_path(root, clock)
    ann.type("kill rat")
    ann.drop()
    clock.advance(ROUND)
    assert fighting(game.world, body)   # dropping the line is no escape
    rat = npc_of(game.world, "woods:testrat")
    assert hp(game, rat) < 5


def test_the_fight_key_errors_name_the_file_and_the_line(tmp_path, monkeypatch):
    from tests.test_world_loader import ROOMS
    rooms = ROOMS.replace("  name: Square\n", "  name: Square\n  safe: yes please\n")
    assert "'safe' must be true or false" in error(build(tmp_path, monkeypatch,
                                                         village__rooms=rooms))
    npcs = ("cat:\n  name: a cat\n  keywords: [cat]\n  description: A cat.\n"
            "  behaviours: {wimpy: {below: 150}}\n")
    rooms = ROOMS.replace("    north: hall\n", "    north: hall\n  npcs: [cat]\n", 1)
    message = error(build(tmp_path, monkeypatch, village__rooms=rooms, village__npcs=npcs))
    assert "npcs.yaml:5" in message and "above 0 and below 100" in message


# -- the bundled world's numbers ----------------------------------------------------------------

# From the village's high street to Foxglove Dell; the hunting grounds around the dell.
TO_THE_DELL = ("north", "gate", "north", "north", "east", "north")
NEXT = {"woods:dell": ("east", "north"), "woods:thicket": ("west",),
        "woods:hill_foot": ("south",), "woods:old_oak": ("north",),
        "woods:deepwood": ("east",), "woods:stones": ("east",)}


def play(seed: int, limit: float = 3600.0) -> tuple[float, int]:
    """A new player in the bundled world, played by a simple-minded script on the game's
    clock: buy a cudgel with the starting coins, walk to the dell, fight whatever is no
    more than a level above, rest to 80% health between fights, chase what flees, walk
    back from the chapel after a death, and wait for the woods' reset when all is dead.
    Every command costs a second of typing. Returns (seconds to level 3, deaths)."""
    clock = Clock()
    game = make_game(clock=clock)
    world = game.world
    world.scheduler.rng = random.Random(seed)
    player = WirePlayer(game)
    player.create("Ann")
    body = world.find_online("ann")
    start = clock.seconds()

    def do(line: str) -> None:
        player.type(line)
        clock.advance(1.0)

    def mine() -> vitals.Vitals:
        return vitals.vitals_of(world, body)

    for line in ("northwest", "buy cudgel", "wield cudgel", "east", *TO_THE_DELL):
        do(line)
    deaths, patrol, fled, recalled = 0, 0, None, False
    while mine().level < 3 and clock.seconds() - start < limit:
        room = body.room
        if room.id == "village:chapel":
            deaths += 0 if recalled else 1
            recalled = False
            for line in ("west", *TO_THE_DELL):
                do(line)
            continue
        if fighting(world, body):
            target = fights_of(world).target_of(body)
            clock.advance(ROUND)
            if target is not None and target.room is not None and target.room is not room \
                    and not fighting(world, body):
                fled = target
            continue
        view = mine()
        if view.hp < view.max_hp * 0.8:
            clock.advance(5.0)
            continue
        if fled is not None and fled.room is not None and fled.room is not room:
            way = next((e.name for e in room.exits.values() if e.target is fled.room), None)
            fled = None
            if way is not None:
                do(way)
                continue
        foes = [n for n in room.npcs if (v := vitals.vitals_of(world, n)) is not None
                and v.level <= view.level]
        if foes:
            do(f"kill {foes[0].keywords[0]}")
            continue
        ways = NEXT.get(room.id, ())
        if not ways:
            do("recall")
            recalled = True
            continue
        wanted = [w for w in ways if view.level >= 2 or room.exits[w].target.id not in
                  ("woods:thicket", "woods:hill_foot")]
        if room.id == "woods:dell":
            patrol += 1
            if patrol % (len(wanted) + 1) == 0:
                clock.advance(30.0)   # nothing here: wait a while for the woods' reset
                continue
            do(wanted[patrol % len(wanted)] if wanted else "north")
        else:
            do(wanted[0])
    return clock.seconds() - start, deaths


def test_a_new_player_reaches_level_three_in_about_twenty_minutes():
    # A script that wastes no time is faster than a player reading as they go: most of its
    # time is spent waiting for the woods' reset once it has killed all it dares to.
    results = [play(seed) for seed in range(7)]
    minutes = sorted(round(took / 60, 1) for took, _ in results)
    print("minutes to level 3:", minutes, "deaths:", [d for _, d in results])
    assert 14 <= minutes[len(minutes) // 2] <= 25, minutes
    assert minutes[0] >= 10 and minutes[-1] <= 45, minutes


def test_an_area_reload_ends_its_fights_and_reads_safe_again(tmp_path, monkeypatch):
    from mud.systems.building import edits
    from tests.support import builder_player, run_now, world_copy
    monkeypatch.setattr(edits, "run_in_thread", run_now)
    folder = world_copy(tmp_path)
    clock = Clock()
    game = make_game(folder, clock=clock)
    world = game.world
    world.scheduler.rng = Rigged()
    ann, body = player_at(game, "Ann", "woods:dell")
    assert "You attack a grey squirrel!" in ann.type("kill squirrel")
    squirrel = fights_of(world).target_of(body)
    bea = builder_player(game, "Bea")
    from mud.systems.combat.fight_peace import is_safe
    assert is_safe(world, world.rooms["village:square"])
    rooms = folder / "village" / "rooms.yaml"
    rooms.write_text(rooms.read_text().replace("  safe: true\n", "", 1))
    assert "reloaded" in bea.type("reload area woods")
    # The squirrel Ann fought left the world with its area's NPCs: the fight is over.
    assert squirrel.room is None and not fighting(world, body)
    assert world.scheduler.owned("fight woods:dell") == ()
    assert "The Old Oak" in ann.type("south")   # free to walk away
    assert body.room.id == "woods:old_oak"
    # The square's safe: is gone from the village's files: a reload of the village reads it.
    assert "reloaded" in bea.type("reload area village")
    assert not is_safe(world, world.rooms["village:square"])
    assert is_safe(world, world.rooms["village:chapel"])
