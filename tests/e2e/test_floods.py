"""A pasted block of 200 commands over a real socket stalls nobody else."""

from __future__ import annotations

import time

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import deferLater

from mud.session import MAX_QUEUED_LINES
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase


class CommandFloodTests(ServerTestCase):
    @inlineCallbacks
    def test_a_pasted_block_of_200_commands_stalls_nobody(self):
        self.start()
        flooder = yield connect(self.telnet_port)
        yield flooder.ask("create Flo secret1", "Village Square")
        other = yield connect(self.telnet_port)
        yield other.ask("create Oto secret1", "Village Square")
        flooder.transport.write(b"".join(b"look\r\n" for _ in range(200)))
        yield flooder.wait_for("Slow down")
        yield other.ask("say still quick", 'You say, "still quick"')
        # The flooder is throttled, not disconnected: the burst runs at once, the queued
        # lines at the command rate (about 3 s), the rest were dropped.
        # The burst of 30 also paid for the login line; tokens refill a little (10/s) in the
        # moments between the login and the paste, hence a narrow range.
        answered = 30 + MAX_QUEUED_LINES
        # Oto was answered while the flooder's queued lines were still waiting their turn:
        # nobody waits for a flood. (How fast is bench.bystander's business.)
        self.assertLess(flooder.text().count("[Exits:"), answered)
        deadline = time.monotonic() + 10
        while flooder.text().count("[Exits:") < answered and time.monotonic() < deadline:
            yield deferLater(reactor, 0.1, lambda: None)
        yield deferLater(reactor, 0.3, lambda: None)
        self.assertIn(flooder.text().count("[Exits:"), range(answered, answered + 4))
        yield flooder.ask("say done", 'You say, "done"')
