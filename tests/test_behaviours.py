"""Named behaviours on task.Clock: chatter, wander, greet, respond and ask, checked at load."""

from __future__ import annotations

import functools
import itertools
import random
import shutil

import pytest
from twisted.internet import task

from mud.engine import actions
from mud.engine.events import Arrive, Depart, Emote, Say
from mud.engine.model import Exit
from mud.world_loader import WorldError, load_world
from tests.support import BUNDLED_WORLD, TINY, make_game, npc_of
from tests.support import join as join_world

join = functools.partial(join_world, quiet=True)


npc = npc_of


@pytest.fixture
def clock():
    return task.Clock()


@pytest.fixture
def ember(clock):
    world = load_world(BUNDLED_WORLD, clock)
    world.scheduler.rng = random.Random(7)
    return world


def speech(events, kinds=(Say, Emote)):
    return [e for e in events if isinstance(e, kinds)]


def test_pim_calls_out_his_wares_only_while_someone_is_in_the_village(ember, clock) -> None:
    clock.advance(3600)  # nobody in the village: nothing is even pending there
    assert ember.scheduler.pending("village") == 0
    ann = join(ember, "Ann", "village:market")
    clock.advance(60)  # 45 s +/- a quarter
    heard = speech(ann.link.take())
    assert heard, "Pim said nothing in a minute"
    first = heard[0]
    lines = npc(ember, "village:peddler").behaviours[0].options["lines"]
    if isinstance(first, Say):
        assert first.speaker == "Pim Thistle" and first.text in lines
    else:
        assert first.actor == "Pim Thistle" and f"emote {first.text}" in lines
    for _ in range(20):
        clock.advance(10)
    said = speech(ann.link.take())
    assert len(said) >= 3
    # never the same line twice running
    texts = [e.text for e in said]
    assert all(a != b for a, b in itertools.pairwise(texts))


def test_chatter_is_silent_in_an_empty_room(ember, clock) -> None:
    join(ember, "Ann", "village:square")  # the village wakes, the market is empty
    pim = npc(ember, "village:peddler").behaviours[0]
    spoken = []
    pim.speak = spoken.append
    clock.advance(600)
    assert spoken == []


def test_the_cat_wanders_between_square_and_inn_and_is_seen_going(ember, clock) -> None:
    ann = join(ember, "Ann", "village:square")
    bob = join(ember, "Bob", "village:inn")
    cat = npc(ember, "village:cat")
    places = set()
    for _ in range(40):
        clock.advance(15)
        places.add(cat.room.id)
        assert cat in cat.room.npcs
    assert places == {"village:square", "village:inn"}
    seen = ann.link.take() + bob.link.take()
    assert any(isinstance(e, Depart) and e.name == "Ash" and e.phrase == "leaves west"
               for e in seen)
    assert any(isinstance(e, Arrive) and e.name == "Ash" and
               e.phrase == "arrives from the east" for e in seen)
    assert sum(len(r.npcs) for r in ember.rooms.values()) == len(ember.npcs)


def test_wander_never_takes_a_closed_exit(ember, clock) -> None:
    join(ember, "Ann", "village:square")
    square = ember.rooms["village:square"]
    west = square.exits["west"]
    square.exits["west"] = ClosedExit(west.name, west.target)  # a shut door
    for _ in range(40):
        clock.advance(15)
        assert npc(ember, "village:cat").room is square


class ClosedExit(Exit):
    __slots__ = ("closed",)

    def __init__(self, name, target):
        super().__init__(name, target)
        self.closed = True


def test_the_watchman_greets_a_player_arriving_at_the_gate(ember, clock) -> None:
    ann = join(ember, "Ann", "village:high_street")
    watcher = join(ember, "Bob", "village:gatehouse")
    actions.go(ember, ann, "north")
    got = ann.link.take()
    greeting = speech(got)
    assert len(greeting) == 1
    assert got.index(greeting[0]) > 0  # after the room was shown
    text = greeting[0].text
    assert "Ann" in text
    assert speech(watcher.link.take())[-1].text == text  # the room hears it too
    actions.go(ember, ann, "south")
    actions.go(ember, ann, "north")
    assert speech(ann.link.take()) == []  # not again within the cooldown
    clock.advance(61)
    actions.go(ember, ann, "south")
    actions.go(ember, ann, "north")
    assert len(speech(ann.link.take())) == 1


def test_marta_answers_keywords_said_in_her_room(ember) -> None:
    ann = join(ember, "Ann", "village:inn")
    actions.say(ember, ann, "Is the old mine really closed?")
    replies = [e for e in ann.link.take() if isinstance(e, Say) and e.speaker == "Marta Wren"]
    assert len(replies) == 1 and "eleven men" in replies[0].text
    actions.say(ember, ann, "Nice weather.")
    assert [e for e in ann.link.take() if isinstance(e, Say) and not e.own] == []


