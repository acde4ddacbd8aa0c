"""The metrics (mud/metrics.py): what a scrape of one server's registry says about its game,
parsed back with prometheus_client's own parser; the metrics setting (mud/config.py)."""

from __future__ import annotations

import itertools
import threading
from typing import Any

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from twisted.internet import task
from twisted.internet.testing import StringTransport

from mud import metrics as metrics_module
from mud.config import Settings, load_settings
from mud.errors import StartupError
from mud.metrics import Metrics, Tally
from mud.protocols.output_buffer import OutputBuffer
from mud.session import Session
from tests.support import LateStore, WirePlayer, joined_player, make_game


def scrape(metrics: Metrics) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Every sample of a scrape: {sample name: {sorted labels: value}}."""
    text = generate_latest(metrics.registry).decode()
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = \
                sample.value
    return samples


def value(samples: dict[str, Any], name: str, **labels: str) -> float:
    return samples[name][tuple(sorted(labels.items()))]


class WebConnection:
    """A web client's side of a session, as far as the game sees it."""

    via = "web"
    peer = "198.51.100.7"

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.output = OutputBuffer(StringTransport(), lambda data: None)

    def send(self, event: Any) -> None:
        self.events.append(event)

    def close(self) -> None:
        pass

    def entered(self, name: str) -> None:
        pass

    def set_colour(self, preference: str) -> None:
        pass


class Presence:
    """Stands in for the web site's presence feeds (PresenceFactory.listeners)."""

    def __init__(self, count: int) -> None:
        self.listeners = {WebConnection() for _ in range(count)}


@pytest.fixture
def clock() -> task.Clock:
    return task.Clock()


def test_connections_by_transport_players_and_linkdead(clock):
    game = make_game(clock=clock)
    metrics = Metrics(game, clock, Presence(2), process=False)
    ann = joined_player(game, "Ann")
    joined_player(game, "Bob")
    WirePlayer(game)  # at the login screen: a connection, no player
    web = Session(game, WebConnection())
    web.start()
    ann.drop()  # link-dead: still in the world, no connection
    samples = scrape(metrics)
    assert value(samples, "mud_connections", transport="telnet") == 2
    assert value(samples, "mud_connections", transport="web") == 1
    assert value(samples, "mud_connections", transport="presence") == 2
    assert value(samples, "mud_players") == 2
    assert value(samples, "mud_players_linkdead") == 1
    assert value(samples, "mud_scheduler_timers") == game.world.scheduler.live()


def test_commands_are_counted_by_transport_and_timed(clock):
    game = make_game(clock=clock)
    # Each reading of the fine clock is 2 ms after the last: every command takes 2 ms.
    ticks = itertools.count()
    metrics = Metrics(game, clock, timer=lambda: next(ticks) * 0.002, process=False)
    ann = WirePlayer(game)
    ann.create("Ann")  # logging in is not a command
    assert scrape(metrics)["mud_command_seconds_count"][()] == 0
    for line in ("look", "say hello", "inventory"):
        ann.type(line)
    ann.type("password secret1 secret2")  # waits on a password check (a Deferred)
    samples = scrape(metrics)
    assert value(samples, "mud_commands_total", transport="telnet") == 4
    assert value(samples, "mud_commands_total", transport="web") == 0
    assert value(samples, "mud_command_seconds_count") == 4
    assert value(samples, "mud_command_seconds_sum") == pytest.approx(0.008)
    assert value(samples, "mud_command_seconds_bucket", le="0.001") == 0
    assert value(samples, "mud_command_seconds_bucket", le="0.0025") == 4
    assert value(samples, "mud_command_seconds_bucket", le="+Inf") == 4


def test_output_buffers_and_drops(clock):
    game = make_game(clock=clock)
    metrics = Metrics(game, clock, process=False)
    ann = joined_player(game, "Ann")
    bob = joined_player(game, "Bob")
    buffer = bob.telnet.output
    buffer.pauseProducing()  # Bob's client stopped reading
    ann.type("say is anyone there?")
    samples = scrape(metrics)
    assert buffer.queued > 0
    assert value(samples, "mud_output_buffer_bytes") == buffer.queued
    assert value(samples, "mud_output_paused_connections") == 1
    drops = value(samples, "mud_output_drops_total")
    buffer.cap = buffer.queued + 10
    ann.type("say " + "x" * 100)  # past Bob's cap: he is cut off
    assert bob.wire.disconnecting
    samples = scrape(metrics)
    assert value(samples, "mud_output_drops_total") == drops + 1
    assert value(samples, "mud_output_buffer_bytes") == 0


def test_saves_are_timed_and_failures_counted(clock):
    store = LateStore()
    game = make_game(clock=clock, store=store)
    metrics = Metrics(game, clock, process=False)
    store.hold_saves = False
    joined_player(game, "Ann")
    store.hold_saves = True
    base = scrape(metrics)["mud_save_seconds_count"][()]
    game.save_everything()
    clock.advance(0.3)
    store.finish_save(ok=True)
    game.save_everything()
    clock.advance(2)
    store.finish_save(ok=False)
    samples = scrape(metrics)
    assert value(samples, "mud_save_seconds_count") == base + 2
    assert value(samples, "mud_save_seconds_bucket", le="0.25") == base
    assert value(samples, "mud_save_seconds_bucket", le="0.5") == base + 1
    assert value(samples, "mud_save_seconds_bucket", le="2.5") == base + 2
    assert value(samples, "mud_save_seconds_sum") == pytest.approx(2.3)
    assert value(samples, "mud_save_failures_total") == 1
    assert value(samples, "mud_save_failing") == 1


