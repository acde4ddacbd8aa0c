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
from mud.protocols.command_ids import CommandIds
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


def open_protocol(factory, transport_class=StringTransport):
    protocol = factory.buildProtocol(None)
    transport = transport_class(peerAddress=IPv4Address("TCP", "127.0.0.1", 50000))
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


# -- command ids: ack, and a resend runs once ---------------------------------------------------

def server_frames(transport):
    """The JSON bodies of the unmasked text frames written to ``transport`` (then cleared)."""
    data, bodies = transport.value(), []
    transport.clear()
    while data:
        length, start = data[1] & 0x7F, 2
        if length == 126:
            length, start = int.from_bytes(data[2:4], "big"), 4
        elif length == 127:
            length, start = int.from_bytes(data[2:10], "big"), 10
        bodies.append(json.loads(data[start:start + length]))
        data = data[start + length:]
    return bodies


def send_json(protocol, **message):
    protocol.onMessage(json.dumps(message).encode(), False)


def registered(factory, name):
    protocol, transport = open_protocol(factory)
    send_json(protocol, type="register", name=name, password="secret1")
    frames = server_frames(transport)
    # Silent frames (vitals, status, equipment) come with a login too: not what is counted.
    assert [f["type"] for f in frames if not f.get("silent")][:2] == ["login_ok", "room"]
    protocol.token = frames[0]["token"]
    return protocol, transport


def test_a_command_with_an_id_is_acknowledged_before_it_runs():
    factory = GameWebSocketFactory(make_game())
    protocol, transport = registered(factory, "Ann")
    send_json(protocol, type="command", text="say hello", id=7)
    frames = server_frames(transport)
    assert frames[0] == {"type": "ack", "id": 7}
    assert frames[1]["type"] == "say" and frames[1]["message"] == "hello"
    # Without an id, as before: no ack.
    send_json(protocol, type="command", text="say again")
    assert [f["type"] for f in server_frames(transport)] == ["say"]


def test_a_resent_id_is_acknowledged_again_but_not_run_twice_even_on_a_new_connection():
    game = make_game()
    factory = GameWebSocketFactory(game)
    listener = WirePlayer(game)
    listener.create("Cid")
    protocol, transport = registered(factory, "Ann")
    listener.read()
    send_json(protocol, type="command", text="say only once", id=2**53 - 1)
    assert server_frames(transport)[0] == {"type": "ack", "id": 2**53 - 1}
    # The page resumes the character on a new socket and sends the command again.
    second, wire = open_protocol(factory)
    send_json(second, type="resume", token=protocol.token)
    assert "login_ok" in [f["type"] for f in server_frames(wire)]
    send_json(second, type="command", text="say only once", id=2**53 - 1)
    assert server_frames(wire) == [{"type": "ack", "id": 2**53 - 1}]
    assert listener.read().count("Ann says") == 1
    # Another character may use the same number.
    other, other_wire = registered(factory, "Bob")
    send_json(other, type="command", text="say mine", id=2**53 - 1)
    assert [f["type"] for f in server_frames(other_wire)] == ["ack", "say"]


@pytest.mark.parametrize("ident", [-1, 2**53, 1.5, True, "3", [1], {"n": 1}])
def test_a_bad_command_id_is_refused_and_the_command_not_run(ident):
    factory = GameWebSocketFactory(make_game())
    protocol, transport = registered(factory, "Ann")
    send_json(protocol, type="command", text="say hi", id=ident)
    frames = server_frames(transport)
    assert [(f["type"], f["code"]) for f in frames] == [("error", "bad_field")]
    assert "'id'" in frames[0]["message"]
    assert protocol.transport.connected


def test_a_command_id_before_login_is_not_acknowledged():
    factory = GameWebSocketFactory(make_game())
    protocol, transport = open_protocol(factory)
    server_frames(transport)
    send_json(protocol, type="command", text="look", id=1)
    assert [(f["type"], f.get("code")) for f in server_frames(transport)] == \
        [("error", "not_logged_in")]


def test_remembered_command_ids_stay_small():
    # At the cap (every character 64 ids) the memory is about 0.8 KB a character, not 6 KB.
    import tracemalloc
    tracemalloc.start()
    try:
        ids = CommandIds()
        for c in range(1000):
            for n in range(64):
                ids.first_time(f"character{c}", 2**40 + n)
        used = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert used < 1000 * 1024, used


def test_command_ids_are_bounded_per_character_and_in_characters():
    ids = CommandIds(per_character=3, characters=2)
    assert [ids.first_time("ann", n) for n in (1, 2, 1, 3, 4)] == [True, True, False, True, True]
    assert ids.first_time("ann", 1)          # pushed out by 2, 3, 4: forgotten
    assert not ids.first_time("ann", 4)
    ids.first_time("bob", 1)
    ids.first_time("ann", 9)                 # ann is now the most recent
    ids.first_time("cid", 1)                 # a third character: bob, the oldest, goes
    assert len(ids) == 2
    assert ids.first_time("bob", 1)
    assert not ids.first_time("cid", 1)
