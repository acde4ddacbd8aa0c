"""twistd options and service assembly."""

from __future__ import annotations

import pytest
from twisted.internet.testing import MemoryReactorClock
from twisted.python import usage

from mud.config import Settings
from mud.errors import StartupError
from mud.protocols.peer_limits import CountingFactory
from mud.tap import Options, build_service, makeService
from tests.support import BUNDLED_WORLD, CHEAP


def parse(*args: str) -> Options:
    options = Options()
    options.parseOptions(list(args))
    return options


def test_defaults(monkeypatch):
    for key in ("MUD_CONFIG", "MUD_TELNET", "MUD_DATA", "MUD_WORLD", "MUD_AUTOSAVE"):
        monkeypatch.delenv(key, raising=False)
    settings = parse().settings
    assert settings.telnet == ("tcp:4000",) and settings.web == ("tcp:4080",)
    assert settings.data == "./var" and settings.autosave == 60
    assert settings.world.endswith("emberfall")


def test_telnet_is_repeatable_and_command_line_beats_config_and_env(tmp_path, monkeypatch):
    config = tmp_path / "c.yaml"
    config.write_text("telnet: tcp:1\nautosave: 30\ndata: d\n")
    monkeypatch.setenv("MUD_AUTOSAVE", "45")
    settings = parse("--config", str(config), "--telnet", "tcp:5", "--telnet",
                     "tcp:6:interface=127.0.0.1").settings
    assert settings.telnet == ("tcp:5", "tcp:6:interface=127.0.0.1")
    assert settings.autosave == 45
    assert settings.data == str(tmp_path / "d")
    assert parse("--config", str(config), "--autosave", "9").settings.autosave == 9
    assert parse("--output-buffer", "65536").settings.output_buffer == 65536
    flood = parse("--command-rate", "2.5", "--command-burst", "5").settings
    assert (flood.command_rate, flood.command_burst) == (2.5, 5)
    with pytest.raises(usage.UsageError, match="'output_buffer' must be at least 4096"):
        parse("--output-buffer", "10")


def test_allowed_origins_and_token_age_options():
    options = parse("--allowed-origins", "https://a.example,https://b.example",
                    "--allowed-origins", "http://c.example:8080", "--token-max-age", "3600")
    assert options.settings.allowed_origins == ("https://a.example", "https://b.example",
                                                "http://c.example:8080")
    assert options.settings.token_max_age == 3600
    with pytest.raises(usage.UsageError, match="'allowed_origins'"):
        parse("--allowed-origins", "evil")


def test_a_bad_setting_is_a_usage_error_naming_it(tmp_path):
    with pytest.raises(usage.UsageError, match="'autosave' must be a number"):
        parse("--autosave", "often")
    with pytest.raises(usage.UsageError, match="cannot read the config file"):
        parse("--config", str(tmp_path / "missing.yaml"))


def test_build_service_assembles_listeners_and_autosave(tmp_path):
    settings = Settings(telnet=("tcp:0", "tcp:0:interface=127.0.0.1"), web=("tcp:0",),
                        world=str(BUNDLED_WORLD), data=str(tmp_path / "var"), autosave=5)
    reactor = MemoryReactorClock()
    service = build_service(settings, reactor=reactor, password_cost=CHEAP)
    assert [(listener.what, listener.description) for listener in service.listeners] == [
        ("telnet", "tcp:0"), ("telnet", "tcp:0:interface=127.0.0.1"), ("web", "tcp:0"),
        ("metrics", "tcp:4090:interface=127.0.0.1")]
    assert service.getServiceNamed("autosave").step == 5
    assert (tmp_path / "var" / "mud.sqlite3").exists()
    service.privilegedStartService()
    assert len(reactor.tcpServers) == 4
    # The metrics listener binds loopback only unless told otherwise.
    assert reactor.tcpServers[3][0] == 4090 and reactor.tcpServers[3][3] == "127.0.0.1"
    # Every listener counts its connections against the per-address limits.
    assert all(isinstance(server[1], CountingFactory) for server in reactor.tcpServers)
    assert {server[1].limits for server in reactor.tcpServers} == {service.peer_limits}
    telnet_factory = reactor.tcpServers[0][1].wrappedFactory
    assert telnet_factory.output_cap == settings.output_buffer
    assert (service.game.command_rate, service.game.command_burst) == (10.0, 30)
    assert service.game.linkdead == 600
    assert parse("--linkdead", "0").settings.linkdead == 0
    assert reactor.tcpServers[1][3] == "127.0.0.1"
    assert telnet_factory.keepalive.interval == 30 and telnet_factory.keepalive.timeout == 20
    assert (service.game.login_timeout, service.game.idle_timeout) == (120, 0)


