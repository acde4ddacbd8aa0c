"""The readables system: `read`, the `text:` key, its events and the state of what was read."""

from __future__ import annotations

import json

from twisted.internet.task import Clock

from mud.render.json_events import render_json
from mud.systems.readables import CHANGED, NEW, READ, Readables, Reading
from mud.world_loader import load_world
from tests.support import WirePlayer, make_game
from tests.test_world_loader import ITEMS, ROOMS, build, error


def ann_in_square():
    game = make_game()
    ann = WirePlayer(game)
    ann.create("Ann")
    return game, ann


def test_read_shows_the_notice_board_text_and_look_still_shows_the_board():
    _game, ann = ann_in_square()
    out = ann.type("read board")
    assert out.startswith("You read a notice board:")
    assert "Wanted: fresh emberleaf" in out and "LOST: a silver ring" in out
    looked = ann.type("look board")
    assert "shingle roof" in looked and "emberleaf" not in looked


def test_read_alone_lists_what_can_be_read_and_marks_what_is_new():
    game, ann = ann_in_square()
    assert "a notice board (not read yet)" in ann.type("read")
    ann.type("read the board")
    assert ann.type("read").splitlines()[:2] == ["You can read here:", "  a notice board"]
    # A builder rewrites the notices: it shows as changed, and reads as changed once.
    board = next(i for i in game.world.start.items if i.template.id == "village:board")
    board.template.props["text"] = "* Nell has all the emberleaf she needs."
    assert "a notice board (changed since you read it)" in ann.type("read")
    assert "it has changed since you last read it" in ann.type("read board")
    assert "changed" not in ann.type("read board")


def test_read_refuses_what_has_no_words_and_what_is_not_here():
    _game, ann = ann_in_square()
    assert "There is nothing written on a stone fountain." in ann.type("read fountain")
    assert "You see no 'letter' here to read." in ann.type("read letter")
    ann.type("e")
    assert "There is nothing to read here." in ann.type("read")


def test_a_new_player_finds_the_letter_in_the_inn_loft_and_can_carry_it_off():
    _game, ann = ann_in_square()
    ann.type("w")
    ann.type("u")
    assert "richest seam" in ann.type("read letter")
    ann.type("get letter")
    ann.type("d")
    assert "-- Tobias" in ann.type("read letter")


def test_what_was_read_is_saved_and_remembered_after_logging_in_again():
    game, ann = ann_in_square()
    ann.type("read board")
    ann.type("quit")
    saved = json.loads(game.store.characters["ann"].state)
    assert list(saved["readables"]["value"]) == ["village:board"]
    again = WirePlayer(game)
    again.type("Ann")
    again.type("secret1")
    assert "(not read yet)" not in again.type("read")


def test_help_read_is_its_docstring_and_the_help_index_lists_it():
    _game, ann = ann_in_square()
    assert "Read what is written on something you carry" in ann.type("help read")
    assert "read [thing]" in ann.type("help")


def test_the_web_frames_carry_the_words_and_their_status():
    frame = json.loads(render_json(Reading("a yellowed letter", "Marta --", NEW)))
    assert frame == {"type": "read", "name": "a yellowed letter", "words": "Marta --",
                     "status": "new", "text": "You read a yellowed letter:\nMarta --"}
    frame = json.loads(render_json(Readables((("a sign", READ), ("a board", CHANGED)))))
    assert frame["type"] == "readables"
    assert frame["things"] == [{"name": "a sign", "status": "read"},
                               {"name": "a board", "status": "changed"}]


def test_a_text_key_loads_onto_the_item_and_bad_ones_name_the_file_and_line(tmp_path,
                                                                           monkeypatch):
    rooms = ROOMS.replace("  exits:\n    north: hall\n",
                          "  items: [apple]\n  exits:\n    north: hall\n", 1)
    good = ITEMS + "  text: |\n    Eat me.\n"
    world = load_world(build(tmp_path, monkeypatch, village__rooms=rooms,
                             village__items=good), Clock())
    assert world.rooms["village:square"].items[0].template.props["text"] == "Eat me."
    bad = ITEMS + "  text: 12\n"
    message = error(build(tmp_path, monkeypatch, village__rooms=rooms, village__items=bad))
    assert "village/items.yaml:4: item \"village:apple\": 'text' must be text, not a number" \
        in message
    long = ITEMS + "  text: " + "word " * 1000 + "\n"
    message = error(build(tmp_path, monkeypatch, village__rooms=rooms, village__items=long))
    assert "more than the 4000 one thing may hold" in message
    typo = ITEMS + "  txet: hello\n"
    message = error(build(tmp_path, monkeypatch, village__rooms=rooms, village__items=typo))
    assert "unknown key 'txet'" in message and "did you mean 'text'?" in message


def test_a_readable_that_is_only_ever_inside_a_container_can_be_read(tmp_path, monkeypatch):
    # No copy lies in a room: the words still belong to every copy (a box's contents, a
    # reward, a respawn), not only to placed ones.
    rooms = ROOMS.replace("  exits:\n    north: hall\n",
                          "  items: [box]\n  exits:\n    north: hall\n", 1)
    items = ITEMS + ("note:\n  name: a folded note\n  description: Paper.\n"
                     "  text: Meet me at the well.\n"
                     "box:\n  name: a wooden box\n  description: A box.\n  fixed: true\n"
                     "  container: {contents: [note]}\n")
    game = make_game(build(tmp_path, monkeypatch, village__rooms=rooms, village__items=items))
    ann = WirePlayer(game)
    ann.create("Ann")
    ann.read()
    assert "You take a folded note from a wooden box." in ann.type("get note from box")
    assert "Meet me at the well." in ann.type("read note")
