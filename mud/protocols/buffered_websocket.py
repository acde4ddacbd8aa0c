"""What both WebSockets (``/ws`` and ``/presence``) share: the Origin check at the
handshake, keepalive, and output through a bounded per-connection buffer.

Frames are built by us (``text_frame``) and written past Autobahn's ``sendMessage``, whose
per-call overhead was most of a broadcast's cost and which queues without limit for a
reader that stopped reading. Here a broadcast's frame is built once and shared, and a
connection that lets more than its cap pile up is dropped (see output_buffer.py). With a
``TurnFlusher`` a connection's frames of one reactor turn leave in one write; Autobahn's own
frames (close, ping, pong) go straight to the transport, so what is pending is written
first (``sendData``): a goodbye always comes before the close frame. A close of ours
(``sendClose``: quit, shutdown, takeover, idle timeout, a ban) while frames are still queued
behind a paused transport waits for them: the close frame follows the last of them, as
telnet's close waits for its queue (see sendClose for what bounds the wait).
"""

from __future__ import annotations

import struct
from collections import deque
from typing import Any

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


# What Autobahn's server protocol keeps of the opening handshake once it is done: the
# request's bytes, its parsed headers and parts, our response's text (about 2 KB a
# connection, for its own test suite). After the handshake only processHandshake and the
# client protocol read these, so an open connection lets them go (see _slim); read
# afterwards, they are None.
HANDSHAKE_LEFTOVERS = ("http_request_data", "http_response_data", "http_headers",
                       "http_status_line", "http_request_uri", "http_request_path",
                       "http_request_params", "http_request_host", "_wskey",
                       "websocket_extensions")


_LEFTOVERS = frozenset(HANDSHAKE_LEFTOVERS)
_FACTORY_SETTINGS = frozenset(WebSocketServerProtocol.CONFIG_ATTRS)
_MISSING = object()


class _NothingQueued:
    """What a protocol's ``send_queue`` reads as while Autobahn has queued nothing: empty,
    and the first ``append`` gives the protocol a real deque (see BufferedWebSocket)."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: BufferedWebSocket) -> None:
        self._protocol = protocol

    def __len__(self) -> int:
        return 0

    def append(self, item: Any) -> None:
        queue: deque[Any] = deque((item,))
        self._protocol._send_queue = queue


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
                                # The time a peer has to answer our close frame, from when
                                # it is written; Autobahn's 1 s default cut a slow link off
                                # (abort: the buffered goodbye lost) before it had even
                                # read what came before the close. A peer that stopped
                                # reading is ended by TCP_USER_TIMEOUT as soon.
                                closeHandshakeTimeout=keepalive.timeout,
                                # Frames are pre-built uncompressed and shared.
                                perMessageCompressionAccept=lambda offers: None)


class BufferedWebSocket(WebSocketServerProtocol):
    """A server WebSocket that checks the Origin and writes through an OutputBuffer."""

    factory: BufferedWebSocketFactory
    output: OutputBuffer | None = None
    _send_queue: deque[Any] | None = None
    # The close we were asked for (code, reason) once frames were queued ahead of it; from
    # then on no frame of ours is added (see sendClose). None: not asked to close.
    _close_after: tuple[int | None, str | None] | None = None

    # Autobahn gives every protocol an empty deque, ``send_queue``, for writes it delays
    # (``sendData`` with ``sync`` or ``chopsize``, which nothing of ours asks for): a deque
    # allocates a 64-slot block at once, 760 bytes a connection for nothing. It only ever
    # asks the queue's len, appends, and pops when the len says there is something, so an
    # empty queue is kept as None and made when Autobahn first appends (_NothingQueued).
    # Autobahn's own frames (ping, close) come through sendData, never this queue.
    @property
    def send_queue(self) -> deque[Any] | _NothingQueued:
        queue = self._send_queue
        return queue if queue is not None else _NothingQueued(self)

    @send_queue.setter
    def send_queue(self, queue: deque[Any]) -> None:
        if len(queue):
            self._send_queue = queue
        else:
            vars(self).pop("_send_queue", None)  # the class's None: no key in the dict

    def __getattr__(self, name: str) -> Any:
        # Only asked for what the instance does not have: what _slim took out of it.
        if name in _FACTORY_SETTINGS:
            return getattr(self.factory, name)
        if name in _LEFTOVERS:
            return None
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

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
        # A subclass that sets attributes of its own after this calls it again when done.
        self._slim()

    def _slim(self) -> None:
        """The connection is open: keep only what an open connection needs. Autobahn's
        protocol holds about 90 attributes in its instance dict (3.3 KB): the opening
        handshake's leftovers (HANDSHAKE_LEFTOVERS) and a copy of each of the factory's
        settings (``CONFIG_ATTRS``: payload limits, ping timing, ...; the same for every
        connection). Both go; ``__getattr__`` answers for them from then on (the factory's
        setting, or None), and the dict is built again at its new size (about 1.6 KB):
        a dict never shrinks when keys are deleted. Autobahn reads those settings on a
        client's frames and its own pings only: our frames do not pass through them.
        Called at the end of onOpen (again by a subclass after setting its own)."""
        state = vars(self)
        factory = self.factory
        for name in self.CONFIG_ATTRS:
            if name in state and state[name] is getattr(factory, name, _MISSING):
                del state[name]
        for name in HANDSHAKE_LEFTOVERS:
            state.pop(name, None)
        self.__dict__ = dict(state)

    def send_frame(self, frame: bytes) -> None:
        """Queue one whole frame built by ``text_frame`` (none once a close was asked for:
        nothing may follow the close frame)."""
        if self.output is not None and self._close_after is None:
            self.output.write(frame)

    def sendClose(self, code: int | None = None, reason: str | None = None) -> None:
        """Close the connection, after every frame already written to it.

        Autobahn writes the close frame at once, straight to the transport: while our
        output is paused (a slow reader) its queued frames, the goodbye among them, would
        be left behind it, then dropped (no data frames after a close). So while frames are
        queued the close is kept and sent by ``_sink`` right after the last of them; nothing
        new is queued meanwhile, so the queue stays within the output cap. A reader that
        never drains it is still let go: Autobahn's pings go straight out and their timeout
        drops it, and TCP_USER_TIMEOUT (keepalive.py) ends a zero window sooner. A close the
        peer starts, and Autobahn's own on a protocol error, are not delayed (sendCloseFrame)."""
        output = self.output
        if (output is not None and output.queued and not output.closed
                and self.state == WebSocketProtocol.STATE_OPEN):
            if self._close_after is None:
                self._close_after = (code, reason)
            return
        super().sendClose(code, reason)

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
            close = self._close_after
            if close is not None and not self.output.queued:  # type: ignore[union-attr]
                # The last frame queued ahead of a close of ours is written: now the close.
                super().sendClose(*close)

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
