"""Hostile telnet input over real sockets, while another player keeps playing.

What is tested is that the server survives the input and everyone, the sender included, is
still answered. The input is the same on every run (junk from a seeded generator, in a fixed
number of lines well under the command burst, so no line is dropped by the rate limit).
How fast it all goes is measured in bench/ (bench.telnet_parse, bench.bystander), not here.
"""

from __future__ import annotations

import random

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import deferLater
from twisted.logger import formatEvent, globalLogPublisher

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web

IAC, SB, SE, DO, GMCP = b"\xff", b"\xfa", b"\xf0", b"\xfd", b"\xc9"
# Every byte but IAC (telnet commands are tested on their own) and CR/LF (the line endings
# are ours to place): NULs, C0 and C1 controls, ESC, invalid UTF-8 lead and continuation bytes.
JUNK_BYTES = bytes(b for b in range(256) if b not in (0xFF, 0x0D, 0x0A))
JUNK_LINES = 16


def junk(rng: random.Random, size: int) -> bytes:
    return bytes(rng.choice(JUNK_BYTES) for _ in range(size))


class HostileInputTests(ServerTestCase):
    @inlineCallbacks
    def bystander(self):
        bob = yield connect(self.telnet_port)
        yield bob.ask("create Bob secret1", "Village Square")
        return bob

    @inlineCallbacks
    def prompt(self, bob, label: str):
        """Bob is still answered (the client's usual timeout, not a speed target)."""
        yield bob.ask(f"say {label}", f'You say, "{label}"')

    @inlineCallbacks
    def test_a_64_mib_line_without_a_newline_costs_its_sender_only(self):
        service = self.start()
        bob = yield self.bystander()
        eve = yield connect(self.telnet_port)
        yield eve.ask("create Eve secret1", "Village Square")
        chunk = b"A" * (1024 * 1024)
        for i in range(64):
            eve.transport.write(chunk)
            if i % 8 == 0:
                yield self.prompt(bob, f"during {i}")
        eve.transport.write(b"\r\n")
        yield eve.wait_for("too long")
        session = service.game.world.online["eve"].link
        self.assertLessEqual(len(session.connection._partial), session.connection.max_line)
        yield eve.ask("say still here", 'You say, "still here"')

    @inlineCallbacks
    def test_junk_nuls_bad_utf8_iac_and_subnegotiation_floods(self):
        self.start()
        bob = yield self.bystander()
        eve = yield connect(self.telnet_port)
        yield eve.ask("create Eve secret1", "Village Square")
        rng = random.Random(20261130)
        # A fixed number of junk lines, each read as one command and answered.
        lines = [junk(rng, 1000) for _ in range(JUNK_LINES)]
        eve.transport.write(b"".join(line + b"\r\n" for line in lines))
        yield eve.ask("say after junk", 'You say, "after junk"')
        self.assertEqual(eve.text().count("Unknown command"), JUNK_LINES)
        yield self.prompt(bob, "after junk")
        # 256 KiB of junk with no line end: one line too long, discarded whole.
        eve.transport.write(junk(rng, 256 * 1024) + b"\r\n")
        yield eve.wait_for("too long")
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

    @inlineCallbacks
    def test_gmcp_json_nested_1900_deep_is_ignored_and_the_connection_lives(self):
        self.start()
        logged: list[str] = []

        def observe(event: dict) -> None:
            logged.append(formatEvent(event))
        globalLogPublisher.addObserver(observe)
        self.addCleanup(globalLogPublisher.removeObserver, observe)
        gem = yield connect(self.telnet_port)
        deep = b"Core.Hello " + b"[" * 1900 + b"]" * 1900  # fits the 4096-byte cap
        gem.transport.write(IAC + DO + GMCP + IAC + SB + GMCP + deep + IAC + SE)
        yield gem.ask("create Gem secret1", "Village Square")
        # GMCP still works on that connection.
        gem.transport.write(IAC + SB + GMCP + b'Core.Supports.Set ["Room 1"]' + IAC + SE)
        yield gem.ask("look", "Village Square")
        yield eventually(lambda: b"Room.Info {" in gem.received)
        refused = [line for line in logged if "ignored a GMCP" in line]
        self.assertEqual(refused, ["ignored a GMCP 'Core.Hello' message from 127.0.0.1: its "
                                   "JSON nested deeper than 32 levels"])

    @inlineCallbacks
    def test_web_json_nested_too_deep_gets_an_error_frame_and_the_connection_lives(self):
        self.start()
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        for payload in (b'{"type":"ping","x":' + b"[" * 5000 + b"]" * 5000 + b"}",
                        b"[" * 60_000,  # never closed: the decoder would still recurse
                        b'{"type":"command","text":' + b'{"a":' * 3000 + b"1" + b"}" * 3001):
            web.send_raw(payload)
            error = yield web.wait("error")
            self.assertEqual(error["code"], "too_deep", error)
            web.send(type="ping")
            yield web.wait("pong")
        web.send(type="register", name="Deepa", password="secret1")
        yield web.wait("login_ok")
        web.sendClose()
        yield web.closed
