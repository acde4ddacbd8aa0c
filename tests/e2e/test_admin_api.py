"""The admin HTTP API over real sockets (issue 12): a token made with the real console
script (``python -m mud.admin_token_tool``, what mud-admin-token runs) on the data directory
of a server already running; the API refuses a request without it, with a wrong one, with a
player's resume token or password; with it, an announcement reaches a telnet and a web
player, ``who`` lists them with their addresses, a kick disconnects a telnet player with
the reason, a ban by name refuses later telnet and web logins, a countdown shutdown reaches
both players and is cancelled. With a real twistd: a shutdown through the API counts down
to a telnet player and the process exits 0."""

from __future__ import annotations

import base64
import http.client
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from twisted.internet import threads
from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.processes import log_in, telnet_server
from tests.e2e.server import ServerTestCase
from tests.e2e.test_bans import banned_everywhere
from tests.e2e.wsclient import connect_web


def make_token(data: str, label: str) -> str:
    """A token from the real console script (in its own process, as the sysadmin runs it)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MUD_")}
    done = subprocess.run([sys.executable, "-m", "mud.admin_token_tool", "create", label,
                           "--data", data], capture_output=True, text=True, timeout=60,
                          env=environ)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[0]


def request(port: int, method: str, path: str, body: Any = None, token: str | None = None,
            authorization: str | None = None) -> tuple[int, dict[str, str], Any]:
    """One HTTP request on a fresh connection (blocking: run it in a thread)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if authorization is not None:
        headers["Authorization"] = authorization
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        fields = {k.lower(): v for k, v in response.getheaders()}
        return response.status, fields, json.loads(payload)
    finally:
        conn.close()


