"""World checks a builder meets (mud/world_schema.py, used by mud/world_loader.py): every
field's type, lines in every message, several errors per run, tabs, unlisted areas."""

from __future__ import annotations

from pathlib import Path

import pytest
from twisted.internet.task import Clock
from twisted.logger import globalLogPublisher

from mud.world_loader import MAX_ERRORS, WorldError, load_world
from mud.world_yaml import Map, Seq, read_yaml
from tests.support import BUNDLED_WORLD, TINY
from tests.test_world_loader import AREA, ITEMS, NPCS, ROOMS, WORLD, build, error

WOODS = {"woods__area": "name: The Woods\n",
         "woods__rooms": "edge:\n  name: Edge\n  description: Trees.\n  exits:\n"
                         "    south: village:square\n"}


def lines(root: Path) -> list[str]:
    return error(root).splitlines()


def load(root: Path) -> tuple[object, list[str]]:
    warnings: list[str] = []
    return load_world(root, Clock(), warn=warnings.append), warnings


# -- the types of every field ----------------------------------------------------------------

# (file key for build(), its text with VALUE where the field's value goes, field, line).
FIELDS = [
    ("world", "name: VALUE\ndescription: d\nstart: village:square\n", "name", 1),
    ("world", "name: n\ndescription: VALUE\nstart: village:square\n", "description", 2),
    ("world", WORLD + "welcome: VALUE\n", "welcome", 4),
    ("village__area", "name: VALUE\n", "name", 1),
    ("village__area", "name: V\ndescription: VALUE\n", "description", 2),
    ("village__area", "name: V\nenvironment: VALUE\n", "environment", 2),
    ("village__rooms", ROOMS.replace("name: Hall", "name: VALUE"), "name", 7),
    ("village__rooms", ROOMS.replace("description: A hall.", "description: VALUE"),
     "description", 8),
    ("village__rooms", ROOMS.replace("  description: A hall.\n",
                                     "  description: A hall.\n  environment: VALUE\n"),
     "environment", 9),
    ("village__rooms", ROOMS.replace("north: hall",
                                     "north:\n      to: hall\n      description: VALUE"),
     "description", 7),
    ("village__items", ITEMS.replace("name: an apple", "name: VALUE"), "name", 2),
    ("village__items", ITEMS.replace("description: Red.", "description: VALUE"),
     "description", 3),
    ("village__items", ITEMS + "  plural: VALUE\n", "plural", 4),
    ("village__npcs", NPCS.replace("name: Mouser", "name: VALUE"), "name", 2),
    ("village__npcs", NPCS.replace("description: A cat.", "description: VALUE"),
     "description", 3),
]
IDS = [f"{f}-{field}-{n}" for f, _, field, n in FIELDS]


@pytest.mark.parametrize(("file", "text", "field", "line"), FIELDS, ids=IDS)
@pytest.mark.parametrize(("value", "says"), [
    ("42", "must be text, not a number (42): put it in quotes, {field}: \"42\""),
    ("1.5", "must be text, not a number (1.5): put it in quotes, {field}: \"1.5\""),
    ("yes", "must be text, not true/false (yes) (YAML reads a bare yes, no, on, off, true "
            "or false as true/false): put it in quotes, {field}: \"yes\""),
    ("[a, b]", "must be text, not a list: write the text itself after '{field}:'"),
    ("{a: b}", "must be text, not a mapping"),
    ("", "is empty: write the text after '{field}:'"),
    ("'  '", "is empty: write the text after '{field}:'"),
    (">\n", "is empty"),
])
def test_every_text_field_refuses_what_is_not_text(tmp_path, monkeypatch, file, text, field,
                                                   line, value, says):
    root = build(tmp_path, monkeypatch, **{file: text.replace("VALUE", value)})
    path = "w/" + file.replace("__", "/") + ".yaml"
    found = [m for m in lines(root) if m.startswith(f"{path}:{line}: ")]
    assert len(found) == 1, lines(root)
    assert f"'{field}' {says.format(field=field)}" in found[0]


def test_the_fix_a_message_gives_is_one_that_loads(tmp_path, monkeypatch):
    rooms = ROOMS.replace("name: Hall", "name: 42")
    assert lines(build(tmp_path, monkeypatch, village__rooms=rooms)) == [
        "w/village/rooms.yaml:7: room \"village:hall\": 'name' must be text, not a number "
        "(42): put it in quotes, name: \"42\""]
    world, _ = load(build(tmp_path, monkeypatch, village__rooms=rooms.replace("42", '"42"')))
    assert world.rooms["village:hall"].name == "42"


