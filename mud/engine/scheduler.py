"""The one scheduler: every timer in the game runs on the injected clock through here.

``Scheduler(clock)`` needs only ``clock.seconds()`` and ``clock.callLater(delay, f, *a)``
(Twisted's reactor and ``task.Clock`` both have them; the engine imports neither). Each live
timer holds one pending call on the clock, so nothing scans the world on a tick: an idle
world costs what its running timers cost, and no more.

Timers may belong to a *group* (an area, by convention its id). ``suspend(group)`` takes its
timers off the clock, remembering how long each had left; ``resume(group)`` puts them back.
A suspended group holds no pending calls at all, so a quiet area costs nothing; an ``every``
that fell due while suspended fires once on resume, not once per missed interval.

A callback that raises is reported (with its owner's id) through ``report`` and never stops
the scheduler, the other timers, or the next run of an ``every``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Hashable
from typing import Any, Protocol

_log = logging.getLogger("mud.engine")


class DelayedCall(Protocol):
    def cancel(self) -> None: ...

    def active(self) -> bool: ...


class SchedulingClock(Protocol):
    def seconds(self) -> float: ...

    def callLater(self, delay: float, f: Callable[..., Any], *args: Any) -> DelayedCall: ...


# report(owner id, what failed, the exception): how failures reach the server's log.
Reporter = Callable[[str, str, BaseException], None]


def log_failure(owner: str, what: str, exc: BaseException) -> None:
    """The default reporter: the standard library's log (the service installs Twisted's)."""
    _log.error("%s failed for %s: %r", what, owner or "?", exc, exc_info=exc)


class Timer:
    """One scheduled call: once (``interval`` None) or repeating. ``cancel()`` is final."""

    __slots__ = ("_call", "_left", "_scheduler", "args", "fn", "group", "interval", "jitter",
                 "live", "owner")

    def __init__(self, scheduler: Scheduler, fn: Callable[..., Any], args: tuple[Any, ...],
                 interval: float | None, jitter: float, group: Hashable | None,
                 owner: str) -> None:
        self._scheduler = scheduler
        self.fn = fn
        self.args = args
        self.interval = interval
        self.jitter = jitter
        self.group = group
        self.owner = owner
        self.live = True
        self._call: DelayedCall | None = None
        # While suspended: seconds that were left until it fires.
        self._left: float | None = None

    @property
    def suspended(self) -> bool:
        return self.live and self._call is None

    def cancel(self) -> None:
        """Stop this timer for good (harmless if it already fired or was cancelled)."""
        if not self.live:
            return
        self.live = False
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None
        self._scheduler._forget(self)

    def __repr__(self) -> str:
        return f"<Timer {self.owner or self.fn!r} every={self.interval} group={self.group}>"


class Scheduler:
    """Timers on one clock, grouped so a whole area can be put to sleep and woken."""

    def __init__(self, clock: SchedulingClock, report: Reporter | None = None,
                 rng: random.Random | None = None) -> None:
        self.clock = clock
        self.report: Reporter = report or log_failure
        # Jitter's randomness; tests seed it (random.Random(1)) for repeatable runs.
        self.rng = rng or random.Random()
        self._groups: dict[Hashable, set[Timer]] = {}
        self._suspended: set[Hashable] = set()
        self._loose: set[Timer] = set()
        # Owner id -> its live timers, so whatever moves an owner can move its timers too.
        self._owned: dict[str, set[Timer]] = {}

    # -- making timers ------------------------------------------------------------------------

    def call_later(self, delay: float, fn: Callable[..., Any], *args: Any,
                   group: Hashable | None = None, owner: str = "") -> Timer:
        """Call ``fn(*args)`` once, ``delay`` seconds from now."""
        timer = Timer(self, fn, args, None, 0.0, group, owner)
        self._add(timer, max(0.0, delay))
        return timer

    def every(self, interval: float, fn: Callable[..., Any], *args: Any,
              group: Hashable | None = None, jitter: float = 0.0, owner: str = "",
              first: float | None = None) -> Timer:
        """Call ``fn(*args)`` every ``interval`` seconds (each wait varied by up to
        +/- ``jitter`` seconds) until cancelled; the first call after ``first`` seconds
        (default: one interval, jittered)."""
        if interval <= 0:
            raise ValueError("an interval must be positive")
        timer = Timer(self, fn, args, interval, max(0.0, jitter), group, owner)
        self._add(timer, self._wait(timer) if first is None else max(0.0, first))
        return timer

    def _wait(self, timer: Timer) -> float:
        assert timer.interval is not None
        if not timer.jitter:
            return timer.interval
        # Never below a tenth of the interval: jitter spreads calls, it does not stack them.
        spread = self.rng.uniform(-timer.jitter, timer.jitter)
        return max(timer.interval * 0.1, timer.interval + spread)

    def _add(self, timer: Timer, delay: float) -> None:
        if timer.owner:
            self._owned.setdefault(timer.owner, set()).add(timer)
        self._join(timer)
        if timer.group is not None and timer.group in self._suspended:
            timer._left = delay
            return
        timer._call = self.clock.callLater(delay, self._fire, timer)

    def _join(self, timer: Timer) -> None:
        if timer.group is None:
            self._loose.add(timer)
        else:
            self._groups.setdefault(timer.group, set()).add(timer)

    def _forget(self, timer: Timer) -> None:
        owned = self._owned.get(timer.owner)
        if owned is not None:
            owned.discard(timer)
            if not owned:
                del self._owned[timer.owner]
        self._leave(timer)

    def _leave(self, timer: Timer) -> None:
        if timer.group is None:
            self._loose.discard(timer)
            return
        members = self._groups.get(timer.group)
        if members is not None:
            members.discard(timer)
            if not members and timer.group not in self._suspended:
                del self._groups[timer.group]

    def _fire(self, timer: Timer) -> None:
        timer._call = None
        if not timer.live:
            return
        if timer.interval is None:
            timer.live = False
            self._forget(timer)
        try:
            timer.fn(*timer.args)
        except Exception as exc:  # one bad callback must not stop the world's clock
            self.report(timer.owner, f"timer {getattr(timer.fn, '__qualname__', timer.fn)}",
                        exc)
        # Rescheduled after the call, unless the callback cancelled it or suspended its group.
        if timer.live and timer.interval is not None and timer._call is None:
            if timer.group is not None and timer.group in self._suspended:
                timer._left = self._wait(timer)
            else:
                timer._call = self.clock.callLater(self._wait(timer), self._fire, timer)

    # -- groups -------------------------------------------------------------------------------

    def live(self) -> int:
        """How many live timers there are, asleep or awake (``pending``: only those
        holding a call on the clock)."""
        return len(self._loose) + sum(len(group) for group in self._groups.values())

    def owned(self, owner: str) -> tuple[Timer, ...]:
        """``owner``'s live timers (those made with ``owner=``)."""
        return tuple(self._owned.get(owner, ()))

    def regroup(self, timer: Timer, group: Hashable | None) -> None:
        """Move ``timer`` into ``group`` keeping the time it has left; it sleeps at once if
        ``group`` is suspended and is put on the clock at once if ``group`` is awake."""
        if not timer.live or timer.group == group:
            return
        was_asleep = timer.group is not None and timer.group in self._suspended
        left: float | None = None
        call = timer._call
        if call is not None and call.active():
            now = self.clock.seconds()
            left = max(0.0, getattr(call, "getTime", lambda: now)() - now)
        elif was_asleep:
            left = timer._left if timer._left is not None else 0.0
        self._leave(timer)
        timer.group = group
        self._join(timer)
        if left is None:
            return  # firing right now: _fire puts it back on the clock in its new group
        if group is not None and group in self._suspended:
            if timer._call is not None:
                timer._call.cancel()
                timer._call = None
            timer._left = left
        elif timer._call is None:
            timer._left = None
            timer._call = self.clock.callLater(left, self._fire, timer)

    def cancel_group(self, group: Hashable) -> None:
        """Cancel every timer in ``group``."""
        for timer in list(self._groups.get(group, ())):
            timer.cancel()
        self._groups.pop(group, None)

    def suspend(self, group: Hashable) -> None:
        """Take ``group``'s timers off the clock (new ones wait too) until ``resume``."""
        if group in self._suspended:
            return
        self._suspended.add(group)
        now = self.clock.seconds()
        for timer in self._groups.get(group, ()):
            call = timer._call
            if call is not None and call.active():
                # Twisted's DelayedCall knows when it is due; a bare one falls back to 0.
                due = getattr(call, "getTime", lambda: now)()
                call.cancel()
                timer._left = max(0.0, due - now)
            timer._call = None

    def resume(self, group: Hashable) -> None:
        """Put ``group``'s timers back on the clock with the time they had left."""
        if group not in self._suspended:
            return
        self._suspended.discard(group)
        members = self._groups.get(group)
        if not members:
            self._groups.pop(group, None)
            return
        for timer in members:
            if timer.live and timer._call is None:
                left = timer._left if timer._left is not None else 0.0
                timer._left = None
                timer._call = self.clock.callLater(left, self._fire, timer)

    def has_timers(self, group: Hashable) -> bool:
        """Whether ``group`` holds any live timer (running or suspended)."""
        return bool(self._groups.get(group))

    def is_suspended(self, group: Hashable) -> bool:
        return group in self._suspended

    def pending(self, group: Hashable | None = None) -> int:
        """How many timers hold a call on the clock (all, or one group's)."""
        if group is not None:
            return sum(1 for t in self._groups.get(group, ()) if t._call is not None)
        return sum(1 for t in self._loose if t._call is not None) + \
            sum(1 for g in self._groups.values() for t in g if t._call is not None)

    def stop(self) -> None:
        """Cancel every timer (at shutdown, so no call is left on the reactor)."""
        for timer in list(self._loose):
            timer.cancel()
        for group in list(self._groups):
            self.cancel_group(group)
        self._suspended.clear()
        self._owned.clear()
