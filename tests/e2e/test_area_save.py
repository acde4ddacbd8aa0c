"""Saving areas with a real twistd over real sockets, on a copy of the bundled world: a
builder made with mud-role digs and renames rooms over telnet, ``save area`` writes just
those entries (a diff of the file shows only them), an edit made after it is saved by the
SIGTERM stop, and a fresh load of the files holds the built world; a failing disk is told
to the builder and the changes are kept until it works again."""

from __future__ import annotations

import difflib
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import Clock

from mud.world_loader import load_world
from tests.e2e.processes import log_in, telnet_server, until
from tests.e2e.server import ServerTestCase
from tests.support import BUNDLED_WORLD


def copy_world(tmp: Path) -> Path:
    shutil.copytree(BUNDLED_WORLD, tmp / "world")
    return tmp / "world"


def promote(data: Path, name: str) -> None:
    subprocess.run([sys.executable, "-m", "mud.role_tool", "promote", name, "builder",
                    "--data", str(data)], check=True, capture_output=True, timeout=30)


def changed_lines(old: str, new: str) -> list[str]:
    return [line for line in difflib.unified_diff(old.splitlines(), new.splitlines(), n=0,
                                                  lineterm="")
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_a_builder_saves_an_area_and_the_stop_saves_the_rest(tmp_path, servers):
    world = copy_world(tmp_path)
    rooms = world / "village" / "rooms.yaml"
    before = rooms.read_text()
    others = {p: p.read_bytes() for p in world.rglob("*.yaml") if p != rooms}
    server = telnet_server(tmp_path, servers, "--world", str(world), "--area-autosave", "0")
    bram = log_in(server, "create Bram secret1", "Village Square")
    promote(tmp_path / "var", "Bram")

    # The first builder's command the server sees since mud-role reads the new role.
    bram.ask("dig up attic The Attic", "The Attic")
    bram.ask("save area", "Saved village: rooms.yaml (2 entries changed).")
    # Only square's new exit and the new room: the rest of the file is as it was.
    assert changed_lines(before, rooms.read_text()) == [
        "+    up: attic", "+", "+attic:", "+  name: The Attic", "+  description: >-",
        "+    Nothing is here yet but bare ground and the builder's intentions.",
        "+  exits:", "+    down: square"]
    bram.ask("save area village", "Nothing to save in village.")

    # Changed after the save: the stop writes it.
    bram.ask("up", "The Attic")
    bram.ask("rname The Dusty Attic", "The Dusty Attic")
    server.proc.send_signal(signal.SIGTERM)
    assert server.finish() == 0
    log = server.output()
    assert "audit area_saved name=Bram" in log and "area=village" in log
    assert "audit area_saved name=stop" in log

    text = rooms.read_text()
    assert "attic:\n  name: The Dusty Attic\n" in text
    # Every other file is as it was, byte for byte.
    assert {p: p.read_bytes() for p in world.rglob("*.yaml") if p != rooms} == others
    fresh = load_world(world, Clock())
    attic = fresh.rooms["village:attic"]
    assert attic.name == "The Dusty Attic"
    assert attic.exits["down"].target is fresh.rooms["village:square"]
    assert fresh.rooms["village:square"].exits["up"].target is attic
    original = load_world(BUNDLED_WORLD, Clock())
    assert set(fresh.rooms) == set(original.rooms) | {"village:attic"}
    for key, room in original.rooms.items():
        if key != "village:square":
            assert (fresh.rooms[key].name, fresh.rooms[key].description,
                    sorted(fresh.rooms[key].exits)) == \
                (room.name, room.description, sorted(room.exits))


def test_a_save_the_disk_refuses_is_told_and_kept_for_later(tmp_path, servers):
    world = copy_world(tmp_path)
    rooms = world / "village" / "rooms.yaml"
    server = telnet_server(tmp_path, servers, "--world", str(world), "--area-autosave", "0")
    bram = log_in(server, "create Bram secret1", "Village Square")
    promote(tmp_path / "var", "Bram")
    bram.ask("rname The Old Square", "The Old Square")
    # A file the disk will not give back (as root, permissions would not stop a write).
    kept = rooms.read_bytes()
    rooms.unlink()
    rooms.mkdir()
    bram.ask("save area", "Could not save village")
    bram.wait_for("Is a directory")
    bram.wait_for("kept in memory")
    rooms.rmdir()
    rooms.write_bytes(kept)
    bram.ask("save area", "Saved village: rooms.yaml (1 entry changed).")
    assert changed_lines(kept.decode(), rooms.read_text()) == [
        "-  name: Village Square", "+  name: The Old Square"]
    assert "audit area_save_failed name=Bram" in server.output()


def test_the_area_autosave_writes_a_change_nobody_saved(tmp_path, servers):
    world = copy_world(tmp_path)
    rooms = world / "village" / "rooms.yaml"
    before = rooms.read_text()
    server = telnet_server(tmp_path, servers, "--world", str(world), "--area-autosave", "1")
    bram = log_in(server, "create Bram secret1", "Village Square")
    promote(tmp_path / "var", "Bram")
    bram.ask("rname The Old Square", "The Old Square")
    until(lambda: "The Old Square" in rooms.read_text(), what="the area autosave")
    assert changed_lines(before, rooms.read_text()) == ["-  name: Village Square",
                                                         "+  name: The Old Square"]
    until(lambda: "audit area_saved name=autosave" in server.output(), what="its audit line")
    bram.ask("save area", "Nothing to save in village.")


def fingerprint(world) -> dict:
    """What a world is, for comparing two: rooms with their exits, what stands in them,
    item templates, NPCs with their behaviours."""
    rooms = {}
    for room_id, room in world.rooms.items():
        exits = sorted((name, e.target.id, e.description, e.door is not None)
                       for name, e in room.exits.items())
        rooms[room_id] = (room.name, room.description, room.area, room.environment, exits,
                          sorted(item.template.id for item in room.items),
                          sorted(npc.id for npc in room.npcs))
    templates = {tid: (t.name, t.keywords, t.description, t.fixed)
                 for tid, t in world.templates.items()}
    npcs = sorted((npc.id, npc.name, npc.keywords, npc.description,
                   npc.room.id if npc.room else None,
                   tuple(type(b).__name__ for b in npc.behaviours)) for npc in world.npcs)
    return {"rooms": rooms, "templates": templates, "npcs": npcs}


class BuildSaveLoadTests(ServerTestCase):
    @inlineCallbacks
    def test_three_rooms_an_item_and_an_npc_built_saved_and_loaded_afresh_are_the_same(self):
        world_dir = Path(self.mktemp()) / "world"
        shutil.copytree(BUNDLED_WORLD, world_dir)
        service = self.start(world=str(world_dir), area_autosave=0)
        world = service.game.world
        bram = yield self.telnet_builder(service, "Bram")
        for line, answer in [
                ("dig up attic The Attic", "You dig up"), ("up", "The Attic"),
                ("rdesc Dust lies thick on the boards; a round window looks north.",
                 "description is set"),
                ("dig north turret The Turret", "You dig north"), ("north", "The Turret"),
                ("rdesc", "a line with only . ends it"), ("Wind whistles through.", ""),
                ("", ""), ("Pigeons: yes, no, 1.0.", ""), (".", "description is set"),
                ("dig up roof On the Roof", "You dig up"),
                ("create item telescope", "You create item"),
                ("set telescope name a brass telescope", "name set"),
                ("set telescope description Dented, but the lens is whole.",
                 "description set"),
                ("spawn telescope", "You spawn"),
                ("create npc jackdaw", "You create npc"),
                ("set jackdaw name a jackdaw", "name set"),
                ("set jackdaw behaviours {chatter: {interval: 30, lines: [\"emote "
                 "caws.\"]}}", "behaviours set"),
                ("spawn jackdaw", "You spawn"),
                ("save area", "Saved village:")]:
            if answer:
                yield bram.ask(line, answer)
            else:
                bram.send(line)
        live = fingerprint(world)
        fresh = load_world(world_dir, Clock())
        self.assertEqual(fingerprint(fresh), live)
        self.assertIn("village:roof", fresh.rooms)
        self.assertEqual(fresh.rooms["village:turret"].description,
                         "Wind whistles through.\nPigeons: yes, no, 1.0.")
        bram.send("quit")
        yield bram.wait_for("saved")
