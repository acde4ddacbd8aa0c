"""Hostile telnet input over real sockets, while another player keeps playing."""

from __future__ import annotations

import os
import time

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import deferLater

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase

IAC, SB, SE = b"\xff", b"\xfa", b"\xf0"


class HostileInputTests(ServerTestCase):
    @inlineCallbacks
    def bystander(self):
        bob = yield connect(self.telnet_port)
        yield bob.ask("create Bob secret1", "Village Square")
        return bob

    @inlineCallbacks
    def prompt(self, bob, label: str, limit: float = 0.5):
        started = time.monotonic()
        yield bob.ask(f"say {label}", f'You say, "{label}"')
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, limit, f"{label}: Bob waited {elapsed:.2f}s")

    @inlineCallbacks
    def test_a_64_mib_line_without_a_newline_costs_its_sender_only(self):
        service = self.start()
        bob = yield self.bystander()
        eve = yield connect(self.telnet_port)
        yield eve.ask("create Eve secret1", "Village Square")
        chunk = b"A" * (1024 * 1024)
        started = time.monotonic()
        for i in range(64):
            eve.transport.write(chunk)
            if i % 8 == 0:
                yield self.prompt(bob, f"during {i}")
        eve.transport.write(b"\r\n")
        yield eve.wait_for("too long")
        seconds = time.monotonic() - started
        session = service.game.world.online["eve"].link
        self.assertLessEqual(len(session.connection._partial), session.connection.max_line)
        # 64 MiB through the parser in a few seconds at most (Evennia: 25 s, see issue 4).
        self.assertLess(seconds, 10)
        yield eve.ask("say still here", 'You say, "still here"')

    @inlineCallbacks
    def test_junk_nuls_bad_utf8_iac_and_subnegotiation_floods(self):
        self.start()
        bob = yield self.bystander()
        eve = yield connect(self.telnet_port)
        yield eve.ask("create Eve secret1", "Village Square")
        junk = os.urandom(256 * 1024).replace(IAC, b"")  # binary junk, no telnet commands
        eve.transport.write(junk + b"\r\n")
        yield self.prompt(bob, "after junk")
        eve.transport.write(b"say a\x00b\xc3\x28c\r\n")
        yield eve.wait_for('You say, "ab\ufffd(c"')
        eve.transport.write((IAC + b"\xec" + IAC + b"\xf1") * 50_000 + b"say iac ok\r\n")
        yield eve.wait_for('You say, "iac ok"')
        yield self.prompt(bob, "after iac flood")
        # Many small subnegotiations are fine; one that never ends is cut off.
        eve.transport.write((IAC + SB + b"\x18\x00xterm" + IAC + SE) * 10_000 + b"say sb ok\r\n")
        yield eve.wait_for('You say, "sb ok"')
        eve.transport.write(IAC + SB + b"\x18" + b"x" * 10_000)
        yield eve.closed
        yield self.prompt(bob, "after eve")
        yield deferLater(reactor, 0, lambda: None)