def test_an_empty_folded_description_is_refused(tmp_path, monkeypatch):
    rooms = ROOMS.replace("  description: A hall.\n", "  description: >\n")
    assert lines(build(tmp_path, monkeypatch, village__rooms=rooms)) == [
        "w/village/rooms.yaml:8: room \"village:hall\": 'description' is empty: write the "
        "text after 'description:' (a long text: 'description: >' with the text on the lines "
        "below, indented)"]


@pytest.mark.parametrize(("value", "says"), [
    ("lantern brass", "must be a list of words, not text: write keywords: [lantern, brass]"),
    ("7", "must be a list of words, not a number: e.g. keywords: [lantern, brass]"),
    ("[lamp, 7]", "'keywords', item 2, must be text, not a number (7): put it in quotes, "
                  "\"7\""),
    ("[lamp, '']", "'keywords', item 2, is empty: write a word there or remove it"),
    ("[lamp, ~]", "'keywords', item 2, is empty"),
    ("[brass lamp]", "'keywords': 'brass lamp' is not one word: list each word on its own, "
                     "[brass, lamp]"),
    ("[[a]]", "'keywords', item 1, must be a word, not a list"),
])
@pytest.mark.parametrize("file", ["village__items", "village__npcs"])
def test_keywords_are_a_list_of_single_words(tmp_path, monkeypatch, file, value, says):
    text = {"village__items": ITEMS, "village__npcs": NPCS}[file] + f"  keywords: {value}\n"
    found = lines(build(tmp_path, monkeypatch, **{file: text}))
    assert len(found) == 1 and found[0].startswith(f"w/{file[9:]}.yaml:4: ".replace(
        "w/", "w/village/")), found
    assert says in found[0]


@pytest.mark.parametrize(("value", "says"), [
    ("sometimes", "'fixed' must be true or false, not text ('sometimes'): write fixed: true "
                  "or fixed: false"),
    ("1", "not a number (1)"),
    ("", "not nothing (None)"),
])
def test_fixed_is_true_or_false(tmp_path, monkeypatch, value, says):
    found = lines(build(tmp_path, monkeypatch, village__items=ITEMS + f"  fixed: {value}\n"))
    assert len(found) == 1 and found[0].startswith('w/village/items.yaml:4: item '
                                                   '"village:apple": '), found
    assert says in found[0]


@pytest.mark.parametrize(("rooms", "says"), [
    (ROOMS.replace("north: hall", "north: 7"),
     ":5: room \"village:square\": exit \"north\" target must be an id such as "
     "village:square, not a number (7): put it in quotes, '7'"),
    (ROOMS.replace("  exits:\n    north: hall\n", "  exits:\n"),
     ":4: room \"village:square\": 'exits' is empty: list the exits under it (north: hall) "
     "or remove the line"),
    (ROOMS.replace("  exits:\n    north: hall\n", "  items:\n"),
     ":4: room \"village:square\": 'items' must be a list of words, not nothing: e.g. "
     "items: [apple, lantern]"),
    (ROOMS.replace("  exits:\n    north: hall\n", "  npcs: [cat, [dog]]\n"),
     ":4: room \"village:square\": 'npcs', item 2, must be a word, not a list"),
    (ROOMS.replace("north: hall", "north: {to: [hall]}"),
     ":5: room \"village:square\": exit \"north\" target must be an id such as "
     "village:square, not a list"),
    (ROOMS + "cellar:\n", ":11: room \"village:cellar\": a room must be a mapping of keys to "
                          "values, not nothing (is it indented under its id?)"),
    (ROOMS.replace("square:\n", "square: A square\n", 1).replace(
        "  name: Square\n  description: A square.\n  exits:\n    north: hall\n", ""),
     ":1: room \"village:square\": a room must be a mapping of keys to values, not text"),
])
def test_references_and_structure(tmp_path, monkeypatch, rooms, says):
    found = lines(build(tmp_path, monkeypatch, village__rooms=rooms))
    assert "w/village/rooms.yaml" + says in found, found


