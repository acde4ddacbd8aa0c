"""How long a builder's edit holds up the reactor in a 2,000-room world: the whole-world
check by the loader's rules runs in a worker thread (mud/systems/building/edits.py); a
LoopingCall every millisecond measures the reactor's worst stall meanwhile, run as the
building system runs it (background.politely: a 1 ms switch interval and the collector
held off while it runs) and in a plain worker thread.

    .venv/bin/python -m bench.building_check [--rooms 2000] [--runs 5]
"""

from __future__ import annotations

import gc
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from twisted.internet import reactor, task
from twisted.internet.defer import inlineCallbacks
from twisted.internet.threads import deferToThread

from bench.area_save import StallMeter, main_for, make_world
from mud.systems.building import background
from mud.systems.building.edits import Change, documents_with
from mud.world_check import check_documents
from mud.world_loader import load_world


@inlineCallbacks
def run(rooms: int, runs: int) -> Any:
    folder = Path(tempfile.mkdtemp(prefix="building-check-"))
    try:
        make_world(folder, rooms)
        world = load_world(folder, reactor)
        # As twistd does after start-up (mud/tap.py).
        gc.collect()
        gc.freeze()
        sources = world.sources
        entry = dict(sources.get("big", "room", "r777"))
        entry["name"] = "A renamed room"
        changes = [Change("big", "room", "r777", entry)]
        meter = StallMeter()
        figures: dict[str, list[float]] = {}
        for label, polite in (("plain thread", False), ("politely", True)):
            for round_ in range(runs):
                meter.start()
                yield task.deferLater(reactor, 0.05, lambda: None)
                began = time.perf_counter()
                documents = documents_with(sources, changes)
                if polite:
                    errors = yield background.politely(deferToThread, check_documents,
                                                       sources.root, documents,
                                                       hold_collector=True)
                else:
                    errors = yield deferToThread(check_documents, sources.root, documents)
                took = time.perf_counter() - began
                yield task.deferLater(reactor, 0.02, lambda: None)
                worst = meter.stop()
                assert errors == [], errors
                figures.setdefault(label, []).append(worst)
                print(f"{label:17} run {round_ + 1}: check {took * 1000:6.1f} ms, worst "
                      f"reactor stall {worst * 1000:5.2f} ms, longest GC "
                      f"{meter.gc_worst * 1000:.1f} ms")
        for label, stalls in figures.items():
            print(f"{label:17}: worst stall of a run, median "
                  f"{statistics.median(stalls) * 1000:.2f} ms, highest "
                  f"{max(stalls) * 1000:.2f} ms")
        print(f"switch interval now {sys.getswitchinterval() * 1000:.1f} ms (put back)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    main_for(__doc__.splitlines()[0], run)


if __name__ == "__main__":
    main()
