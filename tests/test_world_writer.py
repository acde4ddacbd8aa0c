"""Writing world files back (mud/world_writer.py, mud/world_render.py): only the changed
entries' lines change, comments and untouched text stay byte for byte, tricky strings come
back exactly, and a failed or wrong write never touches the file."""

from __future__ import annotations

import difflib
import math
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from twisted.internet.task import Clock

from mud import world_cut, world_writer
from mud.world_loader import load_world
from mud.world_render import plain, render_pair, same
from mud.world_sources import FileSnapshot
from mud.world_writer import WriteError, new_text, write_file
from tests.support import BUNDLED_WORLD


def shot(path: Path, values: dict[str, Any], order: list[str] | None = None) -> FileSnapshot:
    if order is None:
        old = yaml.safe_load(path.read_text()) if path.exists() else {}
        order = [k for k in (old or {}) if values.get(k, 1) is not None]
        order += [k for k in values if k not in order and values[k] is not None]
    return FileSnapshot(path, tuple(order), values, {k: 1 for k in values}, path.name)


def diff(old: str, new: str) -> tuple[list[str], list[str]]:
    """Lines taken out and put in."""
    out, into = [], []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), n=0, lineterm=""):
        if line.startswith("-") and not line.startswith("---"):
            out.append(line[1:])
        elif line.startswith("+") and not line.startswith("+++"):
            into.append(line[1:])
    return out, into


@pytest.fixture
def world_copy(tmp_path: Path) -> Path:
    shutil.copytree(BUNDLED_WORLD, tmp_path / "world")
    return tmp_path / "world"


ROOMS = """\
# A header comment about the whole file.
# Two lines of it.

# The square, where everything starts.
square:
  name: Village Square   # the name players see
  description: >
    Cobbles worn smooth by centuries of boots slope gently up toward the
    north gate.
  exits:
    north: gate
    # the inn is a door away
    west: inn
  items: [fountain, board]

inn:
  name: The Inn
  description: A low room.
  exits: {east: square}

# -- the gate --

gate:
  name: North Gate
  description: >
    A tall gate.
  exits:
    south: square
"""


def test_saving_no_changes_leaves_every_bundled_file_byte_identical(world_copy: Path) -> None:
    world = load_world(world_copy, Clock())
    for rel, source in world.sources.files.items():
        path = world_copy / rel
        before = path.read_bytes()
        # Unchanged entries are kept from the disk even when named in the snapshot order.
        assert write_file(FileSnapshot(path, tuple(source.entries), {}, {}, rel)) is False
        assert path.read_bytes() == before
        # And the text the writer makes for no change is the file itself.
        assert new_text(before.decode(), FileSnapshot(path, tuple(source.entries), {}, {},
                                                      rel)) == before.decode()


def test_one_changed_room_changes_only_its_lines(world_copy: Path) -> None:
    world = load_world(world_copy, Clock())
    sources = world.sources
    path = world_copy / "village" / "rooms.yaml"
    old = path.read_text()
    square = dict(sources.get("village", "room", "square"))
    square["name"] = "The Old Square"
    sources.put("village", "room", "square", square)
    (snapshot,) = [s for s in sources.snapshot("village") if s.rel.endswith("rooms.yaml")]
    assert write_file(snapshot) is True
    new = path.read_text()
    assert diff(old, new) == (["  name: Village Square"], ["  name: The Old Square"])
    # The header comment and every other room stay exactly as they were.
    assert new.startswith("# Emberfall village. Rough grid (north is up):\n")
    assert load_world(world_copy, Clock()).rooms["village:square"].name == "The Old Square"


def test_a_changed_entry_keeps_comments_and_text_of_its_unchanged_parts(tmp_path: Path) -> None:
    path = tmp_path / "rooms.yaml"
    path.write_text(ROOMS)
    square = yaml.safe_load(ROOMS)["square"]
    square["exits"] = {"north": "gate", "west": "inn", "east": "market"}
    write_file(shot(path, {"square": square}))
    new = path.read_text()
    assert diff(ROOMS, new) == ([], ["    east: market"])
    assert "  name: Village Square   # the name players see\n" in new
    assert "    # the inn is a door away\n" in new


def test_a_changed_entry_keeps_the_files_key_order(tmp_path: Path) -> None:
    # An edit that takes a key out and puts it back (last, in the value's order) moves no
    # line: new keys come after the file's.
    path = tmp_path / "rooms.yaml"
    path.write_text(ROOMS)
    inn = yaml.safe_load(ROOMS)["inn"]
    del inn["name"]
    inn["name"] = "The Ember"
    inn["environment"] = "indoors"
    write_file(shot(path, {"inn": inn}))
    assert diff(ROOMS, path.read_text()) == (["  name: The Inn"], [
        "  name: The Ember", "  environment: indoors"])