@pytest.mark.parametrize(("world", "says"), [
    (WORLD.replace("start: village:square", "start: 12"),
     "w/world.yaml:3: 'start' must be the id of a room, as area:id (start: village:square), "
     "not a number"),
    (WORLD.replace("start: village:square", "start: square"),
     "w/world.yaml:3: start room 'square' must be written as area:id (start: "
     "village:square?)"),
    (WORLD.replace("start: village:square", "start: village:sqare"),
     "w/world.yaml:3: 'start' leads to unknown room \"village:sqare\": did you mean "
     "\"village:square\"?"),
    (WORLD + "areas: [village, 3]\n",
     "w/world.yaml:4: 'areas', item 2, must be text, not a number (3): put it in quotes, "
     "\"3\""),
    (WORLD + "areas:\n",
     "w/world.yaml:4: 'areas' is empty: list the area folders to load, areas: [village], or "
     "leave the key out to load every folder holding an area.yaml"),
    (WORLD + "welcome:\n",
     "w/world.yaml:4: 'welcome' is empty: write the text after 'welcome:' (a long text: "
     "'welcome: >' with the text on the lines below, indented)"),
])
def test_world_yaml_fields(tmp_path, monkeypatch, world, says):
    assert lines(build(tmp_path, monkeypatch, world=world)) == [says]


def test_environment_is_one_word(tmp_path, monkeypatch):
    assert lines(build(tmp_path, monkeypatch, village__area=AREA.replace("town", "old town"))) \
        == ["w/village/area.yaml:2: 'environment' must be one word, not 'old town': e.g. "
            "environment: old"]


def test_a_misspelt_key_is_one_error_with_a_suggestion(tmp_path, monkeypatch):
    assert lines(build(tmp_path, monkeypatch, village__items=ITEMS.replace("name:", "nmae:"))) \
        == ["w/village/items.yaml:2: item \"village:apple\": unknown key 'nmae' (allowed: "
            "container, description, equip, fixed, keywords, name, plural, text, value); did "
            "you mean "
            "'name'?"]


def test_an_item_nobody_could_name_needs_keywords(tmp_path, monkeypatch):
    items = "thing:\n  name: the\n  description: d\n"
    assert lines(build(tmp_path, monkeypatch, village__items=items)) == [
        "w/village/items.yaml:2: item \"village:thing\": no word of 'name' ('the') is one a "
        "player could type to mean it: add keywords: [word, word]"]


# -- several errors in one run ---------------------------------------------------------------

def test_errors_in_several_files_come_together_each_with_its_line(tmp_path, monkeypatch):
    root = build(tmp_path, monkeypatch,
                 world=WORLD.replace("name: Test", "name: 42"),
                 village__items=ITEMS + "  fixed: maybe\n",
                 village__npcs=NPCS.replace("description: A cat.", "description:"),
                 village__rooms=ROOMS.replace("north: hall", "north: hal")
                 .replace("name: Hall", "name: [Hall]"))
    with pytest.raises(WorldError) as caught:
        load_world(root, Clock())
    # File by file as they are read; exits are checked once every room is known.
    assert [e.split(": ")[0] for e in caught.value.errors] == [
        "w/world.yaml:1", "w/village/items.yaml:4", "w/village/npcs.yaml:3",
        "w/village/rooms.yaml:7", "w/village/rooms.yaml:5"]
    assert str(caught.value).splitlines()[-1] == \
        "(5 errors in the world; fix them and start again)"
    assert 'exit "north" leads to unknown room "village:hal": did you mean "village:hall"?' \
        in str(caught.value)


def test_errors_stop_at_the_limit(tmp_path, monkeypatch):
    rooms = "".join(f"r{n}:\n  name: {n}\n  description: d\n" for n in range(MAX_ERRORS + 5))
    found = lines(build(tmp_path, monkeypatch, village__rooms=rooms))
    assert len(found) == MAX_ERRORS + 1
    assert found[-1] == (f"(stopped after {MAX_ERRORS} errors; fix these and start again to "
                         "see any more)")


def test_a_broken_file_does_not_echo_as_unknown_references(tmp_path, monkeypatch):
    # woods/rooms.yaml cannot be read: exits and the start room into it say nothing more.
    root = build(tmp_path, monkeypatch, world=WORLD.replace("village:square", "woods:edge"),
                 village__rooms=ROOMS.replace("north: hall", "north: woods:edge"),
                 woods__area="name: Woods\n", woods__rooms="edge:\n\tname: Edge\n")
    assert lines(root) == [
        "w/woods/rooms.yaml:2:1: a tab in the indentation (line 2, column 1); YAML forbids "
        "tabs for indentation: indent with spaces instead"]