def test_dead_peer_and_idle_options_reach_the_listeners_and_the_game(tmp_path):
    options = parse("--ping-interval", "5", "--ping-timeout", "2.5", "--login-timeout", "0",
                    "--idle-timeout", "900", "--data", str(tmp_path / "var"),
                    "--world", str(BUNDLED_WORLD), "--telnet", "tcp:0", "--web", "tcp:0",
                    "--metrics", "none")
    reactor = MemoryReactorClock()
    service = build_service(options.settings, reactor=reactor, password_cost=CHEAP)
    service.privilegedStartService()
    telnet_factory, site = (server[1].wrappedFactory for server in reactor.tcpServers)
    assert (telnet_factory.keepalive.interval, telnet_factory.keepalive.timeout) == (5, 2.5)
    game_ws = site.resource.children[b"ws"]._factory
    assert (game_ws.autoPingInterval, game_ws.autoPingTimeout) == (5, 2.5)
    assert (site.presence.autoPingInterval, site.presence.autoPingTimeout) == (5, 2.5)
    assert (service.game.login_timeout, service.game.idle_timeout) == (0, 900)
    with pytest.raises(usage.UsageError, match="'ping_timeout' must be at least 1"):
        parse("--ping-timeout", "0")


def test_build_service_reports_a_broken_world_and_data_dir(tmp_path):
    with pytest.raises(StartupError, match="no such world folder"):
        build_service(Settings(world=str(tmp_path / "nope"), data=str(tmp_path)),
                      reactor=MemoryReactorClock())
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StartupError, match="cannot use the data directory"):
        build_service(Settings(world=str(BUNDLED_WORLD), data=str(blocker)),
                      reactor=MemoryReactorClock())


def test_make_service_exits_with_one_line_on_a_startup_error(tmp_path, capsys):
    options = parse("--world", str(tmp_path / "nope"))
    with pytest.raises(SystemExit) as exit_info:
        makeService(options)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("mud: ") and "no such world folder" in err
    assert len(err.strip().splitlines()) == 1


def test_make_service_freezes_the_loaded_world_out_of_full_collections(tmp_path, monkeypatch):
    import gc

    from mud.service import MudService
    calls = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(MudService, "control_process", lambda self, reactor=None: None)
    service = makeService(parse("--data", str(tmp_path)))
    assert calls == ["freeze"]
    assert service.game.world.rooms   # frozen after the world was loaded


def test_a_clustered_daemon_needs_a_realm_name_and_a_lone_one_joins_nothing(tmp_path):
    base = Settings(telnet=("tcp:0",), web=("tcp:0",), metrics=(), world=str(BUNDLED_WORLD),
                    data=str(tmp_path / "var"))
    for clustered in ({"redis": "redis://127.0.0.1:1/0"},
                      {"store": "postgresql://mud@127.0.0.1:1/mud"}):
        with pytest.raises(StartupError, match="needs a realm name of its own"):
            build_service(base.with_values(clustered, "test"), reactor=MemoryReactorClock(),
                          password_cost=CHEAP)
    lone = build_service(base, reactor=MemoryReactorClock(), password_cost=CHEAP)
    assert lone.game.connections.claims is None and lone.game.world.bus.link is None
    assert "directory" not in lone.game.world.parts


def test_a_realm_with_redis_has_its_link_and_directory_and_a_bad_url_stops_it(tmp_path):
    settings = Settings(telnet=("tcp:0",), web=("tcp:0",), metrics=(),
                        world=str(BUNDLED_WORLD), data=str(tmp_path / "var"),
                        realm="north", redis="redis://127.0.0.1:1/0")
    reactor = MemoryReactorClock()
    service = build_service(settings, reactor=reactor, password_cost=CHEAP)
    world = service.game.world
    assert world.bus.realm == "north" and "directory" in world.parts
    # The link attaches itself when the server starts, and is not stopped with it: the
    # closers say goodbye, then close it.
    assert world.bus.link is None
    service.startService()
    assert world.bus.link is not None and not world.bus.up
    with pytest.raises(StartupError, match="redis"):
        build_service(settings.with_values({"redis": "redis://127.0.0.1:notaport/0"}, "t"),
                      reactor=MemoryReactorClock(), password_cost=CHEAP)
