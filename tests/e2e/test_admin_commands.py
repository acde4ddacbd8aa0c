"""Admin commands and the audit log over real sockets (issue 12): an admin (granted the
``admin`` command set directly) announces to a telnet and a web player, lists them with
``users``, kicks each (told why, disconnected, saved); a real session sequence leaves
register, login, failed login, takeover, link-dead and logout lines in the JSON lines
audit file, with no password or token in it."""

from __future__ import annotations

import json
import os

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web
from tests.support import grant_role


class AdminCommandTests(ServerTestCase):
    @inlineCallbacks
    def web_player(self, name, password="secret1", how="register"):
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type=how, name=name, password=password)
        ok = yield web.wait("login_ok", name=name)
        yield web.wait("room")
        return web, ok["token"]

    @inlineCallbacks
    def three(self):
        service = self.start()
        ada = yield connect(self.telnet_port)
        yield ada.ask("create Ada secret1", "Village Square")
        yield grant_role(service.game, "ada", "admin")
        bob = yield connect(self.telnet_port)
        yield bob.ask("create Bob secret1", "Village Square")
        web, _ = yield self.web_player("Cleo")
        return service, ada, bob, web

    @inlineCallbacks
    def test_an_announcement_reaches_a_telnet_and_a_web_player(self):
        _, ada, bob, web = yield self.three()
        ada.send("announce The server restarts at noon.")
        yield bob.wait_for("[Announcement from Ada] The server restarts at noon.")
        frame = yield web.wait("announce")
        self.assertEqual((frame["message"], frame["by"]),
                         ("The server restarts at noon.", "Ada"))
        self.assertIn("[Announcement from Ada]", frame["text"])
        # A player without the admin set cannot.
        bob.send("announce I am not an admin")
        yield bob.wait_for("> ")
        self.assertFalse(any(f.get("type") == "announce" and f["by"] == "Bob"
                             for f in web.frames))

    @inlineCallbacks
    def test_users_lists_the_telnet_and_the_web_player_with_transport_and_address(self):
        _, ada, _, _ = yield self.three()
        ada.send("users")
        text = yield ada.wait_for("Connections: 3")
        yield ada.wait_for("Cleo")
        text = ada.text()[text.rindex("Connections: 3"):]
        rows = {line.split()[0]: line for line in text.splitlines()[1:4]}
        self.assertIn("telnet", rows["Bob"])
        self.assertIn("127.0.0.1", rows["Bob"])
        self.assertIn("web (browser)", rows["Cleo"])
        self.assertIn("127.0.0.1", rows["Cleo"])

    @inlineCallbacks
    def test_kick_tells_a_telnet_and_a_web_player_why_and_disconnects_them(self):
        service, ada, bob, web = yield self.three()
        ada.send("kick Bob shouting in the square")
        yield bob.wait_for("You have been disconnected by Ada: shouting in the square")
        yield bob.closed
        ada.send("kick cleo too many emotes")
        bye = yield web.wait("goodbye", reason="kicked")
        self.assertIn("You have been disconnected by Ada: too many emotes", bye["text"])
        yield web.closed
        world = service.game.world
        yield eventually(lambda: "bob" not in world.online and "cleo" not in world.online)
        yield ada.wait_for("Cleo is kicked (too many emotes).")

    @inlineCallbacks
    def test_the_audit_file_has_a_real_session_sequence_without_secrets(self):
        path = os.path.abspath("audit.jsonl")
        self.start(audit_file=path, linkdead=60)
        # A new character on the web, then a resume of its token, a failed telnet
        # login, a telnet takeover, the telnet socket dying, and a quit.
        _web, token = yield self.web_player("Tamsin", password="hunter2pass")
        again = yield connect_web(self.web_port)
        yield again.wait("hello")
        again.send(type="resume", token=token)
        yield again.wait("login_ok", name="Tamsin")
        wrong = yield connect(self.telnet_port)
        yield wrong.ask("connect Tamsin wrongpass9", "do not match")
        thief = yield connect(self.telnet_port)
        yield thief.ask("connect Tamsin hunter2pass", "You take over your body")
        thief.transport.abortConnection()
        yield thief.closed
        back = yield connect(self.telnet_port)
        yield back.ask("connect Tamsin hunter2pass", "You take over your body")
        yield back.ask("quit", "Farewell")

        def lines():
            with open(path, encoding="utf-8") as handle:
                return [json.loads(line) for line in handle]
        yield eventually(lambda: any(line["event"] == "logout" for line in lines()))
        got = [(line["event"], line.get("method") or line.get("reason", ""),
                line["transport"]) for line in lines()]
        self.assertEqual(got, [
            ("register", "", "web"), ("login", "new", "web"),
            ("login", "resume", "web"), ("takeover", "", "web"),
            ("login_failed", "bad_credentials", "telnet"),
            ("login", "password", "telnet"), ("takeover", "", "telnet"),
            ("linkdead", "", "telnet"),
            ("login", "password", "telnet"),
            ("logout", "quit", "telnet")])
        for line in lines():
            self.assertEqual(line["name"], "Tamsin")
            self.assertEqual(line["address"], "127.0.0.1")
            self.assertIsInstance(line["time"], float)
        with open(path, encoding="utf-8") as handle:
            raw = handle.read()
        for secret in ("hunter2pass", "wrongpass9", token, token.split(".")[-1]):
            self.assertNotIn(secret, raw)
