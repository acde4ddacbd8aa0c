"""Doors over real sockets: a telnet player opens the inn's trapdoor and unlocks the mine
gate while a web player sees it in door events and room frames (both sides of the trapdoor
are one door), and the doors' states survive a SIGTERM and restart of the real twistd."""

from __future__ import annotations

import json
import sqlite3

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.processes import log_in, stop_saved, telnet_server
from tests.e2e.server import ServerTestCase
from tests.e2e.wsclient import connect_web

# From the inn to the mine's mouth, with the room each step reaches.
TO_THE_MINE = (("e", "Village Square"), ("n", "High Street"), ("n", "The North Gate"),
               ("gate", "Edge of the Thornwood"), ("n", "Thornwood Path"),
               ("n", "The Waystone Fork"), ("n", "The Deepwood"),
               ("ne", "Foot of the Hills"), ("n", "The Mine Mouth"))


class DoorTests(ServerTestCase):
    @inlineCallbacks
    def test_telnet_player_opens_and_unlocks_doors_a_web_player_sees_it(self):
        self.start()
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("room", name="Village Square")
        web.command("w")
        inn = yield web.wait("room", name="The Ember and Anvil")
        self.assertEqual(inn["doors"], {"trapdoor": {"name": "trapdoor", "closed": True,
                                                     "locked": False}})

        tel = yield connect(self.telnet_port)
        yield tel.wait_for("What name do you go by?")
        yield tel.ask("create Bram secret1", "Village Square")
        yield tel.ask("w", "[Exits: e u trapdoor (closed)]")
        yield tel.ask("trapdoor", "The trapdoor is closed. Type 'open trapdoor' to open it.")
        yield tel.ask("open trapdoor", "You open the trapdoor.")
        seen = yield web.wait("door", verb="open")
        self.assertEqual((seen["actor"], seen["door"]), ("Bram", "trapdoor"))
        self.assertIn("Bram opens the trapdoor.", seen["text"])
        yield tel.ask("trapdoor", "The Inn Cellar")
        yield tel.ask("get key", "You pick up a small iron key.")
        # From the cellar side: the web player upstairs sees the same door close and open.
        yield tel.ask("close trapdoor", "You close the trapdoor.")
        yield web.wait("door", verb="close", actor="Bram")
        web.command("look")
        shut = yield web.wait("room", name="The Ember and Anvil")
        self.assertTrue(shut["doors"]["trapdoor"]["closed"])
        yield tel.ask("open trapdoor", "You open the trapdoor.")
        yield web.wait("door", verb="open", actor="Bram")
        yield tel.ask("trapdoor", "The Ember and Anvil")
        web.command("look")
        opened = yield web.wait("room", name="The Ember and Anvil")
        self.assertFalse(opened["doors"]["trapdoor"]["closed"])

        for word, room in TO_THE_MINE:
            yield tel.ask(word, room)
            web.command(word)
            yield web.wait("room", name=room)
        gate = yield tel.ask("look north", "is closed")
        self.assertIn("The iron gate is closed.", gate)
        yield tel.ask("open gate", "The iron gate is locked. Type 'unlock north'")
        yield tel.ask("unlock north", "You unlock the iron gate.")
        yield web.wait("door", verb="unlock", actor="Bram")
        yield tel.ask("open north", "You open the iron gate.")
        yield web.wait("door", verb="open", actor="Bram")
        web.command("look")
        mouth = yield web.wait("room", name="The Mine Mouth")
        self.assertEqual(mouth["doors"], {"north": {"name": "iron gate", "closed": False,
                                                    "locked": False}})
        web.command("n")
        yield web.wait("room", name="The Adit")


def _world_state(data) -> dict:
    with sqlite3.connect(data / "mud.sqlite3", timeout=5) as db:
        rows = db.execute("SELECT key, value FROM world_state").fetchall()
    return {key: json.loads(value) for key, value in rows}


def test_opened_doors_stay_open_after_a_restart_of_twistd(tmp_path, servers):
    data = tmp_path / "var"
    server = telnet_server(tmp_path, servers)
    player = log_in(server, "create Rowan secret1", "Village Square")
    player.ask("w", "[Exits: e u trapdoor (closed)]")
    player.ask("open trapdoor", "You open the trapdoor.")
    player.ask("trapdoor", "The Inn Cellar")
    player.ask("get key", "You pick up a small iron key.")
    player.ask("trapdoor", "The Ember and Anvil")
    for word, room in TO_THE_MINE:
        player.ask(word, room)
    player.ask("unlock gate", "You unlock the iron gate.")
    player.ask("open gate", "You open the iron gate.")
    stop_saved(server, player)
    saved = _world_state(data)["doors"]["value"]
    assert saved["mine:entrance north"] == {"closed": False, "locked": False}
    assert saved["village:inn trapdoor"] == {"closed": False, "locked": False}

    again = telnet_server(tmp_path, servers)
    player = log_in(again, "connect rowan secret1", "[Exits:")
    out = player.wait_for("\n")
    assert "The Mine Mouth" in out and "n (closed)" not in out
    player.ask("n", "The Adit")
    player.ask("s", "The Mine Mouth")
    player.ask("quit", "Farewell")
    assert "Traceback" not in again.output()
