"""Prometheus metrics for one server: what ``/metrics`` on the metrics listener serves.

``Metrics`` is a service holding one server's own ``CollectorRegistry`` (never the global
default one, so several servers in one process, as in the tests, never collide). Most
figures are read from the game when a scrape asks for them (``_GameCollector``): who is
connected and how, players and link-dead bodies, output buffers, timers, login failures.
Nothing on a hot path is touched for those. The few things that must be counted as they
happen are kept in plain integers and ``Tally`` histograms on the reactor thread:

- each command a player in the game runs (``command_done``: one dictionary increment and
  one bisect; the session calls it, see mud/session.py);
- each write of the save queue (``saved``: its duration, and whether it failed);
- how late a timer fires: a ``LoopingCall`` on the reactor (reactor lag) and a timer on
  the world's scheduler (scheduler lag), each every ``interval`` seconds.

A scrape runs in twisted.web's WSGI thread (prometheus_client's ``MetricsResource``), while
the game lives on the reactor thread: the collector hands the reading of the game to the
reactor (``callFromThread``) and waits for it (at most ``READ_TIMEOUT`` seconds, so a
scrape during a stop never holds the process), then builds the metric families in its
own thread. prometheus_client writes the text format; nothing here formats exposition.
The process's own figures (resident memory, CPU, open files) come from prometheus_client's
``ProcessCollector`` (Linux ``/proc``). Every metric is listed in docs/metrics.md.
"""

from __future__ import annotations

import math
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.utils import floatToGoString
from twisted.application.service import Service
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from mud.engine.model import NOBODY
from mud.protocols.output_buffer import OutputBuffer

if TYPE_CHECKING:
    from mud.game import Game

log = Logger()

# Connections are counted by these transports (a label each, 0 when there are none).
TRANSPORTS = ("telnet", "web", "presence")
# Seconds between the lag probes (the reactor's LoopingCall, the world scheduler's timer).
LAG_INTERVAL = 1.0
# Longest a scrape waits for the reactor to read the game (then it has no game figures).
READ_TIMEOUT = 5.0
# Histogram bucket bounds, in seconds. A command usually takes tens of microseconds; one
# that hashes a password (password, quit's save) tens of milliseconds.
COMMAND_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                   0.25, 0.5, 1.0, 2.5, 5.0)
SAVE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                30.0)
LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Tally:
    """A histogram kept by one thread: a count per bucket (the last is +Inf) and the sum.
    Cheaper than prometheus_client's ``Histogram`` (no locks): it is only ever touched on
    the reactor thread, and read there too (``snapshot``)."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = tuple(bounds)
        self.counts = [0] * (len(self.bounds) + 1)
        self.total = 0.0

    def observe(self, value: float) -> None:
        # A value equal to a bound belongs to that bound's bucket ("le"): bisect_left.
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value

    @property
    def count(self) -> int:
        return sum(self.counts)

    def snapshot(self) -> tuple[tuple[float, ...], list[int], float]:
        return self.bounds, list(self.counts), self.total


def histogram(name: str, documentation: str,
              snapshot: tuple[tuple[float, ...], list[int], float]) -> HistogramMetricFamily:
    """A Tally's snapshot as a metric family (cumulative buckets, as Prometheus wants)."""
    bounds, counts, total = snapshot
    buckets: list[tuple[str, float]] = []
    running = 0
    for bound, count in zip((*bounds, math.inf), counts, strict=True):
        running += count
        buckets.append((floatToGoString(bound), running))
    return HistogramMetricFamily(name, documentation, buckets=buckets, sum_value=total)


def output_buffer(connection: Any) -> OutputBuffer | None:
    """The bounded output buffer behind a session's connection or a presence feed: a
    WebSocket holds it, a telnet protocol's TelnetTransport does."""
    buffer = getattr(connection, "output", None)
    if buffer is None:
        buffer = getattr(getattr(connection, "transport", None), "output", None)
    return buffer if isinstance(buffer, OutputBuffer) else None


