"""An idle big world: 10,000 rooms, 5,000 NPCs that wander and chatter, a few players in one
area, on the real reactor. Reports the process's CPU (time.process_time) over the run as a
percentage of one core; the budget is under 5%.

    .venv/bin/python -m bench.idle_world [--seconds 60] [--warmup 40] [--awake]

A timer's first firing waits a whole (jittered) interval, so the run first warms up for at
least the longest one (wander's 30 s + a quarter) and only then measures: every timer has
fired at least once and the measured window sees each fire two or three times.

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
WANDER, CHATTER = 30, 20  # seconds; both jittered by a quarter (the behaviours' default)
LONGEST_WAIT = WANDER * 1.25


def generate(root: Path) -> None:
    (root / "world.yaml").write_text("name: Idle\ndescription: A big quiet world.\n"
                                     "start: a0:r0_0\n")
    for a in range(AREAS):
        folder = root / f"a{a}"
        folder.mkdir()
        (folder / "area.yaml").write_text(f"name: Area {a}\n")
        (folder / "npcs.yaml").write_text(
            "walker:\n  name: a walker\n  description: Someone out walking.\n"
            f"  behaviours:\n    wander: {{interval: {WANDER}}}\n"
            "crier:\n  name: a crier\n  description: Someone with news.\n"
            f"  behaviours:\n    chatter: {{interval: {CHATTER}, "
            "lines: [\"News!\", \"emote waves.\"]}\n")
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
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=LONGEST_WAIT + 2.5,
                        help="seconds run before measuring (at least the longest wait)")
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
    if args.warmup < LONGEST_WAIT:
        parser.error(f"--warmup must be at least the longest wait, {LONGEST_WAIT:g} s")
    began_at: list[float] = []
    counted: list[int] = []

    def measure() -> None:
        # After the warm-up: every timer has fired once, so this is the steady state.
        counted.append(sum(s.events for s in sinks))
        began_at.extend((time.process_time(), time.perf_counter()))
        reactor.callLater(args.seconds, reactor.stop)

    reactor.callLater(args.warmup, measure)
    reactor.run()
    cpu = time.process_time() - began_at[0]
    wall = time.perf_counter() - began_at[1]
    received = (sum(s.events for s in sinks) - counted[0]) // max(1, len(sinks))
    print(f"{len(world.rooms):,} rooms, {len(world.npcs):,} NPCs with behaviours, "
          f"{args.players} players in one area (loaded in {loaded:.1f} s)")
    print(f"  timers on the reactor: {pending:,}"
          f"{' (every area awake)' if args.awake else ' (quiet areas asleep)'}")
    print(f"  after {args.warmup:g} s of warm-up, CPU {cpu:.3f} s over {wall:.1f} s: "
          f"{100 * cpu / wall:.2f}% of one core; each player received {received} events "
          "in that time")


if __name__ == "__main__":
    main()
