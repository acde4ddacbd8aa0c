"""What both WebSockets (``/ws`` and ``/presence``) share: the Origin check at the
handshake, keepalive, and output through a bounded per-connection buffer.

Frames are built by us (``text_frame``) and written past Autobahn's ``sendMessage``, whose
per-call overhead was most of a broadcast's cost and which queues without limit for a
reader that stopped reading. Here a broadcast's frame is built once and shared, and a
connection that lets more than its cap pile up is dropped (see output_buffer.py). With a
``TurnFlusher`` a connection's frames of one reactor turn leave in one write; Autobahn's own
frames (close, ping, pong) go straight to the transport, so what is pending is written
first (``sendData``): a goodbye always comes before the close frame.
"""

from __future__ import annotations

import struct

from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from autobahn.websocket.protocol import WebSocketProtocol
from autobahn.websocket.types import ConnectionDeny, ConnectionRequest
from twisted.internet.interfaces import ISSLTransport
from twisted.logger import Logger

from mud.protocols.keepalive import DEFAULT_KEEPALIVE, Keepalive
from mud.protocols.origins import OriginPolicy
from mud.protocols.output_buffer import DEFAULT_CAP, Flusher, OutputBuffer

log = Logger()


def text_frame(payload: bytes) -> bytes:
    """``payload`` as one unmasked, unfragmented RFC 6455 text frame (server to client)."""
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 65536:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


class BufferedWebSocketFactory(WebSocketServerFactory):
    """Settings every WebSocket of ours shares."""

    def __init__(self, keepalive: Keepalive = DEFAULT_KEEPALIVE,
                 output_cap: int = DEFAULT_CAP, origins: OriginPolicy | None = None,
                 max_payload: int = 64 * 1024, flusher: Flusher | None = None) -> None:
        super().__init__()
        self.keepalive = keepalive
        self.output_cap = output_cap
        # Coalesces each connection's frames per reactor turn (turn_flush.py); None: each
        # frame is written at once.
        self.flusher = flusher
        self.origins = origins or OriginPolicy()
        self.setProtocolOptions(maxMessagePayloadSize=max_payload,
                                maxFramePayloadSize=max_payload,
                                autoPingInterval=keepalive.interval,
                                autoPingTimeout=keepalive.timeout,
                                # Frames are pre-built uncompressed and shared.
                                perMessageCompressionAccept=lambda offers: None)


class BufferedWebSocket(WebSocketServerProtocol):
    """A server WebSocket that checks the Origin and writes through an OutputBuffer."""

    factory: BufferedWebSocketFactory
    output: OutputBuffer | None = None

    def onConnect(self, request: ConnectionRequest) -> None:
        origin = request.headers.get("origin")
        secure = ISSLTransport.providedBy(self.transport)
        if not self.factory.origins.allows(origin, request.headers.get("host"), secure):
            log.info("refused a WebSocket from {peer}: origin {origin!r} is not this site's "
                     "nor an allowed one", peer=request.peer, origin=origin[:100])
            raise ConnectionDeny(403, "This page may not connect to the game: its origin is "
                                      "not allowed (see allowed_origins).")

    def onOpen(self) -> None:
        # twisted.web's HTTPChannel is still the transport's producer: replace it with ours.
        self.transport.unregisterProducer()
        self.factory.keepalive.tune(self.transport)
        self.output = OutputBuffer(self.transport, self._sink, self.factory.output_cap,
                                   peer=str(self.transport.getPeer()),
                                   flusher=self.factory.flusher)

    def send_frame(self, frame: bytes) -> None:
        """Queue one whole frame built by ``text_frame``."""
        if self.output is not None:
            self.output.write(frame)

    def sendData(self, data: bytes, sync: bool = False, chopsize: int | None = None) -> None:
        # Every frame of Autobahn's own (the handshake's answer, close, ping, pong) passes
        # here on its way to the transport: our frames pending this turn go first, while
        # the connection is still open (sendCloseFrame marks it closing only afterwards).
        output = self.output
        if output is not None and output.pending:
            output.flush()
        super().sendData(data, sync, chopsize)

    def _sink(self, data: bytes) -> None:
        # No data frames once the closing handshake began.
        if self.state == WebSocketProtocol.STATE_OPEN:
            self.transport.write(data)

    def _closeConnection(self, abort: bool = False) -> None:
        # Our producer must go before a TLS transport will finish closing. (Autobahn's
        # hook for closing the transport; overriding it is how a subclass takes part.)
        output = self.output
        if output is not None and not output.closed:
            output.stopProducing()
            self.transport.unregisterProducer()
        super()._closeConnection(abort)

    def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:
        if self.output is not None:
            self.output.stopProducing()
