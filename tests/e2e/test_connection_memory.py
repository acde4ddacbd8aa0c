"""What an idle connection keeps, over real sockets (issue 15, leaner connections): telnet
offers a client never answers are given up and their state dropped; a web connection
keeps none of its opening handshake."""

from __future__ import annotations

import sys

from twisted.internet.defer import inlineCallbacks

from mud.protocols.buffered_websocket import HANDSHAKE_LEFTOVERS
from mud.protocols.options import negotiator
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import registered_web


def telnet_transports(service):
    """The server side of every telnet connection (the FastTelnetTransport)."""
    return [session.connection.transport for session in service.game.sessions
            if session.connection.via == "telnet"]


def web_protocols(service):
    return [session.connection for session in service.game.sessions
            if session.connection.via == "web"]


def unanswered(transport) -> int:
    return sum(side.onResult is not None for state in transport.options.values()
               for side in (state.us, state.him))


class SilentTelnetClients(ServerTestCase):
    @inlineCallbacks
    def test_a_client_that_answers_no_offer_keeps_no_negotiation_state(self):
        self.patch(negotiator, "OFFER_WAIT", 0.3)
        service = self.start()
        player = yield connect(self.telnet_port, silent=True)
        yield player.ask("create Quiet secret1", "Village Square")
        [transport] = telnet_transports(service)
        assert unanswered(transport) >= 7
        yield eventually(lambda: unanswered(transport) == 0)
        assert transport.options == {}
        # Play goes on as before: no prompt marks for a client that never spoke telnet.
        before = len(player.received)
        yield player.ask("look", "Village Square")
        assert b"\xff" not in player.received[before:]
        player.transport.loseConnection()

    @inlineCallbacks
    def test_an_address_that_made_a_character_keeps_a_small_record(self):
        service = self.start()
        player = yield connect(self.telnet_port)
        yield player.ask("create Maker secret1", "Village Square")
        [times] = service.game.auth.registrations.recent.values()
        assert len(times) == 1 and sys.getsizeof(times) < 200
        player.transport.loseConnection()


class OpenWebSockets(ServerTestCase):
    @inlineCallbacks
    def test_an_open_web_socket_keeps_nothing_of_its_handshake_and_still_pings(self):
        service = self.start(ping_interval=1, ping_timeout=3)
        web = yield registered_web(self.web_port, "Wisp")
        [protocol] = web_protocols(service)
        kept = {name: getattr(protocol, name) for name in HANDSHAKE_LEFTOVERS}
        assert kept == dict.fromkeys(HANDSHAKE_LEFTOVERS), kept
        # No deque made for a queue nothing has used (Autobahn's send_queue).
        assert protocol._send_queue is None
        assert len(protocol.send_queue) == 0
        # Autobahn's own frames still flow: the server pings, and plays on.
        pinged = []
        original = web.onPing
        web.onPing = lambda payload: (pinged.append(payload), original(payload))
        yield eventually(lambda: pinged, timeout=3)
        web.command("look")
        yield web.wait("room", name="Village Square")
        assert protocol._send_queue is None
        web.sendClose()
        yield eventually(lambda: not web_protocols(service))
