"""Saving a 2,000-room area while the reactor keeps time: how long the reactor stalls.

A world folder is generated in a temporary directory: one area of ROOMS rooms on a grid
(each with a four-line description, exits to its neighbours, some with items and NPCs) plus
items and NPCs. It is loaded, then saved through the real path (AreaSaver: a snapshot on the
reactor thread, mud/world_writer.py in a thread of its own as the service runs it) twice
over: every room changed (the worst case: the whole file rendered, checked and written) and
one room changed (the file read, cut, one entry rendered, everything checked). Meanwhile a
LoopingCall every millisecond records how late each tick came: the reactor's worst stall.

    .venv/bin/python -m bench.area_save [--rooms 2000] [--runs 5]

The idle runs show what the machine itself costs the reactor (other processes on its
cores): on a busy machine, compare the saves against them.

Target (issue 12): the reactor never stalls more than 10 ms while a 2,000-room area is
written.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twisted.internet import reactor, task
from twisted.internet.defer import Deferred, inlineCallbacks

from mud.service import in_daemon_thread
from mud.systems.building.saving import AreaSaver
from mud.world_loader import load_world

TICK = 0.001
WIDTH = 50
WORDS = ("moss", "stone", "lantern", "timber", "river", "smoke", "ash", "copper", "root",
         "shadow", "rain", "iron", "bramble", "chalk", "ember", "thistle")


def description(n: int) -> str:
    words = [WORDS[(n * 7 + i * 3) % len(WORDS)] for i in range(44)]
    lines = [" ".join(words[i:i + 11]) for i in range(0, 44, 11)]
    return "\n".join(f"    {line.capitalize()}." for line in lines)


def make_world(folder: Path, rooms: int) -> None:
    area = folder / "big"
    area.mkdir(parents=True)
    (folder / "world.yaml").write_text(
        "name: Bench\ndescription: A generated world.\nstart: big:r0\nareas: [big]\n")
    (area / "area.yaml").write_text("name: The Big Area\ndescription: Generated.\n")
    items = [f"thing{i}" for i in range(40)]
    npcs = [f"beast{i}" for i in range(20)]
    (area / "items.yaml").write_text("".join(
        f"{item}:\n  name: a {item}\n  keywords: [{item}]\n  description: >\n"
        f"{description(i)}\n\n" for i, item in enumerate(items)))
    (area / "npcs.yaml").write_text("".join(
        f"{npc}:\n  name: a {npc}\n  keywords: [{npc}]\n  description: >\n"
        f"{description(i)}\n\n" for i, npc in enumerate(npcs)))
    chunks = ["# A generated area: rooms on a grid, north is up.\n\n"]
    for n in range(rooms):
        exits = []
        if n >= WIDTH:
            exits.append(f"    north: r{n - WIDTH}")
        if n + WIDTH < rooms:
            exits.append(f"    south: r{n + WIDTH}")
        if n % WIDTH and n - 1 >= 0:
            exits.append(f"    west: r{n - 1}")
        if (n + 1) % WIDTH and n + 1 < rooms:
            exits.append(f"    east: r{n + 1}")
        extra = ""
        if n % 10 == 0:
            extra += f"  items: [{items[n % len(items)]}]\n"
        if n % 50 == 0:
            extra += f"  npcs: [{npcs[n % len(npcs)]}]\n"
        chunks.append(f"# room {n}\nr{n}:\n  name: Room {n}\n  description: >\n"
                      f"{description(n)}\n  exits:\n" + "\n".join(exits) + "\n" + extra + "\n")
    (area / "rooms.yaml").write_text("".join(chunks))


class StallMeter:
    """A LoopingCall every TICK seconds; the worst lateness of a tick while running, and
    the longest garbage collection meanwhile (it holds the interpreter lock, in whichever
    thread it runs)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.last = time.perf_counter()
        self.loop = task.LoopingCall(self.tick)
        self.gc_worst = 0.0
        self.gc_began = 0.0
        gc.callbacks.append(self.collecting)

    def collecting(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self.gc_began = time.perf_counter()
        elif self.loop.running:
            self.gc_worst = max(self.gc_worst, time.perf_counter() - self.gc_began)

    def tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self.last - TICK)
        self.last = now

    def start(self) -> None:
        self.worst = self.gc_worst = 0.0
        self.last = time.perf_counter()
        self.loop.start(TICK, now=False)

    def stop(self) -> float:
        self.loop.stop()
        return self.worst