def test_a_changed_value_is_rendered_in_the_files_style(tmp_path: Path) -> None:
    path = tmp_path / "rooms.yaml"
    path.write_text(ROOMS)
    inn = yaml.safe_load(ROOMS)["inn"]
    inn["description"] = ("A low common room smelling of woodsmoke, ale and onions, its "
                          "ceiling beams blackened by a hundred winters of firelight.\n")
    inn["items"] = ["bread", "ale"]
    write_file(shot(path, {"inn": inn}))
    out, into = diff(ROOMS, path.read_text())
    assert out == ["  description: A low room."]
    assert into == ["  description: >",
                    "    A low common room smelling of woodsmoke, ale and onions, its ceiling",
                    "    beams blackened by a hundred winters of firelight.",
                    "  items: [bread, ale]"]
    assert max(len(line) for line in into) <= 76


def test_a_removed_entry_takes_its_comment_and_lines_only(tmp_path: Path) -> None:
    path = tmp_path / "rooms.yaml"
    path.write_text(ROOMS)
    write_file(shot(path, {"square": None}))
    new = path.read_text()
    out, into = diff(ROOMS, new)
    assert into == []
    assert "# The square, where everything starts." in out
    assert "  items: [fountain, board]" in out
    assert len(out) == 12  # its comment, its 10 lines and one blank line
    assert new.startswith("# A header comment about the whole file.\n# Two lines of it.\n\n"
                          "inn:\n")
    # A comment set off from the removed entry stays (it is about what follows).
    assert "# -- the gate --\n\ngate:" in new
    write_file(shot(path, {"gate": None}))
    assert path.read_text().endswith("  exits: {east: square}\n\n# -- the gate --\n")


def test_a_new_entry_is_appended_after_a_blank_line(tmp_path: Path) -> None:
    path = tmp_path / "rooms.yaml"
    path.write_text(ROOMS)
    room = {"name": "Market Row", "description": "Stalls.\n", "exits": {"west": "square"}}
    write_file(shot(path, {"market": room}))
    new = path.read_text()
    assert new == ROOMS + ("\nmarket:\n  name: Market Row\n  description: >\n    Stalls.\n"
                           "  exits:\n    west: square\n")


def test_a_missing_file_is_created_0644(tmp_path: Path) -> None:
    path = tmp_path / "area" / "items.yaml"
    values = {"lamp": {"name": "a lamp", "description": "A brass lamp.\n"},
              "rope": {"name": "a rope", "description": "Hemp.\n", "fixed": False}}
    assert write_file(shot(path, values, ["lamp", "rope"])) is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert path.read_text() == ("lamp:\n  name: a lamp\n  description: >\n    A brass lamp.\n\n"
                                "rope:\n  name: a rope\n  description: >\n    Hemp.\n"
                                "  fixed: false\n")


def test_the_files_mode_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "rooms.yaml"
    path.write_text(ROOMS)
    path.chmod(0o640)
    write_file(shot(path, {"inn": None}))
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


TRICKY = ["yes", "no", "on", "off", "1.0", "12", "null", "~", "", ":x", "- x", "#x",
          "a: b", "a #b", "true", "0x1f", "1e3", " leading", "trailing ", "x\n", "x\n\n",
          "two\nlines", "two\nlines\n", "\n", "  indented\nnext", "tab\there", "bell\x07",
          "it's \"quoted\"", "back\\slash", "é ünïcödé", "[not, a, list]", "{not: map}",
          "*alias", "&anchor", "!tag", "%percent", "@at", "`tick", "|pipe", ">fold",
          "word " * 30, ("A long description " * 8).strip() + "\n",
          ("A long line without an ending " * 6).strip(), "double  spaced words " * 6,
          "\ttab first", "ends with colon:", "<<", "=", "a\r\nb", "\u2028sep"]


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_strings_round_trip_exactly(tmp_path: Path, text: str) -> None:
    path = tmp_path / "items.yaml"
    value = {"name": text, "keywords": [text, "x"], "says": [text],
             "topics": {text or "empty": text}}
    write_file(shot(path, {"thing": value}, ["thing"]))
    assert yaml.safe_load(path.read_text()) == {"thing": value}


@pytest.mark.parametrize("value", [True, False, None, 0, -3, 1.5, 1e20, 1e-7, math.inf,
                                   -math.inf, [], {}, [[1, 2], {"a": [True, None]}],
                                   {"nested": {"deeper": {"deepest": "x"}}}])
