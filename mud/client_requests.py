"""A client's requests by name (GMCP ``Comm.Channel.List``), answered by the game's systems.

A client may ask a system for something it would otherwise only get when it changes:
the channel list, who listens on a channel. The session hands each request to the
world's hooks (``request``, with ``what`` the lower-cased package name and ``data`` what
came with it); the system that knows the name answers with an event. Each name is
answered at once, then at most once every ``gap`` seconds: asking again sooner is
answered once, when the gap is over, with the newest data asked with, so a client cannot
make the server build a long list thousands of times a second.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Different names one connection may have waiting for their gap at once: a client
# sending endless invented names holds at most this many timers.
MAX_WAITING = 8


class ClientRequests:
    """One connection's requests: when each name was last answered, and those waiting."""

    __slots__ = ("_answer", "_clock", "_gap", "_last", "_waiting")

    def __init__(self, clock: Any, gap: float, answer: Callable[[str, Any], None]) -> None:
        self._clock = clock
        self._gap = gap
        self._answer = answer
        self._last: dict[str, float] = {}
        # name -> [the pending call, the newest data asked with]
        self._waiting: dict[str, list[Any]] = {}

    def ask(self, what: str, data: Any = None) -> None:
        """The client asked for ``what``: answer now, or once its gap is over."""
        pending = self._waiting.get(what)
        if pending is not None:
            pending[1] = data
            return
        wait = self._last.get(what, float("-inf")) + self._gap - self._clock.seconds()
        if wait <= 0:
            self._now(what, data)
        elif len(self._waiting) < MAX_WAITING:
            self._waiting[what] = [self._clock.callLater(wait, self._later, what), data]

    def _later(self, what: str) -> None:
        _, data = self._waiting.pop(what)
        self._now(what, data)

    def _now(self, what: str, data: Any) -> None:
        self._last[what] = self._clock.seconds()
        if len(self._last) > 4 * MAX_WAITING:
            # Names long answered need no memory; the newest answers stay.
            self._last = dict(list(self._last.items())[-MAX_WAITING:])
        self._answer(what, data)

    def cancel(self) -> None:
        """The connection is gone: nothing more is answered."""
        for call, _ in self._waiting.values():
            if call.active():
                call.cancel()
        self._waiting.clear()