class Metrics(Service):
    """One server's metrics: the registry ``/metrics`` serves, what is counted as it
    happens, and the lag probes (running while the service runs)."""

    def __init__(self, game: Game, clock: Any, presence: Any = None,
                 timer: Callable[[], float] = time.perf_counter,
                 interval: float = LAG_INTERVAL, process: bool = True) -> None:
        self.game = game
        # The reactor (or a task.Clock in tests): the game's clock, and what a scrape's
        # thread hands the reading of the game to.
        self.clock = clock
        # The web site's presence feeds (mud/protocols/presence.py), if any.
        self.presence = presence
        # Command durations are measured on a fine clock of their own (microseconds).
        self.timer = timer
        self.interval = interval
        # Counted as it happens, on the reactor thread.
        self.commands: dict[str, int] = {"telnet": 0, "web": 0}
        self.command_seconds = Tally(COMMAND_BUCKETS)
        self.save_seconds = Tally(SAVE_BUCKETS)
        self.save_failures = 0
        self.scheduler_lag = Tally(LAG_BUCKETS)
        self.reactor_lag = Tally(LAG_BUCKETS)
        # The thread the game lives on (build_service runs on the reactor's).
        self._home = threading.get_ident()
        # auto_describe: the registry learns each collector's metric names by collecting
        # once (here, on the reactor thread), so ?name[]=... can pick metrics by name.
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_GameCollector(self))
        if process:
            # Resident memory, CPU seconds, open files (Linux /proc; nothing elsewhere).
            ProcessCollector(registry=self.registry)
        self._loop: LoopingCall | None = None
        self._loop_last = 0.0
        self._probe: Any = None
        game.metrics = self
        game.saves.observers.append(self.saved)

    # -- counted as it happens (reactor thread) ------------------------------------------------

    def command_done(self, via: str, began: float) -> None:
        """A player's command, begun at ``began`` (on ``timer``), has finished."""
        # Tally.observe, written out: this runs once for every command the game takes.
        seconds = self.timer() - began
        tally = self.command_seconds
        tally.counts[bisect_left(tally.bounds, seconds)] += 1
        tally.total += seconds
        commands = self.commands
        commands[via] = commands.get(via, 0) + 1

    def command_done_later(self, result: object, via: str, began: float) -> object:
        """``command_done`` as a Deferred's callback (a command that waits on work)."""
        self.command_done(via, began)
        return result

    def saved(self, seconds: float, ok: bool) -> None:
        """A write of the save queue ended after ``seconds``; ``ok``: it landed."""
        self.save_seconds.observe(max(0.0, seconds))
        if not ok:
            self.save_failures += 1

    # -- lag probes ----------------------------------------------------------------------------

    def startService(self) -> None:
        super().startService()
        loop = LoopingCall(self._reactor_tick)
        loop.clock = self.clock
        loop.start(self.interval, now=False)
        self._loop = loop
        self._loop_last = loop.starttime or self.clock.seconds()
        self._arm_probe()

    def stopService(self) -> Any:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self._loop = None
        if self._probe is not None:
            self._probe.cancel()
            self._probe = None
        return super().stopService()

    def _reactor_tick(self) -> None:
        # The LoopingCall keeps to a grid (start + k * interval) and skips the points a
        # blocked reactor missed: this call was due at the first grid point after the last.
        loop = self._loop
        if loop is None or loop.starttime is None:
            return
        now = self.clock.seconds()
        start, interval = loop.starttime, self.interval
        due = start + (math.floor((self._loop_last - start) / interval) + 1) * interval
        self.reactor_lag.observe(max(0.0, now - due))
        self._loop_last = now

    def _arm_probe(self) -> None:
        due = self.clock.seconds() + self.interval
        self._probe = self.game.world.scheduler.call_later(self.interval, self._scheduler_tick,
                                                           due)

    def _scheduler_tick(self, due: float) -> None:
        self._probe = None
        self.scheduler_lag.observe(max(0.0, self.clock.seconds() - due))
        if self.running:
            self._arm_probe()

    # -- reading the game (a scrape) -----------------------------------------------------------

    def read(self) -> dict[str, Any]:
        """Every figure taken from the game, now. On the reactor thread only."""
        game = self.game
        connections = dict.fromkeys(TRANSPORTS, 0)
        queued = paused = 0
        feeds = list(getattr(self.presence, "listeners", ()))
        for holder, via in [(s.connection, s.via) for s in game.connections.sessions] + \
                [(feed, "presence") for feed in feeds]:
            connections[via] = connections.get(via, 0) + 1
            buffer = output_buffer(holder)
            if buffer is not None and not buffer.closed:
                queued += buffer.queued
                paused += buffer.paused
        online = list(game.world.online.values())
        return {
            "connections": connections,
            "players": len(online),
            "linkdead": sum(1 for c in online if c.link is NOBODY),
            "queued": queued, "paused": paused, "drops": OutputBuffer.overflows,
            "commands": dict(self.commands),
            "command_seconds": self.command_seconds.snapshot(),
            "save_seconds": self.save_seconds.snapshot(),
            "save_failures": self.save_failures,
            "saves_failing": game.saves.failures,
            "login_failures": game.login_failures,
            "login_throttled": game.login_throttled,
            "timers": game.world.scheduler.live(),
            "scheduler_lag": self.scheduler_lag.snapshot(),
            "reactor_lag": self.reactor_lag.snapshot(),
            "bus": bus_figures(game.world.bus),
        }

    def figures(self) -> dict[str, Any] | None:
        """``read()`` from whichever thread asks: a scrape's thread waits for the reactor
        (None if it does not answer within READ_TIMEOUT seconds, e.g. while stopping)."""
        if threading.get_ident() == self._home:
            return self.read()
        box: list[dict[str, Any]] = []
        done = threading.Event()

        def run() -> None:
            try:
                box.append(self.read())
            except Exception:
                log.failure("reading the game for /metrics failed")
            finally:
                done.set()
        self.clock.callFromThread(run)
        return box[0] if done.wait(READ_TIMEOUT) and box else None


