"""Channel lines across two realms: how many a second reach all 1,000 listeners of the other
daemon, and how much later than the speaker's own daemon's listeners.

Two daemons, each its own OS process running the real engine: a Game from the bundled
world on the real reactor (its world clock too), ``--listeners`` players logged in on
byte-counting transports (telnet as bench/channel_fanout.py logs them in, or web with
``--web``), the realms directory attached and the world's bus linked to a private
redis-server (tests/redis_service.py) by the real ``RedisLink``, as ``--redis`` wires a
daemon. North also holds a telnet speaker, who says ``ooc ...`` lines through the whole
command path. This parent process starts Redis and the daemons and steers them over their
stdin/stdout.

For each line: ``t0`` when north's speaker sends it; ``local`` when north's listeners all
have it (the speaker's own echo, written right after the fan-out, before the publish);
``far`` when south's listeners all have it (a bus subscriber called after the channels'
own). The bus adds ``far - local``. Both processes read ``time.perf_counter``
(CLOCK_MONOTONIC on Linux: one clock for every process). CPU per line: each daemon's user
and system time (getrusage) and Redis' (/proc) over a run. At a slow pace a line costs
several times its flat-out CPU: the same command takes 23 us back to back and 190-290 us
after the process slept 5-20 ms on this (virtual) machine; flat out is our code's cost.

- latency: 2,000 lines at a light pace (200/s), p50 and p99, best of 3 runs;
- ramp: 5,000 lines at each offered rate, to see where south stops keeping up;
- flat out: north says 5,000 lines as fast as it can (10 per reactor turn), best of 3.

    .venv/bin/python -m bench.realms [--listeners 1000] [--lines 5000] [--web] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.crowded_combat import percentile

LINE = "The lamps of Emberfall burn late tonight, friends."
BATCH = 10   # lines said in one reactor turn when flat out


# -- a daemon (a child process) ------------------------------------------------------------

class Stamp:
    """The speaker's transport: counts bytes and notes when the first write since
    ``first`` was cleared came (the speaker's echo of its own line)."""

    disconnecting = False

    def __init__(self) -> None:
        self.bytes = 0
        self.first: float | None = None

    def write(self, data: bytes) -> None:
        if self.first is None:
            self.first = time.perf_counter()
        self.bytes += len(data)

    def writeSequence(self, seq: list[bytes]) -> None:
        self.write(b"".join(seq))


def cpu_now() -> tuple[float, float]:
    """This process' user and system CPU seconds so far (all its threads)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime, used.ru_stime


def spent(before: tuple[float, float], after: tuple[float, float]) -> list[float]:
    return [after[0] - before[0], after[1] - before[1]]


def web_listeners(game: Any, count: int) -> list[Any]:
    """``count`` web players as bench/channel_fanout.py logs them in, but on a factory
    without Autobahn's pings: a counting transport never answers one, and the real reactor
    would drop it 50 s on (the ping's interval and timeout)."""
    from bench import channel_fanout
    from mud.protocols.keepalive import Keepalive

    return channel_fanout.web_listeners(game, count, Keepalive(interval=0, timeout=0))


class Daemon:
    """One realm: the game, its listeners and its link, steered by orders on stdin."""

    def __init__(self, realm: str, url: str, listeners: int, web: bool) -> None:
        from twisted.internet import reactor

        from bench.channel_fanout import telnet_listeners
        from mud.cluster import realms
        from mud.cluster.redis_link import RedisLink
        from mud.systems.channels import hub
        from tests.support import WirePlayer, make_game

        self.reactor = reactor
        began = time.perf_counter()
        game = self.game = make_game(clock=reactor)
        game.command_rate, game.command_burst = 1e12, 10**12   # a script types fast
        speech = hub.channels_of(game.world)
        speech.rate, speech.burst = 1e12, 10**12                # and speaks fast
        game.world.bus.realm = realm
        realms.attach(game)
        self.counters = (web_listeners if web else telnet_listeners)(game, listeners)
        self.speaker: Any = None
        if realm == "north":
            self.speaker = WirePlayer(game)
            self.speaker.create("Speaker")
            self.stamp = Stamp()
            self.speaker.telnet.transport = self.stamp
            self.speaker.telnet.output.sink = self.stamp.write
        # Subscribed after the channels system's own handler: it runs once every local
        # listener has been handed the line.
        game.world.bus.subscribe("channel", self._heard)
        self.tag = ""
        self.arrivals: dict[int, float] = {}
        self.cpu = (0.0, 0.0)
        self.bytes0: list[int] = []
        self.setup = time.perf_counter() - began
        gc.collect()
        gc.freeze()   # as twistd's start-up does: the world out of full collections
        self.link = RedisLink(url, game.world.bus, reactor, prefix="bench")
        self.link.start()

    def figures(self) -> dict[str, Any]:
        """The link's counters, as JSON (its drops are counted by (direction, reason))."""
        figures = self.link.figures()
        figures["dropped"] = {"/".join(k): v for k, v in figures["dropped"].items()}
        return figures

    def _heard(self, data: dict[str, Any], realm: str) -> None:
        tag, _, seq = str(data.get("text", "")).rpartition("#")[2].partition("-")
        if tag == self.tag and seq.isdigit():
            self.arrivals[int(seq)] = time.perf_counter()
            self.cpu = (self.cpu[0], cpu_now())

    def _mark(self, tag: str) -> None:
        self.tag, self.arrivals = tag, {}
        self.cpu = (cpu_now(), cpu_now())
        self.bytes0 = [c.bytes for c in self.counters]

    def _bytes(self) -> tuple[int, int]:
        deltas = [c.bytes - b for c, b in zip(self.counters, self.bytes0, strict=True)]
        return min(deltas), max(deltas)

    def handle(self, order: dict[str, Any]) -> Any:
        from twisted.internet import defer, task

        what = order["do"]
        if what == "ready":
            @defer.inlineCallbacks
            def ready() -> Any:
                deadline = time.monotonic() + 30
                while not self.link.up:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the link to Redis did not come up in 30 s")
                    yield task.deferLater(self.reactor, 0.01, lambda: None)
                return {"setup": self.setup, "listeners": len(self.counters)}
            return ready()
        if what == "expect":
            self._mark(order["tag"])
            return {}
        if what == "report":
            low, high = self._bytes()
            return {"arrivals": self.arrivals, "cpu": spent(self.cpu[0], self.cpu[1]),
                    "bytes": [low, high], "link": self.figures()}
        if what == "speak":
            return self.speak(order["tag"], order["lines"], order["rate"])
        if what == "quit":
            return self.link.stop().addCallback(lambda _: {})
        raise ValueError(f"unknown order {what!r}")

    def speak(self, tag: str, lines: int, rate: float) -> Any:
        """Say ``lines`` lines at ``rate`` a second (0: ``BATCH`` per reactor turn, as
        fast as this process can); fires with each line's ``t0`` and ``local``."""
        from twisted.internet import defer

        self._mark(tag)
        t0 = [0.0] * lines
        local = [0.0] * lines
        refused = self.game.world.bus.dropped
        done: defer.Deferred = defer.Deferred()
        start = time.perf_counter()
        said = 0

        def tick() -> None:
            nonlocal said
            if rate > 0:
                due = min(lines, int((time.perf_counter() - start) * rate) + 1)
            else:
                due = min(lines, said + BATCH)
            while said < due:
                self.stamp.first = None
                t0[said] = time.perf_counter()
                self.speaker.send_bytes(f"ooc {LINE} #{tag}-{said}\r\n".encode())
                if self.stamp.first is None:
                    done.errback(RuntimeError(f"line {said}: the speaker had no echo"))
                    return
                local[said] = self.stamp.first
                said += 1
            if said < lines:
                wait = 0.0 if rate <= 0 else start + said / rate - time.perf_counter()
                self.reactor.callLater(max(0.0, wait), tick)
                return
            low, high = self._bytes()
            done.callback({"t0": t0, "local": local, "bytes": [low, high],
                           "cpu": spent(self.cpu[0], cpu_now()),
                           "refused": self.game.world.bus.dropped - refused,
                           "link": self.figures()})

        tick()
        return done


def serve(realm: str, url: str, listeners: int, web: bool) -> None:
    """A daemon's main: JSON orders in on stdin, one JSON answer a line on stdout."""
    from twisted.internet import defer, reactor, stdio
    from twisted.logger import globalLogBeginner, textFileLogObserver
    from twisted.protocols.basic import LineReceiver

    # The link's log lines (lost, back, congested) go to stderr, which the parent keeps.
    globalLogBeginner.beginLoggingTo([textFileLogObserver(sys.stderr)])
    daemon = Daemon(realm, url, listeners, web)

    class Orders(LineReceiver):
        delimiter = b"\n"

        def lineReceived(self, line: bytes) -> None:
            order = json.loads(line)
            answer = defer.maybeDeferred(daemon.handle, order)
            answer.addErrback(lambda f: {"error": f.getTraceback()})
            answer.addCallback(self.answer)
            if order["do"] == "quit":
                answer.addCallback(lambda _: reactor.callLater(0.1, reactor.stop))

        def answer(self, answer: Any) -> None:
            try:
                line = json.dumps(answer).encode()
            except (TypeError, ValueError) as exc:   # the parent is told, never left waiting
                line = json.dumps({"error": f"unencodable answer: {exc}"}).encode()
            self.sendLine(line)

        def connectionLost(self, reason: Any = None) -> None:
            if reactor.running:   # the parent went away
                reactor.stop()

    stdio.StandardIO(Orders())
    reactor.run()


# -- the parent: Redis, two daemons, the runs ------------------------------------------------

class Child:
    def __init__(self, realm: str, url: str, args: argparse.Namespace, logs: Path) -> None:
        self.realm = realm
        self.reconnects = 0   # the link's, as of the last answer
        self.log = logs / f"{realm}.log"
        command = [sys.executable, "-m", "bench.realms", "--daemon", realm, "--redis", url,
                   "--listeners", str(args.listeners)] + (["--web"] if args.web else [])
        with self.log.open("wb") as err:
            self.process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=err)

    def send(self, order: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(order).encode() + b"\n")
        self.process.stdin.flush()

    def answer(self) -> Any:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the {self.realm} daemon died; its log:\n"
                             + self.log.read_text(errors="replace")[-3000:])
        answer = json.loads(line)
        if "error" in answer:
            raise SystemExit(f"{self.realm}: {answer['error']}")
        return answer

    def ask(self, order: dict[str, Any]) -> Any:
        self.send(order)
        return self.answer()


