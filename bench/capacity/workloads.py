"""`make bench`'s workloads: each drives one running target over telnet and returns its
figures (a flat dict; bench/capacity/report.py knows their units and which way is better).

Every workload runs inside `run_one`'s reactor, against a server `run_one` started (and will
stop). `players` are logged in first (accounts seeded by the target when it can, else
created over telnet), `at_once` at a time; nothing before the measured window is counted.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from twisted.internet import defer, task

from bench.capacity.load import Bot, connect, cpu_pressure, cpu_seconds, percentile, rss_bytes
from bench.capacity.targets import Target

PASSWORD = "benchpass1"
STEP_TIMEOUT = 120.0


def name(i: int) -> str:
    """Letters only, so every server takes it as a name."""
    return "Cap" + "".join(chr(97 + int(d)) for d in f"{i:05d}")


@dataclass
class Run:
    """What a workload gets: the target (started), where it listens, its parameters."""
    reactor: object
    target: Target
    host: str
    port: int
    params: dict
    seeded: bool  # accounts exist: log in with login_steps, else create_steps
    rooms: int = 1
    notes: list[str] = field(default_factory=list)

    def pids(self) -> list[int]:
        return self.target.pids()


def pause(reactor, seconds: float) -> defer.Deferred[None]:
    return task.deferLater(reactor, seconds, lambda: None)


def bots_for(run: Run, count: int) -> list[Bot]:
    line = run.target.say("hello everyone")
    return [Bot(run.target.echo, run.target.heard, line) for _ in range(count)]


@defer.inlineCallbacks
def enter(run: Run, bots: list[Bot], first: int = 0, at_once: int = 50, room_of=None):
    """Connect and log in ``bots`` (the i-th as name(first + i)), ``at_once`` at a time;
    then, with ``room_of``, move each to its room."""
    target, reactor = run.target, run.reactor

    @defer.inlineCallbacks
    def one(i: int, bot: Bot):
        who = name(first + i)
        yield connect(reactor, run.host, run.port, bot, first + i)
        steps = (target.login_steps(who, PASSWORD) if run.seeded
                 else target.create_steps(who, PASSWORD))
        yield bot.steps(reactor, steps, STEP_TIMEOUT)
        if room_of is not None:
            yield bot.steps(reactor, target.goto_steps(room_of(first + i)), STEP_TIMEOUT)

    for start in range(0, len(bots), at_once):
        yield defer.gatherResults([one(i, b) for i, b in enumerate(bots[start:start + at_once],
                                                                      start)],
                                  consumeErrors=True)


def first_error(failure):
    """gatherResults wraps the first failure: unwrap it for a readable message."""
    value = failure.value
    return getattr(value, "subFailure", failure).getErrorMessage()


@defer.inlineCallbacks
def closed_loop(run: Run, talkers: list[Bot], seconds: float, warmup: float,
                rss_every: float = 0.0):
    """Every talker says a line as soon as its last came back; figures over the window."""
    reactor, pids = run.reactor, run.pids()
    for bot in talkers:
        bot.start_loop("loop")
    yield pause(reactor, warmup)
    for bot in talkers:
        bot.recording = True
    rss = [rss_bytes(pids)]
    waited = cpu_pressure()
    cpu, began, client = cpu_seconds(pids), time.perf_counter(), time.process_time()
    if rss_every:
        steps = int(seconds / rss_every)
        for _ in range(steps):
            yield pause(reactor, rss_every)
            rss.append(rss_bytes(pids))
    else:
        yield pause(reactor, seconds)
    cpu, wall = cpu_seconds(pids) - cpu, time.perf_counter() - began
    client = time.process_time() - client
    if waited is not None:
        waited = (cpu_pressure() - waited) / wall
    for bot in talkers:
        bot.recording = False
        bot.mode = ""
    commands = sum(b.echoes for b in talkers)
    deliveries = commands + sum(b.heards for b in talkers)
    waits = [w for b in talkers for w in b.waits]
    if not commands:
        raise RuntimeError(f"no say came back in {wall:.0f} s")
    figures = {
        "commands_per_s": commands / wall,
        "deliveries_per_s": deliveries / wall,
        "deliveries_per_command": deliveries / commands,
        "cpu_us_per_delivery": 1e6 * cpu / deliveries if deliveries else None,
        "server_cores": cpu / wall,
        "loadgen_cores": client / wall,
        "echo_p50_ms": 1000 * percentile(waits, 0.5),
        "echo_p99_ms": 1000 * percentile(waits, 0.99),
        "window_s": wall,
        "cpu_pressure": waited,
    }
    if rss_every:
        figures["rss_start_mib"] = rss[0] / 2**20
        figures["rss_growth_mib"] = (rss[-1] - rss[0]) / 2**20
        figures["rss_peak_growth_mib"] = (max(rss) - rss[0]) / 2**20
        # Bounded: the last third of the window grew by at most a tenth of the whole.
        third = rss[len(rss) * 2 // 3]
        figures["rss_late_growth_mib"] = (rss[-1] - third) / 2**20
    return figures


@defer.inlineCallbacks
def crowd(run: Run):
    p = run.params
    talkers = bots_for(run, p["players"])
    yield enter(run, talkers)
    yield pause(run.reactor, 1.0)
    figures = yield closed_loop(run, talkers, p["seconds"], p["warmup"])
    return figures


@defer.inlineCallbacks
def spread(run: Run):
    p = run.params
    rooms = run.rooms
    talkers = bots_for(run, p["players"])
    yield enter(run, talkers, room_of=lambda i: i % rooms)
    yield pause(run.reactor, 1.0)
    figures = yield closed_loop(run, talkers, p["seconds"], p["warmup"])
    return figures


@defer.inlineCallbacks
def open_loop(run: Run):
    """Each player says a line every 1/rate s (its own phase, jittered), whatever the
    server's answers; latency of each say to its echo."""
    p, reactor, pids = run.params, run.reactor, run.pids()
    rooms = run.rooms
    bots = bots_for(run, p["players"])
    yield enter(run, bots, room_of=lambda i: i % rooms)
    yield pause(reactor, 1.0)
    every = 1.0 / p["rate"]
    rng = random.Random(15)
    for bot in bots:
        bot.start_loop("open")
        bot.recording = True
    sent = 0
    cpu, began = cpu_seconds(pids), time.perf_counter()
    end = began + p["seconds"]

    def speaker(bot: Bot):
        nonlocal sent
        if time.perf_counter() >= end or bot.lost:
            return
        bot.say()
        sent += 1
        reactor.callLater(every * rng.uniform(0.8, 1.2), speaker, bot)

    for bot in bots:
        reactor.callLater(rng.uniform(0, every), speaker, bot)
    yield pause(reactor, p["seconds"])
    cpu, wall = cpu_seconds(pids) - cpu, time.perf_counter() - began
    grace = time.perf_counter() + p.get("grace", 10.0)
    while any(b.sent for b in bots) and time.perf_counter() < grace:
        yield pause(reactor, 0.2)
    answered = sum(b.echoes for b in bots)
    waits = [w for b in bots for w in b.waits]
    return {
        "offered_per_s": sent / wall,
        "answered_per_s": answered / wall,
        "unanswered": sent - answered,
        "echo_p50_ms": 1000 * percentile(waits, 0.5),
        "echo_p99_ms": 1000 * percentile(waits, 0.99),
        "server_cores": cpu / wall,
    }


