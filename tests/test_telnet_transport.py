"""The fast IAC parser: data slices, commands, subnegotiations across packets, limits."""

from __future__ import annotations

from twisted.conch.telnet import DO, IAC, NOP, SB, SE, WILL, TelnetProtocol
from twisted.internet.testing import StringTransport

from mud.protocols.telnet_transport import FastTelnetTransport


class Recorder(TelnetProtocol):
    def __init__(self) -> None:
        self.data: list[bytes] = []
        self.commands: list[tuple[bytes, bytes | None]] = []
        self.unhandled: list[tuple[bytes, list[bytes]]] = []

    def dataReceived(self, data: bytes) -> None:
        self.data.append(data)

    def unhandledCommand(self, command, argument):
        self.commands.append((command, argument))

    def unhandledSubnegotiation(self, command, data):
        self.unhandled.append((command, data))

    def enableRemote(self, option):
        return option == b"\x1f"

    def disableRemote(self, option):
        pass


def connected():
    wire = StringTransport()
    transport = FastTelnetTransport(Recorder)
    transport.makeConnection(wire)
    return transport, transport.protocol, wire


def test_plain_data_arrives_in_one_slice():
    transport, proto, _ = connected()
    transport.dataReceived(b"look\r\nsay hi\r\n")
    assert proto.data == [b"look\r\nsay hi\r\n"]


def test_data_around_commands_is_split_in_order():
    transport, proto, _ = connected()
    transport.dataReceived(b"ab" + IAC + NOP + b"cd" + IAC + IAC + b"ef")
    assert b"".join(proto.data) == b"abcd\xffef"
    assert proto.commands == [(NOP, None)]


def test_option_negotiation_goes_through_twisteds_state_machine():
    transport, _proto, wire = connected()
    transport.dataReceived(IAC + WILL + b"\x1f")  # client offers NAWS; we accept
    assert wire.value() == IAC + DO + b"\x1f"
    assert transport.getOptionState(b"\x1f").him.state == "yes"


def test_a_subnegotiation_split_over_packets_with_escaped_iac():
    transport, proto, _ = connected()
    got: list[list[bytes]] = []
    transport.negotiationMap[b"\x1f"] = got.append
    for chunk in (IAC + SB + b"\x1f\x00", b"\x50" + IAC + IAC, b"\x00" + IAC, SE + b"x"):
        transport.dataReceived(chunk)
    assert got == [[b"\x00", b"\x50", b"\xff", b"\x00"]]
    assert b"".join(proto.data) == b"x"


def test_unknown_subnegotiations_reach_the_protocol():
    transport, proto, _ = connected()
    transport.dataReceived(IAC + SB + b"\x18\x00ANSI" + IAC + SE)
    assert proto.unhandled == [(b"\x18", [b"\x00", b"A", b"N", b"S", b"I"])]


def test_unknown_iac_commands_are_ignored():
    transport, proto, wire = connected()
    transport.dataReceived(IAC + b"\xec" + b"still" + IAC + b"\x01" + b" here")
    assert b"".join(proto.data) == b"still here"
    assert not wire.disconnecting


def test_a_subnegotiation_past_the_cap_drops_the_peer_and_stops_parsing():
    transport, proto, wire = connected()
    transport.dataReceived(IAC + SB + b"\x18" + b"A" * 3000)
    assert not wire.disconnecting
    transport.dataReceived(b"A" * 2000 + IAC + SE + b"after")
    assert wire.disconnecting
    transport.dataReceived(b"more data")
    assert proto.data == []
