"""Quests: declared in area.yaml, started by reading or picking up, done by an NPC's accept,
kept per character (MemoryStore and real SQLite), listed by ``quests`` as text and JSON."""

from __future__ import annotations

import json
import shutil

import pytest
from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from mud.engine import actions
from mud.persistence.store import Store
from mud.render.json_events import render_json
from mud.render.text import render, text_style
from mud.systems.quests import QuestList, QuestUpdate, quests_of
from mud.world_loader import WorldError, load_world
from tests.support import TINY, WirePlayer, join, make_game


def updates(events):
    return [(e.quest, e.status) for e in events if isinstance(e, QuestUpdate)]


@pytest.fixture
def game():
    return make_game()


def test_the_bundled_world_declares_its_three_quests(game):
    known = quests_of(game.world).quests
    assert list(known) == ["woods:emberleaf", "woods:ring", "woods:silver"]
    assert known["woods:ring"].starts == {"read": ("village:board",), "get": ("woods:ring",)}
    # The third is found under the stones, once the ring's quest has opened the way.
    assert known["woods:silver"].starts == {"read": ("woods:slate",), "get": ("woods:silver",)}


def test_reading_the_board_starts_both_quests_after_the_words_and_only_once(game):
    ann = WirePlayer(game)
    ann.create("Ann")
    out = ann.type("read board")
    assert out.index("Reward of a sort.") < out.index("New quest: Emberleaf for Nell") < \
        out.index("New quest: The Lost Silver Ring")
    assert "New quest" not in ann.type("read board")
    assert game.world.online["ann"].state["quests"] == {"woods:emberleaf": "active",
                                                        "woods:ring": "active"}


def test_picking_up_emberleaf_starts_its_quest_and_giving_it_finishes_it(game):
    world = game.world
    ann = join(world, "Ann", "woods:brook")
    actions.get(world, ann, "emberleaf")
    assert updates(ann.link.take()) == [("woods:emberleaf", "active")]
    actions.get(world, ann, "emberleaf")
    assert updates(ann.link.take()) == []
    actions.go(world, ann, "north")
    actions.give(world, ann, "emberleaf", "nell")
    assert updates(ann.link.take()) == [("woods:emberleaf", "done")]


def test_bringing_the_thing_unasked_counts_and_done_quests_list_in_the_order_done(game):
    world = game.world
    ann = join(world, "Ann", "woods:hermitage")
    ring = next(i for i in world.items.values() if i.template.id == "woods:ring")
    world.transfer(ring, ann)  # never picked up through 'get': the quest never started
    actions.give(world, ann, "ring", "ambrose")
    assert updates(ann.link.take()) == [("woods:ring", "done")]
    leaf = next(i for i in world.items.values() if i.template.id == "woods:emberleaf")
    world.transfer(leaf, ann)
    ann.state["quests"]["woods:emberleaf"] = "active"
    actions.go(world, ann, "south")
    actions.give(world, ann, "emberleaf", "nell")
    assert list(ann.state["quests"].items()) == [("woods:ring", "done"),
                                                 ("woods:emberleaf", "done")]


@pytest.mark.parametrize("width", [40, 80])
def test_the_quests_text_fits_the_window_and_lists_in_progress_then_done(width):
    event = QuestList((("woods:ring", "The Lost Silver Ring", "Someone lost a silver ring "
                        "years ago and asks for it to be brought to the hollow beyond the "
                        "standing stones."),),
                      (("woods:emberleaf", "Emberleaf for Nell", "You brought Nell Briar a "
                        "sprig of emberleaf, and she gave you a herb satchel."),))
    text = render(event, text_style(colour=0, width=width))
    lines = text.split("\n")
    assert all(len(line) <= width - 1 for line in lines), text
    assert lines[0] == "Quests in progress:" and lines[1] == "  The Lost Silver Ring"
    assert lines[2].startswith("    Someone lost")
    done = lines.index("Quests done:")
    assert lines[done + 1] == "  Emberleaf for Nell"
    assert "hollow beyond the standing stones." in " ".join(x.strip() for x in lines[2:done])
    none = render(QuestList((), ()), text_style(colour=0, width=width))
    assert none.startswith("You have no quests yet.")
    assert all(len(line) <= width - 1 for line in none.split("\n"))
    new = render(QuestUpdate("woods:ring", "The Lost Silver Ring", "active", "Find it."),
                 text_style(colour=0, width=width))
    assert new == "New quest: The Lost Silver Ring\n  Find it."


def test_the_quests_command_over_the_wire_and_its_refusal(game):
    ann = WirePlayer(game)
    ann.create("Ann")
    assert "You have no quests yet." in ann.type("quests")
    ann.type("read board")
    out = ann.type("quests")
    assert "Quests in progress:\n  Emberleaf for Nell\n    Nell Briar, the herbalist" in out
    assert "Quests done" not in out
    assert "Type 'quests' alone" in ann.type("quests ring")


