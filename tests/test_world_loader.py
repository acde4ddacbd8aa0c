"""The YAML world loader: good worlds load, and every kind of fault names file and entry."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import pytest
from twisted.internet.task import Clock

from mud.world_loader import WorldError, load_world
from tests.support import TINY

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "worlds" / "emberfall"

WORLD = """\
name: Test
description: A test world.
start: village:square
"""
AREA = "name: The Village\nenvironment: town\n"
ROOMS = """\
square:
  name: Square
  description: A square.
  exits:
    north: hall
hall:
  name: Hall
  description: A hall.
  exits:
    south: square
"""
ITEMS = """\
apple:
  name: an apple
  description: Red.
"""
NPCS = """\
cat:
  name: Mouser
  description: A cat.
"""


def build(tmp_path: Path, monkeypatch, **files: str | None) -> Path:
    """A world in tmp_path/w; keyword ``village__rooms`` is village/rooms.yaml, None omits."""
    monkeypatch.chdir(tmp_path)
    base = {"world": WORLD, "village__area": AREA, "village__rooms": ROOMS,
            "village__items": ITEMS, "village__npcs": NPCS}
    base.update(files)
    root = tmp_path / "w"
    for key, text in base.items():
        if text is None:
            continue
        path = root / (key.replace("__", "/") + ".yaml")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def error(root: Path) -> str:
    with pytest.raises(WorldError) as caught:
        load_world(root, Clock())
    return str(caught.value)


def rooms_with(square_extra: str) -> str:
    return ROOMS.replace("  exits:\n    north: hall\n", square_extra, 1)


# -- worlds that load ------------------------------------------------------------------------

def test_minimal_world_loads(tmp_path, monkeypatch):
    world = load_world(build(tmp_path, monkeypatch), Clock())
    assert world.name == "Test"
    assert world.description == "A test world."
    assert world.start.id == "village:square"
    assert set(world.rooms) == {"village:square", "village:hall"}
    assert world.rooms["village:square"].exits["north"].target is world.rooms["village:hall"]
    assert world.rooms["village:hall"].environment == "town"
    assert set(world.templates) == {"village:apple"}


def test_tiny_world_loads_as_written():
    world = load_world(TINY, Clock())
    assert world.welcome == "Welcome to Tiny."
    hall = world.rooms["home:hall"]
    assert world.start is hall
    assert list(hall.exits) == ["north", "up", "east"]
    assert hall.exits["east"].target.id == "yard:garden"
    garden = world.rooms["yard:garden"]
    assert garden.exits["gate"].description == "A wooden gate, hanging from one hinge."
    assert world.rooms["home:loft"].environment == "attic"
    assert world.rooms["yard:garden"].environment == "garden"
    assert world.templates["home:table"].keywords == ("oak", "table", "tables")
    assert world.templates["home:table"].fixed is True
    assert world.templates["home:apple"].fixed is False
    assert [n.name for n in world.rooms["home:kitchen"].npcs] == ["Mouser"]
    assert world.npcs[0].room is world.rooms["home:kitchen"]


def test_direction_abbreviations_are_canonicalised(tmp_path, monkeypatch):
    rooms = ROOMS.replace("north: hall", "n: hall").replace("south: square", "SW: square")
    world = load_world(build(tmp_path, monkeypatch, village__rooms=rooms), Clock())
    assert list(world.rooms["village:square"].exits) == ["north"]
    assert world.rooms["village:square"].exits["north"].name == "north"
    assert list(world.rooms["village:hall"].exits) == ["southwest"]


def test_item_instance_ids_are_stable(tmp_path, monkeypatch):
    rooms = rooms_with("  items: [apple, apple, village:apple]\n  exits:\n    north: hall\n")
    root = build(tmp_path, monkeypatch, village__rooms=rooms)
    first = load_world(root, Clock())
    expected = [f"village:square/village:apple#{n}" for n in (1, 2, 3)]
    assert [i.id for i in first.rooms["village:square"].items] == expected
    assert sorted(load_world(root, Clock()).items) == expected
    assert first.items[expected[1]].location is first.rooms["village:square"]


def test_keywords_default_to_the_words_of_the_name(tmp_path, monkeypatch):
    items = "lamp:\n  name: The Brass Lamp\n  description: Shiny.\n"
    world = load_world(build(tmp_path, monkeypatch, village__items=items), Clock())
    assert world.templates["village:lamp"].keywords == ("brass", "lamp", "lamps")


def test_areas_default_to_every_folder_with_an_area_yaml(tmp_path, monkeypatch):
    root = build(tmp_path, monkeypatch, **{
        "woods__area": "name: Woods\n",
        "woods__rooms": "edge:\n  name: Edge\n  description: Trees.\n",
    })
    (root / "notes").mkdir()
    world = load_world(root, Clock())
    assert {r.area for r in world.rooms.values()} == {"village", "woods"}


def test_bundled_world_is_big_and_connected():
    world = load_world(BUNDLED, Clock())
    assert len(world.rooms) >= 25
    assert len({r.area for r in world.rooms.values()}) >= 2
    assert len(world.items) > 0
    assert len(world.npcs) > 0
    assert any(t.fixed for t in world.templates.values())
    assert any(not t.fixed for t in world.templates.values())
    seen = {world.start.id}
    queue = deque([world.start])
    while queue:
        for exit_ in queue.popleft().exits.values():
            if exit_.target.id not in seen:
                seen.add(exit_.target.id)
                queue.append(exit_.target)
    assert seen == set(world.rooms), sorted(set(world.rooms) - seen)


# -- faults ----------------------------------------------------------------------------------

def test_missing_world_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert error(tmp_path / "nope") == (
        "nope: no such world folder (expected a folder holding world.yaml)")


def test_missing_world_yaml(tmp_path, monkeypatch):
    assert error(build(tmp_path, monkeypatch, world=None)) == "w/world.yaml: file is missing"


def test_missing_rooms_yaml(tmp_path, monkeypatch):
    root = build(tmp_path, monkeypatch, village__rooms=None)
    assert error(root) == "w/village/rooms.yaml: file is missing"


def test_invalid_yaml_gives_the_line(tmp_path, monkeypatch):
    rooms = ROOMS + "cellar:\n  name: Cellar: dark\n  description: Dark.\n"
    # The C and pure-Python YAML parsers word the problem differently after this prefix.
    assert error(build(tmp_path, monkeypatch, village__rooms=rooms)).startswith(
        "w/village/rooms.yaml:12: not valid YAML: mapping values are not allowed")


def test_invalid_yaml_in_world_yaml(tmp_path, monkeypatch):
    message = error(build(tmp_path, monkeypatch, world=WORLD + "areas: [village\n"))
    assert message.startswith("w/world.yaml:")
    assert "not valid YAML" in message


def test_duplicate_key_is_an_error_with_its_line(tmp_path, monkeypatch):
    rooms = ROOMS + "square:\n  name: Again\n  description: Twice.\n"
    message = error(build(tmp_path, monkeypatch, village__rooms=rooms))
    assert message.startswith("w/village/rooms.yaml:11: not valid YAML")
    assert "'square' is given twice" in message


def test_duplicate_key_inside_an_entry(tmp_path, monkeypatch):
    rooms = ROOMS.replace("  name: Hall\n", "  name: Hall\n  name: Hall again\n")
    message = error(build(tmp_path, monkeypatch, village__rooms=rooms))
    assert message.startswith("w/village/rooms.yaml:8:")
    assert "'name' is given twice" in message


def test_unknown_key(tmp_path, monkeypatch):
    rooms = ROOMS.replace("  description: A hall.", "  decription: A hall.")
    # One error: the misspelt key is not reported again as 'description' missing.
    assert error(build(tmp_path, monkeypatch, village__rooms=rooms)) == (
        "w/village/rooms.yaml:8: room \"village:hall\": unknown key 'decription' "
        "(allowed: description, environment, exits, items, name, npcs, safe); did you mean "
        "'description'?")


def test_unknown_key_in_world_yaml(tmp_path, monkeypatch):
    message = error(build(tmp_path, monkeypatch, world=WORLD + "colour: red\n"))
    assert message.startswith("w/world.yaml:4: unknown key 'colour'")


def test_missing_required_key(tmp_path, monkeypatch):
    items = "apple:\n  name: an apple\n"
    assert error(build(tmp_path, monkeypatch, village__items=items)) == (
        "w/village/items.yaml:1: item \"village:apple\": missing required key 'description'")


def test_missing_start(tmp_path, monkeypatch):
    world = WORLD.replace("start: village:square\n", "")
    assert error(build(tmp_path, monkeypatch, world=world)) == (
        "w/world.yaml: missing required key 'start'")


def test_long_exit_without_to(tmp_path, monkeypatch):
    rooms = ROOMS.replace("north: hall", "north:\n      description: A door.")
    assert error(build(tmp_path, monkeypatch, village__rooms=rooms)) == (
        "w/village/rooms.yaml:5: room \"village:square\": exit \"north\": "
        "missing required key 'to'")


@pytest.mark.parametrize(("files", "expected"), [
    ({"village__items": "apple:\n  name: an apple\n  description: Red.\n  fixed: sometimes\n"},
     "w/village/items.yaml:4: item \"village:apple\": 'fixed' must be true or false, not text "
     "('sometimes'): write fixed: true or fixed: false"),
    ({"village__rooms": rooms_with("  items: apple\n")},
     "w/village/rooms.yaml:4: room \"village:square\": 'items' must be a list of words, not "
     "text: write items: [apple]"),
    ({"village__rooms": ROOMS.replace("name: Hall", "name: [Hall]")},
     "w/village/rooms.yaml:7: room \"village:hall\": 'name' must be text, not a list: write "
     "the text itself after 'name:'"),
    ({"village__rooms": ROOMS.replace("name: Hall", "name: '  '")},
     "w/village/rooms.yaml:7: room \"village:hall\": 'name' is empty: write the text after "
     "'name:' (a long text: 'name: >' with the text on the lines below, indented)"),
    ({"village__rooms": rooms_with("  exits: [north]\n")},
     "w/village/rooms.yaml:4: room \"village:square\": 'exits' must be a mapping of exit "
     "names to rooms (north: hall), not a list"),
    ({"village__npcs": "- cat\n"},
     "w/village/npcs.yaml: must be a mapping of npc ids to npcs, not a list"),
    ({"village__area": "just text\n"},
     "w/village/area.yaml: area.yaml must be a mapping of keys to values, not text"),
    ({"world": "name: X\n"},
     "w/world.yaml: missing required key 'description'"),
])
def test_wrong_types(tmp_path, monkeypatch, files, expected):
    assert expected in error(build(tmp_path, monkeypatch, **files)).splitlines()


@pytest.mark.parametrize(("files", "expected"), [
    ({"village__rooms": ROOMS.replace("hall:\n", "Hall:\n")},
     "w/village/rooms.yaml:6: room id 'Hall' is not valid (lowercase letters, digits, _ and -): "
     "write it as hall"),
    ({"village__items": ITEMS.replace("apple:", "red apple:")},
     "w/village/items.yaml:1: item id 'red apple' is not valid"),
    ({"village__rooms": ROOMS.replace("north: hall", "north: Big Hall")},
     "w/village/rooms.yaml:5: room \"village:square\": exit \"north\" target 'Big Hall' "
     "is not a valid id"),
    ({"village__rooms": ROOMS.replace("north: hall", "secret_door: hall")},
     "w/village/rooms.yaml:5: room \"village:square\": exit name 'secret_door' is not valid"),
    ({"village__rooms": ROOMS.replace("north: hall", "north: hall\n    n: hall")},
     "w/village/rooms.yaml:6: room \"village:square\": exit \"north\" is given twice"),
    ({"world": WORLD + "areas: [Village]\n"},
     "w/world.yaml:4: area name 'Village' is not valid"),
    # A trailing newline (a quoted YAML key) is not part of any id.
    ({"village__rooms": ROOMS.replace("hall:\n", '"hall\\n":\n')},
     "w/village/rooms.yaml:6: room id 'hall\\n' is not valid"),
    ({"village__rooms": ROOMS.replace("north: hall", '"gate\\n": hall')},
     "w/village/rooms.yaml:5: room \"village:square\": exit name 'gate\\n' is not valid"),
])
def test_bad_ids(tmp_path, monkeypatch, files, expected):
    assert error(build(tmp_path, monkeypatch, **files)).splitlines()[0].startswith(expected)


def test_exit_to_unknown_room(tmp_path, monkeypatch):
    rooms = ROOMS.replace("north: hall", "north: nowhere")
    assert error(build(tmp_path, monkeypatch, village__rooms=rooms)) == (
        'w/village/rooms.yaml:5: room "village:square": exit "north" leads to unknown room '
        '"village:nowhere"')


def test_exit_to_a_room_in_an_unknown_area(tmp_path, monkeypatch):
    rooms = ROOMS.replace("north: hall", "gate:\n      to: woods:edge")
    assert error(build(tmp_path, monkeypatch, village__rooms=rooms)).endswith(
        'exit "gate" leads to unknown room "woods:edge": there is no area \'woods\'')


def test_unknown_item_placement(tmp_path, monkeypatch):
    rooms = rooms_with("  items: [apple, pear]\n")
    assert error(build(tmp_path, monkeypatch, village__rooms=rooms)) == (
        "w/village/rooms.yaml:4: room \"village:square\": places unknown item \"village:pear\"")


def test_unknown_npc_placement(tmp_path, monkeypatch):
    rooms = rooms_with("  npcs: [woods:fox]\n")
    assert error(build(tmp_path, monkeypatch, village__rooms=rooms)) == (
        "w/village/rooms.yaml:4: room \"village:square\": places unknown npc \"woods:fox\": there "
        "is no area 'woods'")


def test_unknown_start_room(tmp_path, monkeypatch):
    world = WORLD.replace("village:square", "village:plaza")
    assert error(build(tmp_path, monkeypatch, world=world)) == (
        "w/world.yaml:3: 'start' leads to unknown room \"village:plaza\"")


def test_listed_area_without_folder(tmp_path, monkeypatch):
    root = build(tmp_path, monkeypatch, world=WORLD + "areas: [village, swamp]\n")
    assert error(root) == "w/world.yaml:4: area 'swamp' has no folder swamp/ with an area.yaml"


def test_world_without_areas(tmp_path, monkeypatch):
    root = build(tmp_path, monkeypatch, village__area=None)
    assert error(root) == (
        "w/world.yaml: the world has no areas (sub-folders holding an area.yaml)")


@pytest.mark.parametrize("text", ["", "# nothing here yet\n"])
def test_empty_rooms_yaml(tmp_path, monkeypatch, text):
    root = build(tmp_path, monkeypatch, village__rooms=text)
    assert error(root) == "w/village/rooms.yaml: the area has no rooms"


def test_not_utf8(tmp_path, monkeypatch):
    root = build(tmp_path, monkeypatch)
    (root / "village" / "items.yaml").write_bytes(b"apple:\n  name: caf\xe9\n")
    assert error(root).startswith("w/village/items.yaml: not valid UTF-8 text")


def test_area_listed_twice(tmp_path, monkeypatch):
    root = build(tmp_path, monkeypatch, world=WORLD + "areas: [village, village]\n")
    assert "village" in error(root)


@pytest.mark.parametrize(("value", "kind"), [("''", "text"), ("{}", "a mapping"),
                                             ("false", "true/false"), ("0", "a number")])
def test_falsy_wrong_type_for_a_list(tmp_path, monkeypatch, value, kind):
    rooms = rooms_with(f"  items: {value}\n")
    assert error(build(tmp_path, monkeypatch, village__rooms=rooms)) == (
        f"w/village/rooms.yaml:4: room \"village:square\": 'items' must be a list of words, "
        f"not {kind}: e.g. items: [apple, lantern]")


def test_a_bare_number_is_a_valid_room_id(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    world = tmp_path / "nums"
    (world / "zone").mkdir(parents=True)
    (world / "world.yaml").write_text("name: N\ndescription: d\nstart: zone:42\n")
    (world / "zone" / "area.yaml").write_text("name: Zone\n")
    (world / "zone" / "rooms.yaml").write_text(
        "42:\n  name: Room 42\n  description: d\n  exits: {north: '7'}\n"
        "7:\n  name: Room 7\n  description: d\n  exits: {south: '42'}\n")
    loaded = load_world(world, Clock())
    assert loaded.start.id == "zone:42"
    assert loaded.start.exits["north"].target.id == "zone:7"


SECRET = "Hunter2 Secret Line: the system's password file\n"


def test_a_file_linked_from_outside_the_world_folder_is_refused_unread(tmp_path, monkeypatch):
    root = build(tmp_path, monkeypatch)
    outside = tmp_path / "secret.txt"
    outside.write_text(SECRET)
    (root / "village" / "items.yaml").unlink()
    (root / "village" / "items.yaml").symlink_to(outside)
    message = error(root)
    assert message.startswith("w/village/items.yaml: refused: it resolves to a file outside")
    assert "Hunter2" not in message and "secret.txt" not in message


@pytest.mark.parametrize("name", ["world", "village/area", "village/rooms", "village/npcs"])
def test_every_world_file_is_checked(tmp_path, monkeypatch, name):
    root = build(tmp_path, monkeypatch)
    (root / f"{name}.yaml").rename(tmp_path / "elsewhere.yaml")
    (root / f"{name}.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    assert "refused: it resolves to a file outside" in error(root)


def test_an_area_folder_linked_from_outside_is_refused(tmp_path, monkeypatch):
    root = build(tmp_path, monkeypatch)
    (root / "village").rename(tmp_path / "village")
    (root / "village").symlink_to(tmp_path / "village")
    assert error(root).startswith("w/village/area.yaml: refused")


def test_links_inside_the_world_folder_and_a_linked_world_folder_are_fine(tmp_path,
                                                                          monkeypatch):
    root = build(tmp_path, monkeypatch)
    (root / "shared").mkdir()
    (root / "village" / "items.yaml").rename(root / "shared" / "items.yaml")
    (root / "village" / "items.yaml").symlink_to(Path("..") / "shared" / "items.yaml")
    (tmp_path / "linked").symlink_to(root)
    world = load_world(tmp_path / "linked", Clock())
    assert "village:apple" in world.templates


@pytest.mark.parametrize(("files", "shown"), [
    # (YAML's implicit keys stop at 1024 characters.)
    ({"village__items": f"{'X' * 1000}: 1\n"}, "item id 'XXXX"),
    ({"village__rooms": ROOMS.replace("north: hall", f"north: {'Y' * 5000}")},
     "exit \"north\" target 'YYYY"),
    ({"village__rooms": ROOMS.replace("  exits:\n    north", f"  {'k' * 1000}: 1\n  exits:\n"
                                      "    north")}, "unknown key 'kkkk"),
    ({"world": WORLD.replace("village:square", "Z" * 5000)}, "start room 'ZZZZ"),
    ({"village__items": f"{'a' * 1000}: 3\n{'a' * 1000}: 4\n"}, "'aaaa"),
    ({"village__items": f"apple: !{'t' * 5000} x\n"}, "constructor for the tag '!ttt"),
    ({"village__rooms": ROOMS.replace("exits:\n    north: hall",
                                      f"exits:\n    \"N\\u202e{'n' * 1000}\": hall")},
     "exit name 'N\\u202e"),
])
def test_values_from_files_are_quoted_cut_short(tmp_path, monkeypatch, files, shown):
    message = error(build(tmp_path, monkeypatch, **files))
    assert shown in message, message
    assert len(message) < 300, message
    assert message.isprintable(), message


def test_mappings_nested_past_the_stack_are_an_error_not_a_crash(tmp_path, monkeypatch):
    deep = "\n".join(" " * i + "k:" for i in range(990)) + " 1\n"
    assert "nested too deeply" in error(build(tmp_path, monkeypatch, village__items=deep))


# -- keys systems add to world.yaml ------------------------------------------------------------

def test_a_system_key_in_world_yaml_is_checked_and_attached_last(tmp_path, monkeypatch):
    from mud import world_keys
    attached = []

    def check(ctx, value, line, lookup):
        if not isinstance(value, str):
            ctx.error(f"'motto' must be text, not {type(value).__name__}", line)
        return value

    def attach(world, entity, checked):
        # Last: every area's keys are attached and the rooms are stocked.
        attached.append((entity is world, checked, len(world.rooms)))
    spec = world_keys.KeySpec("motto", ("world",), check, attach)
    monkeypatch.setitem(world_keys._KEYS["world"], "motto", spec)
    world = load_world(build(tmp_path, monkeypatch, world=WORLD + "motto: Onward\n"), Clock())
    assert attached == [(True, "Onward", 2)]
    assert "world.yaml:4" in error(build(tmp_path, monkeypatch,
                                         world=WORLD + "motto: [1, 2]\n"))
    assert world.name == "Test"


def test_an_unregistered_key_in_world_yaml_is_still_an_error(tmp_path, monkeypatch):
    assert "motto" in error(build(tmp_path, monkeypatch, world=WORLD + "motto: Onward\n"))


def test_systems_set_up_every_world_built_whatever_its_files_say(tmp_path, monkeypatch):
    from mud import systems
    seen = []
    monkeypatch.setattr(systems, "_world_setups", [])
    systems.on_world(lambda world: seen.append(world.name))
    systems.on_world(seen.append)  # a second set-up, and the first registered again:
    systems.on_world(systems._world_setups[0])  # each runs once per world
    world = load_world(build(tmp_path, monkeypatch), Clock())
    assert seen == ["Test", world]


@pytest.mark.parametrize(("written", "code"), [
    ('"Square\\e[2J"', "U+001B (ESC)"), ('"Ding\\a"', "U+0007 (BEL)"),
    ('"a\\x9b2J"', "U+009B (CSI)"), ('"back\\rwards"', "U+000D (CR)")])
def test_a_control_character_in_any_world_text_stops_the_load_at_its_line(
        tmp_path, monkeypatch, written, code):
    rooms = ROOMS.replace("  name: Hall\n", f"  name: {written}\n")
    message = error(build(tmp_path, monkeypatch, village__rooms=rooms))
    assert "village/rooms.yaml:7" in message and code in message
    assert "would reach players' terminals" in message


def test_tabs_and_newlines_in_world_text_are_still_text(tmp_path, monkeypatch):
    rooms = ROOMS.replace("  description: A hall.\n", '  description: "A hall.\\tWide.\\nTall."\n')
    world = load_world(build(tmp_path, monkeypatch, village__rooms=rooms), Clock())
    assert world.rooms["village:hall"].description == "A hall.\tWide.\nTall."