def test_ask_marta_about_topics_through_the_command(clock) -> None:
    game = make_game(BUNDLED_WORLD, clock)
    world = game.world
    ann = join(world, "Ann", "village:inn")
    bob = join(world, "Bob", "village:inn")
    from mud.commands.registry import COMMANDS
    ask = COMMANDS.lookup("ask")
    assert ask is not None and ask.summary == "ask <someone> about <topic>"

    def run(line):
        ctx = type("Ctx", (), {"world": world, "actor": ann, "send": ann.send})()
        ask.handler(ctx, line)
        return bob.link.take()

    seen = run("marta about the Thornwood")
    assert isinstance(seen[0], Emote) and seen[0].text == "asks Marta Wren about the Thornwood."
    assert "Nell Briar" in seen[1].text and seen[1].speaker == "Marta Wren"
    assert "under the eaves" in run("innkeeper about rooms")[1].text
    assert "Ask me about the mine" in run("marta about dragons")[1].text
    with pytest.raises(actions.Refusal, match="Ask whom about what"):
        run("marta")
    with pytest.raises(actions.Refusal, match="nobody called 'pim' here"):
        run("pim about apples")
    actions.go(world, ann, "east")
    actions.go(world, ann, "east")
    ann.link.take()
    run("pim about apples")  # Pim has no answers: he shrugs it off
    assert [e.text for e in speech(ann.link.take())][-1] == "has nothing to say about that."


# -- checked at load -----------------------------------------------------------------------

def broken(tmp_path, npc_yaml: str) -> str:
    world = tmp_path / "w"
    shutil.copytree(TINY, world)
    (world / "home" / "npcs.yaml").write_text(npc_yaml)
    with pytest.raises(WorldError) as caught:
        load_world(world, task.Clock())
    return str(caught.value)


CAT = "cat:\n  name: Mouser\n  description: A cat.\n  behaviours:\n"


def test_an_unknown_behaviour_names_file_line_entity_and_a_close_one(tmp_path) -> None:
    message = broken(tmp_path, CAT + "    wandr: {interval: 5}\n")
    assert "npcs.yaml:5: npc \"home:cat\": unknown behaviour 'wandr'" in message
    assert "did you mean 'wander'?" in message


def test_bad_parameters_are_named(tmp_path) -> None:
    message = broken(tmp_path, CAT + "    chatter:\n      interval: often\n"
                     "      lines: []\n      colour: red\n"
                     "    wander: {interval: 5, rooms: [home:nowhere]}\n")
    assert ("npcs.yaml:6: npc \"home:cat\": behaviour 'chatter': parameter 'interval' must "
            "be a number of seconds above 0, not text") in message
    assert "npcs.yaml:7: npc \"home:cat\": behaviour 'chatter': parameter 'lines' must be" \
        in message
    assert "unknown parameter 'colour'" in message
    assert "behaviour 'wander': parameter 'rooms', room 1 is unknown room \"home:nowhere\"" \
        in message


def test_numbers_that_are_not_finite_or_too_big_stop_the_load(tmp_path) -> None:
    # YAML's .nan and .inf are numbers: as an interval they would fail only once the area
    # woke (a timer of nan seconds), as a follower's moves at the first step.
    message = broken(tmp_path, CAT + "    chatter: {interval: .nan, lines: [Mew.]}\n"
                     "    wander: {interval: .inf}\n"
                     "    follow: {moves: 2000000}\n")
    assert ("npcs.yaml:5: npc \"home:cat\": behaviour 'chatter': parameter 'interval' must "
            "be a number of seconds above 0 (at most 604800), not nan") in message
    assert "behaviour 'wander': parameter 'interval' must be a number of seconds above 0 " \
        "(at most 604800), not inf" in message
    assert "behaviour 'follow': parameter 'moves' must be" in message
    assert "(at most 1e+06), not 2000000" in message


def test_missing_parameter_and_spelling_behaviors(tmp_path) -> None:
    message = broken(tmp_path, CAT.replace("behaviours", "behaviors") +
                     "    greet: {}\n")
    assert "behaviour 'greet': missing parameter 'lines'" in message


def test_a_failing_behaviour_is_reported_and_the_others_still_act(ember, clock) -> None:
    failures = []
    ember.scheduler.report = ember.hooks.report = \
        lambda owner, what, exc: failures.append(owner)
    ann = join(ember, "Ann", "village:market")
    pim = npc(ember, "village:peddler").behaviours[0]

    def broken_act():
        raise RuntimeError("no voice")

    pim.act = broken_act
    pim.stop()
    pim.start()
    cat = npc(ember, "village:cat")
    places = {cat.room.id}
    for _ in range(20):
        clock.advance(15)
        places.add(cat.room.id)
    assert failures and set(failures) == {"npc village:peddler"}
    assert places == {"village:square", "village:inn"}  # the cat kept wandering meanwhile
    assert ann.room.id == "village:market"


