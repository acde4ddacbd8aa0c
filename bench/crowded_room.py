"""A crowded room in a closed loop of ``say``, over real sockets to a real twistd.

Issue 15's fan-out targets are server CPU per delivery (one line reaching one player):
every player in one room says a line, waits for its own echo ("You say") and says the
next, so the room runs as fast as the server (or this load generator) allows. The server
and this process are pinned to different cores when there are two. Over the window:
commands a second, deliveries a second (commands x players: each say reaches everyone in
the room, the speaker included), the server's CPU (``/proc/<pid>/stat``) per delivery, and
the echo's p50 and p99 as the players saw them.

``--echo`` measures instead one player alone on an idle server: ``say`` one at a time,
a pause between them, the echo's p50 and p99 (the issue: p50 under 1 ms).

``--code DIR`` runs the server from another checkout (``git archive`` of an older commit),
so an old and a new server can be run side by side on the same machine state.

    .venv/bin/python -m bench.crowded_room [--players 50] [--seconds 20]
    .venv/bin/python -m bench.crowded_room --players 200
    .venv/bin/python -m bench.crowded_room --echo [--commands 2000]
    .venv/bin/python -m bench.crowded_room --profile /tmp/room.prof   # the server's cProfile
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from twisted.internet import defer, task

from bench import combat_world
from bench.crowded_combat import TelnetClient, cpu_seconds, log_in, percentile
from tests.e2e.processes import Server

ECHO = b"You say"


class Talker(TelnetClient):
    """A telnet player that counts its own echoes and, in the loop, says the next line
    as soon as the last one came back."""

    KEEP = 16

    def __init__(self) -> None:
        super().__init__()
        self.looping = False
        self.sent_at = 0.0
        self.waits: list[float] = []  # echo times, while recording
        self.recording = False
        self.done = 0  # echoes seen while recording

    def unasked(self, seen: bytes) -> bool:
        if not (self.looping and ECHO in seen):
            return False
        if self.recording:
            self.waits.append(time.perf_counter() - self.sent_at)
            self.done += 1
        self.say()
        return True

    def say(self) -> None:
        self.sent_at = time.perf_counter()
        self.transport.write(b"say hello everyone\r\n")


def kernel_seconds(pid: int) -> float:
    """stime of process ``pid`` so far: its system calls (and, on loopback, the receiving
    side's TCP work the kernel does in the sender's call)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[12]) / os.sysconf("SC_CLK_TCK")


def pause(reactor, seconds: float) -> defer.Deferred[None]:
    return task.deferLater(reactor, seconds, lambda: None)


@defer.inlineCallbacks
def crowd(reactor, server: Server, args: argparse.Namespace):
    talkers = [Talker() for _ in range(args.players)]
    yield log_in(reactor, server.port("telnet"), talkers, 50)
    yield pause(reactor, 1.0)
    for talker in talkers:
        talker.looping = True
        talker.say()
    yield pause(reactor, args.warmup)
    for talker in talkers:
        talker.recording = True
    cpu, began = cpu_seconds(server.proc.pid), time.perf_counter()
    kernel = kernel_seconds(server.proc.pid)
    client = time.process_time()
    yield pause(reactor, args.seconds)
    cpu, wall = cpu_seconds(server.proc.pid) - cpu, time.perf_counter() - began
    kernel = kernel_seconds(server.proc.pid) - kernel
    client = time.process_time() - client
    for talker in talkers:
        talker.recording = False
        talker.looping = False
    commands = sum(t.done for t in talkers)
    waits = [w for t in talkers for w in t.waits]
    deliveries = commands * args.players
    print(f"{args.players} telnet players in one room, each saying a line as soon as its "
          f"last came back, {wall:.0f} s on a real twistd ({os.cpu_count()} cores"
          f"{', server and load generator pinned apart' if args.pinned else ''})")
    print(f"  {commands / wall:,.0f} commands/s, {deliveries / wall / 1e6:.2f} M deliveries/s; "
          f"server CPU {100 * cpu / wall:.0f}% of a core, load generator "
          f"{100 * client / wall:.0f}%")
    print(f"  server CPU per delivery {1e6 * cpu / deliveries:.3f} µs "
          f"({deliveries / cpu / 1e6:.2f} M deliveries per CPU-second; "
          f"{100 * kernel / cpu:.0f}% of it in the kernel)")
    print(f"  echo p50 {1000 * percentile(waits, 0.5):.2f} ms, p99 "
          f"{1000 * percentile(waits, 0.99):.2f} ms, worst {1000 * max(waits):.1f} ms")
    for talker in talkers:
        talker.transport.loseConnection()
    yield pause(reactor, 0.5)


@defer.inlineCallbacks
def echo(reactor, server: Server, args: argparse.Namespace):
    talker = Talker()
    yield log_in(reactor, server.port("telnet"), [talker], 1)
    yield pause(reactor, 1.0)
    waits = []
    for _ in range(args.commands):
        began = time.perf_counter()
        yield talker.ask("say hello", ECHO)
        waits.append(time.perf_counter() - began)
        yield pause(reactor, 0.002)  # the server goes idle between commands
    print(f"one player alone on an idle twistd, {args.commands} `say`s one at a time: echo "
          f"p50 {1000 * percentile(waits, 0.5):.3f} ms, p99 {1000 * percentile(waits, 0.99):.3f}"
          f" ms")
    talker.transport.loseConnection()
    yield pause(reactor, 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--players", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--echo", action="store_true", help="one player's echo, idle server")
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--code", help="run the server from this checkout instead")
    parser.add_argument("--profile", help="write the server's cProfile stats to this file")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4 * args.players + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * args.players + 100), hard))
    env = {"PYTHONPATH": str(Path(args.code).resolve())} if args.code else None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        world = root / "world"
        world.mkdir()
        combat_world.write(world, 0, 0, crowd=1)
        # --profile: twistd's own cProfile of the server, written when it stops (SIGTERM).
        profile = (["--profile", str(Path(args.profile).resolve()), "--profiler", "cprofile",
                    "--savestats"] if args.profile else [])
        server = Server([*profile, "mud", "--telnet", "tcp:0:interface=127.0.0.1",
                         "--web", "tcp:0:interface=127.0.0.1",
                         "--world", str(world), "--data", str(root / "var"),
                         "--connections-per-ip", "100000",
                         "--new-connections-per-minute", "100000",
                         "--registrations-per-hour", "100000",
                         "--command-rate", "1000000", "--command-burst", "1000000"],
                        root, env=env)
        try:
            server.port("telnet")
            args.pinned = (os.cpu_count() or 1) >= 2
            if args.pinned:
                # The server on one core, this load generator on the other.
                os.sched_setaffinity(server.proc.pid, {0})
                os.sched_setaffinity(0, {1})
            task.react(lambda reactor: echo(reactor, server, args) if args.echo
                       else crowd(reactor, server, args))
        finally:
            if args.profile and server.proc.poll() is None:
                server.proc.terminate()
                server.finish(60)
            server.stop()


if __name__ == "__main__":
    main()
