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
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred

SWITCH_INTERVAL = 0.001
_state: dict[str, Any] = {"running": 0, "interval": 0.005, "holding": 0,
                          "collecting": True}


def begin(hold_collector: bool = False) -> None:
    """Builders' work starts in a worker thread. ``hold_collector`` for work that only
    computes (a check over documents in memory), never for work that may wait on a disk
    (a write, a read of an area): a hung write must not keep the collector off for good."""
    if _state["running"] == 0:
        _state["interval"] = sys.getswitchinterval()
        sys.setswitchinterval(min(SWITCH_INTERVAL, _state["interval"]))
    _state["running"] += 1
    if hold_collector:
        if _state["holding"] == 0:
            # A check makes many objects at once (a whole world): a full collection the
            # collector starts meanwhile holds the lock 20 ms and more, in whichever
            # thread it runs. It waits until the check is done; the check leaves no cycles.
            _state["collecting"] = gc.isenabled()
            gc.disable()
        _state["holding"] += 1


def end(hold_collector: bool = False) -> None:
    _state["running"] -= 1
    if _state["running"] == 0:
        sys.setswitchinterval(_state["interval"])
    if hold_collector:
        _state["holding"] -= 1
        if _state["holding"] == 0 and _state["collecting"]:
            gc.enable()


def running() -> int:
    """How many pieces of work run now (for tests)."""
    return _state["running"]


def politely(run_in_thread: Callable[..., Deferred[Any]], work: Callable[..., Any],
             *args: Any, hold_collector: bool = False) -> Deferred[Any]:
    """``run_in_thread(work, *args)`` with the short switch interval while it runs (and
    the collector held off, for work that only computes)."""
    begin(hold_collector)
    try:
        d = run_in_thread(work, *args)
    except BaseException:
        end(hold_collector)
        raise

    def done(result: Any) -> Any:
        end(hold_collector)
        return result
    return d.addBoth(done)