def test_json_events_carry_the_quest_its_status_and_words_and_the_plain_text():
    frame = json.loads(render_json(QuestUpdate("woods:ring", "The Lost Silver Ring", "done",
                                               "You gave Old Ambrose the ring.")))
    assert frame == {"type": "quest", "quest": "woods:ring", "name": "The Lost Silver Ring",
                     "status": "done", "words": "You gave Old Ambrose the ring.",
                     "text": "Quest done: The Lost Silver Ring\n  You gave Old Ambrose the "
                             "ring."}
    listed = json.loads(render_json(QuestList((("a:b", "B", "Do b."),), ())))
    assert listed["type"] == "quests"
    assert listed["active"] == [{"quest": "a:b", "name": "B", "words": "Do b."}]
    assert listed["done"] == []
    assert listed["text"] == "Quests in progress:\n  B\n    Do b."


def test_quest_progress_survives_quit_and_login_with_the_memory_store(game):
    ann = WirePlayer(game)
    ann.create("Ann")
    ann.type("read board")
    ann.type("quit")
    saved = json.loads(game.store.characters["ann"].state)["quests"]
    assert saved == {"v": 1, "value": {"woods:emberleaf": "active", "woods:ring": "active"}}
    again = WirePlayer(game)
    again.type("Ann")
    again.type("secret1")
    assert "Emberleaf for Nell" in again.type("quests")


class RealStoreTests(unittest.TestCase):
    """Quest progress through the real SQLite store and a new game reading it back."""

    @defer.inlineCallbacks
    def test_quest_progress_round_trips_through_sqlite(self):
        data = self.mktemp()
        store = Store(data)
        store.prepare()
        self.addCleanup(store.close)  # a failure must not leave the pool's thread running
        game = make_game()
        world = game.world
        ann = join(world, "Ann", "woods:hermitage")
        made = yield store.create_account("Ann", "x", world.record(ann), 0.0)
        self.assertTrue(made)
        ring = next(i for i in world.items.values() if i.template.id == "woods:ring")
        world.transfer(ring, ann)
        actions.give(world, ann, "ring", "ambrose")
        yield store.save(world.snapshot_everything())
        record = yield store.get_character("ann")
        fresh = make_game().world
        state, problems = fresh.declared.load_character(record.state)
        assert problems == []
        self.assertEqual(state["quests"], {"woods:ring": "done"})
        self.assertEqual(state["accepted"], {"woods:hermit woods:ring": 1})


# -- errors at load ---------------------------------------------------------------------------

def broken(tmp_path, area: str) -> str:
    root = tmp_path / "w"
    shutil.copytree(TINY, root)
    with (root / "home" / "area.yaml").open("a") as f:
        f.write(area)
    with pytest.raises(WorldError) as caught:
        load_world(root, Clock())
    return str(caught.value)


@pytest.mark.parametrize("area, expected", [
    ("quests: [one]\n", "'quests' must be a mapping of quest ids to quests"),
    ("quests:\n  feed:\n    name: Feed\n    done: Fed.\n",
     "quest 'home:feed': missing required key 'active'"),
    ("quests:\n  feed:\n    name: Feed\n    active: A.\n    done: D.\n    start: {}\n",
     "unknown key 'start' (allowed: active, done, name, starts); did you mean 'starts'?"),
    ("quests:\n  feed:\n    name: Feed\n    active: A.\n    done: D.\n"
     "    starts: {gte: apple}\n",
     "'starts': 'gte' cannot start a quest (known: get, read); did you mean 'get'?"),
    ("quests:\n  feed:\n    name: Feed\n    active: A.\n    done: D.\n"
     "    starts: {get: [apple, pear]}\n",
     "'starts': get, item 2 is unknown item \"home:pear\""),
    ("quests:\n  feed:\n    name: " + "F" * 61 + "\n    active: A.\n    done: D.\n",
     "'name' is 61 characters; keep it to 60"),
    ("quests:\n  feed:\n    name: Feed\n    active: " + "a " * 301 + "\n    done: D.\n",
     "'active' is 601 characters; keep it to 600"),
])
def test_bad_quests_stop_the_load_naming_file_line_and_quest(tmp_path, area, expected):
    message = broken(tmp_path, area)
    assert "area.yaml:" in message
    assert expected in message


def test_reading_a_readable_emits_the_read_happening(game):
    world = game.world
    heard = []
    from mud.engine import hooks
    world.hooks.on(hooks.READ, lambda who, item, room: heard.append((who.name, item.id)))
    ann = WirePlayer(game)
    ann.create("Ann")
    ann.type("read board")
    assert heard == [("Ann", "village:square/village:board#1")]
