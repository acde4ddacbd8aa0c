"""The MudService: autosave that survives failures, ordered shutdown, bind failures."""

from __future__ import annotations

import socket

import pytest
from twisted.internet import reactor
from twisted.internet.task import Clock

from mud.service import MudService
from tests.support import WirePlayer, make_game


def started(autosave: float = 10):
    clock = Clock()
    game = make_game(clock=clock)
    service = MudService(game, clock, autosave)
    service.startService()
    return service, game, clock


def test_autosave_runs_on_its_interval_and_survives_failed_saves():
    service, game, clock = started(autosave=10)
    player = WirePlayer(game)
    player.create("Ann")
    game.store.saves.clear()
    player.type("n")
    game.store.fail_saves = 2
    clock.advance(10)
    clock.advance(10)
    assert game.saves_failed == 2 and game.store.saves == []
    assert service.getServiceNamed("autosave").running
    clock.advance(10)
    assert game.saves_failed == 0
    assert game.store.characters["ann"].room == "village:high_street"


def test_an_exception_inside_autosave_does_not_stop_the_timer(monkeypatch):
    _service, game, clock = started(autosave=5)
    calls = []

    def broken():
        calls.append(1)
        raise RuntimeError("bug in snapshot")
    monkeypatch.setattr(game, "autosave", broken)
    clock.advance(5)
    clock.advance(5)
    clock.advance(5)
    # Each interval still calls it: the loop did not die with the first exception.
    assert len(calls) == 3


def test_stop_tells_players_saves_closes_and_closes_the_store():
    service, game, clock = started()
    player = WirePlayer(game)
    player.create("Ann")
    player.type("n")
    done = []
    service.stopService().addBoth(done.append)
    out = player.read()
    assert "shutting down" in out
    assert player.closed
    assert game.store.characters["ann"].room == "village:high_street"
    # The connection has not reported closing yet: the service waits a little for it.
    assert not done
    player.drop()
    clock.advance(0.1)
    assert done == [None]
    assert game.store.closed


def test_stop_does_not_wait_forever_for_connections_that_never_close():
    service, game, clock = started()
    WirePlayer(game).create("Ann")
    done = []
    service.stopService().addBoth(done.append)
    clock.pump([0.1] * 30)
    assert done == [None]


def test_a_port_in_use_exits_with_a_clear_message():
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    clock = Clock()
    service = MudService(make_game(clock=clock), clock, 60)
    service.listen(reactor, "tcp:0:interface=127.0.0.1", _factory(), "telnet")
    service.listen(reactor, f"tcp:{port}:interface=127.0.0.1", _factory(), "telnet")
    try:
        with pytest.raises(SystemExit, match="cannot listen"):
            service.privilegedStartService()
        # The listener that did bind was released again.
        assert all(listener.port is None for listener in service.listeners)
    finally:
        blocker.close()


def _factory():
    from twisted.internet.protocol import Factory, Protocol
    return Factory.forProtocol(Protocol)


# -- stopping within a bound, and what could not be saved --------------------------------------


def stopping(tmp_path, store=None, **options):
    from tests.support import run_now

    clock = Clock()
    game = make_game(clock=clock, store=store)
    options.setdefault("fallback_dir", str(tmp_path / "fallback"))
    options.setdefault("run_blocking", run_now)
    (tmp_path / "fallback").mkdir(exist_ok=True)
    service = MudService(game, clock, 60, **options)
    service.startService()
    return service, game, clock


def stop(service, clock, seconds: float = 30.0):
    from twisted.logger import capturedLogs

    done = []
    with capturedLogs() as events:
        service.stopService().addBoth(done.append)
        steps = int(seconds / 0.05)
        while not done and steps:
            clock.advance(0.05)
            steps -= 1
    text = "\n".join(str(e.get("log_format", "")).format(**e) for e in events
                     if "log_format" in e)
    return done, clock.seconds(), text


def test_a_clean_stop_saves_everything_writes_no_fallback_and_exits_0(tmp_path):
    service, game, clock = stopping(tmp_path)
    player = WirePlayer(game)
    player.create("Ann")
    player.type("n")
    done, _, _ = stop(service, clock)
    assert done == [None] and service.exit_status == 0 and service.fallback_path is None
    assert list((tmp_path / "fallback").iterdir()) == []
    assert game.store.characters["ann"].room == "village:high_street" and game.store.closed


def test_a_stop_that_cannot_save_retries_then_writes_the_fallback_file_and_says_where(tmp_path):
    from mud import unsaved
    from mud.process import UNSAVED

    service, game, clock = stopping(tmp_path, stop_timeout=10, save_grace=3)
    player = WirePlayer(game)
    player.create("Ann")
    player.type("n")
    game.store.fail_saves = 1000
    done, ended, log = stop(service, clock)
    assert done == [None] and ended <= 10
    assert game.saves_failed == 4  # the first attempt and one a second for save_grace
    assert service.exit_status == UNSAVED
    path = service.fallback_path
    assert path and path.startswith(str(tmp_path / "fallback"))
    with open(path, "rb") as handle:
        snapshot, _ = unsaved.decode(handle.read())
    assert {c.key: c.room for c in snapshot.characters} == {"ann": "village:high_street"}
    assert f"are in {path}" in log and f"-m mud.unsaved {path}" in log
    assert "could not be saved" in player.read()


