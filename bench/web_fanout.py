"""A `say` heard by a room of 50 web players, through the server-side path: the telnet
speaker's line in -> engine fan-out -> one JSON encoding -> each GameWebSocket's output
buffer -> Autobahn framing -> bytes out. The handshake is the real one (fed as bytes);
transports only count bytes, so this measures our code and Autobahn's, not the kernel."""

from __future__ import annotations

import json
import time

from twisted.internet.address import IPv4Address

from mud.protocols.websocket import GameWebSocketFactory
from tests.support import WirePlayer, make_game

ROOM_SIZE = 50
SAYS = 5000
HANDSHAKE = (b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
             b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             b"Sec-WebSocket-Version: 13\r\n\r\n")


class CountingTransport:
    """Stands in for a TCP transport: counts what would be sent."""

    disconnecting = False

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.bytes = 0
        self.producer = None
        # Each listener its own address, as real players are (new characters are limited
        # per address).
        self.host = host

    def write(self, data: bytes) -> None:
        self.bytes += len(data)

    def writeSequence(self, seq: list[bytes]) -> None:
        self.bytes += sum(map(len, seq))

    def registerProducer(self, producer: object, streaming: bool) -> None:
        self.producer = producer

    def unregisterProducer(self) -> None:
        self.producer = None

    def getPeer(self) -> IPv4Address:
        return IPv4Address("TCP", self.host, 50000)

    getHost = getPeer

    def setTcpNoDelay(self, enabled: bool) -> None:
        pass

    def loseConnection(self) -> None:
        self.disconnecting = True


def main() -> None:
    game = make_game()
    game.command_rate, game.command_burst = 1e12, 10**12
    factory = GameWebSocketFactory(game)
    listeners = []
    for i in range(ROOM_SIZE - 1):
        web = factory.buildProtocol(None)
        transport = CountingTransport(f"10.0.0.{i + 1}")
        web.makeConnection(transport)
        web.dataReceived(HANDSHAKE)
        who = "W" + "".join(chr(97 + int(d)) for d in f"{i:03d}")
        web.onMessage(json.dumps({"type": "register", "name": who,
                                  "password": "secret1"}).encode(), False)
        assert web.session.character is not None, "web player did not get in"
        listeners.append(transport)
    speaker = WirePlayer(game)
    speaker.create("Speaker")
    line = b"say The lamps of Emberfall burn late tonight, friends.\r\n"
    for _ in range(200):  # warm up
        speaker.send_bytes(line)
        speaker.wire.clear()
    before = sum(t.bytes for t in listeners)
    start = time.perf_counter()
    for _ in range(SAYS):
        speaker.send_bytes(line)
        speaker.wire.clear()
    elapsed = time.perf_counter() - start
    sent = sum(t.bytes for t in listeners) - before
    if sent < SAYS * (ROOM_SIZE - 1) * 60:
        raise SystemExit(f"only {sent} bytes went out: says were lost")
    per_say = elapsed / SAYS
    print(f"room of {ROOM_SIZE} (49 web listeners, one telnet speaker): {SAYS} says in "
          f"{elapsed:.3f}s")
    print(f"  {1 / per_say:,.0f} says/s  ({per_say * 1e6:.1f} us per say, "
          f"{per_say / (ROOM_SIZE - 1) * 1e6:.2f} us per recipient)")
    print(f"  {sent / 1e6:.1f} MB of WebSocket frames")


if __name__ == "__main__":
    main()