def busy() -> str:
    """How loaded the machine is (the runs share its cores with whatever else runs)."""
    load = os.getloadavg()[0]
    try:   # the share of time some runnable task waited for a CPU, last 60 s
        pressure = Path("/proc/pressure/cpu").read_text().split()[2].split("=")[1] + "%"
    except (OSError, IndexError):
        pressure = "unknown"
    return f"load {load:.2f} on {os.cpu_count()} cores, CPU pressure {pressure}"


def cpu_of(pid: int) -> float:
    """A process' user + system CPU seconds so far (/proc, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(north: Child, south: Child, redis_pid: int, tag: str, lines: int, rate: float,
        listeners: int) -> dict[str, Any]:
    """One run of ``lines`` lines at ``rate`` a second (0: flat out): its figures."""
    south.ask({"do": "expect", "tag": tag})
    redis0 = cpu_of(redis_pid)
    said = north.ask({"do": "speak", "tag": tag, "lines": lines, "rate": rate})
    # South may still be catching up: wait while lines keep coming.
    heard: dict[str, float] = {}
    quiet_since = time.monotonic()
    while True:
        report = south.ask({"do": "report"})
        if len(report["arrivals"]) > len(heard):
            quiet_since = time.monotonic()
        heard = report["arrivals"]
        if len(heard) >= lines or time.monotonic() - quiet_since > 5:
            break
        time.sleep(0.05)
    redis_cpu = cpu_of(redis_pid) - redis0
    relinks = []
    for child, answer in ((north, said), (south, report)):
        relinks.append(answer["link"]["reconnects"] - child.reconnects)
        child.reconnects = answer["link"]["reconnects"]
    t0, local = said["t0"], said["local"]
    far = {int(k): v for k, v in heard.items()}
    got = sorted(far)
    near = [(local[i] - t0[i]) * 1e3 for i in range(lines)]
    added = [(far[i] - local[i]) * 1e3 for i in got]
    whole = [(far[i] - t0[i]) * 1e3 for i in got]
    tail = added[-max(1, len(added) // 10):]
    for name, (low, _) in (("north", said["bytes"]), ("south", report["bytes"])):
        # Every listener was handed every line (each rendering is over 40 bytes).
        wanted = (lines if name == "north" else len(got)) * 40
        if low < wanted:
            raise SystemExit(f"{name}: a listener had {low} bytes, under {wanted}: lines "
                             "were lost")
    span = (max(far.values()) - t0[0]) if far else float("inf")
    return {"rate": rate, "lines": lines, "heard": len(got), "missing": lines - len(got),
            "refused": said["refused"], "relinks": relinks,
            "north_rate": lines / max(1e-9, t0[-1] - t0[0]),
            "south_rate": len(got) / span,
            "local": (percentile(near, 0.5), percentile(near, 0.99)),
            "whole": (percentile(whole, 0.5), percentile(whole, 0.99)) if got else (0, 0),
            "added": (percentile(added, 0.5), percentile(added, 0.99), max(added))
            if got else (0, 0, 0),
            "end_lag": statistics.median(tail) if got else 0.0,
            "cpu": (sum(said["cpu"]) / lines * 1e6, sum(report["cpu"]) / max(1, len(got)) * 1e6,
                    redis_cpu / lines * 1e6),
            "system": (said["cpu"][1] / max(1e-9, sum(said["cpu"])) * 100,
                       report["cpu"][1] / max(1e-9, sum(report["cpu"])) * 100),
            "share": (sum(said["cpu"]) / max(1e-9, t0[-1] - t0[0]) * 100,
                      sum(report["cpu"]) / span * 100),
            "per_listener": report["bytes"][0] / max(1, len(got))}


def show(label: str, r: dict[str, Any]) -> None:
    offered = "flat out" if r["rate"] <= 0 else f"{r['rate']:,.0f}/s"
    keeps = r["missing"] == 0 and r["end_lag"] < 50 and (
        r["rate"] <= 0 or r["south_rate"] >= 0.95 * r["rate"])
    print(f"  {label} offered {offered}: {r['lines']} lines, heard {r['heard']} "
          f"(missing {r['missing']}, refused {r['refused']}); north said "
          f"{r['north_rate']:,.0f}/s, south delivered {r['south_rate']:,.0f}/s "
          f"({'keeps up' if keeps else 'LAGS'})")
    print(f"    local p50 {r['local'][0]:.2f} ms p99 {r['local'][1]:.2f} ms; "
          f"speaker to south p50 {r['whole'][0]:.2f} ms p99 {r['whole'][1]:.2f} ms; "
          f"bus added p50 {r['added'][0]:.2f} ms p99 {r['added'][1]:.2f} ms "
          f"worst {r['added'][2]:.2f} ms, at the end {r['end_lag']:.2f} ms")
    print(f"    CPU per line: north {r['cpu'][0]:.0f} us ({r['system'][0]:.0f}% system), south "
          f"{r['cpu'][1]:.0f} us ({r['system'][1]:.0f}% system), "
          f"redis {r['cpu'][2]:.1f} us (north {r['share'][0]:.0f}%, south "
          f"{r['share'][1]:.0f}% of a core); {r['per_listener']:.0f} bytes a line per south "
          "listener")
    if any(r["relinks"]):
        print(f"    links lost and back during the run: north {r['relinks'][0]}, south "
              f"{r['relinks'][1]} (no answer to a PING within 5 s: a reader that far behind)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listeners", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--web", action="store_true", help="web listeners, not telnet")
    parser.add_argument("--runs", type=int, default=3, help="runs of latency and flat out")
    parser.add_argument("--pace", default="2000,200", help="latency runs: LINES,RATE")
    parser.add_argument("--rates", default="500,1000,1500,2000,3000",
                        help="the ramp's offered rates (lines/s), comma-separated")
    parser.add_argument("--quick", action="store_true", help="tiny numbers (the smoke test)")
    parser.add_argument("--daemon", help=argparse.SUPPRESS)
    parser.add_argument("--redis", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.daemon:
        return serve(args.daemon, args.redis, args.listeners, args.web)
    from tests.redis_service import RedisServer

    if args.quick:
        args.listeners, args.lines = min(args.listeners, 20), min(args.lines, 200)
        args.runs, args.rates, args.pace = 1, "200", "50,100"
    pace = [float(x) for x in args.pace.split(",")]
    plan = {"latency": (int(pace[0]), pace[1]),
            "ramp": tuple(float(x) for x in args.rates.split(",") if x)}
    with tempfile.TemporaryDirectory() as tmp:
        redis = RedisServer(Path(tmp))
        children: list[Child] = []
        try:
            children = [Child(realm, redis.url, args, Path(tmp))
                        for realm in ("north", "south")]
            for child in children:
                child.send({"do": "ready"})
            ready = [child.answer() for child in children]
            north, south = children
            assert redis.process is not None
            pid = redis.process.pid
            style = "web" if args.web else "telnet"
            print(f"two daemons, {args.listeners} {style} listeners each on ooc (set up in "
                  f"{ready[0]['setup']:.1f} s and {ready[1]['setup']:.1f} s), linked by a "
                  f"private redis-server; north's speaker says ooc lines; {busy()}")
            def series(title: str, tag: str, lines: int, rate: float, best: Any) -> None:
                print(title)
                runs = [run(north, south, pid, f"{tag}{n}", lines, rate, args.listeners)
                        for n in range(args.runs)]
                for n, r in enumerate(runs):
                    show(f"run {n + 1}", r)
                show("best", best(runs))

            run(north, south, pid, "warm", 100, 200.0, args.listeners)
            count, pace = plan["latency"]
            series(f"latency: {count} lines at {pace:,.0f}/s, best of {args.runs} (lowest bus "
                   "added p99):", "lat", count, pace,
                   lambda runs: min(runs, key=lambda r: r["added"][1]))
            if plan["ramp"]:
                print(f"ramp: {args.lines} lines at each offered rate:")
            for rate in plan["ramp"]:
                show("", run(north, south, pid, f"ramp{rate:.0f}", args.lines, rate,
                             args.listeners))
            series(f"flat out: {args.lines} lines, {BATCH} a reactor turn, best of {args.runs}"
                   " (south's delivered rate):", "max", args.lines, 0.0,
                   lambda runs: max(runs, key=lambda r: r["south_rate"]))
            print(f"at the end: {busy()}")
            for child in children:
                child.ask({"do": "quit"})
        finally:
            for child in children:
                if child.process.stdin is not None:
                    child.process.stdin.close()   # a daemon stops when its orders end
                try:
                    child.process.wait(10)
                except subprocess.TimeoutExpired:
                    child.process.kill()
                    child.process.wait(10)
            redis.stop()


if __name__ == "__main__":
    main()
