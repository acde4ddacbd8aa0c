"""Coalesced output: what a connection is sent during one reactor turn leaves in one write.

A line to a crowded room is one ``transport.write`` per recipient, and each costs Twisted
far more than the bytes do (``FileDescriptor.write``, re-registering the socket with epoll,
``startWriting``). An ``OutputBuffer`` given a ``TurnFlusher`` keeps what it is asked to
send until the turn ends and then writes it as one piece: a fight's round of blows, or a
busy room's chatter between two reads, is one write per player instead of one per line.

The turn ends with ``callLater(0)``: the reactor runs it once the I/O events of the current
poll have all been handled (or, for writes made by a timer, before it next waits), so a
lone player's echo waits only for the rest of the turn, never for a timer. One call is
scheduled per turn for every connection together, not one per connection. A telnet
connection's flush then sends straight to its socket when Twisted holds nothing for it
(output_buffer.direct_sink), so the turn's end is one ``send`` a connection.
"""

from __future__ import annotations

from typing import Any, Protocol

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

log = Logger()


class Flushable(Protocol):
    def flush(self) -> None: ...


class TurnFlusher:
    """Flushes every buffer that was written to once the reactor turn ends."""

    __slots__ = ("_call", "_call_later", "_dirty")

    def __init__(self, clock: IReactorTime) -> None:
        self._call_later = clock.callLater
        self._dirty: list[Flushable] = []
        self._call: Any = None

    def mark(self, buffer: Flushable) -> None:
        """``buffer`` has output pending: flush it when the turn ends."""
        self._dirty.append(buffer)
        if self._call is None:
            self._call = self._call_later(0, self.flush)

    @property
    def pending(self) -> int:
        """Buffers waiting for the turn to end (a buffer flushed early may count twice)."""
        return len(self._dirty)

    def flush(self) -> None:
        """Write out every marked buffer now (the end of a turn, or a test)."""
        call, self._call = self._call, None
        if call is not None and call.active():
            call.cancel()
        dirty, self._dirty = self._dirty, []
        for buffer in dirty:
            try:
                buffer.flush()
            except Exception:
                # One connection's failure must not keep the others' output back.
                log.failure("flushing a connection's output")
