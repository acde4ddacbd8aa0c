"""Builders' blocking work (checking an edit, reading or writing an area) in a worker thread
without starving the reactor's thread.

A worker thread holding the interpreter lock keeps the reactor waiting up to the
interpreter's switch interval (5 ms by default) each time it wants the lock back, over and
over while the work runs: a whole-world check or a big area's write stalled players for
tens of milliseconds. While any such work runs, the interval is 1 ms (bench/area_save.py,
bench/building_check.py), and while a check runs the collector waits; both are put back
when the last one ends. Call ``begin``/``end`` (or ``politely``) on the reactor's thread.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred

SWITCH_INTERVAL = 0.001
_state: dict[str, Any] = {"running": 0, "interval": 0.005, "holding": 0,
                          "collecting": True}
# Work holding the collector off counts itself from its own thread, while it runs.
_holding = threading.Lock()


def begin() -> None:
    """Builders' work was handed to a worker thread."""
    if _state["running"] == 0:
        _state["interval"] = sys.getswitchinterval()
        sys.setswitchinterval(min(SWITCH_INTERVAL, _state["interval"]))
    _state["running"] += 1


def end() -> None:
    _state["running"] -= 1
    if _state["running"] == 0:
        sys.setswitchinterval(_state["interval"])


def holding_collector(work: Callable[..., Any]) -> Callable[..., Any]:
    """``work`` with the collector held off while it runs (from its own thread: not while
    it waits its turn for one), for work that only computes, never for work that may wait
    on a disk. A check makes many objects at once (a whole world): a full collection the
    collector starts meanwhile holds the lock 20 ms and more, in whichever thread it runs.
    It waits until the check is done; the check leaves no cycles."""
    def run(*args: Any) -> Any:
        with _holding:
            if _state["holding"] == 0:
                _state["collecting"] = gc.isenabled()
                gc.disable()
            _state["holding"] += 1
        try:
            return work(*args)
        finally:
            with _holding:
                _state["holding"] -= 1
                if _state["holding"] == 0 and _state["collecting"]:
                    gc.enable()
    return run


def running() -> int:
    """How many pieces of work run now (for tests)."""
    return _state["running"]


def politely(run_in_thread: Callable[..., Deferred[Any]], work: Callable[..., Any],
             *args: Any, hold_collector: bool = False) -> Deferred[Any]:
    """``run_in_thread(work, *args)`` with the short switch interval while it runs (and
    the collector held off, for work that only computes)."""
    begin()
    try:
        d = run_in_thread(holding_collector(work) if hold_collector else work, *args)
    except BaseException:
        end()
        raise

    def done(result: Any) -> Any:
        end()
        return result
    return d.addBoth(done)
