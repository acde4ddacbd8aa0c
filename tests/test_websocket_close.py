"""A close of ours while a web player's output is paused (a slow reader): the frames queued
before it, the goodbye among them, go first, then the close frame; nothing follows it, and
a reader that never drains is still let go. No sockets here (tests/e2e/test_websocket_close.py
has the real one)."""

from __future__ import annotations

import json
import struct

import pytest
import txaio
from twisted.internet.task import Clock

from mud.engine.events import Say
from mud.protocols.turn_flush import TurnFlusher
from mud.protocols.websocket import GameWebSocketFactory
from tests.support import make_game
from tests.test_coalesce import CountingTransport, frames
from tests.test_websocket import open_protocol, send_json

CLOSE = 8


@pytest.fixture(autouse=True)
def txaio_clock():
    # Autobahn's timers (pings, the closing handshake's timeout) on a clock the test turns.
    saved = txaio.config.loop
    clock = txaio.config.loop = Clock()
    yield clock
    txaio.config.loop = saved


def kinds(data: bytes) -> list[str]:
    """Each server frame in ``data``: its JSON type, or "close"/"ping"/"opN"."""
    names = {CLOSE: "close", 9: "ping"}
    return [json.loads(payload)["type"] if op == 1 else names.get(op, f"op{op}")
            for op, payload in frames(data)]


def says(data: bytes) -> list[str]:
    return [json.loads(p)["message"] for op, p in frames(data)
            if op == 1 and json.loads(p)["type"] == "say"]


class Transport(CountingTransport):
    """Unregistering when no producer is registered is a no-op, as for Twisted's TCP and TLS
    transports (StringTransport raises; Autobahn's dropConnection unregisters, then ours)."""

    def unregisterProducer(self) -> None:
        if self.producer is not None:
            super().unregisterProducer()


def web_player(coalesce: bool = False):
    game = make_game()
    flusher = TurnFlusher(game.world.clock) if coalesce else None
    protocol, wire = open_protocol(GameWebSocketFactory(game, flusher=flusher), Transport)
    send_json(protocol, type="register", name="Webby", password="secret1")
    game.world.clock.advance(0)
    wire.clear()
    return game, protocol, wire


def client_close(code: int = 1000) -> bytes:
    """A masked close frame from the client."""
    payload, mask = struct.pack("!H", code), b"\x01\x02\x03\x04"
    return bytes((0x88, 0x80 | len(payload))) + mask + bytes(
        b ^ mask[i % 4] for i, b in enumerate(payload))


@pytest.mark.parametrize("coalesce", [False, True])
def test_the_goodbye_queued_behind_a_paused_transport_comes_before_the_close(coalesce):
    game, protocol, wire = web_player(coalesce)
    protocol.output.pauseProducing()  # the transport's buffer is full for a while
    for n in range(3):
        protocol.send(Say("Cat", f"line {n}", False))
    send_json(protocol, type="command", text="quit")
    game.world.clock.advance(0)
    assert wire.value() == b"", "the close frame must wait for the queued frames"
    assert not wire.disconnecting
    protocol.output.resumeProducing()  # it drains
    game.world.clock.advance(0)
    got = kinds(wire.value())
    assert says(wire.value()) == ["line 0", "line 1", "line 2"]
    assert got[-2:] == ["goodbye", "close"], got
    assert got.count("close") == 1


def test_nothing_is_added_once_the_close_is_asked_for():
    _game, protocol, wire = web_player()
    protocol.output.pauseProducing()
    protocol.send(Say("Cat", "before", False))
    protocol.close()
    protocol.send(Say("Cat", "after", False))
    send_json(protocol, type="ping")  # no pong frame either
    assert wire.value() == b""
    queued = protocol.output.queued
    protocol.send(Say("Cat", "later still", False))
    assert protocol.output.queued == queued  # the queue does not grow: bounded by the cap
    protocol.output.resumeProducing()
    assert says(wire.value()) == ["before"]
    assert kinds(wire.value())[-1] == "close"


def test_a_close_with_nothing_queued_is_sent_at_once_even_while_paused():
    # Paused with nothing queued: the transport keeps order itself.
    _game, protocol, wire = web_player()
    protocol.output.pauseProducing()
    protocol.close()
    assert kinds(wire.value()) == ["close"]


def test_a_close_is_sent_once_when_the_drain_pauses_again_on_the_way():
    _game, protocol, wire = web_player()
    protocol.output.pauseProducing()
    protocol.send(Say("Cat", "one", False))
    protocol.send(Say("Cat", "two", False))
    protocol.close()
    protocol.close()  # asked twice (takeover, then shutdown): one close frame
    real_write = wire.write

    def write_then_pause(data: bytes) -> None:
        real_write(data)
        protocol.output.pauseProducing()  # the transport is full again after one frame
    wire.write = write_then_pause
    protocol.output.resumeProducing()
    assert kinds(wire.value()) == ["say"]
    wire.write = real_write
    protocol.output.resumeProducing()
    assert kinds(wire.value()) == ["say", "say", "close"]


def test_the_peers_close_during_the_wait_is_answered_and_the_queue_let_go():
    _game, protocol, wire = web_player()
    protocol.output.pauseProducing()
    protocol.send(Say("Cat", "unread", False))
    protocol.close()
    protocol.dataReceived(client_close())
    # The peer is done reading: its close is answered at once and the connection dropped.
    assert kinds(wire.value()) == ["close"]
    assert wire.disconnecting
    assert protocol.output.closed and protocol.output.queued == 0


def test_a_reader_that_never_drains_is_still_dropped(txaio_clock):
    _game, protocol, wire = web_player()
    keepalive = protocol.factory.keepalive
    protocol.output.pauseProducing()
    protocol.send(Say("Cat", "never read", False))
    protocol.close()
    txaio_clock.advance(keepalive.interval)
    assert kinds(wire.value()) == ["ping"]  # Autobahn's ping is not queued behind ours
    txaio_clock.advance(keepalive.timeout + 1)
    # No pong: dropped, and the queued frames let go (bounded time and memory).
    assert wire.disconnecting
    assert protocol.output.closed and protocol.output.queued == 0
    assert "close" not in kinds(wire.value())


def test_a_peer_has_the_ping_timeout_to_answer_our_close(txaio_clock):
    # On a slow link the close frame waits behind what the transport still holds; Autobahn's
    # 1 s default aborted such a connection, and the buffered goodbye with it.
    _game, protocol, wire = web_player()
    timeout = protocol.factory.keepalive.timeout
    protocol.close()
    assert kinds(wire.value()) == ["close"]
    txaio_clock.advance(timeout - 1)
    assert not wire.disconnecting
    txaio_clock.advance(2)
    assert wire.disconnecting  # no answer at all: dropped
