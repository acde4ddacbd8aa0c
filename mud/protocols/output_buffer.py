"""A bounded output buffer per connection, driven by the transport's backpressure.

Registered as a streaming (push) producer on the raw transport: when the kernel's send
buffer and Twisted's own (64 KiB) are full, the transport pauses us and we queue instead of
writing; when it has drained, it resumes us and we flush. Queued bytes are counted, and a
peer that lets more than ``cap`` bytes pile up is cut off at once (abortConnection: a
graceful close would wait forever on a reader that has stopped). So a stalled reader costs
at most ``cap`` + Twisted's 64 KiB + one message, and nobody else waits for it.

Given a ``TurnFlusher`` (turn_flush.py), writes are also coalesced: what arrives during
one reactor turn is kept (``pending``) and leaves in one write when the turn ends, encoded
then in one piece (MCCP: one compression flush a turn instead of one a line). The cap keeps
its meaning: pending output never grows past ``FLUSH_AT`` before it is written early (so the
transport pauses us as it would have), and while we are paused nothing is held back as
pending: it is queued and counted against the cap at once, as without coalescing. An
encoding switch, ``flush`` and ``close`` write what is pending first, so order is kept.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from twisted.internet.interfaces import IPushProducer
from twisted.internet.tcp import Connection as TCPConnection
from twisted.logger import Logger
from zope.interface import implementer

log = Logger()

DEFAULT_CAP = 256 * 1024
# Pending output past this is written at once rather than at the turn's end: the size at
# which Twisted's transport pauses its producer, so a big turn meets backpressure as before.
FLUSH_AT = 64 * 1024


def direct_sink(transport: Any) -> Callable[[bytes], object]:
    """``transport.write``, or, when that is a plain TCP connection's, a write that sends
    straight to the socket whenever Twisted holds nothing back for it.

    Twisted's ``write`` only buffers: the bytes leave on the reactor's next pass, after
    registering the socket for writing with epoll, a ``doWrite`` and unregistering it (two
    ``epoll_ctl`` calls and a dozen Python calls a write; a sixth of a crowded room's
    server CPU). A turn's coalesced output is one write per connection, and the socket
    almost always has room for it: then ``send`` now costs one system call and nothing
    else. What does not fit, or anything while Twisted still holds earlier bytes, goes
    through Twisted's ``write`` as before, so order, backpressure (the producer's pause)
    and error handling (a lost peer is noticed by Twisted's own ``doWrite``) are kept.

    This reads FileDescriptor state that is not public API (``dataBuffer``,
    ``_tempDataBuffer``, ``_writeDisconnecting``, ``TLS``): there is no public way to ask
    whether a transport has bytes buffered. tests/test_output_buffer.py checks them against
    the installed Twisted over a real socket.
    """
    write = transport.write
    tcp = getattr(write, "__self__", None)
    if not isinstance(tcp, TCPConnection):
        # A wrapper (TLS, a test's StringTransport) keeps its own write.
        return write

    def sink(data: bytes) -> None:
        if (tcp.dataBuffer or tcp._tempDataBuffer or tcp.TLS or not tcp.connected
                or tcp.disconnecting or tcp._writeDisconnecting):
            write(data)
            return
        try:
            sent = tcp.socket.send(data)
        except OSError:
            # Full (EAGAIN) or a lost peer: Twisted's write queues it, and its doWrite
            # meets the error and closes the connection as it always does.
            sent = 0
        if sent < len(data):
            write(data[sent:] if sent else data)

    return sink


class Flusher(Protocol):
    """What a buffer needs of turn_flush.TurnFlusher."""

    def mark(self, buffer: OutputBuffer) -> None: ...


@implementer(IPushProducer)
class OutputBuffer:
    __slots__ = ("_closing", "_encode", "_flusher", "_queue", "cap", "changed", "closed",
                 "paused", "peer", "pending", "prompt_at", "queued", "sink", "transport", "turn")
    # Connections cut off for passing their cap, in this process (the metrics' drops).
    overflows: ClassVar[int] = 0

    def __init__(self, transport: Any, sink: Callable[[bytes], object],
                 cap: int = DEFAULT_CAP, peer: str = "", flusher: Flusher | None = None) -> None:
        self.transport = transport
        self.sink = sink
        self.cap = cap
        self.peer = peer
        self.paused = False
        self.closed = False
        self.queued = 0
        self._closing = False
        # Output held while the transport is paused: None until then, and again once it is
        # all written (a deque preallocates ~760 bytes; most connections never pause).
        self._queue: deque[bytes] | None = None
        # Applied to every write, in order (MCCP compression); None for none.
        self._encode: Callable[[bytes], bytes] | None = None
        # Coalescing (None: every write goes straight through).
        self._flusher = flusher
        # This turn's writes so far.
        # A non-empty ``turn`` means: coalescing, marked with the flusher, neither paused nor
        # closed. MudTelnetProtocol.send relies on that to append a line to it directly
        # (adding its length to ``pending``, and flushing at FLUSH_AT) without a call here.
        self.turn: list[bytes] = []
        # Bytes in ``turn``, before encoding (a room's batch, mud/protocols/fanout.py, adds
        # its lines without counting them here: it bounds them itself).
        self.pending = 0
        # The connection is at a prompt: the index in ``turn`` where the next line must be
        # preceded by a line break (the prompt, and anything written since that is not a line,
        # came before it); -1 when not at a prompt. Lines a room's batch appended after the
        # prompt get their line break at the flush (``settle``), not one check per line.
        self.prompt_at = -1
        # Called when whether a room's batch may append to ``turn`` changes (paused, resumed,
        # closed): the protocol's regrouping. None: nobody to tell.
        self.changed: Callable[[], object] | None = None
        transport.registerProducer(self, True)

    @property
    def encode(self) -> Callable[[bytes], bytes] | None:
        """Applied to every write, in order (MCCP compression); None for none."""
        return self._encode

    @encode.setter
    def encode(self, encode: Callable[[bytes], bytes] | None) -> None:
        # What was written before the switch leaves under the old encoding: MCCP's plain
        # start marker before the compressed stream, the stream's last bytes before its end.
        if self.turn:
            self.flush()
        self._encode = encode

    def settle(self) -> None:
        """At a prompt, lines a room's batch appended after it get their line break now;
        call before writing anything else (order is kept: the break goes where it belongs)."""
        at = self.prompt_at
        if at >= 0 and len(self.turn) > at:
            self.turn.insert(at, b"\r\n")
            self.pending += 2
            self.prompt_at = -1

    def close(self) -> None:
        """Close once everything queued is written. The producer is unregistered first:
        TLS transports do not finish closing while a producer is registered."""
        if self.closed:
            return
        self._closing = True
        if self.turn:
            self.flush()
        if not self._queue:
            self._release()

    def _release(self) -> None:
        self.closed = True
        self.transport.unregisterProducer()
        self.transport.loseConnection()

    def write(self, data: bytes) -> None:
        """Write bytes that are not a line (a line's writer settles the prompt itself): at
        a prompt, they keep the prompt's place (the next line still gets its break)."""
        if self.closed:
            return
        flusher = self._flusher
        if flusher is not None and not self.paused:
            pending = self.turn
            if self.prompt_at >= 0:
                self.settle()
            if not pending:
                flusher.mark(self)
            pending.append(data)
            self.pending += len(data)
            if self.prompt_at >= 0:
                self.prompt_at = len(pending)
            if self.pending >= FLUSH_AT:
                self.flush()
            return
        self._send(data)

    def flush(self) -> None:
        """Send what this turn wrote, as one piece (the turn's end, or before something
        that must follow it)."""
        pending = self.turn
        if not pending or self.closed:
            return
        if self.prompt_at >= 0:
            self.settle()
            if self.prompt_at >= 0:
                # Still at the prompt: the next turn's first line needs the break.
                self.prompt_at = 0
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        # Emptied in place: a room's batch (fanout.py) keeps a reference to this list.
        pending.clear()
        self.pending = 0
        self._send(data)

    def _send(self, data: bytes) -> None:
        """Encode ``data`` and write it on, or queue it (counted against the cap) while
        paused."""
        if self._encode is not None:
            data = self._encode(data)
        if not self.paused:
            self.sink(data)
            return
        queue = self._queue
        if queue is None:
            queue = self._queue = deque()
        queue.append(data)
        self.queued += len(data)
        if self.queued > self.cap:
            self._overflow()

    def _overflow(self) -> None:
        OutputBuffer.overflows += 1
        log.warn("dropping {peer}: it stopped reading and {n} bytes of output piled up "
                 "(cap {cap})", peer=self.peer or "a client", n=self.queued, cap=self.cap)
        self.stopProducing()
        self.transport.abortConnection()

    # -- IPushProducer ----------------------------------------------------------------------

    def pauseProducing(self) -> None:
        self.paused = True
        if self.turn:
            # Paused by a write of someone else's (a WebSocket pong) with our turn pending:
            # it is queued now, in order, and counts against the cap like the rest.
            self.flush()
        if self.changed is not None:
            self.changed()

    def resumeProducing(self) -> None:
        self.paused = False
        queue = self._queue
        while queue and not self.paused and not self.closed:
            data = queue.popleft()
            self.queued -= len(data)
            self.sink(data)
        if not queue and self._queue is queue:
            self._queue = None
        if self._closing and not self._queue and not self.closed:
            self._release()
        if self.changed is not None:
            self.changed()

    def stopProducing(self) -> None:
        self.closed = True
        self._queue = None
        self.queued = 0
        self.turn.clear()
        self.pending = 0
        if self.changed is not None:
            self.changed()
