"""Real connections from chosen loopback addresses (127.0.0.2, 127.0.1.7...), for tests of
per-address rules: Linux routes all of 127/8 to the loopback interface, so a client may
bind any of them as its source and the server sees distinct peers."""

from __future__ import annotations

from autobahn.twisted.websocket import WebSocketClientFactory
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from tests.e2e.client import TelnetPlayer
from tests.e2e.wsclient import WebPlayer


def telnet_from(source: str, port: int) -> Deferred[TelnetPlayer]:
    endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port, bindAddress=(source, 0))
    return connectProtocol(endpoint, TelnetPlayer())


def web_from(source: str, port: int) -> Deferred[WebPlayer]:
    factory = WebSocketClientFactory(f"ws://127.0.0.1:{port}/ws")
    factory.protocol = WebPlayer
    endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port, bindAddress=(source, 0))
    return endpoint.connect(factory).addCallback(lambda proto: proto.opened)
