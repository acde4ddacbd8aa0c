"""Builders' blocking work (checking an edit, reading or writing an area) in a worker thread
without starving the reactor's thread.

A worker thread holding the interpreter lock keeps the reactor waiting up to the
interpreter's switch interval (5 ms by default) each time it wants the lock back, over and
over while the work runs: a whole-world check or a big area's write stalled players for
tens of milliseconds. While any such work runs, the interval is 1 ms (bench/area_save.py,
bench/building_check.py); it is put back when the last one ends. Call ``begin``/``end``
(or ``politely``) on the reactor's thread.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred

SWITCH_INTERVAL = 0.001
_state: dict[str, Any] = {"running": 0, "interval": 0.005, "collecting": True}


def begin() -> None:
    if _state["running"] == 0:
        _state["interval"] = sys.getswitchinterval()
        sys.setswitchinterval(min(SWITCH_INTERVAL, _state["interval"]))
        # The work makes many objects at once (a whole world, checked): a full collection
        # the collector starts meanwhile holds the lock for 20 ms and more, in whichever
        # thread it runs. It waits until the work is done; the work leaves no cycles.
        _state["collecting"] = gc.isenabled()
        gc.disable()
    _state["running"] += 1


def end() -> None:
    _state["running"] -= 1
    if _state["running"] == 0:
        sys.setswitchinterval(_state["interval"])
        if _state["collecting"]:
            gc.enable()


def running() -> int:
    """How many pieces of work run now (for tests)."""
    return _state["running"]


def politely(run_in_thread: Callable[..., Deferred[Any]], work: Callable[..., Any],
             *args: Any) -> Deferred[Any]:
    """``run_in_thread(work, *args)`` with the short switch interval while it runs."""
    begin()
    try:
        d = run_in_thread(work, *args)
    except BaseException:
        end()
        raise

    def done(result: Any) -> Any:
        end()
        return result
    return d.addBoth(done)
