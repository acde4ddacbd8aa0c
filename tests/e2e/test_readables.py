"""Readables over real sockets: `read` on telnet and the web, and what a character has read
surviving a restart of the real twistd (systems' declared state in the store)."""

from __future__ import annotations

import json
import sqlite3

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.processes import log_in, stop_saved, telnet_server
from tests.e2e.server import ServerTestCase
from tests.e2e.wsclient import connect_web


class ReadablesTests(ServerTestCase):
    @inlineCallbacks
    def test_telnet_and_web_players_read_the_notice_board_and_the_letter(self):
        self.start()
        tel = yield connect(self.telnet_port)
        yield tel.wait_for("What name do you go by?")
        yield tel.ask("create Bram secret1", "Village Square")
        out = yield tel.ask("read", "You can read here:")
        yield tel.wait_for("a notice board (not read yet)")
        out = yield tel.ask("read board", "Reward of a sort.")
        self.assertIn("You read a notice board:", out)
        self.assertIn("Wanted: fresh emberleaf, picked by the brook.", out)
        yield tel.ask("read fountain", "There is nothing written on a stone fountain.")

        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("room", name="Village Square")
        web.command("read")
        listed = yield web.wait("readables")
        self.assertEqual(listed["things"], [{"name": "a notice board", "status": "new"}])
        self.assertIn("a notice board (not read yet)", listed["text"])
        web.command("read notices")
        board = yield web.wait("read")
        self.assertEqual((board["name"], board["status"]), ("a notice board", "new"))
        self.assertTrue(board["words"].startswith("* By order of the Reeve"))
        self.assertIn("LOST: a silver ring", board["text"])
        web.command("read board")
        again = yield web.wait("read", status="read")
        self.assertEqual(again["words"], board["words"])
        # The letter a new player can find: west into the inn, up to the loft.
        web.command("w")
        yield web.wait("room", name="The Ember and Anvil")
        web.command("u")
        yield web.wait("room", name="The Inn Loft")
        web.command("read letter")
        letter = yield web.wait("read", name="a yellowed letter")
        self.assertIn("richest seam of silver", letter["words"])
        web.command("read ring")
        refused = yield web.wait("error", code="refused")
        self.assertIn("You see no 'ring' here to read.", refused["message"])


def _state(data, key: str) -> dict:
    with sqlite3.connect(data / "mud.sqlite3", timeout=5) as db:
        row = db.execute("SELECT state FROM characters WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0])


def test_what_a_character_has_read_survives_a_restart_of_twistd(tmp_path, servers):
    data = tmp_path / "var"
    server = telnet_server(tmp_path, servers)
    player = log_in(server, "create Rowan secret1", "Village Square")
    player.ask("read", "a notice board (not read yet)")
    player.ask("read board", "Reward of a sort.")
    stop_saved(server, player)
    assert list(_state(data, "rowan")["readables"]["value"]) == ["village:board"]

    again = telnet_server(tmp_path, servers)
    player = log_in(again, "connect rowan secret1", "[Exits:")
    out = player.ask("read", "You can read here:")
    out = player.wait_for("a notice board")
    player.ask("say done", 'You say, "done"')
    tail = out[out.rfind("You can read here:"):]
    assert "not read yet" not in tail
    player.ask("quit", "Farewell")
    assert "Traceback" not in again.output()
