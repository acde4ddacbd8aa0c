"""A crowded room's lines through the telnet batch (mud/engine/fanout.py and
mud/protocols/fanout.py): every recipient gets exactly the bytes, in exactly the order, it
got when each was told one by one. Each scenario is played twice on fresh games, with the
batch (rooms of FANOUT_MIN or more) and without it (FANOUT_MIN out of reach), and each
connection's output is compared: plain players, players at a prompt, a GMCP client, an MCCP
client, a paused connection, a telnet connection without coalescing and a web player."""

from __future__ import annotations

import json
import zlib

import pytest
from twisted.internet.address import IPv4Address

import mud.engine.world as world_module
from mud.engine.events import Message, Prompt, Say
from mud.engine.fanout import FANOUT_MIN
from mud.protocols.fanout import Prepared
from mud.protocols.options.codes import MCCP2, TTYPE
from mud.protocols.output_buffer import FLUSH_AT
from mud.protocols.telnet import TelnetFactory
from mud.protocols.turn_flush import TurnFlusher
from mud.protocols.websocket import GameWebSocketFactory
from tests.support import make_game
from tests.test_coalesce import CountingTransport, autobahn_clock, frames  # noqa: F401
from tests.test_websocket import open_protocol, send_json

IAC, WILL, DO, WONT, SB, SE = b"\xff", b"\xfb", b"\xfd", b"\xfc", b"\xfa", b"\xf0"
NAWS, GMCP = b"\x1f", b"\xc9"
NAMES = [f"P{chr(97 + n)}one" for n in range(12)]
# A GMCP client asking for the room's talk (Comm.Channel.Text).
SUPPORTS = IAC + SB + GMCP + b'Core.Supports.Set ["Comm.Channel 1"]' + IAC + SE


def telnet(game, flusher, n, *greeting: bytes):
    wire = CountingTransport(peerAddress=IPv4Address("TCP", f"10.0.0.{n + 1}", 5000))
    protocol = TelnetFactory(game, flusher=flusher).buildProtocol(None)
    protocol.makeConnection(wire)
    for data in greeting:
        protocol.dataReceived(data)
    protocol.dataReceived(IAC + WONT + NAWS)
    return protocol, wire


def mccp_text(data: bytes) -> bytes:
    """An MCCP client's screen: the plain start, then the stream decompressed."""
    marker = IAC + SB + MCCP2 + IAC + SE
    head, _, stream = data.partition(marker)
    return head + zlib.decompressobj().decompress(stream)


def play(batched: bool, monkeypatch) -> dict[str, bytes]:
    """The scenario; what each connection received (MCCP decompressed, web as JSON)."""
    monkeypatch.setattr(world_module, "FANOUT_MIN", FANOUT_MIN if batched else 10**9)
    game = make_game()
    clock = game.world.clock
    flusher = TurnFlusher(clock)
    players = []
    for n, name in enumerate(NAMES):
        greeting: tuple[bytes, ...] = ()
        if n == 1:
            greeting = (IAC + DO + GMCP, SUPPORTS)
        elif n == 2:
            greeting = (IAC + DO + MCCP2, IAC + WONT + TTYPE)
        protocol, wire = telnet(game, None if n == 3 else flusher, n, *greeting)
        protocol.dataReceived(f"create {name} secret1\r\n".encode())
        players.append((name, protocol, wire))
    web = GameWebSocketFactory(game, flusher=flusher)
    web_protocol, web_wire = open_protocol(web, CountingTransport)
    send_json(web_protocol, type="register", name="Webby", password="secret1")
    clock.advance(0)
    world = game.world
    room = world.online[NAMES[0].lower()].room
    assert len(room.characters) == len(NAMES) + 1
    speaker = world.online[NAMES[5].lower()]
    # A connection paused by the transport (a slow reader) in the middle of things.
    paused = players[4][1].output
    for turn in range(3):
        world.tell_room(room, Say(speaker.name, f"one {turn}", False), exclude=speaker)
        players[6][1].dataReceived(f"say two {turn}\r\n".encode())
        world.online[NAMES[7].lower()].link.send(Message(f"only seven {turn}"))
        world.tell_room(room, Say("Cid", f"three {turn}", False))
        world.online[NAMES[8].lower()].link.send(Prompt(f"p{turn}> "))
        if turn == 0:
            paused.pauseProducing()
        world.tell_room(room, Message(f"four {turn}"))
        players[9][1].dataReceived(b"look\r\n")
        if turn == 1:
            paused.resumeProducing()
            # GMCP turned on in the room, after its audience was grouped.
            players[10][1].dataReceived(IAC + DO + GMCP + SUPPORTS)
        world.tell_room(room, Say("Dee", f"five {turn}", False), exclude=speaker)
        clock.advance(0)
    # A turn that grows past FLUSH_AT in room lines alone.
    for n in range(80):
        world.tell_room(room, Message(f"big {n:03d} " + "x" * 1000))
    clock.advance(0)
    if batched:
        groups = world._audiences[room].groups
        assert max(len(g.links) for g in groups) >= 6
        assert any(isinstance(g.prepared, Prepared) for g in groups)
    # The room's lines alone never make one write much past FLUSH_AT (written early).
    assert max(len(w) for w in players[0][2].writes) < FLUSH_AT + 4096
    seen = {name: wire.value() for name, _, wire in players}
    seen[NAMES[2]] = mccp_text(seen[NAMES[2]])
    seen["Webby"] = json.dumps([json.loads(p) for op, p in frames(web_wire.value())
                                if op == 1]).encode()
    return seen


@pytest.mark.usefixtures("autobahn_clock")
def test_a_mixed_crowded_room_gets_the_same_bytes_batched_as_one_by_one(monkeypatch):
    one_by_one = play(False, monkeypatch)
    batched = play(True, monkeypatch)
    assert b"five 2" in one_by_one[NAMES[0]] and b"big 079" in one_by_one[NAMES[0]]
    assert b"five 2" in one_by_one[NAMES[2]]  # (the MCCP stream decompressed)
    assert b"one 0" not in one_by_one[NAMES[5]]  # the speaker left out
    assert b"Comm.Channel.Text" in one_by_one[NAMES[1]]
    late = one_by_one[NAMES[10]]
    assert b"Comm.Channel.Text" not in late[:late.index(b"five 1")]
    assert b"Comm.Channel.Text" in late[late.index(b"five 1"):]
    for name in one_by_one:
        assert batched[name] == one_by_one[name], name
