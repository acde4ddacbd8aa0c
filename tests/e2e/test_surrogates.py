"""Lone UTF-16 surrogates over real sockets. JSON may write ``"\\ud800"``, half of a
character that no UTF-8 encoder takes; it used to reach telnet players' output (their
``look`` then failed), the area files (``save area`` failed and the stop lost the edits)
and the admin API's answer (a 500 with half a traceback, or no answer at all). A web
player's ``say`` with one now reaches a telnet listener without it, a web builder's
``rname`` with one leaves the area saveable, and the admin API refuses such a body with a
400 whether or not anyone is online."""

from __future__ import annotations

import http.client
import json
import os
from pathlib import Path
from typing import Any

from twisted.internet import threads
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import Clock

from mud.roles import apply_role, change_role
from mud.world_loader import load_world
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase
from tests.e2e.test_admin_api import make_token
from tests.e2e.wsclient import registered_web

LONE = "\ud800"


def raw_command(text_json: str) -> bytes:
    """A command frame whose "text" is ``text_json`` as written (escapes kept as JSON
    escapes: json.dumps of a str holding a lone surrogate writes it as ``\\ud800``)."""
    return b'{"type": "command", "text": "' + text_json.encode() + b'"}'


def post(port: int, path: str, body: bytes, token: str) -> tuple[int, Any]:
    """One POST on a fresh connection (blocking: run it in a thread). A server that never
    answers makes this raise after 10 seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


class SurrogateTests(ServerTestCase):
    timeout = 120

    @inlineCallbacks
    def test_a_web_players_say_with_a_lone_surrogate_reaches_a_telnet_listener(self):
        service = self.start()
        bob = yield connect(self.telnet_port)
        yield bob.ask("create Bob secret1", "Village Square")
        cleo = yield registered_web(self.web_port, "Cleo")
        cleo.send_raw(raw_command("say hi \\ud800 there"))
        yield bob.wait_for('Cleo says, "hi')
        said = yield bob.wait_for('there"')
        self.assertIn('Cleo says, "hi', said)
        self.assertNotIn("Something went wrong", bob.text())
        # The web player saw their own words too, without the half character.
        frame = yield cleo.wait("say")
        self.assertNotIn(LONE, json.dumps(frame, ensure_ascii=False))
        # Bob's connection is fine: the next look works and shows the room.
        yield bob.ask("look", "Village Square")
        self.assertNotIn("Something went wrong", bob.text())
        self.assertIn("bob", service.game.world.online)
        cleo.sendClose()
        yield cleo.closed
        bob.transport.loseConnection()

    @inlineCallbacks
    def test_a_web_builders_rname_with_a_lone_surrogate_leaves_the_area_saveable(self):
        world_dir = self.copy_world()
        service = self.start(world=str(world_dir))
        world = service.game.world
        bob = yield connect(self.telnet_port)
        yield bob.ask("create Bob secret1", "Village Square")
        cleo = yield registered_web(self.web_port, "Cleo")
        # The role stored, as mud-role would, so the game's own re-reading keeps it.
        yield change_role(service.game.store, "Cleo", "builder", "test", "test")
        apply_role(world, "cleo", "builder")
        cleo.send_raw(raw_command("rname Sur\\ud800rogate Square"))
        yield cleo.wait("system", text="This room is now called Surrogate Square.")
        yield bob.ask("look", "Surrogate Square")
        self.assertNotIn("Something went wrong", bob.text())
        cleo.command("save area")
        saved = yield cleo.wait_any("system", "error")
        self.assertTrue(saved.get("text", "").startswith("Saved village: rooms.yaml"), saved)
        fresh = load_world(Path(world_dir), Clock())
        self.assertEqual(fresh.rooms["village:square"].name, "Surrogate Square")
        cleo.sendClose()
        yield cleo.closed
        bob.transport.loseConnection()

    @inlineCallbacks
    def test_the_admin_api_refuses_a_lone_surrogate_with_or_without_players(self):
        self.start()
        token = yield threads.deferToThread(make_token, os.path.abspath(self.data), "ops")
        body = b'{"text": "a\\ud800b"}'
        # Nobody online: the answer used to never come.
        status, answer = yield threads.deferToThread(post, self.web_port,
                                                     "/api/admin/announce", body, token)
        self.assertEqual((status, answer["error"]), (400, "bad_text"), answer)
        self.assertIn("surrogate", answer["message"])
        status, answer = yield threads.deferToThread(
            post, self.web_port, "/api/admin/ban",
            b'{"target": "x\\udfffy", "duration": "1d", "reason": "spam"}', token)
        self.assertEqual((status, answer["error"]), (400, "bad_text"), answer)

        # A telnet player online: refused just the same, and nothing reaches them.
        bob = yield connect(self.telnet_port)
        yield bob.ask("create Bob secret1", "Village Square")
        status, answer = yield threads.deferToThread(post, self.web_port,
                                                     "/api/admin/announce", body, token)
        self.assertEqual((status, answer["error"]), (400, "bad_text"), answer)
        # A proper pair (an emoji written as two escapes) is one character and fine.
        status, answer = yield threads.deferToThread(
            post, self.web_port, "/api/admin/announce",
            b'{"text": "Back soon \\ud83d\\ude00"}', token)
        self.assertEqual(status, 200, answer)
        yield bob.wait_for("Back soon \U0001f600")
        yield bob.ask("look", "Village Square")
        self.assertNotIn("Announcement from ops] a", bob.text())
        self.assertNotIn("Something went wrong", bob.text())
        bob.transport.loseConnection()
