"""Per-address connection limits: at once, per minute, and bounded bookkeeping."""

from __future__ import annotations

from twisted.internet.task import Clock

from mud.protocols.peer_limits import CountingFactory, PeerLimits


def test_at_most_max_open_at_once_per_address():
    limits = PeerLimits(Clock(), max_open=2, per_minute=100)
    assert limits.admit("1.2.3.4") is None
    assert limits.admit("1.2.3.4") is None
    assert "too many connections" in limits.admit("1.2.3.4")
    assert limits.admit("5.6.7.8") is None  # other addresses are not affected
    limits.release("1.2.3.4")
    assert limits.admit("1.2.3.4") is None


def test_at_most_per_minute_new_connections():
    clock = Clock()
    limits = PeerLimits(clock, max_open=100, per_minute=3)
    for _ in range(3):
        assert limits.admit("h") is None
        limits.release("h")
    assert "a minute" in limits.admit("h")
    clock.advance(59)
    assert limits.admit("h") is not None
    clock.advance(1)
    assert limits.admit("h") is None


def test_bookkeeping_expires_with_the_minute_it_covers():
    clock = Clock()
    limits = PeerLimits(clock, max_open=5, per_minute=5)
    for i in range(1000):
        host = f"10.0.{i // 256}.{i % 256}"
        assert limits.admit(host) is None
        limits.release(host)
    assert len(limits.recent) == 1000  # each seen in the last minute
    clock.advance(61)
    limits.admit("last")
    assert set(limits.recent) == {"last"} and limits.open == {"last": 1}
    limits.release("last")
    clock.advance(61)
    limits.admit("other")
    assert set(limits.recent) == {"other"}


def test_the_counting_factory_counts_a_connection_until_it_ends_however_it_is_handed_on():
    from twisted.internet.address import IPv4Address
    from twisted.internet.protocol import Factory, Protocol
    from twisted.internet.testing import StringTransport

    limits = PeerLimits(Clock(), max_open=1, per_minute=10)
    factory = CountingFactory(Factory.forProtocol(Protocol), limits, lambda why: ("refused", why))
    addr = IPv4Address("TCP", "1.2.3.4", 5000)
    first = factory.buildProtocol(addr)
    first.makeConnection(StringTransport())
    assert limits.open == {"1.2.3.4": 1}
    refused = factory.buildProtocol(addr)
    assert refused[0] == "refused" and "too many connections" in refused[1]
    # Another protocol takes the connection over (as Autobahn does from twisted.web's
    # channel); the first never hears the end, the count still does.
    first.wrappedProtocol = Protocol()
    first.connectionLost(None)
    assert limits.open == {} and factory.protocols == {}
    assert not isinstance(factory.buildProtocol(addr), tuple)


def test_a_protocol_the_inner_factory_will_not_build_gives_its_slot_back():
    from twisted.internet.address import IPv4Address
    from twisted.internet.protocol import Factory

    class Nothing(Factory):
        def buildProtocol(self, addr):
            return None

    limits = PeerLimits(Clock(), max_open=1, per_minute=10)
    factory = CountingFactory(Nothing(), limits, lambda why: why)
    assert factory.buildProtocol(IPv4Address("TCP", "1.2.3.4", 1)) is None
    assert limits.open == {}