def test_a_broken_entry_does_not_echo_either(tmp_path, monkeypatch):
    rooms = ROOMS.replace("hall:\n", "Hall:\n")
    assert lines(build(tmp_path, monkeypatch, village__rooms=rooms)) == [
        "w/village/rooms.yaml:6: room id 'Hall' is not valid (lowercase letters, digits, _ "
        "and -): write it as hall"]


# -- tabs --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rooms", "line", "column"), [
    (ROOMS.replace("  description: A hall.", "\tdescription: A hall."), 8, 1),
    (ROOMS.replace("  description: A hall.", "  \tdescription: A hall."), 8, 3),
    (ROOMS.replace("    south: square", "\t\tsouth: square"), 10, 1),
    (ROOMS.replace("  description: A square.", "  description: >\n\tA square."), 4, 1),
    (ROOMS.replace("  description: A square.", "  description: >\n    A\n\tsquare."), 5, 1),
])
def test_a_tab_in_the_indentation_is_named_with_line_and_column(tmp_path, monkeypatch, rooms,
                                                                line, column):
    assert lines(build(tmp_path, monkeypatch, village__rooms=rooms)) == [
        f"w/village/rooms.yaml:{line}:{column}: a tab in the indentation (line {line}, "
        f"column {column}); YAML forbids tabs for indentation: indent with spaces instead"]


def test_tabs_in_two_files_are_both_reported(tmp_path, monkeypatch):
    found = lines(build(tmp_path, monkeypatch, world=WORLD + "welcome: |\n\tHello\n",
                        village__items=ITEMS.replace("  name", "\tname")))
    assert [m.split(": ")[0] for m in found[:2]] == ["w/world.yaml:5:1",
                                                      "w/village/items.yaml:2:1"]


def test_a_tab_after_a_key_is_fine(tmp_path, monkeypatch):
    world, _ = load(build(tmp_path, monkeypatch, village__items=ITEMS.replace("name: ",
                                                                              "name:\t")))
    assert world.templates["village:apple"].name == "an apple"


def test_other_bad_yaml_keeps_the_parsers_words_and_line(tmp_path, monkeypatch):
    found = lines(build(tmp_path, monkeypatch, village__items=ITEMS + "pear: [\n"))
    assert len(found) == 1 and found[0].startswith("w/village/items.yaml:5: not valid YAML: ")


# -- areas on disk that world.yaml does not list ---------------------------------------------

def test_an_exit_into_an_unlisted_area_says_to_list_it(tmp_path, monkeypatch):
    root = build(tmp_path, monkeypatch, world=WORLD + "areas: [village]\n",
                 village__rooms=ROOMS.replace("north: hall", "gate: {to: woods:edge}"), **WOODS)
    assert lines(root) == [
        "w/village/rooms.yaml:5: room \"village:square\": exit \"gate\" leads to room "
        "\"woods:edge\": area 'woods' exists on disk (w/woods) but is not listed in "
        "world.yaml's areas:; add it there"]
    # Doing what it says loads the world.
    world, warnings = load(build(tmp_path, monkeypatch, world=WORLD + "areas: [village, woods]\n",
                                 village__rooms=ROOMS.replace("north: hall",
                                                              "gate: {to: woods:edge}"), **WOODS))
    assert world.rooms["village:square"].exits["gate"].target.id == "woods:edge"
    assert warnings == []


@pytest.mark.parametrize(("files", "says"), [
    ({"world": WORLD.replace("village:square", "woods:edge") + "areas: [village]\n"},
     "w/world.yaml:3: 'start' leads to room \"woods:edge\": area 'woods' exists on disk"),
    ({"world": WORLD + "areas: [village]\n", "village__rooms": ROOMS.replace(
        "  exits:\n    north: hall\n", "  npcs: [woods:owl]\n", 1)},
     "w/village/rooms.yaml:4: room \"village:square\": places npc \"woods:owl\": area 'woods' "
     "exists on disk"),
])
def test_other_references_into_an_unlisted_area(tmp_path, monkeypatch, files, says):
    found = lines(build(tmp_path, monkeypatch, **WOODS, **files))
    assert len(found) == 1 and found[0].startswith(says), found
    assert found[0].endswith("(w/woods) but is not listed in world.yaml's areas:; add it there")


def test_an_unlisted_area_alone_is_a_warning_and_the_world_loads(tmp_path, monkeypatch):
    root = build(tmp_path, monkeypatch, world=WORLD + "areas: [village]\n", **WOODS)
    world, warnings = load(root)
    assert {r.area for r in world.rooms.values()} == {"village"}
    assert warnings == [
        "w/world.yaml:4: area 'woods' exists on disk (w/woods) but is not listed in "
        "world.yaml's areas:, so it is not loaded; add it there to load it"]


