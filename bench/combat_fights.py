"""500 simultaneous fights on the real reactor: the process's CPU, and what one round costs.

Issue 13's budget: 500 simultaneous fights cost under 20% of one core, and a fight round
is O(combatants in that fight), with one timer per fight and no scan of the world.

A world is generated (bench/combat_world.py): areas of 50 rooms, one training brute in
each, everyone with 100,000 health so no fight ends. Each of N players is a whole telnet
connection (tests.support.WirePlayer: telnet parsing, the session, the renderers; its
transport only counts the bytes) standing in a room of its own who types ``kill brute``:
the real command starts the real fight, whose rounds run on ``world.scheduler`` every
``fight.ROUND`` seconds, on the real Twisted reactor.

1. **CPU**: after a warm-up, the process's CPU (``time.process_time()``) over a
   steady window of wall time (``time.perf_counter``), as a percentage of one core; the
   rounds done in the window are counted (each fight's bound ``Fights.round`` wrapped in
   a counter), and the live timers are counted before and after the fights start.
2. **Per round, by the number of fights** (1, 10, 100, 500) on a ``task.Clock``: the
   cost of a round per fight stays flat however many other fights run (nothing scans the
   world or the other fights). Timed inside ``Fights.round`` (task.Clock's own
   ``advance`` sorts its whole list of calls at every ``callLater``, which would swamp it),
   as CPU time (``time.thread_time``), so other processes on the machine do not count.
3. **Per round, by the size of one fight** (1 to 32 players against as many brutes in
   one room): blows per round grow with the fighters; each blow is told to everyone in
   the room, so the cost per blow and per delivery is what stays flat.

    .venv/bin/python -m bench.combat_fights [--fights 500] [--seconds 60] [--gmcp]
    .venv/bin/python -m bench.combat_fights --quick     # 50 fights, a 6.5 s window
    .venv/bin/python -m bench.combat_fights --profile   # where a round's time goes

``--gmcp``: every player's client asked for GMCP ``Char`` (as Mudlet does), so each
wound also sends it ``Char.Vitals``.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path
from typing import Any

from twisted.internet import task

from bench import combat_world
from bench.say_fanout import CountingTransport
from mud.protocols.options.codes import GMCP, IAC, SB, SE
from mud.systems.combat import fight
from mud.systems.combat.death import teleport
from tests.support import WirePlayer, make_game

ROOMS_PER_AREA = 50
DO = bytes([253])


class Rounds:
    """Counts (and times) the rounds of every fight: wraps ``Fights.round`` before any
    fight starts, so each fight's timer calls the wrapper."""

    def __init__(self, world: Any) -> None:
        self.fights = fight.fights_of(world)
        self.done = 0
        self.seconds = 0.0
        real = self.fights.round

        def counted(one: fight.Fight) -> None:
            # CPU time of this thread: on a shared machine wall time would count the
            # moments another process had the core.
            began = time.thread_time()
            real(one)
            self.seconds += time.thread_time() - began
            self.done += 1

        self.fights.round = counted  # type: ignore[method-assign]


def name(i: int) -> str:
    return "Bench" + "".join(chr(97 + int(d)) for d in f"{i:04d}")


def players_in_rooms(game: Any, rooms: list[str], gmcp: bool = False) -> list[WirePlayer]:
    """One logged-in telnet player standing in each of ``rooms``."""
    world = game.world
    players = []
    for i, room in enumerate(rooms):
        player = WirePlayer(game)
        if gmcp:
            player.send_bytes(IAC + DO + GMCP)
            player.send_bytes(IAC + SB + GMCP + b'Core.Supports.Set ["Char 1"]' + IAC + SE)
        player.create(name(i))
        teleport(world, world.online[name(i).lower()], world.rooms[room], "", "arrives")
        player.read_bytes()
        players.append(player)
    return players


def count_bytes(players: list[WirePlayer]) -> list[CountingTransport]:
    """From now on each player's bytes are counted, not kept."""
    counters = []
    for player in players:
        counter = CountingTransport()
        player.telnet.transport = counter
        player.telnet.output.sink = counter.write  # bytes out of the output buffer, counted
        counters.append(counter)
    return counters


