"""The HTTP defences without sockets: headers, request-head clock, body cap."""

from __future__ import annotations

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.web.resource import Resource

from mud.protocols.http_guard import HEAD_TIMEOUT, MAX_BODY, security_headers
from mud.protocols.origins import OriginPolicy
from mud.protocols.web import GameSite


class Hello(Resource):
    isLeaf = True

    def render_GET(self, request):
        return b"hello"


def channel(clock: Clock):
    site = GameSite(Hello(), reactor=clock)
    site.security_headers = security_headers(OriginPolicy())
    protocol = site.buildProtocol(IPv4Address("TCP", "10.0.0.1", 1234))
    transport = StringTransport(peerAddress=IPv4Address("TCP", "10.0.0.1", 1234))
    protocol.makeConnection(transport)
    return protocol, transport


def test_a_head_must_arrive_whole_in_time_however_it_trickles():
    clock = Clock()
    protocol, transport = channel(clock)
    protocol.dataReceived(b"GET / HTTP/1.1\r\n")
    for _ in range(int(HEAD_TIMEOUT) - 1):
        clock.advance(1)
        protocol.dataReceived(b"X-Slow: 1\r\n")  # every byte used to restart the clock
        assert not transport.disconnecting
    clock.advance(1)
    assert transport.value().startswith(b"HTTP/1.1 408")
    assert transport.disconnecting


def test_idling_between_requests_is_not_timed_but_each_head_is():
    clock = Clock()
    protocol, transport = channel(clock)
    protocol.dataReceived(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b"hello" in transport.value() and b"frame-ancestors 'none'" in transport.value()
    transport.clear()
    clock.advance(HEAD_TIMEOUT * 2)  # a kept-alive connection resting
    assert not transport.disconnecting
    protocol.dataReceived(b"GET / HTTP/1.1\r\n")
    clock.advance(HEAD_TIMEOUT + 0.1)
    assert transport.value().startswith(b"HTTP/1.1 408")


def test_a_silent_connection_is_closed_after_the_head_timeout():
    clock = Clock()
    _, transport = channel(clock)
    clock.advance(HEAD_TIMEOUT + 0.1)
    assert transport.disconnecting


def test_bodies_past_the_cap_are_refused_and_the_rest_ignored():
    clock = Clock()
    protocol, transport = channel(clock)
    protocol.dataReceived(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                          % (MAX_BODY + 1))
    assert transport.value().startswith(b"HTTP/1.1 413")
    transport.clear()
    protocol.dataReceived(b"x" * 100000)
    assert transport.value() == b""
    # A peer that never reads its answer is cut off in the end.
    clock.advance(60)
    assert transport.disconnecting


def test_security_headers_follow_the_allowed_origins():
    closed = security_headers(OriginPolicy())
    assert b"frame-ancestors 'none'" in closed[b"content-security-policy"]
    assert closed[b"x-frame-options"] == b"DENY"
    assert closed[b"x-content-type-options"] == b"nosniff"
    opened = security_headers(OriginPolicy(["https://mud.example.org"]))
    assert b"frame-ancestors https://mud.example.org" in opened[b"content-security-policy"]
    assert b"x-frame-options" not in opened