def change(world: Any, keys: list[str], round_: int) -> float:
    """Put a new entry for each of ``keys`` (a new name); the reactor time it took."""
    sources = world.sources
    began = time.perf_counter()
    for key in keys:
        entry = dict(sources.get("big", "room", key))
        entry["name"] = f"Room {key} ({round_})"
        sources.put("big", "room", key, entry)
    return time.perf_counter() - began


@inlineCallbacks
def run(rooms: int, runs: int) -> Any:
    folder = Path(tempfile.mkdtemp(prefix="area-save-"))
    try:
        make_world(folder, rooms)
        world = load_world(folder, reactor)
        size = (folder / "big" / "rooms.yaml").stat().st_size
        print(f"{rooms} rooms, rooms.yaml {size / 1024:.0f} KiB")
        saver = AreaSaver(world.sources, lambda fn, *a: in_daemon_thread(reactor, fn, *a))
        meter = StallMeter()
        all_keys = [f"r{n}" for n in range(rooms)]
        worst_of: dict[str, list[float]] = {}
        # The machine's own noise: the same meter over a second with nothing saved.
        for round_ in range(runs):
            meter.start()
            yield task.deferLater(reactor, 1.0, lambda: None)
            worst_of.setdefault("nothing saved", []).append(meter.stop())
            print(f"{'nothing saved':20} run {round_ + 1}: 1 s idle,  worst reactor stall "
                  f"{meter.worst * 1000:5.2f} ms, longest GC {meter.gc_worst * 1000:.1f} ms")
        for label, keys in (("every room changed", all_keys), ("one room changed", ["r777"])):
            for round_ in range(runs):
                change(world, keys, round_)
                original = world.sources.snapshot
                snapshot_cost = [0.0]

                def timed(area: str, original: Any = original,
                          snapshot_cost: list[float] = snapshot_cost) -> Any:
                    began = time.perf_counter()
                    shots = original(area)
                    snapshot_cost[0] = time.perf_counter() - began
                    return shots
                world.sources.snapshot = timed
                meter.start()
                # Let the meter settle before the save starts.
                yield task.deferLater(reactor, 0.05, lambda: None)
                began = time.perf_counter()
                outcome = yield saver.save("big")
                took = time.perf_counter() - began
                yield task.deferLater(reactor, 0.02, lambda: None)
                worst = meter.stop()
                world.sources.snapshot = original
                assert not outcome.error, outcome.error
                worst_of.setdefault(label, []).append(worst)
                print(f"{label:20} run {round_ + 1}: save {took * 1000:7.1f} ms, "
                      f"worst reactor stall {worst * 1000:5.2f} ms, snapshot on the reactor "
                      f"{snapshot_cost[0] * 1000:.2f} ms, longest GC "
                      f"{meter.gc_worst * 1000:.1f} ms")
        for label, stalls in worst_of.items():
            print(f"{label:20}: worst stall of a run, median {statistics.median(stalls) * 1000:.2f}"
                  f" ms, highest {max(stalls) * 1000:.2f} ms")
        check = load_world(folder, task.Clock())
        assert check.rooms["big:r777"].name.startswith("Room r777 (")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main_for(description: str, run: Callable[[int, int], Deferred[Any]]) -> None:
    """Parse --rooms and --runs, then ``run(rooms, runs)`` on the real reactor; a failure
    is raised once the reactor has stopped."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rooms", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    done: list[Any] = []

    def go() -> Deferred[Any]:
        d: Deferred[Any] = run(args.rooms, args.runs)
        d.addBoth(done.append)
        d.addBoth(lambda _: reactor.stop())
        return d
    reactor.callWhenRunning(go)
    reactor.run()
    if done and hasattr(done[0], "raiseException"):
        done[0].raiseException()


def main() -> None:
    main_for(__doc__.splitlines()[0], run)


if __name__ == "__main__":
    main()
