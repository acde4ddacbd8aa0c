"""A crowded room in combat: every player's command echo, over real sockets to a real twistd.

Issue 13's budget: in a room of 50 players and 20 NPCs all fighting, every player's
command echo stays under 50 ms at the 99th percentile.

A world is generated (bench/combat_world.py): one room, the Fighting Pit, with 20 training
brutes, everyone with 100,000 health so nobody dies. A real twistd serves it (telnet on
127.0.0.1, port 0; the default autosave, command rate and output buffer). This process is
the load generator: 50 telnet clients on the reactor create their characters, then each
attacks a brute (``kill 3.brute``: 50 players on 20 brutes, so the brutes fight back and
one fight of 70 rounds every 3 s in the room, each blow told to all 50 players). Then
every player sends ``score`` about once a second (each its own phase, one command in
flight at a time) and times the reply (from the write to the last line of the score,
"You carry ..."): p50, p99 and the worst, first in the quiet room and then in combat.
The server's CPU (``/proc/<pid>/stat``) over the combat window is reported too.

    .venv/bin/python -m bench.crowded_combat [--players 50] [--npcs 20] [--seconds 60]
    .venv/bin/python -m bench.crowded_combat --quick     # a 7 s window (a smoke run)
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from pathlib import Path

from twisted.internet import defer, task
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.protocol import Protocol

from bench import combat_world
from tests.e2e.processes import Server

IAC_DO_NAWS = b"\xff\xfd\x1f"
REPLY_END = b"You carry "  # score's last line
TICKS = os.sysconf("SC_CLK_TCK")


def name(i: int) -> str:
    return "Fighter" + "".join(chr(97 + int(d)) for d in f"{i:03d}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def cpu_seconds(pid: int) -> float:
    """utime + stime of process ``pid`` so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Fighter(Protocol):
    """A telnet player that waits for text and times its commands' replies."""

    def __init__(self) -> None:
        self.tail = b""
        self.blows = 0  # lines about a brute hitting or missing, seen so far
        self._waiting: tuple[bytes, defer.Deferred[None]] | None = None

    def dataReceived(self, data: bytes) -> None:
        seen = self.tail + data
        if IAC_DO_NAWS in seen and not getattr(self, "_naws", False):
            self._naws = True
            self.transport.write(b"\xff\xfc\x1f")  # WONT NAWS: no window size to give
        self.blows += data.count(b"brute")
        if self._waiting is not None and self._waiting[0] in seen:
            _, d = self._waiting
            self._waiting = None
            self.tail = b""
            d.callback(None)
            return
        self.tail = seen[-64:]

    def ask(self, line: str, expect: bytes) -> defer.Deferred[None]:
        """Send ``line``; fires once ``expect`` arrives after it."""
        d: defer.Deferred[None] = defer.Deferred()
        self.tail = b""
        self._waiting = (expect, d)
        self.transport.write(line.encode() + b"\r\n")
        return d


@defer.inlineCallbacks
def timed_scores(reactor, fighter: Fighter, until: float, waits: list[float], rng):
    """``score`` about once a second until ``until``, each reply's wait in ``waits``."""
    yield task.deferLater(reactor, rng.uniform(0, 1.0), lambda: None)
    while time.perf_counter() < until:
        began = time.perf_counter()
        yield fighter.ask("score", REPLY_END)
        waits.append(time.perf_counter() - began)
        yield task.deferLater(reactor, max(0.0, 1.0 - (time.perf_counter() - began))
                              * rng.uniform(0.8, 1.2), lambda: None)


def window(reactor, fighters: list[Fighter], seconds: float, seed: int):
    waits: list[float] = []
    until = time.perf_counter() + seconds
    rng = random.Random(seed)
    d = defer.gatherResults([timed_scores(reactor, f, until, waits, rng) for f in fighters])
    d.addCallback(lambda _: waits)
    return d


def line(label: str, waits: list[float]) -> str:
    return (f"  {label}: {len(waits)} replies, p50 {1000 * percentile(waits, 0.5):.1f} ms, "
            f"p99 {1000 * percentile(waits, 0.99):.1f} ms, worst {1000 * max(waits):.1f} ms")


@defer.inlineCallbacks
def run(reactor, server: Server, args: argparse.Namespace):
    port = server.port("telnet")
    fighters: list[Fighter] = []
    for _ in range(args.players):
        fighter = Fighter()
        yield connectProtocol(TCP4ClientEndpoint(reactor, "127.0.0.1", port), fighter)
        fighters.append(fighter)
    yield defer.gatherResults([f.ask(f"create {name(i)} secret1", b"Fighting Pit")
                               for i, f in enumerate(fighters)])
    quiet = yield window(reactor, fighters, args.quiet, 1)
    for i, fighter in enumerate(fighters):
        yield fighter.ask(f"kill {i % args.npcs + 1}.brute", b"brute")
    yield task.deferLater(reactor, args.warmup, lambda: None)
    blows = [f.blows for f in fighters]
    cpu, client, began = cpu_seconds(server.proc.pid), time.process_time(), time.perf_counter()
    fighting = yield window(reactor, fighters, args.seconds, 2)
    wall = time.perf_counter() - began
    cpu, client = cpu_seconds(server.proc.pid) - cpu, time.process_time() - client
    seen = [f.blows - b for f, b in zip(fighters, blows, strict=True)]
    for fighter in fighters:
        fighter.transport.loseConnection()
    rounds = wall / 3.0
    per_round = min(seen) / rounds
    if per_round < args.npcs:
        raise SystemExit(f"a player saw only {min(seen)} blows by or at brutes in "
                         f"{wall:.0f} s: the fight is not going on")
    p99 = percentile(fighting, 0.99)
    print(f"a room of {args.players} players and {args.npcs} brutes, all fighting, on a real "
          f"twistd over telnet on 127.0.0.1 ({os.cpu_count()} cores)")
    print(line(f"quiet room, {args.quiet:g} s", quiet))
    print(line(f"in combat, {wall:.0f} s", fighting))
    print(f"  each player saw {per_round:.0f}-{max(seen) / rounds:.0f} lines about brutes a "
          f"round; server CPU {100 * cpu / wall:.1f}% of one core, this load generator "
          f"{100 * client / wall:.1f}%")
    print(f"  budget: p99 under 50 ms: {'OK' if p99 < 0.050 else 'OVER'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--players", type=int, default=50)
    parser.add_argument("--npcs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0, help="the combat window")
    parser.add_argument("--quiet", type=float, default=5.0, help="the quiet window first")
    parser.add_argument("--warmup", type=float, default=3.5)
    parser.add_argument("--quick", action="store_true", help="a 7 s window (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.quiet, args.warmup = 7.0, 2.0, 1.0
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4 * args.players + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * args.players + 100), hard))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        world = root / "world"
        world.mkdir()
        combat_world.write(world, 0, 0, crowd=args.npcs)
        server = Server(["mud", "--telnet", "tcp:0:interface=127.0.0.1",
                         "--world", str(world), "--data", str(root / "var"),
                         "--connections-per-ip", "1000",
                         "--new-connections-per-minute", "100000",
                         "--registrations-per-hour", "100000"], root)
        try:
            task.react(lambda reactor: run(reactor, server, args))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
