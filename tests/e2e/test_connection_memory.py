"""What an idle connection keeps, over real sockets (issue 15, leaner connections): telnet
offers a client never answers are given up and their state dropped; a web connection
keeps none of its opening handshake."""

from __future__ import annotations

import sys
import zlib

from twisted.internet.defer import inlineCallbacks

from mud.protocols.buffered_websocket import HANDSHAKE_LEFTOVERS
from mud.protocols.options import negotiator
from mud.protocols.options.codes import CHARSET, EOR, IAC, MCCP2, SB, SE, TTYPE
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import registered_web
from tests.support import plain

WILL, DO = bytes([251]), bytes([253])


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
    def test_a_client_that_answers_after_the_wait_gets_what_a_timely_one_gets(self):
        # Offers given up, then answered: the answers are still to our offers (no second
        # WILL/DO), their follow-ups go (the charset REQUEST, SB TTYPE SEND), and MCCP2's
        # stream starts after the WILL exchange with nothing of it inside the stream.
        self.patch(negotiator, "OFFER_WAIT", 0.3)
        self.patch(negotiator, "TTYPE_WAIT", 0.2)
        service = self.start()
        player = yield connect(self.telnet_port, silent=True)
        yield player.ask("create Late secret1", "Village Square")
        [transport] = telnet_transports(service)
        yield eventually(lambda: transport.options == {})
        mark = len(player.received)
        player.transport.write(IAC + WILL + CHARSET + IAC + WILL + TTYPE + IAC + DO + EOR)
        request = IAC + SB + CHARSET + b"\x01;UTF-8" + IAC + SE
        send = IAC + SB + TTYPE + b"\x01" + IAC + SE
        yield eventually(lambda: request in player.received[mark:]
                         and send in player.received[mark:])
        player.transport.write(IAC + DO + MCCP2)
        start = IAC + SB + MCCP2 + IAC + SE
        yield eventually(lambda: start in player.received[mark:])
        head, _, stream = player.received[mark:].partition(start)
        for second in (DO + CHARSET, DO + TTYPE, WILL + EOR, WILL + MCCP2):
            assert IAC + second not in head, second
        inflate = zlib.decompressobj()
        inner = inflate.decompress(stream)
        assert IAC + WILL + MCCP2 not in inner
        player.transport.write(b"\xff\xfa\x2a\x02UTF-8\xff\xf0look\r\n")  # ACCEPTED UTF-8
        seen = len(inner)

        def unpacked() -> str:
            after = player.received[mark:].partition(start)[2]
            return plain(zlib.decompressobj().decompress(after)[seen:])

        yield eventually(lambda: "Village Square" in unpacked())
        [session] = service.game.sessions
        assert session.connection.options.utf8 is True
        # Only what was answered is kept, settled: nothing waits on a Deferred.
        assert set(transport.options) == {CHARSET, TTYPE, EOR, MCCP2}
        assert unanswered(transport) == 0
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
