"""A closed loop of talkers (every one says a line as soon as its last came back) and the
warm-up before its measured window: the crowded-room workloads' core (workloads.py).

The window opens once every talker has had an echo, so a slow server's first round (all
the first says queued at once) is not in it. A server that stops answering altogether
during the warm-up (Evennia's portal and server losing their AMP link under the load) fails
the run after ``STALL_S`` seconds without any echo, not at the end of the warm-up's limit:
the runner's retry then starts sooner, from a fresh server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

from twisted.internet import defer, task
from twisted.internet.interfaces import IReactorTime

from bench.capacity.load import Bot, cpu_pressure, cpu_seconds, percentile, rss_bytes

if TYPE_CHECKING:
    from bench.capacity.workloads import Run

WARMUP_LIMIT = 60.0  # a closed loop's warm-up waits this long at most for every first echo
# A warm-up in which no talker's say came back for this long has stalled: the server stopped.
STALL_S = 20.0
# The talkers' first says are spread over this long, not all sent at once.
STAGGER_S = 2.0


def pause(reactor: IReactorTime, seconds: float) -> defer.Deferred[None]:
    """Fires after ``seconds`` on the reactor."""
    return task.deferLater(reactor, seconds, lambda: None)


@defer.inlineCallbacks
def warm_up(reactor: IReactorTime, talkers: list[Bot], least: float,
            most: float = WARMUP_LIMIT, stall: float = STALL_S,
            timer: Callable[[], float] = time.perf_counter,
            ) -> Generator[defer.Deferred, object, float]:
    """Wait ``least`` seconds and then until every talker has had an echo (at most ``most``
    seconds in all): a slow server's first round, everyone's first say queued at once, is no
    steady state. Returns the seconds waited. Raises RuntimeError if no say at all came
    back for ``stall`` seconds while a talker still waited for its first."""
    began = timer()
    yield pause(reactor, least)
    answered, since = -1, began
    while any(b.answers < 1 and not b.lost for b in talkers) and timer() - began < most:
        now, total = timer(), sum(b.answers for b in talkers)
        if total != answered:
            answered, since = total, now
        elif now - since >= stall:
            waiting = sum(1 for b in talkers if b.answers < 1 and not b.lost)
            raise RuntimeError(
                f"the server stopped answering: no say came back for {stall:g} s in the "
                f"warm-up, {waiting} of {len(talkers)} talkers still without an echo "
                f"({total} echoes in all, {now - began:.0f} s in)")
        yield pause(reactor, 0.1)
    return timer() - began


@defer.inlineCallbacks
def closed_loop(run: Run, talkers: list[Bot], seconds: float, warmup: float,
                rss_every: float = 0.0,
                stalled: int = 0) -> Generator[defer.Deferred, object, dict]:
    """Every talker says a line as soon as its last came back (their first says spread
    over ``STAGGER_S``: the window is steady state either way, and a server is not handed
    them all in one read); figures over the window, which starts once every talker has had
    an echo (warm_up). ``stalled``: players in the
    room who never read; each command is a delivery to each of them too (the server renders
    and queues it, or drops it past its cap), counted in the CPU per delivery."""
    reactor, pids = run.reactor, run.pids()
    spread = run.params.get("stagger", STAGGER_S) / max(1, len(talkers))
    starts = [reactor.callLater(i * spread, bot.start_loop, "loop")
              for i, bot in enumerate(talkers)]
    try:
        warmed = yield warm_up(reactor, talkers, warmup,
                               run.params.get("warmup_limit", WARMUP_LIMIT),
                               run.params.get("warmup_stall", STALL_S))
    finally:
        for call in starts:
            if call.active():
                call.cancel()
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
    seen = commands + sum(b.heards for b in talkers)
    deliveries = seen + commands * stalled
    waits = [w for b in talkers for w in b.waits]
    if not commands:
        answered = sum(1 for b in talkers if b.answers)
        raise RuntimeError(f"no say came back in the {wall:.0f} s window (after a warm-up of "
                           f"{warmed:.0f} s in which {answered} of {len(talkers)} talkers had "
                           f"an echo, {sum(b.answers for b in talkers)} in all)")
    figures = {
        "commands_per_s": commands / wall,
        "deliveries_per_s": seen / wall,
        "deliveries_per_command": seen / commands,
        "cpu_us_per_delivery": 1e6 * cpu / deliveries if deliveries else None,
        "warmup_s": warmed,
        "slowest_talker_commands": min(b.echoes for b in talkers),
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
