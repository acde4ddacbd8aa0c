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
    player.create("Wren")
    game.store.saves.clear()
    player.type("n")
    game.store.fail_saves = 2
    clock.advance(10)
    clock.advance(10)
    assert game.saves_failed == 2 and game.store.saves == []
    assert service.getServiceNamed("autosave").running
    clock.advance(10)
    assert game.saves_failed == 0
    assert game.store.characters["wren"].room == "village:high_street"


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
    player.create("Wren")
    player.type("n")
    done = []
    service.stopService().addBoth(done.append)
    out = player.read()
    assert "shutting down" in out
    assert player.closed
    assert game.store.characters["wren"].room == "village:high_street"
    # The connection has not reported closing yet: the service waits a little for it.
    assert not done
    player.drop()
    clock.advance(0.1)
    assert done == [None]
    assert game.store.closed


def test_stop_does_not_wait_forever_for_connections_that_never_close():
    service, game, clock = started()
    WirePlayer(game).create("Wren")
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