def bus_figures(bus: Any) -> dict[str, Any] | None:
    """The bus's figures, when the daemon has a link to other realms (None alone): its
    counts, and what the link counts of its own (mud/cluster/redis_link.py's figures():
    reconnects, publishes waiting on the broker, drops by direction and reason)."""
    if bus is None or bus.link is None:
        return None
    own = getattr(bus.link, "figures", None)
    link = own() if callable(own) else {}
    dropped = link.get("dropped")
    if dropped is None:
        dropped = {("out", "down"): bus.dropped} if bus.dropped else {}
    return {"up": bus.up, "published": bus.published, "received": bus.received,
            "dropped": dropped, "reconnects": link.get("reconnects"),
            "pending": link.get("pending")}


def _bus_metrics(f: dict[str, Any]) -> Iterator[Metric]:
    yield GaugeMetricFamily("mud_bus_up", "1 while the link to the other realms (Redis) "
                            "is up, 0 while it is down and cross-realm messages are "
                            "dropped.", value=1 if f["up"] else 0)
    yield CounterMetricFamily("mud_bus_published", "Messages this daemon sent to the "
                              "other realms.", value=f["published"])
    yield CounterMetricFamily("mud_bus_received", "Messages from other realms handed to "
                              "this daemon's game.", value=f["received"])
    dropped = CounterMetricFamily("mud_bus_dropped", "Bus messages dropped, by direction "
                                  "(out, in) and reason (down, oversize, unencodable, "
                                  "congested, unanswered; malformed, version, same_realm).",
                                  labels=["direction", "reason"])
    for (direction, reason), count in sorted(f["dropped"].items()):
        dropped.add_metric([direction, reason], count)
    yield dropped
    if f["reconnects"] is not None:
        yield CounterMetricFamily("mud_bus_reconnects", "Times the link to the other realms "
                                  "came back after being lost.", value=f["reconnects"])
    if f["pending"] is not None:
        yield GaugeMetricFamily("mud_bus_pending", "Messages sent to the broker that it has "
                                "not acknowledged yet.", value=f["pending"])


class _GameCollector:
    """The game's figures at scrape time, as metric families."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        f = self.metrics.figures()
        if f is None:
            return
        connections = GaugeMetricFamily(
            "mud_connections", "Open connections by transport: telnet, web (the game "
            "WebSocket) and presence (the /presence feed); at the login screen included.",
            labels=["transport"])
        for via, count in sorted(f["connections"].items()):
            connections.add_metric([via], count)
        yield connections
        yield GaugeMetricFamily("mud_players", "Characters in the world, link-dead "
                                "ones included.", value=f["players"])
        yield GaugeMetricFamily("mud_players_linkdead", "Characters whose connection died, "
                                "waiting in the world for their player.", value=f["linkdead"])
        commands = CounterMetricFamily("mud_commands", "Commands run by players in the "
                                       "game, by transport.", labels=["transport"])
        for via, count in sorted(f["commands"].items()):
            commands.add_metric([via], count)
        yield commands
        yield histogram("mud_command_seconds", "How long a player's command took to run, "
                        "until its answer was sent (or, for a command that waits on work "
                        "such as a password check, until that work ended).",
                        f["command_seconds"])
        yield GaugeMetricFamily("mud_output_buffer_bytes", "Output queued in the bounded "
                                "buffers of connections that stopped reading (beyond what "
                                "the kernel and Twisted hold).", value=f["queued"])
        yield GaugeMetricFamily("mud_output_paused_connections", "Connections whose "
                                "transport has paused output (a slow or stalled reader).",
                                value=f["paused"])
        yield CounterMetricFamily("mud_output_drops", "Connections cut off because their "
                                  "unread output passed --output-buffer (in this process).",
                                  value=f["drops"])
        yield histogram("mud_save_seconds", "How long each write of the save queue took, "
                        "failed ones included.", f["save_seconds"])
        yield CounterMetricFamily("mud_save_failures", "Writes of the save queue that "
                                  "failed (kept in memory and retried).",
                                  value=f["save_failures"])
        yield GaugeMetricFamily("mud_save_failing", "Writes that have failed in a row "
                                "(0 when the last one landed).", value=f["saves_failing"])
        yield CounterMetricFamily("mud_login_failures", "Password logins refused for a "
                                  "wrong name or password.", value=f["login_failures"])
        yield CounterMetricFamily("mud_login_throttled", "Password logins refused by the "
                                  "failed-login throttle (too many failures for that name "
                                  "or from that address).", value=f["login_throttled"])
        yield GaugeMetricFamily("mud_scheduler_timers", "Live timers on the world's "
                                "scheduler, asleep or awake.", value=f["timers"])
        yield histogram("mud_scheduler_lag_seconds", "How late a timer on the world's "
                        "scheduler fired (a probe timer every second).", f["scheduler_lag"])
        yield histogram("mud_reactor_lag_seconds", "How late a LoopingCall on the reactor "
                        "fired (every second): the time the reactor was busy or blocked.",
                        f["reactor_lag"])
        if f.get("bus") is not None:
            yield from _bus_metrics(f["bus"])
