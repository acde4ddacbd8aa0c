"""Noticing peers that vanished without closing: TCP keepalive, TCP_USER_TIMEOUT, IAC NOP.

A peer whose machine died, or whose network dropped, sends no FIN: the kernel keeps the
connection for hours (Linux retries unacknowledged data for about 15 minutes, and checks an
idle connection only after 2 hours). ``Keepalive`` tunes each accepted socket so that

- data we sent that stays unacknowledged for ``timeout`` seconds closes it
  (``TCP_USER_TIMEOUT``; this also covers a peer that keeps a zero window that long);
- a quiet connection is probed after ``interval`` seconds (``SO_KEEPALIVE``).

Telnet also sends ``IAC NOP`` every ``interval`` seconds (``Heartbeat``), so there is always
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


class Heartbeat:
    """Calls ``beat`` every ``interval`` seconds of ``clock`` until stopped."""

    __slots__ = ("_beat", "_call", "_clock", "_interval")

    def __init__(self, clock: Any, interval: float, beat: Callable[[], None]) -> None:
        self._clock = clock
        self._interval = interval
        self._beat = beat
        self._call: Any = None

    def start(self) -> None:
        if self._call is None:
            self._call = self._clock.callLater(self._interval, self._fire)

    def _fire(self) -> None:
        self._call = self._clock.callLater(self._interval, self._fire)
        try:
            self._beat()
        except Exception:
            log.failure("heartbeat failed")
            self.stop()

    def stop(self) -> None:
        call, self._call = self._call, None
        if call is not None and call.active():
            call.cancel()

    @property
    def running(self) -> bool:
        return self._call is not None


DEFAULT_KEEPALIVE = Keepalive()
