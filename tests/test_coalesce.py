"""Coalesced output (mud/protocols/turn_flush.py): what one connection is sent during one
reactor turn leaves in one write when the turn ends, on a task.Clock, with order, the cap,
MCCP, WebSocket close frames and closing after pending output all kept."""

from __future__ import annotations

import json
import zlib

import pytest
import txaio
from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from mud.engine.events import Say
from mud.protocols.options.codes import MCCP2, NAWS, TTYPE
from mud.protocols.output_buffer import FLUSH_AT, OutputBuffer
from mud.protocols.telnet import TelnetFactory
from mud.protocols.turn_flush import TurnFlusher
from mud.protocols.websocket import GameWebSocketFactory
from tests.support import make_game, plain
from tests.test_websocket import open_protocol, send_json

IAC, WONT, DO, DONT, SB, SE = b"\xff", b"\xfc", b"\xfd", b"\xfe", b"\xfa", b"\xf0"


class CountingTransport(StringTransport):
    """A StringTransport that remembers each write separately."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        super().write(data)


def coalescing(cap=1000):
    clock = Clock()
    transport = CountingTransport()
    buffer = OutputBuffer(transport, transport.write, cap, peer="test",
                          flusher=TurnFlusher(clock))
    return clock, transport, buffer


# -- the buffer -----------------------------------------------------------------------------------

def test_a_burst_in_one_turn_leaves_in_one_write_in_order_when_the_turn_ends():
    clock, transport, buffer = coalescing()
    for word in (b"one ", b"two ", b"three"):
        buffer.write(word)
    assert transport.writes == [] and buffer.pending == 13
    clock.advance(0)
    assert transport.writes == [b"one two three"]
    buffer.write(b"next turn")
    clock.advance(0)
    assert transport.writes == [b"one two three", b"next turn"]


def test_without_a_flusher_every_write_goes_straight_through():
    transport = CountingTransport()
    buffer = OutputBuffer(transport, transport.write, 1000)
    buffer.write(b"a")
    buffer.write(b"b")
    assert transport.writes == [b"a", b"b"]


def test_one_call_a_turn_serves_every_connection():
    clock = Clock()
    flusher = TurnFlusher(clock)
    wires = [CountingTransport() for _ in range(3)]
    buffers = [OutputBuffer(w, w.write, 1000, flusher=flusher) for w in wires]
    for _ in range(4):
        for buffer in buffers:
            buffer.write(b"x")
    assert len(clock.getDelayedCalls()) == 1
    clock.advance(0)
    assert [w.writes for w in wires] == [[b"xxxx"]] * 3
    assert clock.getDelayedCalls() == []


def test_a_connection_that_fails_to_flush_does_not_hold_the_others_back():
    clock = Clock()
    flusher = TurnFlusher(clock)

    def broken(data: bytes) -> None:
        raise RuntimeError("broken transport")

    bad = OutputBuffer(StringTransport(), broken, 1000, flusher=flusher)
    wire = CountingTransport()
    good = OutputBuffer(wire, wire.write, 1000, flusher=flusher)
    bad.write(b"lost")
    good.write(b"kept")
    clock.advance(0)
    assert wire.writes == [b"kept"]


def test_the_cap_still_drops_a_reader_that_stopped_and_counts_what_was_pending():
    clock, transport, buffer = coalescing(cap=100)
    buffer.write(b"p" * 60)  # pending this turn...
    buffer.pauseProducing()  # ...when the transport pauses us: queued, counted
    assert buffer.pending == 0 and buffer.queued == 60
    buffer.write(b"q" * 40)
    assert not transport.disconnecting
    buffer.write(b"r")  # 101 bytes waiting: past the cap, as without coalescing
    assert transport.disconnecting and buffer.closed
    clock.advance(0)
    buffer.resumeProducing()
    assert transport.value() == b""


def test_paused_writes_queue_as_before_and_resume_sends_them_in_order():
    clock, transport, buffer = coalescing()
    buffer.write(b"a")
    clock.advance(0)
    buffer.pauseProducing()
    buffer.write(b"b")
    buffer.write(b"c")
    clock.advance(0)
    assert transport.value() == b"a" and buffer.queued == 2
    buffer.resumeProducing()
    buffer.write(b"d")
    clock.advance(0)
    assert transport.value() == b"abcd"


def test_a_big_turn_is_written_early_so_the_transport_can_push_back():
    clock, transport, buffer = coalescing(cap=10 * FLUSH_AT)
    chunk = b"x" * 1024
    for _ in range(FLUSH_AT // 1024):
        buffer.write(chunk)
    assert len(transport.writes) == 1 and buffer.pending == 0
    buffer.write(b"tail")
    clock.advance(0)
    assert transport.value() == chunk * (FLUSH_AT // 1024) + b"tail"


def test_close_writes_what_is_pending_first_then_closes():
    clock, transport, buffer = coalescing()
    buffer.write(b"goodbye")
    buffer.close()
    assert transport.value() == b"goodbye"
    assert transport.disconnecting and transport.producer is None
    buffer.write(b"after")
    clock.advance(0)
    assert transport.value() == b"goodbye"


def test_an_encoding_switch_mid_turn_sends_what_came_before_in_the_old_encoding():
    clock, transport, buffer = coalescing()
    compressor = zlib.compressobj()

    def compress(data: bytes) -> bytes:
        return compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)

    buffer.write(b"plain start marker|")
    buffer.encode = compress
    buffer.write(b"line one\r\n")
    buffer.write(b"line two\r\n")
    clock.advance(0)
    assert transport.writes[0] == b"plain start marker|"
    assert len(transport.writes) == 2  # the turn's compressed lines: one write, one flush
    stream = zlib.decompressobj()
    assert stream.decompress(transport.writes[1]) == b"line one\r\nline two\r\n"
    buffer.write(b"last compressed\r\n")
    buffer.encode = None
    buffer.write(b"plain again")
    clock.advance(0)
    assert stream.decompress(transport.writes[2]) == b"last compressed\r\n"
    assert transport.writes[3] == b"plain again"


# -- telnet -------------------------------------------------------------------------------------

def telnet_player(game, flusher, host="10.0.0.1"):
    wire = CountingTransport(peerAddress=IPv4Address("TCP", host, 5000))
    telnet = TelnetFactory(game, flusher=flusher).buildProtocol(None)
    telnet.makeConnection(wire)
    telnet.dataReceived(IAC + WONT + NAWS)
    return telnet, wire


def telnet_in_game(game, flusher):
    """A telnet player who has made Ann and stands in the game, what that wrote cleared."""
    telnet, wire = telnet_player(game, flusher)
    telnet.dataReceived(b"create Ann secret1\r\n")
    game.world.clock.advance(0)
    wire.clear()
    wire.writes.clear()
    return telnet, wire


def test_a_telnet_burst_of_events_in_one_turn_is_one_write_in_order():
    game = make_game()
    clock = game.world.clock
    _, wire = telnet_in_game(game, TurnFlusher(clock))
    ann = game.world.online["ann"]
    for n in range(10):
        game.world.tell_room(ann.room, Say("Cid", f"line {n}", False))
    assert wire.writes == []
    clock.advance(0)
    assert len(wire.writes) == 1
    text = plain(wire.writes[0])
    assert [text.index(f"line {n}") for n in range(10)] == \
        sorted(text.index(f"line {n}") for n in range(10))


def test_a_big_telnet_turn_of_lines_is_written_early_as_the_buffer_would():
    # Lines after the turn's first are appended by the telnet send itself (no call into
    # the buffer): the FLUSH_AT bound must hold there too.
    game = make_game()
    clock = game.world.clock
    telnet, wire = telnet_in_game(game, TurnFlusher(clock))
    ann = game.world.online["ann"]
    output = telnet.output
    words = "x" * 1000
    lines = FLUSH_AT // 1000 + 10
    for n in range(lines):
        game.world.tell_room(ann.room, Say("Cid", f"m{n:03d}m {words}", False))
        assert output.pending < FLUSH_AT
    assert len(wire.writes) == 1 and len(wire.writes[0]) >= FLUSH_AT
    clock.advance(0)
    text = plain(wire.value())
    assert [text.index(f"m{n:03d}m") for n in range(lines)] == \
        sorted(text.index(f"m{n:03d}m") for n in range(lines))


def test_a_closed_session_drops_what_it_is_sent():
    game = make_game()
    clock = game.world.clock
    telnet, wire = telnet_player(game, TurnFlusher(clock))
    telnet.dataReceived(b"create Ann secret1\r\n")
    clock.advance(0)
    session = telnet.protocol.session
    assert session.send == telnet.protocol.send  # one call per recipient while connected
    session.close()
    clock.advance(0)
    wire.clear()
    session.send(Say("Cid", "too late", False))
    clock.advance(0)
    assert b"too late" not in wire.value()


def test_mccp_starts_mid_turn_and_the_stream_still_decompresses():
    game = make_game()
    clock = game.world.clock
    telnet, wire = telnet_player(game, TurnFlusher(clock))
    telnet.dataReceived(IAC + DO + MCCP2)
    # The terminal type refused: compression starts in the same turn as more output.
    telnet.dataReceived(IAC + WONT + TTYPE + b"create Ann secret1\r\n")
    clock.advance(0)
    data = wire.value()
    marker = IAC + SB + MCCP2 + IAC + SE
    start = data.index(marker) + len(marker)
    stream = zlib.decompressobj()
    assert "Village Square" in plain(stream.decompress(data[start:]))
    wire.clear()
    # Compression ends (the client says DONT) with output pending in the same turn.
    telnet.dataReceived(b"look\r\n" + IAC + DONT + MCCP2 + b"look\r\n")
    clock.advance(0)
    data = wire.value()
    text = stream.decompress(data)
    assert stream.eof and "Village Square" in plain(text)
    assert "Village Square" in plain(stream.unused_data)


def test_a_telnet_quit_sends_its_goodbye_before_closing():
    game = make_game()
    clock = game.world.clock
    telnet, wire = telnet_in_game(game, TurnFlusher(clock))
    telnet.dataReceived(b"quit\r\n")
    clock.advance(0)
    assert wire.disconnecting
    assert "Farewell" in plain(wire.value())


# -- WebSocket ----------------------------------------------------------------------------------

@pytest.fixture()
def autobahn_clock():
    saved = txaio.config.loop
    txaio.config.loop = Clock()
    yield
    txaio.config.loop = saved


def frames(data: bytes) -> list[tuple[int, bytes]]:
    """(opcode, payload) of each unmasked server frame in ``data``."""
    found = []
    while data:
        opcode, length, start = data[0] & 0x0F, data[1] & 0x7F, 2
        if length == 126:
            length, start = int.from_bytes(data[2:4], "big"), 4
        elif length == 127:
            length, start = int.from_bytes(data[2:10], "big"), 10
        found.append((opcode, data[start:start + length]))
        data = data[start + length:]
    return found


def test_web_frames_of_one_turn_leave_in_one_write(autobahn_clock):
    game = make_game()
    clock = game.world.clock
    factory = GameWebSocketFactory(game, flusher=TurnFlusher(clock))
    protocol, wire = open_protocol(factory, CountingTransport)
    send_json(protocol, type="register", name="Ann", password="secret1")
    clock.advance(0)
    wire.clear()
    wire.writes.clear()
    for n in range(5):
        game.world.tell_room(game.world.online["ann"].room, Say("Cid", f"line {n}", False))
    clock.advance(0)
    assert len(wire.writes) == 1
    bodies = [json.loads(payload) for _, payload in frames(wire.value())]
    assert [b["message"] for b in bodies] == [f"line {n}" for n in range(5)]


def test_a_web_goodbye_pending_in_the_turn_leaves_before_the_close_frame(autobahn_clock):
    game = make_game()
    clock = game.world.clock
    factory = GameWebSocketFactory(game, flusher=TurnFlusher(clock))
    protocol, wire = open_protocol(factory, CountingTransport)
    send_json(protocol, type="register", name="Ann", password="secret1")
    clock.advance(0)
    wire.clear()
    send_json(protocol, type="command", text="quit")  # goodbye frame, then sendClose
    clock.advance(0)
    sent = frames(wire.value())
    assert sent[-1][0] == 8  # the close frame comes last...
    kinds = [json.loads(p)["type"] for op, p in sent if op == 1]
    assert "goodbye" in kinds  # ...after the goodbye, which was pending when it was sent


def test_a_pong_written_by_autobahn_keeps_its_place_after_pending_frames(autobahn_clock):
    game = make_game()
    clock = game.world.clock
    factory = GameWebSocketFactory(game, flusher=TurnFlusher(clock))
    protocol, wire = open_protocol(factory, CountingTransport)
    clock.advance(0)
    wire.clear()
    protocol.send_frame(b"\x81\x05first")
    protocol.sendPing(b"p")  # Autobahn writes this straight to the transport
    sent = frames(wire.value())
    assert sent == [(1, b"first"), (9, b"p")]
