"""A scripted WebSocket client (Autobahn) for end-to-end tests: send frames, await frames."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol
from twisted.internet import reactor
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.endpoints import SSL4ClientEndpoint, TCP4ClientEndpoint
from twisted.internet.ssl import CertificateOptions

TIMEOUT = 10.0
Match = Callable[[dict[str, Any]], bool]


class WebPlayer(WebSocketClientProtocol):
    def __init__(self) -> None:
        super().__init__()
        self.frames: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.seen = 0
        self.opened: Deferred[WebPlayer] = Deferred()
        self.closed: Deferred[int | None] = Deferred()
        self._waiting: list[tuple[Match, Deferred[dict[str, Any]]]] = []

    def onOpen(self) -> None:
        self.opened.callback(self)

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        self.raw.append(payload)
        self.frames.append(json.loads(payload))
        self._check()

    def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:
        if not self.opened.called:
            self.opened.errback(AssertionError(f"handshake failed: {code} {reason}"))
        for _, d in self._waiting:
            d.errback(AssertionError(f"closed ({code}) while waiting; got {self.frames[-5:]}"))
        self._waiting = []
        self.closed.callback(code)

    def _check(self) -> None:
        for entry in list(self._waiting):
            match, d = entry
            for index in range(self.seen, len(self.frames)):
                if match(self.frames[index]):
                    self.seen = index + 1
                    self._waiting.remove(entry)
                    d.callback(self.frames[index])
                    break

    def wait(self, kind: str, **fields: Any) -> Deferred[dict[str, Any]]:
        """The next frame (after the last one waited for) of ``type`` kind with ``fields``."""
        def match(f: dict[str, Any]) -> bool:
            return f.get("type") == kind and all(
                (v in f.get(k, "")) if k == "text" else f.get(k) == v for k, v in fields.items())
        d: Deferred[dict[str, Any]] = Deferred()
        self._waiting.append((match, d))
        timer = reactor.callLater(TIMEOUT, self._timeout, match, d, kind, fields)
        d.addBoth(lambda r: (timer.active() and timer.cancel(), r)[1])
        self._check()
        return d

    def wait_any(self, *kinds: str) -> Deferred[dict[str, Any]]:
        """The next frame (after the last one waited for) whose type is one of ``kinds``."""
        d: Deferred[dict[str, Any]] = Deferred()
        match: Match = lambda f: f.get("type") in kinds  # noqa: E731
        self._waiting.append((match, d))
        timer = reactor.callLater(TIMEOUT, self._timeout, match, d, "/".join(kinds), {})
        d.addBoth(lambda r: (timer.active() and timer.cancel(), r)[1])
        self._check()
        return d

    def _timeout(self, match: Match, d: Deferred[Any], kind: str, fields: Any) -> None:
        if (match, d) in self._waiting:
            self._waiting.remove((match, d))
            d.errback(AssertionError(f"timed out waiting for {kind} {fields}; "
                                     f"last frames {self.frames[-6:]}"))

    def send(self, **message: Any) -> None:
        self.sendMessage(json.dumps(message).encode())

    def send_raw(self, payload: bytes, binary: bool = False) -> None:
        self.sendMessage(payload, isBinary=binary)

    def command(self, text: str) -> None:
        self.send(type="command", text=text)


def connect_web(port: int, path: str = "/ws", tls: bool = False,
                host: str = "127.0.0.1", origin: str | None = None) -> Deferred[WebPlayer]:
    """Connect over ws:// (or wss:// with ``tls``, trusting any certificate: tests only),
    sending ``origin`` as a browser would (None: no Origin header, as other programs do)."""
    factory = WebSocketClientFactory(f"{'wss' if tls else 'ws'}://{host}:{port}{path}",
                                     origin=origin)
    factory.protocol = WebPlayer
    if tls:
        endpoint = SSL4ClientEndpoint(reactor, host, port, CertificateOptions(verify=False))
    else:
        endpoint = TCP4ClientEndpoint(reactor, host, port)
    return endpoint.connect(factory).addCallback(lambda proto: proto.opened)


@inlineCallbacks
def registered_web(port: int, name: str, password: str = "secret1",
                   rcvbuf: int | None = None) -> Any:
    """A web player who registered ``name`` and has seen the first room (a WebPlayer);
    with ``rcvbuf``, its socket's receive buffer cut to that many bytes first (a reader
    that stops reading then holds the server's output back soon)."""
    web = yield connect_web(port)
    if rcvbuf is not None:
        web.transport.getHandle().setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    yield web.wait("hello")
    web.send(type="register", name=name, password=password)
    yield web.wait("login_ok", name=name)
    yield web.wait("room")
    return web