def test_a_stop_ends_by_its_deadline_with_a_write_that_never_ends(tmp_path):
    from mud.process import UNSAVED
    from tests.support import LateStore

    store = LateStore()
    store.hold_saves = False
    service, game, clock = stopping(tmp_path, store=store, stop_timeout=10, save_grace=30)
    stuck = WirePlayer(game)
    stuck.create("Ann")
    store.hold_saves = True
    done, ended, log = stop(service, clock)
    assert done == [None] and ended <= 10
    assert stuck.closed  # told, though its transport never reports the close
    assert service.exit_status == UNSAVED and service.fallback_path
    # Closing the store would join its thread, stuck in the write.
    assert not store.closed and "still hung" in log


def test_a_fallback_file_that_cannot_be_written_leaves_the_records_in_the_log(tmp_path):
    from mud.process import UNSAVED

    def broken_disk(fn, *args):
        from twisted.internet.defer import fail
        return fail(OSError(28, "No space left on device"))
    service, game, clock = stopping(tmp_path, save_grace=0, run_blocking=broken_disk)
    player = WirePlayer(game)
    player.create("Ann")
    game.store.fail_saves = 1000
    done, _, log = stop(service, clock)
    assert done == [None] and service.exit_status == UNSAVED and not service.fallback_path
    assert "could not be written either" in log and '"key": "ann"' in log


def test_the_save_window_leaves_room_for_the_goodbyes_and_the_fallback_file(tmp_path):
    service, game, clock = stopping(tmp_path, stop_timeout=5, save_grace=60)
    WirePlayer(game).create("Ann")
    game.store.fail_saves = 1000
    done, ended, _ = stop(service, clock)
    # 5 s in all: the retries get what the goodbyes and the fallback file do not need.
    assert done == [None] and ended <= 5 and game.saves_failed == 2


# -- the process: signals, exit status, the watchdog -------------------------------------------


class FakeReactor:
    def __init__(self):
        self.calls = []
        self.when_running = []

    def callFromThread(self, fn, *args):
        self.calls.append(fn)

    def stop(self):
        pass

    def callWhenRunning(self, fn, *args):
        self.when_running.append(fn)


def test_stop_signals_stop_the_reactor_once_and_a_nohup_sighup_stays_ignored(monkeypatch):
    import signal as signals

    from mud.process import ProcessControl

    reactor = FakeReactor()
    control = ProcessControl(reactor, exit_now=lambda status: None)
    installed = {}
    monkeypatch.setattr(signals, "signal", lambda n, h: installed.__setitem__(n, h))
    monkeypatch.setattr(signals, "getsignal", lambda n: signals.SIG_IGN
                        if n == signals.SIGHUP else signals.SIG_DFL)
    control._install_signals()
    assert set(installed) == {signals.SIGTERM, signals.SIGINT}
    monkeypatch.setattr(signals, "getsignal", lambda n: signals.SIG_DFL)
    control._install_signals()
    assert installed[signals.SIGHUP] == control.on_signal
    control.on_signal(signals.SIGHUP)
    control.on_signal(signals.SIGTERM)
    assert reactor.calls == [reactor.stop]


def test_the_exit_status_is_handed_over_only_when_not_0():
    from mud.process import UNSAVED, ProcessControl

    exits = []
    control = ProcessControl(FakeReactor(), exit_now=exits.append)
    control._exit_with_status()
    assert exits == []
    control.status = UNSAVED
    control._exit_with_status()
    assert exits == [UNSAVED]


def test_the_watchdog_ends_a_stop_that_overstays_with_its_last_words():
    import threading

    from twisted.logger import capturedLogs

    from mud.process import UNSAVED, ProcessControl

    ended = threading.Event()
    exits = []
    control = ProcessControl(FakeReactor(),
                             exit_now=lambda status: (exits.append(status), ended.set()))
    control.status = UNSAVED
    control.last_words = lambda: "Not saved: ann"
    with capturedLogs() as events:
        control.start_watchdog(0.01)
        assert ended.wait(5)
    assert exits == [UNSAVED]
    assert any("Not saved: ann" in str(e.get("words")) for e in events)


def test_the_watchdog_exits_unsaved_when_the_stop_hung_before_the_fallback_file():
    import threading

    from mud.process import UNSAVED, ProcessControl

    ended = threading.Event()
    exits = []
    control = ProcessControl(FakeReactor(),
                             exit_now=lambda status: (exits.append(status), ended.set()))
    control.unsaved = lambda: True  # status still 0: the stop never reached the fallback
    control.start_watchdog(0.01)
    assert ended.wait(5)
    assert exits == [UNSAVED]


def test_the_stopping_settings_reach_the_service(tmp_path):
    from twisted.internet.testing import MemoryReactorClock

    from mud.config import Settings
    from mud.tap import build_service
    from tests.support import BUNDLED_WORLD, CHEAP

    settings = Settings(telnet=("tcp:0",), web=("tcp:0",), world=str(BUNDLED_WORLD),
                        data=str(tmp_path / "var"), stop_timeout=30, save_grace=12,
                        fallback_dir=str(tmp_path / "spill"))
    service = build_service(settings, reactor=MemoryReactorClock(), password_cost=CHEAP)
    assert (service.stop_timeout, service.save_grace, service.fallback_dir) == \
        (30, 12, str(tmp_path / "spill"))
    assert service.process is None  # only makeService (twistd) takes over the signals