def test_a_folder_of_rooms_without_area_yaml_is_a_warning(tmp_path, monkeypatch):
    root = build(tmp_path, monkeypatch, woods__rooms=WOODS["woods__rooms"])
    assert load(root)[1] == [
        "w/world.yaml: folder w/woods has a rooms.yaml but no area.yaml, so it is not an "
        "area and is not loaded; add an area.yaml (name: ...)"]
    rooms = ROOMS.replace("north: hall", "north: woods:edge")
    assert lines(build(tmp_path, monkeypatch, village__rooms=rooms,
                       woods__rooms=WOODS["woods__rooms"])) == [
        "w/village/rooms.yaml:5: room \"village:square\": exit \"north\" leads to unknown room "
        "\"woods:edge\": folder w/woods has no area.yaml, so there is no area 'woods'"]


def test_warnings_go_to_the_log_by_default(tmp_path, monkeypatch):
    events: list[dict] = []
    globalLogPublisher.addObserver(events.append)
    try:
        load_world(build(tmp_path, monkeypatch, world=WORLD + "areas: [village]\n", **WOODS),
                   Clock())
    finally:
        globalLogPublisher.removeObserver(events.append)
    said = [e for e in events if "area 'woods' exists on disk" in str(e.get("warning"))]
    assert len(said) == 1 and said[0]["log_level"].name == "warn"


def test_no_warnings_when_the_load_fails(tmp_path, monkeypatch):
    warnings: list[str] = []
    root = build(tmp_path, monkeypatch, world=WORLD + "areas: [village]\nbad: 1\n", **WOODS)
    with pytest.raises(WorldError):
        load_world(root, Clock(), warn=warnings.append)
    assert warnings == []


# -- the worlds we ship, and the YAML reader ---------------------------------------------------

@pytest.mark.parametrize("folder", [BUNDLED_WORLD, TINY])
def test_shipped_worlds_load_without_warnings(folder):
    warnings: list[str] = []
    load_world(folder, Clock(), warn=warnings.append)
    assert warnings == []


def test_read_yaml_remembers_lines(tmp_path):
    path = tmp_path / "rooms.yaml"
    path.write_text("# a comment\nsquare:\n  name: Square\n  items:\n    - apple\n    - 7\n")
    data = read_yaml(path, tmp_path)
    assert isinstance(data, Map) and isinstance(data["square"], Map)
    assert data.line_of("square") == 2 and data["square"].line_of("items") == 4
    assert isinstance(data["square"]["items"], Seq)
    assert data["square"]["items"].lines == [5, 6]
    assert data["square"]["items"].raw == ["apple", "7"]
    assert data["square"].raw["name"] == "Square"


def test_a_list_as_a_key_is_an_error_not_a_crash(tmp_path, monkeypatch):
    rooms = ROOMS.replace("  name: Hall\n", "  name: Hall\n  [a]: 1\n")
    assert lines(build(tmp_path, monkeypatch, village__rooms=rooms)) == [
        "w/village/rooms.yaml:8: not valid YAML: found unhashable key"]


def test_yaml_merge_keys_work_and_faults_point_at_the_anchor(tmp_path, monkeypatch):
    base = "base: &b\n  name: a thing\n  description: d\n"
    world, _ = load(build(tmp_path, monkeypatch, village__items=base + "apple:\n  <<: *b\n"
                          "  name: an apple\n"))
    assert world.templates["village:apple"].name == "an apple"
    assert world.templates["village:apple"].description == "d"
    found = lines(build(tmp_path, monkeypatch, village__items=base.replace("d\n", "5\n") +
                        "apple:\n  <<: *b\n  name: an apple\n  name: twice\n"))
    assert found == ["w/village/items.yaml:7: not valid YAML: 'name' is given twice in the "
                     "same mapping"]


def test_areas_that_are_not_a_list_are_one_error_and_every_area_is_still_checked(
        tmp_path, monkeypatch):
    root = build(tmp_path, monkeypatch, world=WORLD + "areas: village\n",
                 village__rooms=ROOMS.replace("name: Hall", "name: 5"))
    assert lines(root)[:2] == [
        "w/world.yaml:4: 'areas' must be a list of words, not text: write areas: [village]",
        "w/village/rooms.yaml:7: room \"village:hall\": 'name' must be text, not a number (5): "
        "put it in quotes, name: \"5\""]
