"""Noticing peers that vanished without closing: TCP keepalive, TCP_USER_TIMEOUT, IAC NOP.

A peer whose machine died, or whose network dropped, sends no FIN: the kernel keeps the
connection for hours (Linux retries unacknowledged data for about 15 minutes, and checks an
idle connection only after 2 hours). ``Keepalive`` tunes each accepted socket so that

- data we sent that stays unacknowledged for ``timeout`` seconds closes it
  (``TCP_USER_TIMEOUT``; this also covers a peer that keeps a zero window that long);
- a quiet connection is probed after ``interval`` seconds (``SO_KEEPALIVE``).

Telnet also sends ``IAC NOP`` every ``interval`` seconds (``Heartbeats``), so there is always
data in flight to be acknowledged; the WebSocket uses Autobahn's ping with the same
numbers. Either way a vanished peer is noticed within ``interval + timeout`` seconds.
"""

from __future__ import annotations

import math
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from twisted.logger import Logger

log = Logger()

# Keepalive probes sent before giving up; their spacing is timeout / KEEPALIVE_PROBES.
KEEPALIVE_PROBES = 4


def socket_of(transport: Any) -> socket.socket | None:
    """The socket under ``transport``, looking through wrappers such as TLS."""
    for _ in range(8):
        if transport is None:
            return None
        get_handle = getattr(transport, "getHandle", None)
        handle = get_handle() if get_handle is not None else None
        if isinstance(handle, socket.socket):
            return handle
        transport = getattr(transport, "transport", None)
    return None


@dataclass(frozen=True)
class Keepalive:
    """How quickly a vanished peer is noticed: ping every ``interval`` seconds, and give a
    peer ``timeout`` seconds to acknowledge or answer."""

    interval: float = 30.0
    timeout: float = 20.0

    def tune(self, transport: Any) -> bool:
        """Set keepalive and the user timeout on the transport's socket; False when there
        is no TCP socket (a test transport, a Unix socket) or the platform lacks them."""
        sock = socket_of(transport)
        if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
            return False
        options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
        for name, value in (
            ("TCP_KEEPIDLE", max(1, math.ceil(self.interval))),
            ("TCP_KEEPINTVL", max(1, math.ceil(self.timeout / KEEPALIVE_PROBES))),
            ("TCP_KEEPCNT", KEEPALIVE_PROBES),
            ("TCP_USER_TIMEOUT", max(1, int(self.timeout * 1000))),
        ):
            number = getattr(socket, name, None)
            if number is not None:
                options.append((socket.IPPROTO_TCP, number, value))
        try:
            for level, option, value in options:
                sock.setsockopt(level, option, value)
        except OSError as exc:
            log.debug("could not tune keepalive on {sock}: {exc}", sock=sock, exc=exc)
            return False
        return True


class Heartbeats:
    """One timer for every connection's heartbeat: each ``beat`` that joined is called every
    ``interval`` seconds until it leaves.

    A timer of its own per connection (a DelayedCall with its kwargs dict and three bound
    methods, and what held it) cost about 700 bytes of every idle connection; here a
    connection is one dict entry (and the bound method that is its key). The wheel ticks
    every ``interval / slots`` seconds (one second at the least: ``slots`` is at most the
    interval's whole seconds) and beats one slot. A beat joins the slot beaten last, so its
    first beat comes between ``interval`` less one tick and ``interval`` seconds after it
    joined (exactly ``interval`` when the wheel was idle; earlier while the reactor catches
    up on late ticks), and every one after ``interval`` apart. With nobody in it the wheel
    does not tick.
    """

    __slots__ = ("_call", "_clock", "_due", "_next", "_slots", "_step", "size")

    def __init__(self, clock: Any, interval: float, slots: int = 30) -> None:
        self._clock = clock
        slots = max(1, min(slots, int(interval)))
        self._slots: list[dict[Callable[[], None], None]] = [{} for _ in range(slots)]
        self._step = interval / len(self._slots)
        # The slot the next tick beats.
        self._next = 0
        # When the next tick is due: ticks keep to their times, not to when the last ran.
        self._due = 0.0
        self._call: Any = None
        self.size = 0

    def join(self, beat: Callable[[], None]) -> int:
        """Call ``beat`` every interval from now on; returns what ``leave`` needs."""
        if self._call is None:
            # Idle until now: the ticks start from now, so the first beat is interval away.
            self._next = 0
            self._due = self._clock.seconds() + self._step
            self._call = self._clock.callLater(self._step, self._tick)
        slot = (self._next - 1) % len(self._slots)
        if beat not in self._slots[slot]:
            self._slots[slot][beat] = None
            self.size += 1
        return slot

    def leave(self, beat: Callable[[], None], slot: int) -> None:
        """No more beats for ``beat`` (joined in ``slot``); nothing if it had left."""
        if self._slots[slot].pop(beat, False) is None:
            self.size -= 1
            if not self.size and self._call is not None:
                if self._call.active():
                    self._call.cancel()
                self._call = None

    def _tick(self) -> None:
        slot = self._slots[self._next]
        self._next = (self._next + 1) % len(self._slots)
        now = self._clock.seconds()
        self._due += self._step
        if self._due < now - self._step * len(self._slots):
            # Over a whole turn late (the process was stopped): no burst of catching up.
            self._due = now
        self._call = self._clock.callLater(max(0.0, self._due - now), self._tick)
        for beat in list(slot):
            if beat not in slot:
                continue  # left meanwhile (an earlier beat closed its connection)
            try:
                beat()
            except Exception:
                # One broken beat leaves; the others keep theirs.
                log.failure("heartbeat failed")
                if slot.pop(beat, False) is None:
                    self.size -= 1
        if not self.size and self._call is not None:
            self._call.cancel()
            self._call = None


DEFAULT_KEEPALIVE = Keepalive()
