"""Per-address connection caps over real sockets, shared by telnet and web."""

from __future__ import annotations

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.web.client import Agent, readBody

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually


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
        limits = service.listeners[0].factory.limits
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
