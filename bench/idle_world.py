"""An idle big world: 10,000 rooms, 5,000 NPCs that wander and chatter, a few players in one
area, on the real reactor. Reports the process's CPU (time.process_time) over the run as a
percentage of one core; the budget is under 5%.

    .venv/bin/python -m bench.idle_world [--seconds 30] [--awake]

The world is generated into a temporary folder: 100 areas of 100 rooms (10x10 grids),
50 NPCs per area (wander every 30 s, chatter every 20 s, both jittered). ``--awake`` keeps
every area's timers running (no quiet areas), to show what the suspension saves.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from twisted.internet import reactor

from mud.engine.model import Character
from mud.world_loader import load_world

AREAS, SIDE, NPCS_PER_AREA = 100, 10, 50


def generate(root: Path) -> None:
    (root / "world.yaml").write_text("name: Idle\ndescription: A big quiet world.\n"
                                     "start: a0:r0_0\n")
    for a in range(AREAS):
        folder = root / f"a{a}"
        folder.mkdir()
        (folder / "area.yaml").write_text(f"name: Area {a}\n")
        (folder / "npcs.yaml").write_text(
            "walker:\n  name: a walker\n  description: Someone out walking.\n"
            "  behaviours:\n    wander: {interval: 30}\n"
            "crier:\n  name: a crier\n  description: Someone with news.\n"
            "  behaviours:\n    chatter: {interval: 20, lines: [\"News!\", \"emote waves.\"]}\n")
        rooms = []
        for x in range(SIDE):
            for y in range(SIDE):
                exits = []
                if x + 1 < SIDE:
                    exits.append(f"east: r{x + 1}_{y}")
                if x > 0:
                    exits.append(f"west: r{x - 1}_{y}")
                if y + 1 < SIDE:
                    exits.append(f"north: r{x}_{y + 1}")
                if y > 0:
                    exits.append(f"south: r{x}_{y - 1}")
                n = x * SIDE + y
                npcs = "[walker]" if n < NPCS_PER_AREA // 2 else \
                    "[crier]" if n < NPCS_PER_AREA else "[]"
                rooms.append(f"r{x}_{y}:\n  name: Room {x},{y}\n  description: A room.\n"
                             f"  npcs: {npcs}\n  exits:\n" +
                             "".join(f"    {e}\n" for e in exits))
        (folder / "rooms.yaml").write_text("".join(rooms))


class Sink:
    """A player's connection that only counts what it is sent."""

    def __init__(self) -> None:
        self.events = 0

    def send(self, event: object) -> None:
        self.events += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--players", type=int, default=5)
    parser.add_argument("--awake", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp))
        began = time.perf_counter()
        world = load_world(tmp, reactor)
        loaded = time.perf_counter() - began
    sinks = []
    for i in range(args.players):
        player = Character(f"Player{i}", world.rooms["a0:r2_5"])  # a crier is here
        player.link = sink = Sink()
        sinks.append(sink)
        world.enter(player)
    if args.awake:
        for area in world.area_names:
            world.scheduler.resume(area)
    pending = world.scheduler.pending()
    reactor.callLater(args.seconds, reactor.stop)
    cpu, wall = time.process_time(), time.perf_counter()
    reactor.run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{len(world.rooms):,} rooms, {len(world.npcs):,} NPCs with behaviours, "
          f"{args.players} players in one area (loaded in {loaded:.1f} s)")
    print(f"  timers on the reactor: {pending:,}"
          f"{' (every area awake)' if args.awake else ' (quiet areas asleep)'}")
    print(f"  CPU {cpu:.3f} s over {wall:.1f} s: {100 * cpu / wall:.2f}% of one core; "
          f"each player received {sum(s.events for s in sinks) // max(1, len(sinks))} events")


if __name__ == "__main__":
    main()
