"""Declared saved state: defaults, versions and migrations, what is kept, what a bad row does."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from mud.engine.model import Character
from mud.engine.state import Kept, StateRegistry, of
from mud.engine.world import CharacterRecord
from mud.unsaved import decode, encode
from tests.support import WirePlayer, make_game


def registry() -> StateRegistry:
    reg = StateRegistry()
    reg.declare_character("notes", list)
    reg.declare_character("counts", dict, version=2,
                          migrate=lambda old, v: {"n": old} if v == 1 else old)
    reg.declare_world("resets", dict)
    return reg


def test_a_new_character_gets_every_default_and_a_round_trip_keeps_values():
    reg = registry()
    assert reg.fresh_character() == {"notes": [], "counts": {}}
    state = {"notes": ["a"], "counts": {"n": 3}}
    text = reg.dump_character(state)
    assert json.loads(text) == {"notes": {"v": 1, "value": ["a"]},
                                "counts": {"v": 2, "value": {"n": 3}}}
    assert reg.load_character(text) == (state, [])


def test_an_older_version_is_migrated_and_a_name_nobody_declares_is_kept_as_it_was():
    reg = registry()
    saved = json.dumps({"counts": {"v": 1, "value": 7},
                        "combat": {"v": 3, "value": {"hp": 9}}})
    state, problems = reg.load_character(saved)
    assert problems == []
    assert state["counts"] == {"n": 7} and state["notes"] == []
    assert isinstance(state["combat"], Kept)
    # Written back unread, so a system not installed today loses nothing.
    assert json.loads(reg.dump_character(state))["combat"] == {"v": 3, "value": {"hp": 9}}


@pytest.mark.parametrize("text, why", [
    ("{not json", "not JSON"),
    ("[1, 2]", "not a JSON object"),
    ('{"notes": [1]}', "not a saved value"),
    ('{"notes": {"v": 5, "value": [1]}}', "newer than this server"),
    ('{"counts": {"v": 0, "value": 1}}', "migrating version 0"),
])
def test_unreadable_state_falls_back_to_defaults_and_says_why(text, why):
    reg = registry()
    reg.declare_character("strict", int, version=3)
    if "v\": 0" in text:
        reg.character["counts"] = replace(reg.character["counts"],
                                          migrate=lambda old, v: 1 / 0)
    state, problems = reg.load_character(text)
    assert state["notes"] == [] and state["strict"] == 0
    assert len(problems) == 1 and why in problems[0]


def test_no_migration_for_an_older_version_is_a_problem_too():
    reg = StateRegistry()
    reg.declare_character("x", list, version=2)
    state, problems = reg.load_character('{"x": {"v": 1, "value": [1]}}')
    assert state["x"] == [] and "nothing migrates it" in problems[0]


def test_a_value_this_server_cannot_read_is_written_back_until_a_system_changes_it():
    # An older server started on a newer server's saves: the newer value is not lost.
    reg = registry()
    newer = {"v": 5, "value": ["from a newer server"]}
    state, problems = reg.load_character(json.dumps({"notes": newer}))
    assert state["notes"] == [] and "newer than this server" in problems[0]
    assert json.loads(reg.dump_character(state))["notes"] == newer
    again, _ = reg.load_character(reg.dump_character(state))   # and again, next login
    assert json.loads(reg.dump_character(again))["notes"] == newer
    state["notes"].append("written here")     # the system chose to change it: its value wins
    assert json.loads(reg.dump_character(state))["notes"] == {"v": 1,
                                                              "value": ["written here"]}
    world, _ = reg.load_world([("resets", json.dumps({"v": 9, "value": {"x": 1}}))])
    assert world["resets"] == {}
    assert json.loads(reg.dump_world(world, "resets")) == {"v": 9, "value": {"x": 1}}


def test_restoring_world_state_keeps_the_dict_systems_hold():
    game = make_game()
    world = game.world
    world.declared = registry()
    world.state = world.declared.load_world([])[0]
    held = world.state
    world.restore_state([("resets", '{"v":1,"value":{"village":3}}')])
    assert held is world.state and held["resets"] == {"village": 3}


def test_declaring_a_name_twice_differently_is_refused_but_installing_again_is_fine():
    reg = registry()
    reg.declare_character("notes", list)  # the same again: a second install
    with pytest.raises(ValueError, match="declared twice"):
        reg.declare_character("notes", dict)
    with pytest.raises(ValueError, match="version"):
        reg.declare_world("bad", dict, version=0)


def test_world_state_rows_load_with_defaults_and_changed_names_are_saved():
    reg = registry()
    state, problems = reg.load_world([("resets", '{"v":1,"value":{"a":1}}'),
                                      ("gone", '{"v":1,"value":2}'), ("broken", "{")])
    assert state["resets"] == {"a": 1} and isinstance(state["gone"], Kept)
    assert "broken" not in state and "not JSON" in problems[0]
    assert reg.load_world([])[0] == {"resets": {}}


def test_the_world_snapshots_declared_state_that_changed():
    game = make_game()
    world = game.world
    world.declared = registry()
    world.state = world.declared.load_world([])[0]
    world.state["resets"]["village"] = 12.0
    world.changed_state("resets")
    snap = world.snapshot_dirty()
    assert snap.world == [("resets", '{"v":1,"value":{"village":12.0}}')]
    assert world.snapshot_dirty().world == []


def test_a_value_that_is_not_json_data_is_left_out_of_the_save_and_reported():
    game = make_game()
    world = game.world
    world.declared = registry()
    heard: list[str] = []
    world.state_problem = heard.append
    ann = Character("Ann", world.start)
    ann.state = {"notes": ["kept"], "counts": {"n": object()}}
    record = world.record(ann)
    assert json.loads(record.state) == {"notes": {"v": 1, "value": ["kept"]}}
    assert "Ann's state 'counts' cannot be saved" in heard[0]


def test_of_makes_the_default_for_a_character_built_without_a_login():
    reg = registry()
    ann = Character("Ann")
    of(ann, "notes", reg).append("x")
    assert ann.state == {"notes": ["x"]}


def test_state_survives_quit_and_login_through_the_save_queue():
    game = make_game()
    game.world.declared = registry()
    ann = WirePlayer(game)
    ann.create("Ann")
    character = game.world.online["ann"]
    # Only this registry's names are compared: installed systems keep theirs beside them.
    assert {k: character.state[k] for k in ("notes", "counts")} == {"notes": [], "counts": {}}
    character.state["notes"].append("the notice board")
    game.world.changed(character)
    ann.type("quit")
    assert json.loads(game.store.characters["ann"].state)["notes"]["value"] == \
        ["the notice board"]
    again = WirePlayer(game)
    again.type("Ann")
    again.type("secret1")
    assert game.world.online["ann"].state["notes"] == ["the notice board"]


def test_a_damaged_state_row_never_stops_a_login_and_is_logged(log_lines):
    game = make_game()
    game.world.declared = registry()
    ann = WirePlayer(game)
    ann.create("Ann")
    ann.type("quit")
    store = game.store
    store.characters["ann"] = replace(store.characters["ann"], state="{oops")
    again = WirePlayer(game)
    again.type("Ann")
    out = again.type("secret1")
    assert "ann" in game.world.online, out
    state = game.world.online["ann"].state
    assert {k: state[k] for k in ("notes", "counts")} == {"notes": [], "counts": {}}
    assert any("Ann's saved state: saved state is not JSON" in line for line in log_lines)


def test_the_fallback_file_carries_state_and_world_rows_and_reads_version_1():
    snap = replace(make_game().world.snapshot_dirty(),
                   characters=[CharacterRecord("ann", "Ann", "a:b", "", "auto", '{"x":1}')],
                   world=[("resets", '{"v":1,"value":{}}')])
    assert decode(encode(snap, "/d", 0))[0] == snap
    old = (b'{"format": "emberfall-unsaved", "version": 1, "characters": [{"key": "ann", '
           b'"name": "Ann", "room": "a:b", "description": "", "colour": "auto"}], "items": []}')
    assert decode(old)[0].characters[0].state == ""     # not known: the store keeps its own