@defer.inlineCallbacks
def stalled(run: Run):
    """`stalled` players stop reading their sockets while `players` talk in the same room."""
    p = run.params
    talkers = bots_for(run, p["players"])
    sleepers = bots_for(run, p["stalled"])
    yield enter(run, talkers + sleepers)
    for bot in sleepers:
        bot.transport.pauseProducing()  # never read again: the server's output piles up
    yield pause(run.reactor, 1.0)
    figures = yield closed_loop(run, talkers, p["seconds"], p["warmup"], rss_every=1.0)
    figures["stalled_still_connected"] = sum(1 for b in sleepers if not b.lost)
    return figures


@defer.inlineCallbacks
def memory(run: Run):
    p, reactor, pids = run.params, run.reactor, run.pids()
    yield pause(reactor, 2.0)
    before = rss_bytes(pids)
    bots = bots_for(run, p["players"])
    yield enter(run, bots, at_once=100)
    yield pause(reactor, 3.0)  # the logins' work done: saves, greetings
    after = rss_bytes(pids)
    return {"rss_before_mib": before / 2**20, "rss_after_mib": after / 2**20,
            "kib_per_connection": (after - before) / 1024 / p["players"]}


@defer.inlineCallbacks
def first_login(run: Run):
    """The time to the first player in game (run_one adds the start itself)."""
    began = time.perf_counter()
    bot = bots_for(run, 1)[0]
    yield enter(run, [bot])
    return {"first_login_s": time.perf_counter() - began}