def test_the_say_index_follows_a_listening_npc_that_moves(ember) -> None:
    ann = join(ember, "Ann", "village:square")
    marta = npc(ember, "village:innkeeper")
    actions.say(ember, ann, "the mine")  # Marta is in the inn: no answer here
    assert not [e for e in ann.link.take() if isinstance(e, Say) and e.speaker == "Marta Wren"]
    actions.npc_go(ember, marta, ember.rooms["village:inn"].exits["east"])
    actions.say(ember, ann, "the mine?")
    replies = [e for e in ann.link.take() if isinstance(e, Say) and e.speaker == "Marta Wren"]
    assert len(replies) == 1


def two_area_world(tmp_path, behaviours: str):
    world = tmp_path / "w"
    shutil.copytree(TINY, world)
    (world / "home" / "npcs.yaml").write_text(CAT + behaviours)
    return load_world(world, task.Clock())


def test_an_npc_changing_area_takes_all_its_timers_with_it(tmp_path) -> None:
    world = two_area_world(tmp_path, "    chatter: {interval: 50, jitter: 1, "
                                     "lines: [\"emote purrs.\"]}\n")
    clock = world.clock
    cat = npc(world, "home:cat")
    chatter = cat.behaviours[0]
    ann = join(world, "Ann", "yard:garden")  # the yard is awake, the cottage asleep
    clock.advance(10)
    actions.npc_go(world, cat, world.rooms["home:kitchen"].exits["south"])
    actions.npc_go(world, cat, world.rooms["home:hall"].exits["east"])
    assert cat.room.id == "yard:garden"
    assert chatter._timer.group == "yard" and world.scheduler.pending("home") == 0
    ann.link.take()
    clock.advance(47)  # it slept in the cottage: still 49-51 s to go
    assert speech(ann.link.take()) == []
    clock.advance(5)  # heard in the yard, where the cat is now
    assert [e.text for e in speech(ann.link.take())] == ["purrs."]
    # and back home, asleep again, with the time it had left
    actions.npc_go(world, cat, world.rooms["yard:garden"].exits["west"])
    assert chatter._timer.group == "home" and world.scheduler.pending() == 0


def test_jitter_zero_keeps_the_interval_exact_and_a_negative_one_is_refused(tmp_path) -> None:
    world = two_area_world(tmp_path, "    chatter: {interval: 30, jitter: 0, "
                                     "lines: [\"emote purrs.\"]}\n")
    ann = join(world, "Ann", "home:kitchen")
    world.clock.advance(29.9)
    assert speech(ann.link.take()) == []
    world.clock.advance(0.1)
    assert len(speech(ann.link.take())) == 1
    world.clock.advance(30)
    assert len(speech(ann.link.take())) == 1
    message = broken(tmp_path / "again", CAT + "    wander: {interval: 30, jitter: -1}\n")
    assert ("npcs.yaml:5: npc \"home:cat\": behaviour 'wander': parameter 'jitter' must be "
            "a number, 0 or more, not -1") in message


def test_both_spellings_on_one_npc_are_a_world_error(tmp_path) -> None:
    message = broken(tmp_path, CAT + "    chatter: {interval: 30, lines: [\"Mew.\"]}\n"
                     "  behaviors:\n    chatter: {interval: 30, lines: [\"Mew.\"]}\n")
    assert ("npcs.yaml:6: npc \"home:cat\": write one of behaviours: or behaviors:, not both"
            in message)


def test_keywords_with_punctuation_match_what_players_say(tmp_path) -> None:
    world = two_area_world(tmp_path, "    respond:\n      topics:\n"
                                     "        \"What's up?, Mine!\": Not much.\n")
    ann = join(world, "Ann", "home:kitchen")
    for line in ("What's up", "what's up?", "The MINE.", "mine/shaft", "(mine)"):
        actions.say(world, ann, line)
        assert [e.text for e in ann.link.take() if isinstance(e, Say) and not e.own] == \
            ["Not much."], line
    # A keyword inside a longer word is no keyword ('-' and "'" join words, as in names).
    for line in ("minefield", "mine-shaft", "mine's", "undermine", "what"):
        actions.say(world, ann, line)
        assert [e for e in ann.link.take() if isinstance(e, Say) and not e.own] == [], line
    message = broken(tmp_path / "again", CAT + "    respond:\n      topics:\n"
                     "        \"mine, ?!\": Not much.\n")
    assert ("npcs.yaml:7: npc \"home:cat\": behaviour 'respond': parameter 'topics': topic "
            "'mine, ?!': keyword '?!' has no letters or digits") in message