def test_login_failures_and_throttles(clock):
    game = make_game(clock=clock)
    metrics = Metrics(game, clock, process=False)
    joined_player(game, "Ann").type("quit")
    guesser = WirePlayer(game, peer="203.0.113.9")
    said = ""
    for guess in range(6):
        guesser.read()
        said = guesser.type(f"connect Ann wrong{guess}")
        if guesser.closed:
            guesser = WirePlayer(game, peer="203.0.113.9")
    samples = scrape(metrics)
    # Five free guesses; the sixth is held back by the throttle.
    assert "Too many failed logins" in said
    assert value(samples, "mud_login_failures_total") == 5
    assert value(samples, "mud_login_throttled_total") == 1


def test_reactor_and_scheduler_lag(clock):
    game = make_game(clock=clock)
    metrics = Metrics(game, clock, process=False)
    timers = game.world.scheduler.live()
    metrics.startService()
    clock.advance(1.0)  # both probes on time
    clock.advance(3.5)  # the clock jumps: both were due at 2.0 and fire at 4.5
    samples = scrape(metrics)
    for name in ("mud_reactor_lag_seconds", "mud_scheduler_lag_seconds"):
        assert value(samples, name + "_count") == 2
        assert value(samples, name + "_sum") == pytest.approx(2.5)
        assert value(samples, name + "_bucket", le="0.001") == 1
        assert value(samples, name + "_bucket", le="2.5") == 2
    clock.advance(0.5)  # back on the reactor's grid (5.0): on time again
    assert value(scrape(metrics), "mud_reactor_lag_seconds_count") == 3
    assert value(scrape(metrics), "mud_reactor_lag_seconds_sum") == pytest.approx(2.5)
    metrics.stopService()
    # Both probes are gone: no timer left on the scheduler, no more lag observed.
    assert game.world.scheduler.live() == timers
    clock.advance(10)
    assert value(scrape(metrics), "mud_reactor_lag_seconds_count") == 3


def test_each_server_has_its_own_registry(clock):
    one, two = make_game(clock=clock), make_game(clock=clock)
    first, second = Metrics(one, clock), Metrics(two, clock)
    joined_player(one, "Ann")
    assert first.registry is not second.registry
    assert value(scrape(first), "mud_players") == 1
    assert value(scrape(second), "mud_players") == 0
    # The process's own figures (resident memory) come from prometheus_client's collector.
    assert value(scrape(first), "process_resident_memory_bytes") > 0


def test_a_scrape_from_another_thread_reads_the_game_on_the_reactor(clock, monkeypatch):
    game = make_game(clock=clock)
    metrics = Metrics(game, clock, process=False)
    joined_player(game, "Ann")
    handed: list[Any] = []
    clock.callFromThread = handed.append  # type: ignore[attr-defined]
    found: list[Any] = []
    reader = threading.Thread(target=lambda: found.append(scrape(metrics)))
    reader.start()
    while not handed:
        reader.join(0.01)
    assert found == []  # waiting for the reactor to read the game
    handed.pop()()  # the reactor runs it
    reader.join(5)
    assert value(found[0], "mud_players") == 1
    # A reactor that never answers (a stop): the scrape has no game figures, and ends.
    monkeypatch.setattr(metrics_module, "READ_TIMEOUT", 0.05)
    reader = threading.Thread(target=lambda: found.append(scrape(metrics)))
    reader.start()
    reader.join(5)
    assert not reader.is_alive() and "mud_players" not in found[1]


def test_tally_puts_a_value_on_a_bound_in_that_bucket():
    tally = Tally((0.1, 1.0))
    for seconds in (0.1, 0.5, 1.0, 7.0):
        tally.observe(seconds)
    assert tally.counts == [1, 2, 1] and tally.count == 4


def test_a_command_done_lands_in_the_bucket_tally_observe_would_put_it(clock):
    # command_done adds to its tally without calling observe: the two must agree, bounds
    # ("le") included.
    from mud.metrics import COMMAND_BUCKETS
    game = make_game(clock=clock)
    taken = [*COMMAND_BUCKETS[:3], 0.0003, 99.0]
    readings = iter(x for seconds in taken for x in (0.0, seconds))
    metrics = Metrics(game, clock, timer=lambda: next(readings), process=False)
    tally = Tally(COMMAND_BUCKETS)
    for seconds in taken:
        metrics.command_done("telnet", metrics.timer())
        tally.observe(seconds)
    assert metrics.command_seconds.snapshot() == tally.snapshot()
    assert metrics.commands["telnet"] == len(taken)


def test_the_metrics_setting():
    assert Settings().metrics == ("tcp:4090:interface=127.0.0.1",)
    assert load_settings(environ={"MUD_METRICS": "none"}).metrics == ()
    assert load_settings(environ={"MUD_METRICS": "tcp:9100, tcp:9101"}).metrics == \
        ("tcp:9100", "tcp:9101")
    assert load_settings(environ={}, command_line={"metrics": ["None"]}).metrics == ()
    assert Settings().with_values({"metrics": False}, "f.yaml").metrics == ()  # YAML off
    assert Settings().with_values({"metrics": []}, "f.yaml").metrics == ()
    with pytest.raises(StartupError, match="'metrics' is either none or endpoints"):
        Settings().with_values({"metrics": ["none", "tcp:9100"]}, "f.yaml")
    with pytest.raises(StartupError, match="'metrics' must be an endpoint string"):
        Settings().with_values({"metrics": 9100}, "f.yaml")


def test_importing_the_server_does_not_install_a_reactor():
    """twistd's --reactor must still get to choose: prometheus_client's Twisted resource
    imports the global reactor, so it is imported only when a metrics site is made."""
    import subprocess
    import sys

    code = ("import sys, mud.tap, mud.metrics, mud.protocols.metrics_web; "
            "assert 'twisted.internet.reactor' not in sys.modules, 'a reactor was installed'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
