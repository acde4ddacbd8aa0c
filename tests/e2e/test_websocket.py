"""The game WebSocket over a real loopback port: every message type, every kind of bad input,
resume, presence, /api/who, and a telnet player and a web player in one room."""

from __future__ import annotations

import json

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.web.client import Agent, readBody

from mud.engine.model import NOBODY
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web


class WebSocketTests(ServerTestCase):
    @inlineCallbacks
    def registered(self, name="Wynn", password="secret1"):
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name=name, password=password)
        yield web.wait("login_ok", name=name)
        yield web.wait("room", name="Village Square")
        return web

    @inlineCallbacks
    def test_hello_register_and_play(self):
        self.start()
        web = yield connect_web(self.web_port)
        hello = yield web.wait("hello")
        self.assertEqual(hello["world"], "Emberfall")
        self.assertIn("E M B E R F A L L", hello["welcome"])
        web.send(type="register", name="wynn", password="secret1")
        ok = yield web.wait("login_ok")
        self.assertEqual(ok["name"], "Wynn")
        self.assertIsInstance(ok["token"], str)
        room = yield web.wait("room")
        # login_ok comes before the first room view.
        self.assertLess(web.frames.index(ok), web.frames.index(room))
        self.assertEqual(room["id"], "village:square")
        self.assertIn("north", room["exits"])
        self.assertIn("a notice board", [item["name"] for item in room["items"]])
        self.assertIn("Village Square", room["text"])
        self.assertNotIn("\x1b", room["text"])
        web.command("say hello there")
        say = yield web.wait("say")
        self.assertEqual((say["from"], say["message"], say["own"]), ("Wynn", "hello there", True))
        self.assertEqual(say["text"], 'You say, "hello there"')
        web.command("n")
        room = yield web.wait("room")
        self.assertEqual(room["id"], "village:high_street")
        web.command("fly")
        refused = yield web.wait("error", code="refused")
        self.assertIn("Unknown command", refused["message"])
        web.command("who")
        who = yield web.wait("who")
        self.assertEqual(who["players"][0]["name"], "Wynn")
        self.assertEqual(who["players"][0]["via"], "web")
        web.command("i")
        inv = yield web.wait("inventory")
        self.assertEqual(inv["items"], [])
        web.send(type="ping")
        yield web.wait("pong")
        web.command("quit")
        yield web.wait("goodbye", reason="quit")
        yield web.closed

    @inlineCallbacks
    def test_every_kind_of_bad_input_gets_an_error_and_the_connection_lives(self):
        self.start()
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        cases = [
            (b"not json", False, "bad_json"),
            (b"\xff\xfe", False, "bad_json"),
            (b'{"type": "ping"}', True, "bad_json"),
            (b"[1, 2]", False, "bad_frame"),
            (b'{"no": "type"}', False, "bad_frame"),
            (b'{"type": 5}', False, "bad_frame"),
            (b'{"type": "dance"}', False, "unknown_type"),
            (b'{"type": "command", "text": 5}', False, "bad_field"),
            (b'{"type": "login", "name": "x"}', False, "bad_field"),
            (b'{"type": "command", "text": "look"}', False, "not_logged_in"),
            (b'{"type": "resume", "token": "forged.token"}', False, "bad_token"),
            (b'{"type": "register", "name": "R2D2", "password": "secret1"}', False,
             "invalid_name"),
            (b'{"type": "register", "name": "Wynn", "password": "abc"}', False,
             "invalid_password"),
            (b'{"type": "login", "name": "Nobody", "password": "secret1"}', False,
             "bad_credentials"),
        ]
        for payload, binary, code in cases:
            web.send_raw(payload, binary)
            error = yield web.wait("error", code=code)
            self.assertEqual(error["text"], error["message"])
            web.send(type="ping")
            yield web.wait("pong")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("login_ok")
        web.send(type="login", name="Wynn", password="secret1")
        yield web.wait("error", code="already_logged_in")
        other = yield connect_web(self.web_port)
        other.send(type="register", name="WYNN", password="secret2")
        yield other.wait("error", code="name_taken")
        # A frame over the size cap closes only that connection (1009), nobody else's.
        other.send(type="command", text="x" * 70000)
        code = yield other.closed
        # The server fails the connection with 1009; the client may see it as 1006 (dropped).
        self.assertIn(code, (1009, 1006))
        web.command("say still here")
        yield web.wait("say", message="still here")

    @inlineCallbacks
    def test_password_guessing_is_throttled(self):
        service = self.start()
        yield self.registered("Wynn")
        guesser = yield connect_web(self.web_port)
        for _ in range(service.game.throttle.free):
            guesser.send(type="login", name="Wynn", password="guess12")
            yield guesser.wait("error", code="bad_credentials")
        guesser.send(type="login", name="Wynn", password="secret1")
        throttled = yield guesser.wait("error", code="throttled")
        self.assertIn("Wait", throttled["message"])
        guesser.send(type="ping")
        yield guesser.wait("pong")

    @inlineCallbacks
    def test_resume_after_a_dropped_connection_needs_no_password(self):
        service = self.start()
        web = yield self.registered()
        token = web.frames[[f["type"] for f in web.frames].index("login_ok")]["token"]
        web.command("n")
        yield web.wait("room", id="village:high_street")
        web.transport.abortConnection()
        yield web.closed
        # The body stays, link-dead, where it stood.
        body = service.game.world.online["wynn"]
        yield eventually(lambda: body.link is NOBODY)
        again = yield connect_web(self.web_port)
        again.send(type="resume", token=token)
        ok = yield again.wait("login_ok", name="Wynn")
        self.assertNotEqual(ok["token"], "")
        yield again.wait("room", id="village:high_street")
        self.assertIs(service.game.world.online["wynn"], body)
        # A token with a changed character key is refused.
        forged = token.replace(token[2], "A" if token[2] != "A" else "B", 1)
        third = yield connect_web(self.web_port)
        third.send(type="resume", token=forged)
        yield third.wait("error", code="bad_token")

    @inlineCallbacks
    def test_resume_after_the_body_was_saved_and_removed_loads_it_back(self):
        service = self.start(linkdead=0)
        web = yield self.registered()
        token = next(f["token"] for f in web.frames if f["type"] == "login_ok")
        web.command("e")
        room = yield web.wait("room")
        web.transport.abortConnection()
        yield web.closed
        yield eventually(lambda: "wynn" not in service.game.world.online)
        again = yield connect_web(self.web_port)
        again.send(type="resume", token=token)
        yield again.wait("login_ok", name="Wynn")
        yield again.wait("room", id=room["id"])

    @inlineCallbacks
    def test_telnet_and_web_players_share_one_world(self):
        self.start()
        web = yield self.registered("Wynn")
        tel = yield connect(self.telnet_port)
        yield tel.ask("create Bram secret1", "Wynn is here.")
        yield web.wait("arrive", name="Bram")
        tel.send("say hello web")
        yield web.wait("say", **{"from": "Bram", "message": "hello web", "own": False})
        web.command("say hello telnet")
        yield tel.wait_for('Wynn says, "hello telnet"')
        web.command("tell bram psst")
        yield tel.wait_for('Wynn tells you, "psst"')
        tel.send("tell wynn ok")
        yield web.wait("tell", **{"from": "Bram", "message": "ok"})
        web.command("w")
        yield tel.wait_for("Wynn leaves west.")
        yield tel.ask("w", "Wynn is here.")
        yield web.wait("arrive", name="Bram")
        web.command("get bread")
        got = yield web.wait("item", verb="get", own=True)
        yield tel.wait_for(f"Wynn picks up {got['item']}.")
        web.command("give bread to bram")
        yield tel.wait_for(f"Wynn gives {got['item']} to you.")
        out = yield tel.ask("who", "Players online: 2")
        self.assertIn("web", out)
        web.command("who")
        who = yield web.wait("who")
        self.assertEqual({(p["name"], p["via"]) for p in who["players"]},
                         {("Bram", "telnet"), ("Wynn", "web")})
        tel.transport.loseConnection()
        yield web.wait("link", name="Bram", linkdead=True, text="Bram has lost the connection")

    @inlineCallbacks
    def test_the_client_page_is_served_with_headers_that_stop_injected_script(self):
        self.start()
        agent = Agent(reactor)
        response = yield agent.request(b"GET", f"http://127.0.0.1:{self.web_port}/".encode())
        body = yield readBody(response)
        self.assertEqual(response.code, 200)
        self.assertIn(b'id="output"', body)
        csp = response.headers.getRawHeaders(b"content-security-policy")[0]
        self.assertIn(b"default-src 'self'", csp)
        self.assertNotIn(b"unsafe-inline", csp)
        script = yield agent.request(b"GET",
                                     f"http://127.0.0.1:{self.web_port}/client.js".encode())
        self.assertIn(b"javascript", script.headers.getRawHeaders(b"content-type")[0])
        # Files under / get the same headers as the page (File builds children of our class).
        self.assertEqual(script.headers.getRawHeaders(b"content-security-policy")[0], csp)
        yield readBody(script)
        missing = yield agent.request(b"GET", f"http://127.0.0.1:{self.web_port}/nope".encode())
        self.assertEqual(missing.code, 404)
        yield readBody(missing)

    @inlineCallbacks
    def test_a_web_login_takes_over_a_telnet_body(self):
        service = self.start()
        tel = yield connect(self.telnet_port)
        yield tel.ask("create Bram secret1", "Village Square")
        yield tel.ask("n", "High Street")
        body = service.game.world.online["bram"]
        web = yield connect_web(self.web_port)
        web.send(type="login", name="bram", password="secret1")
        yield web.wait("login_ok", name="Bram")
        yield web.wait("room", id="village:high_street")
        yield tel.wait_for("logged in as your character from another connection")
        yield tel.closed
        self.assertIs(service.game.world.online["bram"], body)
        self.assertEqual(body.via, "web")
        web.command("who")
        who = yield web.wait("who")
        self.assertEqual(who["players"],
                         [{"name": "Bram", "idle": 0, "via": "web", "linkdead": False}])
        # A second browser takes it from the first, which is told why (and must not retry).
        other = yield connect_web(self.web_port)
        other.send(type="login", name="Bram", password="secret1")
        yield other.wait("login_ok", name="Bram")
        yield web.wait("goodbye", reason="takeover")
        yield web.closed

    @inlineCallbacks
    def test_who_api_and_presence_feed(self):
        self.start()
        presence = yield connect_web(self.web_port, "/presence")
        snapshot = yield presence.wait("snapshot")
        self.assertEqual(snapshot["players"], [])
        web = yield self.registered("Wynn")
        joined = yield presence.wait("join", name="Wynn")
        self.assertEqual(joined["via"], "web")
        response = yield Agent(reactor).request(
            b"GET", f"http://127.0.0.1:{self.web_port}/api/who".encode())
        self.assertEqual(response.code, 200)
        body = json.loads((yield readBody(response)))
        self.assertEqual([(p["name"], p["via"]) for p in body], [("Wynn", "web")])
        self.assertIsInstance(body[0]["idle"], int)
        presence.send(type="command", text="look")  # ignored, read-only
        web.command("quit")
        yield presence.wait("leave", name="Wynn")
        late = yield connect_web(self.web_port, "/presence")
        snapshot = yield late.wait("snapshot")
        self.assertEqual(snapshot["players"], [])
        # A graceful stop closes the feeds too.
        yield self.services[0].stopService()
        self.assertEqual((yield late.closed), 1000)
        self.assertEqual((yield presence.closed), 1000)