@defer.inlineCallbacks
def storm(run: Run):
    """Every player connects at once and logs in (accounts with the server's real password
    cost): time until all are in."""
    p, reactor, pids = run.params, run.reactor, run.pids()
    bots = bots_for(run, p["players"])
    waits: list[float] = []
    cpu, began = cpu_seconds(pids), time.perf_counter()

    @defer.inlineCallbacks
    def one(i: int, bot: Bot):
        yield connect(reactor, run.host, run.port, bot, i)
        yield bot.steps(reactor, run.target.login_steps(name(i), PASSWORD), p["timeout"])
        waits.append(time.perf_counter() - began)

    results = yield defer.DeferredList([one(i, b) for i, b in enumerate(bots)],
                                       consumeErrors=True)
    seconds = time.perf_counter() - began
    cpu = cpu_seconds(pids) - cpu
    failed = [r for ok, r in results if not ok]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(bots)} logins failed, the first: "
                           f"{failed[0].getErrorMessage()}")
    return {"all_in_s": seconds, "logins_per_s": len(bots) / seconds,
            "login_p50_s": percentile(waits, 0.5), "server_cores": cpu / seconds}


# name -> (function, parameters, rooms the target must have, accounts seeded with real hash)
WORKLOADS: dict[str, tuple] = {
    "crowd50": (crowd, {"players": 50, "seconds": 10.0, "warmup": 2.0}, 1, False),
    "crowd200": (crowd, {"players": 200, "seconds": 10.0, "warmup": 2.0}, 1, False),
    "spread": (spread, {"players": 200, "per_room": 10, "seconds": 10.0, "warmup": 2.0},
               20, False),
    "openloop": (open_loop, {"players": 500, "per_room": 10, "rate": 0.2, "seconds": 20.0},
                 50, False),
    "stalled": (stalled, {"players": 20, "stalled": 20, "seconds": 15.0, "warmup": 2.0},
                1, False),
    "memory": (memory, {"players": 1000}, 1, False),
    "startup": (first_login, {"players": 1}, 1, False),
    "storm": (storm, {"players": 500, "timeout": 240.0}, 1, True),
}

# Per-target parameter changes, each said in docs/capacity.md beside the figures.
# The storm is 500, not issue 15's 2,000: with the server pinned to one core a default-cost
# scrypt check takes ~33 ms (2,000 would be over a minute of the 15; bench.login_storm runs
# the 2,000 with hashing on both cores). Evennia's login verifies a PBKDF2 hash of Django's
# default cost, ~0.7 s on one core: its storm is 100 (the per-login rate is what compares).
# Evennia logs in 3-5 players a second on a busy core even with the cheap hasher, so its
# memory figure is taken at 300 players (a per-connection figure; 1,000 would take minutes).
SMALLER: dict[str, dict[str, dict]] = {
    "evennia": {"storm": {"players": 100}, "memory": {"players": 300}},
}

QUICK: dict[str, dict] = {  # `--quick`: tiny numbers (tests, a smoke run)
    "crowd50": {"players": 5, "seconds": 1.0, "warmup": 0.5},
    "crowd200": {"players": 8, "seconds": 1.0, "warmup": 0.5},
    "spread": {"players": 8, "per_room": 2, "seconds": 1.0, "warmup": 0.5},
    "openloop": {"players": 10, "per_room": 2, "rate": 2.0, "seconds": 2.0, "grace": 3.0},
    "stalled": {"players": 3, "stalled": 2, "seconds": 2.0, "warmup": 0.5},
    "memory": {"players": 20},
    "startup": {},
    "storm": {"players": 10, "timeout": 60.0},
}


def parameters(workload: str, target: str, quick: bool = False) -> dict:
    params = dict(WORKLOADS[workload][1])
    params.update(SMALLER.get(target, {}).get(workload, {}))
    if quick:
        params.update(QUICK[workload])
    return params


def rooms_needed(workload: str, params: dict) -> int:
    if "per_room" in params:
        return max(1, params["players"] // params["per_room"])
    return WORKLOADS[workload][2]
