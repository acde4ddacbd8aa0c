"""Per-address limits over real IPv6 sockets: addresses of one /64 count as one place.

Two extra addresses of one /64 are put on the loopback interface for the test (root and
iproute2's ip are needed; the test says why when it is skipped)."""

from __future__ import annotations

import os
import shutil
import subprocess

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.endpoints import TCP6ClientEndpoint, connectProtocol

from tests.e2e.client import TelnetPlayer
from tests.e2e.server import ServerTestCase, eventually

PREFIX = "fd5a:3e11:9c2d:7::"
SOURCES = (PREFIX + "a", PREFIX + "b")


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20)


def telnet_from(source: str, port: int):
    endpoint = TCP6ClientEndpoint(reactor, "::1", port, bindAddress=(source, 0))
    return connectProtocol(endpoint, TelnetPlayer())


class IPv6LimitTests(ServerTestCase):
    def setUp(self) -> None:
        super().setUp()
        if shutil.which("ip") is None or os.geteuid() != 0:
            self.skipTest("needs root and iproute2's ip, to add addresses to the loopback")
        for source in SOURCES:
            added = _ip("-6", "addr", "add", f"{source}/128", "dev", "lo", "nodad")
            if added.returncode != 0 and "exists" not in added.stderr:
                self.skipTest(f"cannot add an IPv6 address: {added.stderr.strip()}")
            self.addCleanup(_ip, "-6", "addr", "del", f"{source}/128", "dev", "lo")

    @inlineCallbacks
    def test_two_addresses_of_one_slash_64_share_the_limits(self):
        service = self.start(telnet=["tcp6:0:interface=\\:\\:1"], connections_per_ip=1)
        first = yield telnet_from(SOURCES[0], self.telnet_port)
        yield first.wait_for("What name do you go by?")
        second = yield telnet_from(SOURCES[1], self.telnet_port)
        yield second.wait_for("too many connections from your address")
        yield second.closed
        self.assertEqual(service.peer_limits.open, {"fd5a:3e11:9c2d:7::/64": 1})
        # The login throttle and the registration limit count the same way.
        yield first.ask("create Ann secret1", "Village Square")
        yield eventually(lambda: "ann" in service.game.world.online)
        self.assertEqual(service.game.world.online["ann"].link.peer, "fd5a:3e11:9c2d:7::/64")
        first.transport.loseConnection()
        yield first.closed
        yield eventually(lambda: service.peer_limits.open == {})