def test_other_values_round_trip_with_their_types(value: Any) -> None:
    lines = render_pair("key", value)
    back = yaml.safe_load("\n".join(lines))
    assert same(back, {"key": value})


def test_same_tells_types_apart() -> None:
    assert not same({"a": True}, {"a": 1})
    assert not same({"a": 1}, {"a": 1.0})
    assert same({"a": 1, "b": 2}, {"b": 2, "a": 1})  # the writer keeps the file's order
    assert not same({1: "x"}, {"1": "x"}) and not same({True: "x"}, {1: "x"})
    assert same(plain({"a": (1, "x")}), {"a": [1, "x"]})


def test_a_failed_write_leaves_the_old_file_and_raises(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "area"
    folder.mkdir()
    path = folder / "rooms.yaml"
    path.write_text(ROOMS)
    folder.chmod(0o555)
    try:
        with pytest.raises(PermissionError):
            write_file(shot(path, {"inn": None}))
    finally:
        folder.chmod(0o755)
    assert path.read_text() == ROOMS
    assert [p.name for p in folder.iterdir()] == ["rooms.yaml"]


def test_a_failed_write_as_root_leaves_the_old_file_and_raises(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "rooms.yaml"
    path.write_text(ROOMS)

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        write_file(shot(path, {"inn": None}))
    assert path.read_text() == ROOMS
    assert [p.name for p in tmp_path.iterdir()] == ["rooms.yaml"]


def test_text_that_would_not_read_back_is_never_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "rooms.yaml"
    path.write_text(ROOMS)
    # A renderer bug: every rendered entry comes out as some other room.
    for module in (world_cut, world_writer):
        monkeypatch.setattr(module, "render_pair",
                            lambda key, value, indent=0: [" " * indent + f"{key}: wrong"])
    inn = dict(yaml.safe_load(ROOMS)["inn"], name="Changed")
    with pytest.raises(WriteError):
        write_file(shot(path, {"inn": inn}))
    assert path.read_text() == ROOMS


def test_an_alias_into_a_changed_entry_falls_back_to_fresh_text(tmp_path: Path) -> None:
    path = tmp_path / "items.yaml"
    path.write_text("# header\n\nbase: &base\n  name: a thing\n  description: Plain.\n\n"
                    "copy:\n  <<: *base\n  name: a copy  # a comment\n")
    write_file(shot(path, {"base": {"name": "a base", "description": "Plain."}}))
    assert yaml.safe_load(path.read_text()) == {
        "base": {"name": "a base", "description": "Plain."},
        "copy": {"name": "a copy", "description": "Plain."}}
    assert path.read_text().startswith("# header\n\n")


def test_a_file_broken_on_disk_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "rooms.yaml"
    path.write_text("square: [unclosed\n")
    with pytest.raises(WriteError, match="not valid YAML"):
        write_file(shot(path, {"inn": {"name": "x"}}, ["inn"]))
    assert path.read_text() == "square: [unclosed\n"


def test_entries_edited_on_disk_since_the_load_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "rooms.yaml"
    path.write_text(ROOMS)
    snapshot = shot(path, {"inn": None})
    path.write_text(ROOMS.replace("North Gate", "The North Gate"))
    write_file(snapshot)
    assert "  name: The North Gate\n" in path.read_text()
    assert "inn:" not in path.read_text()


def test_crlf_files_keep_their_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "rooms.yaml"
    path.write_bytes(ROOMS.replace("\n", "\r\n").encode())
    inn = dict(yaml.safe_load(ROOMS)["inn"], name="The Ember")
    write_file(shot(path, {"inn": inn}))
    data = path.read_bytes()
    assert b"  name: The Ember\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")


def test_a_big_file_is_parsed_entry_by_entry_never_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # One call into libyaml over a whole 2,000-room file holds the interpreter lock for
    # 60 ms and more, stalling the reactor (bench/area_save.py): entries go one at a time.
    path = tmp_path / "rooms.yaml"
    path.write_text("# many rooms\n\n" + "".join(
        f"# room {n}\nr{n}:\n  name: Room {n}\n  description: >\n    A room.\n"
        f"  exits:\n    north: r{n + 1}\n\n" for n in range(300)))
    sizes: list[int] = []
    real = world_cut.compose

    def compose(text: str) -> Any:
        sizes.append(len(text))
        return real(text)
    monkeypatch.setattr(world_cut, "compose", compose)
    values = {f"r{n}": {"name": f"Room {n}!", "description": "A room.\n",
                        "exits": {"north": f"r{n + 1}"}} for n in range(0, 300, 2)}
    write_file(shot(path, values))
    assert sizes and max(sizes) < 200
    back = yaml.safe_load(path.read_text())
    assert back["r0"]["name"] == "Room 0!" and back["r1"]["name"] == "Room 1"
    assert "# room 1\nr1:\n" in path.read_text()


def test_a_file_without_a_final_line_break_keeps_its_values(tmp_path: Path) -> None:
    path = tmp_path / "items.yaml"
    text = "lamp:\n  name: a lamp\n  description: >\n    Brass."
    path.write_text(text)
    write_file(shot(path, {"rope": {"name": "a rope", "description": "Hemp."}}))
    back = yaml.safe_load(path.read_text())
    # Parsed whole, the lamp's folded text had no line break: it still has none.
    assert back["lamp"]["description"] == yaml.safe_load(text)["lamp"]["description"]
    assert back["rope"] == {"name": "a rope", "description": "Hemp."}


SEED = 12


def with_comments(text: str, rng: Any) -> str:
    """``text`` with comment lines put above some of its keys (never inside a block of
    text, where they would be text), at the key's indentation."""
    import re
    out: list[str] = []
    block = -1  # the indentation of a line that opened a | or > block, while inside it
    for line in text.splitlines():
        depth = len(line) - len(line.lstrip(" "))
        if block >= 0 and (not line.strip() or depth > block):
            out.append(line)
            continue
        block = -1
        if re.match(r"^ *[A-Za-z0-9_]+:( |$)", line) and rng.random() < 0.3:
            out.append(" " * depth + "# a note about what follows")
        out.append(line)
        if re.search(r"(: |- |^-)[|>][0-9+-]*$", line):
            block = depth
    return "\n".join(out) + "\n"


def test_random_edits_of_random_entries_read_back_exactly(tmp_path: Path) -> None:
    """Entries of random shapes and strings (TRICKY among them), written, then a random
    third changed, a few removed and added, over and over: the file always loads as the
    entries expected, in order, and what was not touched keeps its text."""
    import random
    rng = random.Random(SEED)
    words = [*TRICKY, "plain", "two words", "x" * 90, "Ünïcode", "a-b_c"]

    def value(depth: int = 0) -> Any:
        roll = rng.random()
        if depth < 3 and roll < 0.25:
            return {rng.choice(words) or "k": value(depth + 1) for _ in range(rng.randint(1, 4))}
        if depth < 3 and roll < 0.4:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return rng.choice([*words, 0, 7, -2.5, True, False, None])

    def tweak(entry: Any) -> Any:
        """A copy with one part somewhere inside changed, added or taken out."""
        import copy
        entry = copy.deepcopy(entry)
        here = entry
        while isinstance(here, dict) and here and rng.random() < 0.7:
            key = rng.choice(list(here))
            if not isinstance(here[key], dict) or not here[key]:
                break
            here = here[key]
        if isinstance(here, dict) and here:
            key = rng.choice(list(here))
            roll = rng.random()
            if roll < 0.6:
                here[key] = value(2)
            elif roll < 0.8 and len(here) > 1:
                del here[key]
            else:
                here[f"added{rng.randint(0, 99)}"] = value(2)
        return entry

    path = tmp_path / "things.yaml"
    entries = {f"e{n}": {"name": rng.choice(words), "extra": value()} for n in range(40)}
    write_file(shot(path, dict(entries), list(entries)))
    assert same(yaml.safe_load(path.read_text()), entries)
    path.write_text(with_comments(path.read_text(), rng))
    assert same(yaml.safe_load(path.read_text()), entries)
    for _ in range(15):
        before = path.read_text()
        changed: dict[str, Any] = {}
        for key in rng.sample(sorted(entries), 12):
            changed[key] = tweak(entries[key]) if rng.random() < 0.5 else \
                {"name": rng.choice(words), "extra": value()}
        for key in rng.sample(sorted(set(entries) - set(changed)), 2):
            changed[key] = None
        for n in range(2):
            changed[f"new{_}_{n}"] = {"name": rng.choice(words), "extra": value()}
        order = [k for k in entries if changed.get(k, 1) is not None] + \
            [k for k in changed if k not in entries]
        write_file(shot(path, changed, order))
        for key, new in changed.items():
            if new is None:
                del entries[key]
            else:
                entries[key] = new
        back = yaml.safe_load(path.read_text())
        assert same(back, entries) and list(back) == list(entries)
        # Every entry nobody touched has the very lines it had.
        was = {c.key: c.body for c in world_cut.entries(before.splitlines())}
        now = {c.key: c.body for c in world_cut.entries(path.read_text().splitlines())}
        for key in entries:
            if key not in changed:
                assert now[key] == was[key]
