"""A client that stops reading during a broadcast storm, over real loopback sockets: its
queued output never passes the cap, it is dropped, and everyone else keeps getting their
messages promptly."""

from __future__ import annotations

import socket
import time

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import deferLater

from mud.engine.model import NOBODY
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually

SPEECH = "the lamps burn late " * 75  # 1,500 characters a say
MAX_SAYS = 6000                        # ~9 MB for the stalled reader: a bound, not a target
# The storm comes from one player, so lift the per-connection command rate for it.
STORM = {"command_rate": 1_000_000, "command_burst": 1_000_000}


class SlowReaderTests(ServerTestCase):
    @inlineCallbacks
    def test_a_stalled_reader_is_dropped_at_the_cap_and_nobody_waits_for_it(self):
        service = self.start(**STORM)
        game = service.game
        slow = yield connect(self.telnet_port)
        slow.transport.getHandle().setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        yield slow.ask("create Slow secret1", "Village Square")
        ann = yield connect(self.telnet_port)
        yield ann.ask("create Ann secret1", "Slow is here.")
        bob = yield connect(self.telnet_port)
        yield bob.ask("create Bob secret1", "Village Square")
        slow_session = game.world.online["slow"].link
        buffer = slow_session.connection.transport.output
        slow.transport.pauseProducing()  # Slow stops reading, as a stalled client does

        worst_queued = 0
        worst_latency = 0.0
        says = 0
        while not buffer.closed and says < MAX_SAYS:
            for _ in range(50):
                ann.send(f"say {SPEECH}")
            says += 50
            started = time.monotonic()
            ann.send(f"say marker {says}")
            yield bob.wait_for(f'Ann says, "marker {says}"')
            worst_latency = max(worst_latency, time.monotonic() - started)
            worst_queued = max(worst_queued, buffer.queued)
        self.assertTrue(buffer.closed, f"not dropped after {says} says")
        yield eventually(lambda: game.world.online["slow"].link is NOBODY)  # link-dead, kept
        self.assertLessEqual(worst_queued, buffer.cap + len(SPEECH) * 2)
        self.assertLess(worst_latency, 2.0)
        # Bob still plays normally afterwards.
        yield bob.ask("say still fine", 'You say, "still fine"')
        slow.transport.resumeProducing()
        yield slow.closed
        yield deferLater(reactor, 0, lambda: None)

    @inlineCallbacks
    def test_a_stalled_web_reader_is_dropped_at_the_cap_too(self):
        from tests.e2e.wsclient import registered_web

        service = self.start(**STORM)
        game = service.game
        slow = yield registered_web(self.web_port, "Webby", rcvbuf=4096)
        ann = yield connect(self.telnet_port)
        yield ann.ask("create Ann secret1", "Webby is here.")
        buffer = game.world.online["webby"].link.connection.output
        slow.transport.pauseProducing()

        worst_queued = 0
        says = 0
        while not buffer.closed and says < MAX_SAYS:
            for _ in range(50):
                ann.send(f"say {SPEECH}")
            says += 50
            yield ann.ask(f"say marker {says}", f'You say, "marker {says}"')
            worst_queued = max(worst_queued, buffer.queued)
        self.assertTrue(buffer.closed, f"not dropped after {says} says")
        yield eventually(lambda: game.world.online["webby"].link is NOBODY)
        self.assertLessEqual(worst_queued, buffer.cap + len(SPEECH) * 2)
        slow.transport.resumeProducing()
        yield slow.closed
