"""Per-address connection caps over real sockets, shared by telnet and web."""

from __future__ import annotations

import random

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.web.client import Agent, readBody

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web


class ConnectionFloodTests(ServerTestCase):
    @inlineCallbacks
    def test_an_address_over_its_cap_is_told_and_refused_until_a_slot_frees(self):
        service = self.start(connections_per_ip=3, new_connections_per_minute=100)
        first = yield connect(self.telnet_port)
        yield first.wait_for("What name do you go by?")
        second = yield connect(self.telnet_port)
        yield second.wait_for("What name do you go by?")
        third = yield connect(self.telnet_port)
        yield third.wait_for("What name do you go by?")
        fourth = yield connect(self.telnet_port)
        yield fourth.wait_for("Sorry: too many connections from your address (3 at most).")
        yield fourth.closed
        # The web listener shares the budget: a 503 while three telnet sessions are open.
        agent = Agent(reactor)
        url = f"http://127.0.0.1:{self.web_port}/api/who".encode()
        response = yield agent.request(b"GET", url)
        self.assertEqual(response.code, 503)
        self.assertIn(b"too many connections", (yield readBody(response)))
        # Those already in are unaffected; closing one frees a slot.
        yield first.ask("create Ann secret1", "Village Square")
        third.transport.loseConnection()
        yield third.closed
        limits = service.peer_limits
        yield eventually(lambda: limits.open.get("127.0.0.1") == 2)
        again = yield connect(self.telnet_port)
        yield again.wait_for("What name do you go by?")

    @inlineCallbacks
    def test_too_many_new_connections_a_minute_are_refused(self):
        self.start(connections_per_ip=50, new_connections_per_minute=4)
        for _ in range(4):
            player = yield connect(self.telnet_port)
            yield player.wait_for("What name do you go by?")
            player.transport.loseConnection()
            yield player.closed
        late = yield connect(self.telnet_port)
        yield late.wait_for("a minute at most")
        yield late.closed

    @inlineCallbacks
    def test_closed_websockets_give_their_slot_back(self):
        # Twenty WebSockets opened and closed used to keep all twenty slots for good.
        service = self.start(connections_per_ip=20, new_connections_per_minute=1000)
        for path in ["/ws", "/presence"] * 10:
            web = yield connect_web(self.web_port, path)
            web.sendClose()
            yield web.closed
        limits = service.peer_limits
        yield eventually(lambda: limits.open == {})
        player = yield connect(self.telnet_port)
        yield player.wait_for("What name do you go by?")
        web = yield connect_web(self.web_port)
        yield web.wait("hello")

    @inlineCallbacks
    def test_a_hundred_connections_ended_every_way_leave_no_count_behind(self):
        service = self.start(connections_per_ip=120, new_connections_per_minute=1000)
        rng = random.Random(9)
        opened = []
        for n in range(100):
            kind = rng.choice(["telnet", "ws", "presence", "http"])
            if kind == "telnet":
                client = yield connect(self.telnet_port)
                yield client.wait_for("What name do you go by?")
            elif kind == "http":
                response = yield Agent(reactor).request(
                    b"GET", f"http://127.0.0.1:{self.web_port}/api/who".encode())
                self.assertEqual(response.code, 200)
                yield readBody(response)
                continue
            else:
                client = yield connect_web(self.web_port, "/ws" if kind == "ws" else "/presence")
                if kind == "ws" and n % 3 == 0:
                    client.send(type="register", name="Ww" + "abcdefghij"[n % 10] * 3,
                                password="secret1")
            opened.append((kind, client))
        limits = service.peer_limits
        self.assertEqual(sum(limits.open.values()), len(opened))
        rng.shuffle(opened)
        for i, (kind, client) in enumerate(opened):
            # Ended by the client politely, by the client abruptly, or by the server.
            how = i % 3
            if kind == "telnet":
                if how == 2:
                    client.send("quit")
                elif how == 1:
                    client.transport.abortConnection()
                else:
                    client.transport.loseConnection()
            elif how == 1:
                client.transport.abortConnection()
            else:
                client.sendClose()
            yield client.closed
        yield eventually(lambda: limits.open == {})
        yield eventually(lambda: not service.game.sessions)
        player = yield connect(self.telnet_port)
        yield player.wait_for("What name do you go by?")
        self.assertEqual(limits.open, {"127.0.0.1": 1})
