"""A web player on a slow link whose output the server had to queue, over real loopback
sockets: when the server closes the connection (quit, shutdown) everything queued reaches
it, then the goodbye, then the close frame."""

from __future__ import annotations

import socket

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import registered_web

SPEECH = "the lamps burn late" * 50  # 1,000 characters a say (no trailing space)
# The talk comes from one player, so lift the per-connection command rate for it.
TALK = {"command_rate": 1_000_000, "command_burst": 1_000_000}


class PausedWebCloseTests(ServerTestCase):
    @inlineCallbacks
    def slow_web_player_with_queued_output(self, service):
        """A web player (Webby) that stopped reading while Ann talked, until the server
        queued some of its output (paused, well below the cap); and Ann's says so far."""
        game = service.game
        slow = yield registered_web(self.web_port, "Webby", rcvbuf=4096)
        ann = yield connect(self.telnet_port)
        yield ann.ask("create Ann secret1", "Webby is here.")
        session = game.world.online["webby"].link
        server_side = session.connection
        server_side.transport.getHandle().setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        buffer = server_side.output
        slow.transport.pauseProducing()  # Webby stops reading, as a slow link does
        said = []
        while buffer.queued < 20_000:
            self.assertLess(len(said), 2000, "the server never queued Webby's output")
            for _ in range(10):
                said.append(f"{len(said)} {SPEECH}")
                ann.send(f"say {said[-1]}")
            yield ann.ask(f"say marker {len(said)}", f'You say, "marker {len(said)}"')
            said.append(f"marker {len(said)}")
        self.assertTrue(buffer.paused)
        self.assertLess(buffer.queued, buffer.cap)
        return slow, ann, session, buffer, said

    def heard(self, web):
        return [f["message"] for f in web.frames if f.get("type") == "say"]

    def assertHeardAll(self, heard, said):
        # Their beginnings first: a short message when some are missing.
        self.assertEqual([line[:10] for line in heard], [line[:10] for line in said])
        self.assertEqual(heard, said)

    @inlineCallbacks
    def test_a_slow_web_player_who_quits_gets_everything_then_the_goodbye(self):
        service = self.start(**TALK)
        slow, ann, session, buffer, said = yield self.slow_web_player_with_queued_output(service)
        slow.command("quit")
        yield eventually(lambda: not session.connected)
        yield ann.ask("say after the quit", 'You say, "after the quit"')
        self.assertFalse(buffer.closed)  # still waiting for Webby to read
        slow.transport.resumeProducing()
        code = yield slow.closed
        self.assertEqual(code, 1000)
        self.assertHeardAll(self.heard(slow), said)  # every say queued before the quit, in order
        self.assertEqual(slow.frames[-1]["type"], "goodbye")
        self.assertEqual(slow.frames[-1]["reason"], "quit")

    @inlineCallbacks
    def test_a_slow_web_player_gets_the_shutdown_goodbye(self):
        service = self.start(**TALK)
        slow, _ann, session, _buffer, said = yield self.slow_web_player_with_queued_output(
            service)
        stopping = service.stopService()
        yield eventually(lambda: not session.connected)
        slow.transport.resumeProducing()
        code = yield slow.closed
        yield stopping
        self.assertEqual(code, 1000)
        self.assertHeardAll(self.heard(slow)[:len(said)], said)
        goodbye = slow.frames[-1]
        self.assertEqual(goodbye["type"], "goodbye")
        self.assertIn("saved", goodbye["text"])
