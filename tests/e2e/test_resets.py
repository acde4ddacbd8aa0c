"""Resets over real sockets: a telnet player empties Market Row of apples and they come back
while a web player in the room watches; a SIGTERM and restart of the real twistd keeps the
respawned apple the player carries (once) and the village's reset schedule."""

from __future__ import annotations

import json
import re
import shutil
import signal
import sqlite3
import time
from pathlib import Path

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.processes import Player, Server, until
from tests.e2e.server import ServerTestCase
from tests.e2e.wsclient import connect_web
from tests.support import BUNDLED_WORLD

MESSAGE = "Pim sets out fresh wares."


def world_resetting_every(folder: Path, seconds: int) -> Path:
    """The bundled world in ``folder`` with the village resetting every ``seconds``."""
    if not folder.exists():
        shutil.copytree(BUNDLED_WORLD, folder)
    area = folder / "village" / "area.yaml"
    text, count = re.subn(r"reset: \{every: \d+", f"reset: {{every: {seconds}",
                          area.read_text(encoding="utf-8"))
    assert count == 1, "the bundled village lost its reset"
    area.write_text(text, encoding="utf-8")
    return folder


def apples_in(frame: dict) -> int:
    return sum(g["count"] for g in frame["items"] if g["name"] == "a red apple")


class ResetTests(ServerTestCase):
    @inlineCallbacks
    def test_taken_apples_come_back_and_a_web_player_in_the_room_sees_them(self):
        world = world_resetting_every(Path(self.mktemp()), 4)
        self.start(world=str(world))
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("room", name="Village Square")
        web.command("east")
        room = yield web.wait("room", name="Market Row")
        self.assertEqual(apples_in(room), 3)

        tel = yield connect(self.telnet_port)
        yield tel.ask("create Bram secret1", "Village Square")
        yield tel.ask("east", "three red apples")
        for _ in range(3):
            yield tel.ask("get apple", "You pick up a red apple.")
        yield tel.ask("look", "You see a brass lantern here.")
        yield tel.ask("inventory", "three red apples")

        # Within a reset period they are back; both players are told, and look shows them.
        yield tel.wait_for(MESSAGE, timeout=10)
        told = yield web.wait("restock", message=MESSAGE)
        self.assertEqual(told["text"], MESSAGE)
        yield tel.ask("look", "You see a brass lantern and three red apples here.")
        web.command("look")
        room = yield web.wait("room", name="Market Row")
        self.assertEqual(apples_in(room), 3)
        # Bram still holds his three; nothing was duplicated at the next reset either.
        yield tel.ask("inventory", "three red apples")
        tel.send("quit")
        yield tel.wait_for("Farewell")


def _db(data: Path, sql: str, *args):
    with sqlite3.connect(data / "mud.sqlite3", timeout=5) as db:
        return db.execute(sql, args).fetchall()


def test_a_restart_keeps_a_respawned_apple_and_the_reset_schedule(tmp_path, servers):
    data = tmp_path / "var"
    world = world_resetting_every(tmp_path / "world", 3)
    args = ["mud", "--telnet", "tcp:0:interface=127.0.0.1", "--data", str(data),
            "--world", str(world)]
    server = Server(args, tmp_path)
    servers.append(server)
    player = Player(server.port())
    player.wait_for("What name do you go by?")
    player.ask("create Rowan secret1", "Village Square")
    player.ask("east", "Market Row")
    for _ in range(3):
        player.ask("get apple", "You pick up a red apple.")
    player.wait_for(MESSAGE)
    player.ask("get apple", "You pick up a red apple.")
    player.ask("inventory", "four red apples")
    server.proc.send_signal(signal.SIGTERM)
    player.wait_for("Your character is saved")
    assert server.finish() == 0
    held = [row[0] for row in _db(data, "SELECT item FROM item_places WHERE kind = 'char' "
                                        "AND place = 'rowan'")]
    assert len(held) == 4 and sum("~" in i for i in held) == 1, held
    (saved,) = _db(data, "SELECT value FROM world_state WHERE key = 'resets'")
    due = json.loads(saved[0])["value"]["due"]["village"]

    # A long period now: only the saved schedule (overdue) can reset the village at once.
    world_resetting_every(world, 600)
    until(lambda: time.time() > due + 0.5, what="the saved reset to fall due")
    again = Server(args, tmp_path)
    servers.append(again)
    player = Player(again.port())
    player.wait_for("What name do you go by?")
    player.ask("connect rowan secret1", "Market Row")
    player.wait_for(MESSAGE)
    player.ask("look", "You see a brass lantern and three red apples here.")
    player.ask("inventory", "four red apples")
    player.ask("quit", "Farewell")
    again.proc.send_signal(signal.SIGTERM)
    assert again.finish() == 0
    held_after = {row[0] for row in _db(data, "SELECT item FROM item_places WHERE kind = 'char' "
                                              "AND place = 'rowan'")}
    assert held_after == set(held)
    (saved,) = _db(data, "SELECT value FROM world_state WHERE key = 'resets'")
    assert json.loads(saved[0])["value"]["due"]["village"] > due + 590
    assert "Traceback" not in again.output()
