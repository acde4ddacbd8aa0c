"""The game WebSocket without sockets: frame building, and one frame per event shared."""

from __future__ import annotations

import json

import pytest
import txaio
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from mud.engine.events import Say
from mud.protocols.websocket import GameWebSocketFactory, text_frame
from tests.support import WirePlayer, make_game

HANDSHAKE = (b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
             b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             b"Sec-WebSocket-Version: 13\r\n\r\n")


@pytest.fixture(autouse=True)
def _autobahn_timers_on_a_test_clock():
    # Autobahn schedules its pings through txaio's loop: keep them off the real reactor, or
    # a later real-socket test finds them pending (a dirty reactor).
    saved = txaio.config.loop
    txaio.config.loop = Clock()
    yield
    txaio.config.loop = saved


def open_protocol(factory):
    protocol = factory.buildProtocol(None)
    transport = StringTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", 50000))
    # As under twisted.web, whose HTTPChannel is the producer until the game's replaces it.
    transport.registerProducer(object(), True)
    protocol.makeConnection(transport)
    protocol.dataReceived(HANDSHAKE)
    assert transport.value().startswith(b"HTTP/1.1 101")
    transport.clear()
    return protocol, transport


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 200_000])
def test_text_frame_matches_autobahns_own_framing(size):
    factory = WebSocketServerFactory()
    factory.protocol = WebSocketServerProtocol
    reference, transport = open_protocol(factory)
    payload = b"x" * size
    reference.sendMessage(payload, isBinary=False)
    assert text_frame(payload) == transport.value()


def test_an_event_is_framed_once_and_the_same_bytes_go_to_every_web_player():
    game = make_game()
    factory = GameWebSocketFactory(game)
    wires = []
    for name in ("Ann", "Bob"):
        protocol, transport = open_protocol(factory)
        protocol.onMessage(json.dumps({"type": "register", "name": name,
                                       "password": "secret1"}).encode(), False)
        transport.clear()
        wires.append(transport)
    speaker = WirePlayer(game)
    speaker.create("Cid")
    for wire in wires:
        wire.clear()
    event = Say("Cid", "hello", False)
    game.world.tell_room(game.world.start, event, exclude=game.world.online["cid"])
    framed = event.wire["ws-frame"]
    assert [w.value() for w in wires] == [framed, framed]
    body = json.loads(framed[2:])
    assert body["type"] == "say" and body["message"] == "hello"


def test_no_data_frames_after_the_closing_handshake_began():
    game = make_game()
    factory = GameWebSocketFactory(game)
    protocol, transport = open_protocol(factory)
    protocol.sendClose(code=1000)
    transport.clear()
    protocol.send(Say("Cat", "too late", False))
    assert transport.value() == b""
