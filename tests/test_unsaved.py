"""The fallback file a stop writes when it cannot save, and putting it back into the store."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mud import unsaved
from mud.engine.world import CharacterRecord, Snapshot
from mud.persistence.store import Store
from tests.support import ROOT

SNAPSHOT = Snapshot([CharacterRecord("ann", "Ann", "village:high_street", "tall", "off")],
                    [("iron_key", "char", "ann"), ("lamp", "room", "village:inn")])


def test_the_file_is_readable_json_that_reads_back_the_same():
    data = unsaved.encode(SNAPSHOT, "/srv/mud/var", 0)
    body = json.loads(data)
    assert body["format"] == "emberfall-unsaved" and body["written"] == "1970-01-01T00:00:00Z"
    assert body["characters"][0]["room"] == "village:high_street"
    assert body["items"][0] == {"item": "iron_key", "kind": "char", "place": "ann"}
    assert unsaved.decode(data) == (SNAPSHOT, "/srv/mud/var")


@pytest.mark.parametrize("data, why", [
    (b"\xff", "not JSON"),
    (b"[]", "not a fallback file"),
    (b'{"format": "emberfall-unsaved", "version": 9}', "version 9"),
    (b'{"format": "emberfall-unsaved", "version": 1, "characters": [{"key": 1}], "items": []}',
     "malformed"),
    (b'{"format": "emberfall-unsaved", "version": 1, "characters": [], '
     b'"items": [{"item": "a", "kind": "moon", "place": "b"}]}', "unknown kind"),
])
def test_a_file_that_is_not_one_is_refused_saying_why(data, why):
    with pytest.raises(unsaved.BadFallbackFile, match=why):
        unsaved.decode(data)


def test_the_data_directory_is_tried_first_then_the_working_then_the_temporary_one(tmp_path):
    data = tmp_path / "var"
    assert unsaved.places(None, str(data))[:2] == [str(data), os.getcwd()]
    assert unsaved.places(str(tmp_path / "x"), str(data))[0] == str(tmp_path / "x")
    # A directory given twice (the working directory is the data directory) is tried once.
    assert unsaved.places(None, os.getcwd()).count(os.getcwd()) == 1


def test_writing_passes_over_directories_that_refuse_and_never_overwrites(tmp_path):
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    good = tmp_path / "good"
    good.mkdir()
    first = unsaved.write(b"one", [str(not_a_directory), str(good)], 0)
    second = unsaved.write(b"two", [str(good)], 0)
    assert os.path.dirname(first) == str(good) and first != second
    assert Path(first).read_bytes() == b"one" and Path(second).read_bytes() == b"two"
    assert oct(os.stat(first).st_mode & 0o777) == "0o600"
    with pytest.raises(OSError, match="no directory took the fallback file"):
        unsaved.write(b"x", [str(not_a_directory)], 0)


def test_the_restore_command_puts_the_records_into_the_store(tmp_path):
    data = tmp_path / "var"
    Store(str(data)).prepare()
    with sqlite3.connect(data / "mud.sqlite3") as db:
        db.execute("INSERT INTO accounts (key, name, password, created) "
                   "VALUES ('ann', 'Ann', 'x', 0)")
        db.execute("INSERT INTO characters (key, room) VALUES ('ann', 'village:square')")
    path = tmp_path / "mud-unsaved.json"
    path.write_bytes(unsaved.encode(SNAPSHOT, str(data), 0))
    command = unsaved.restore_command(str(path)).split()
    assert command[:3] == [sys.executable, "-m", "mud.unsaved"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Restored 1 characters, 2 item places and 0 pieces of world state" in done.stdout
    with sqlite3.connect(data / "mud.sqlite3") as db:
        assert db.execute("SELECT room, description, colour FROM characters").fetchall() == [
            ("village:high_street", "tall", "off")]
        assert sorted(db.execute("SELECT item, kind, place FROM item_places")) == [
            ("iron_key", "char", "ann"), ("lamp", "room", "village:inn")]


def test_restoring_a_bad_file_or_into_no_store_says_why_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    good = tmp_path / "good.json"
    good.write_bytes(unsaved.encode(SNAPSHOT, str(tmp_path / "nowhere"), 0))
    for path, why in [(bad, "not a fallback file"), (good, "holds no mud.sqlite3"),
                      (tmp_path / "missing.json", "No such file")]:
        done = subprocess.run([sys.executable, "-m", "mud.unsaved", str(path)],
                              capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 1 and why in done.stderr and "Traceback" not in done.stderr


def test_a_file_from_before_saved_state_leaves_a_characters_state_alone(tmp_path):
    # A version-1 file carries no state: restoring it must not wipe what was saved since.
    data = tmp_path / "var"
    Store(str(data)).prepare()
    with sqlite3.connect(data / "mud.sqlite3") as db:
        db.execute("INSERT INTO accounts (key, name, password, created) "
                   "VALUES ('ann', 'Ann', 'x', 0)")
        db.execute("INSERT INTO characters (key, room, state) "
                   "VALUES ('ann', 'village:square', '{\"notes\":{\"v\":1,\"value\":[1]}}')")
    path = tmp_path / "old.json"
    path.write_text(json.dumps({
        "format": "emberfall-unsaved", "version": 1, "items": [],
        "characters": [{"key": "ann", "name": "Ann", "room": "village:inn",
                        "description": "", "colour": "auto"}]}))
    # As the admin runs it (it runs a reactor of its own: not in this process).
    done = subprocess.run([sys.executable, "-m", "mud.unsaved", str(path), "--data", str(data)],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(data / "mud.sqlite3") as db:
        assert db.execute("SELECT room, state FROM characters").fetchall() == [
            ("village:inn", '{"notes":{"v":1,"value":[1]}}')]


def test_every_kind_of_place_the_world_saves_reads_back_from_the_file():
    # Each kind a snapshot can hold: on the floor, carried, inside a container, used up.
    from twisted.internet import task

    from mud.world_loader import load_world
    from tests.support import BUNDLED_WORLD

    world = load_world(BUNDLED_WORLD, task.Clock())
    world.consume(world.items["woods:canopy/woods:nest#1/woods:ring#1"])
    snapshot = world.snapshot_everything()
    assert ("woods:canopy/woods:nest#1/woods:ring#1", "gone", "") in snapshot.items
    snapshot.items += [("woods:canopy/woods:nest#1/woods:button#1", "char", "ann"),
                       ("woods:canopy/woods:nest#1/woods:button#2", "room", "woods:canopy"),
                       ("woods:canopy/woods:nest#1/woods:thimble#1", "in",
                        "woods:canopy/woods:nest#1")]
    assert unsaved.decode(unsaved.encode(snapshot, "/srv/mud/var", 0))[0] == snapshot
