"""A bounded output buffer per connection, driven by the transport's backpressure.

Registered as a streaming (push) producer on the raw transport: when the kernel's send
buffer and Twisted's own (64 KiB) are full, the transport pauses us and we queue instead of
writing; when it has drained, it resumes us and we flush. Queued bytes are counted, and a
peer that lets more than ``cap`` bytes pile up is cut off at once (abortConnection: a
graceful close would wait forever on a reader that has stopped). So a stalled reader costs
at most ``cap`` + Twisted's 64 KiB + one message, and nobody else waits for it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, ClassVar

from twisted.internet.interfaces import IPushProducer
from twisted.logger import Logger
from zope.interface import implementer

log = Logger()

DEFAULT_CAP = 256 * 1024


@implementer(IPushProducer)
class OutputBuffer:
    __slots__ = ("_closing", "_queue", "cap", "closed", "encode", "paused", "peer", "queued",
                 "sink", "transport")
    # Connections cut off for passing their cap, in this process (the metrics' drops).
    overflows: ClassVar[int] = 0

    def __init__(self, transport: Any, sink: Callable[[bytes], object],
                 cap: int = DEFAULT_CAP, peer: str = "") -> None:
        self.transport = transport
        self.sink = sink
        self.cap = cap
        self.peer = peer
        self.paused = False
        self.closed = False
        self.queued = 0
        self._closing = False
        self._queue: deque[bytes] = deque()
        # Applied to every write, in order (MCCP compression); None for none.
        self.encode: Callable[[bytes], bytes] | None = None
        transport.registerProducer(self, True)

    def close(self) -> None:
        """Close once everything queued is written. The producer is unregistered first:
        TLS transports do not finish closing while a producer is registered."""
        if self.closed:
            return
        self._closing = True
        if not self._queue:
            self._release()

    def _release(self) -> None:
        self.closed = True
        self.transport.unregisterProducer()
        self.transport.loseConnection()

    def write(self, data: bytes) -> None:
        if self.closed:
            return
        if self.encode is not None:
            data = self.encode(data)
        if not self.paused:
            self.sink(data)
            return
        self._queue.append(data)
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

    def resumeProducing(self) -> None:
        self.paused = False
        while self._queue and not self.paused and not self.closed:
            data = self._queue.popleft()
            self.queued -= len(data)
            self.sink(data)
        if self._closing and not self._queue and not self.closed:
            self._release()

    def stopProducing(self) -> None:
        self.closed = True
        self._queue.clear()
        self.queued = 0