def arena_game(root: Path, fights: int, clock: Any,
               gmcp: bool = False) -> tuple[Any, list[WirePlayer]]:
    areas = -(-fights // ROOMS_PER_AREA)
    combat_world.write(root, areas, ROOMS_PER_AREA)
    game = make_game(root, clock=clock)
    game.command_rate, game.command_burst = 1e12, 10**12
    rooms = [combat_world.room_id(i // ROOMS_PER_AREA, i % ROOMS_PER_AREA)
             for i in range(fights)]
    return game, players_in_rooms(game, rooms, gmcp)


def steady_cpu(args: argparse.Namespace) -> None:
    """Part 1: N fights on the real reactor, CPU over a steady window."""
    from twisted.internet import reactor

    with tempfile.TemporaryDirectory() as tmp:
        game, players = arena_game(Path(tmp), args.fights, reactor, args.gmcp)
    world = game.world
    rounds = Rounds(world)
    timers_before = world.scheduler.live()
    calls_before = len(reactor.getDelayedCalls())
    for player in players:
        player.send_bytes(b"kill brute\r\n")
    counters = count_bytes(players)
    timers_after = world.scheduler.live()
    calls_after = len(reactor.getDelayedCalls())
    fights_running = len(rounds.fights.by_room)
    gc.freeze()  # as twistd does once the world is loaded (mud/tap.py)
    mark: dict[str, Any] = {}

    def begin() -> None:
        mark.update(cpu=time.process_time(), wall=time.perf_counter(),
                    rounds=rounds.done, seconds=rounds.seconds,
                    bytes=sum(c.bytes for c in counters))
        reactor.callLater(args.seconds, reactor.stop)

    reactor.callLater(args.warmup, begin)
    reactor.run()
    # process_time: user + system CPU of the whole process, to the microsecond (os.times
    # counts in ticks of 10 ms: a quick run's few milliseconds read as none).
    cpu = time.process_time() - mark["cpu"]
    wall = time.perf_counter() - mark["wall"]
    done = rounds.done - mark["rounds"]
    in_rounds = rounds.seconds - mark["seconds"]
    sent = sum(c.bytes for c in counters) - mark["bytes"]
    still = len(rounds.fights.by_room)
    if fights_running != args.fights or still != args.fights:
        raise SystemExit(f"{args.fights} fights wanted, {fights_running} started, "
                         f"{still} still going at the end")
    expected = args.fights * wall / fight.ROUND
    if done < 0.8 * expected:
        raise SystemExit(f"only {done} rounds in {wall:.1f} s; about {expected:.0f} expected")
    share = 100 * cpu / wall
    print(f"{args.fights} fights (a player against a brute in each of {args.fights} rooms, "
          f"{len(world.rooms)} rooms){' with GMCP Char' if args.gmcp else ''}, "
          f"rounds every {fight.ROUND:g} s, real reactor")
    print(f"  timers: {timers_before} live before the fights, {timers_after} after "
          f"(+{timers_after - timers_before}); reactor delayed calls {calls_before} -> "
          f"{calls_after}")
    print(f"  after {args.warmup:g} s of warm-up: CPU {cpu:.3f} s over {wall:.1f} s of wall time "
          f"= {share:.2f}% of one core (budget: under 20%: {'OK' if share < 20 else 'OVER'})")
    print(f"  {done:,} rounds in the window ({done / wall:,.1f}/s, {expected:,.0f} expected), "
          f"{1e6 * in_rounds / max(1, done):.0f} us per round inside Fights.round, "
          f"{sent / wall / 1024:,.1f} KiB/s to the players")


def by_fights(counts: list[int], rounds_each: int) -> None:
    """Part 2: the cost of a round per fight, as more fights run at once (task.Clock)."""
    clock = task.Clock()
    with tempfile.TemporaryDirectory() as tmp:
        game, players = arena_game(Path(tmp), max(counts), clock)
    world = game.world
    rounds = Rounds(world)
    count_bytes(players)
    base = world.scheduler.live()
    print(f"per round by the number of fights ({len(world.rooms)} rooms, "
          f"{len(world.npcs)} brutes; task.Clock, {rounds_each} rounds each):")
    started = 0
    for n in counts:
        for player in players[started:n]:
            player.send_bytes(b"kill brute\r\n")
        started = n
        clock.advance(fight.ROUND)  # the new fights' first round
        before_done, before = rounds.done, rounds.seconds
        for _ in range(rounds_each):
            clock.advance(fight.ROUND)
        elapsed = rounds.seconds - before
        done = rounds.done - before_done
        print(f"  {n:>4} fight{'s' if n > 1 else ' '}: {1e6 * elapsed / max(1, done):6.1f} us "
              "per fight-round "
              f"({done} rounds), timers {world.scheduler.live() - base} (= fights "
              f"{len(rounds.fights.by_room)})")


def by_size(sizes: list[int], rounds_each: int) -> None:
    """Part 3: one fight of k players against k brutes in one room (task.Clock)."""
    print(f"per round by the size of one fight (one room; task.Clock, {rounds_each} rounds):")
    for k in sizes:
        clock = task.Clock()
        with tempfile.TemporaryDirectory() as tmp:
            combat_world.write(Path(tmp), 0, 0, crowd=max(sizes))
            game = make_game(Path(tmp), clock=clock)
        game.command_rate, game.command_burst = 1e12, 10**12
        players = players_in_rooms(game, ["pit:pit"] * k)
        rounds = Rounds(game.world)
        for i, player in enumerate(players):
            player.send_bytes(f"kill {i + 1}.brute\r\n".encode())
        count_bytes(players)
        clock.advance(fight.ROUND)
        fighters = len(rounds.fights.of)
        before_done, before = rounds.done, rounds.seconds
        for _ in range(rounds_each):
            clock.advance(fight.ROUND)
        per_round = (rounds.seconds - before) / max(1, rounds.done - before_done)
        # Each blow is told to every player in the room (the attacker's, the victim's or
        # the onlookers' copy): blows x players deliveries a round.
        deliveries = fighters * k
        print(f"  {fighters:>3} fighters ({k} players): {1e6 * per_round:8.1f} us per round, "
              f"{1e6 * per_round / fighters:6.1f} us per blow, "
              f"{1e6 * per_round / deliveries:5.2f} us per delivery "
              f"({deliveries} a round); timers {game.world.scheduler.live()}")


def profile(fights: int, rounds_each: int) -> None:
    """``--profile``: cProfile over ``rounds_each`` rounds of ``fights`` fights (task.Clock),
    the top entries by cumulative time: where a round's time goes."""
    import cProfile
    import pstats

    clock = task.Clock()
    with tempfile.TemporaryDirectory() as tmp:
        game, players = arena_game(Path(tmp), fights, clock)
    fights_now = fight.fights_of(game.world)
    for player in players:
        player.send_bytes(b"kill brute\r\n")
    count_bytes(players)
    clock.advance(fight.ROUND)
    running = list(fights_now.by_room.values())
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds_each):
        for one in running:
            fights_now.round(one)
    profiler.disable()
    print(f"cProfile of {rounds_each} rounds of {fights} fights (task.Clock):")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fights", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60.0, help="the measured window")
    parser.add_argument("--warmup", type=float, default=2 * fight.ROUND + 0.5)
    parser.add_argument("--gmcp", action="store_true", help="every client asked for GMCP Char")
    parser.add_argument("--quick", action="store_true",
                        help="50 fights, a 6.5 s window, small tables (a smoke run)")
    parser.add_argument("--no-tables", action="store_true", help="only the CPU part")
    parser.add_argument("--profile", action="store_true",
                        help="only a cProfile of the fights' rounds (task.Clock)")
    args = parser.parse_args()
    if args.profile:
        profile(args.fights, 10)
        return
    counts, sizes, rounds_each = [1, 10, 100, 500], [1, 2, 4, 8, 16, 32], 10
    if args.quick:
        args.fights, args.seconds, args.warmup = 50, 2 * fight.ROUND + 0.5, 1.0
        counts, sizes, rounds_each = [1, 10, 50], [1, 4], 3
    steady_cpu(args)
    if not args.no_tables:
        by_fights(counts, rounds_each)
        by_size(sizes, rounds_each)


if __name__ == "__main__":
    main()