class AdminApiTests(ServerTestCase):
    timeout = 120

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any):
        return threads.deferToThread(request, self.web_port, method, path, body, **kwargs)

    @inlineCallbacks
    def web_player(self, name: str):
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name=name, password="secret1")
        ok = yield web.wait("login_ok", name=name)
        yield web.wait("room")
        return web, ok["token"]

    @inlineCallbacks
    def players(self):
        service = self.start()
        bob = yield connect(self.telnet_port)
        yield bob.ask("create Bob secret1", "Village Square")
        cleo, resume = yield self.web_player("Cleo")
        return service, bob, cleo, resume

    @inlineCallbacks
    def test_without_its_token_the_api_refuses_whatever_is_presented(self):
        service, bob, cleo, resume = yield self.players()
        # A token exists (made while the server runs), but none of these is it.
        yield threads.deferToThread(make_token, os.path.abspath(self.data), "ops")
        cases = {"no token": {}, "a wrong token": {"token": "mud_admin_" + "x" * 43},
                 "a player's resume token": {"token": resume},
                 "a player's password": {"token": "secret1"},
                 "a player's name and password": {"authorization": "Basic " + base64
                                                  .b64encode(b"Cleo:secret1").decode()}}
        for what, how in cases.items():
            status, headers, body = yield self.call("POST", "/api/admin/announce",
                                                    {"text": "let me in"}, **how)
            self.assertEqual(status, 401, what)
            self.assertTrue(headers["www-authenticate"].startswith("Bearer"), what)
            self.assertEqual(body["error"], "unauthorized", what)
            status, _, _ = yield self.call("GET", "/api/admin/who", **how)
            self.assertEqual(status, 401, what)
        # Nothing reached the players.
        bob.send("look")
        yield bob.wait_for("Village Square")
        self.assertNotIn("let me in", bob.text())
        self.assertFalse(any(f.get("type") == "announce" for f in cleo.frames))
        self.assertIn("bob", service.game.world.online)
        cleo.sendClose()
        yield cleo.closed
        bob.transport.loseConnection()

    @inlineCallbacks
    def test_with_the_shell_token_announce_who_and_kick_reach_real_players(self):
        service, bob, cleo, _ = yield self.players()
        token = yield threads.deferToThread(make_token, os.path.abspath(self.data),
                                            "deploy-bot")
        status, _, body = yield self.call("POST", "/api/admin/announce",
                                          {"text": "Restart at noon."}, token=token)
        self.assertEqual((status, body["ok"]), (200, True))
        yield bob.wait_for("[Announcement from deploy-bot] Restart at noon.")
        frame = yield cleo.wait("announce")
        self.assertEqual((frame["message"], frame["by"]), ("Restart at noon.", "deploy-bot"))

        status, _, body = yield self.call("GET", "/api/admin/who", token=token)
        self.assertEqual(status, 200)
        rows = {row["name"]: row for row in body["users"]}
        self.assertEqual((rows["Bob"]["transport"], rows["Bob"]["address"]),
                         ("telnet", "127.0.0.1"))
        self.assertEqual((rows["Cleo"]["transport"], rows["Cleo"]["client"],
                          rows["Cleo"]["address"]), ("web", "browser", "127.0.0.1"))
        self.assertFalse(rows["Bob"]["linkdead"])

        status, _, body = yield self.call("POST", "/api/admin/kick",
                                          {"name": "Bob", "reason": "shouting"}, token=token)
        self.assertEqual((status, body["messages"]), (200, ["Bob is kicked (shouting)."]))
        yield bob.wait_for("You have been disconnected by deploy-bot: shouting")
        yield bob.closed
        self.assertNotIn("bob", service.game.world.online)
        cleo.sendClose()
        yield cleo.closed

    @inlineCallbacks
    def test_a_ban_by_name_refuses_later_telnet_and_web_logins(self):
        service, bob, cleo, _ = yield self.players()
        token = yield threads.deferToThread(make_token, os.path.abspath(self.data), "ops")
        status, _, body = yield self.call(
            "POST", "/api/admin/ban", {"target": "Bob", "duration": "2h", "reason": "spam"},
            token=token)
        self.assertEqual(status, 200, body)
        yield bob.wait_for("You have been banned by ops until")
        yield bob.closed
        web = yield banned_everywhere(self, service, "Bob", "spam")
        # The same refusal as in game for bad input, as a JSON error.
        status, _, body = yield self.call(
            "POST", "/api/admin/ban", {"target": "Bob", "duration": "soon", "reason": "x"},
            token=token)
        self.assertEqual((status, body["error"]), (409, "refused"))
        self.assertIn("'soon' is not a duration", body["message"])
        for player in (web, cleo):
            player.sendClose()
            yield player.closed

    @inlineCallbacks
    def test_a_countdown_shutdown_reaches_both_players_and_is_cancelled(self):
        service, bob, cleo, _ = yield self.players()
        token = yield threads.deferToThread(make_token, os.path.abspath(self.data), "ops")
        status, _, body = yield self.call("POST", "/api/admin/shutdown",
                                          {"seconds": 300, "reason": "new areas"},
                                          token=token)
        self.assertEqual((status, body["seconds"]), (200, 300))
        yield bob.wait_for("[The server shuts down in 5m00s (new areas).]")
        frame = yield cleo.wait("shutdown", seconds=300)
        self.assertEqual((frame["by"], frame["reason"]), ("ops", "new areas"))
        status, _, body = yield self.call("POST", "/api/admin/shutdown/cancel", token=token)
        self.assertEqual((status, body["cancelled"]), (200, "shutdown"))
        yield bob.wait_for("[ops cancelled the shutdown.]")
        yield cleo.wait("shutdown", cancelled=True)
        self.assertIsNone(service.game.countdown)
        cleo.sendClose()
        yield cleo.closed
        bob.transport.loseConnection()


def test_a_real_twistd_shut_down_through_the_api_counts_down_and_exits_0(tmp_path: Path,
                                                                         servers):
    data = tmp_path / "var"
    server = telnet_server(tmp_path, servers, "--audit-file", str(tmp_path / "audit.jsonl"),
                           data=data)
    rowan = log_in(server, "create Rowan secret1", "Village Square")
    web_port = server.port("web")
    status, _, _ = request(web_port, "POST", "/api/admin/shutdown", {"seconds": 2})
    assert status == 401
    token = make_token(str(data), "ops")
    status, _, body = request(web_port, "POST", "/api/admin/shutdown",
                              {"seconds": 2, "reason": "testing"}, token=token)
    assert (status, body["seconds"]) == (200, 2)
    rowan.wait_for("The server shuts down in 2s (testing).")
    rowan.wait_for("The server shuts down in 1s")
    rowan.wait_for("Your character is saved")
    assert server.finish() == 0, server.output()
    lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    refused = [line for line in lines if line["event"] == "api_refused"]
    assert refused and refused[0]["transport"] == "http" and refused[0]["why"] == "no token"
    asked = [line for line in lines if line["event"] == "shutdown"]
    assert (asked[0]["name"], asked[0]["transport"], asked[0]["address"]) == \
        ("ops", "http", "127.0.0.1")
    assert token not in (tmp_path / "audit.jsonl").read_text()
    assert token not in server.output()
