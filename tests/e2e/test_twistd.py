"""The real twistd: plugin and mud.tac, SIGTERM with players on, restart, start-up errors."""

from __future__ import annotations

import shutil
import signal
import socket
from pathlib import Path

import pytest

from tests.e2e.processes import Player, Server, kill_9, log_in, saved_room, telnet_server, until
from tests.support import BUNDLED_WORLD, ROOT, plain


def test_plugin_serves_players_and_sigterm_saves_everything(tmp_path, servers):
    server = telnet_server(tmp_path, servers)
    player = log_in(server, "create Rowan secret1", "Village Square")
    player.ask("n", "High Street")
    player.ask("say waiting for the end", 'You say, "waiting for the end"')

    server.proc.send_signal(signal.SIGTERM)
    player.wait_for("The server is shutting down")
    player.wait_for("Your character is saved")
    assert player.closed_by_server()
    assert server.finish() == 0
    assert "Traceback" not in server.output()

    again = telnet_server(tmp_path, servers)
    player = log_in(again, "connect rowan secret1", "[Exits:")
    out = plain(player.buffer)
    assert "High Street" in out and "Village Square" not in out
    player.ask("quit", "Farewell")


def test_mud_tac_reads_environment_and_runs_from_any_directory(tmp_path, servers):
    env = {"MUD_TELNET": "tcp:0:interface=127.0.0.1", "MUD_WEB": "tcp:0:interface=127.0.0.1",
           "MUD_DATA": str(tmp_path / "tacdata"),
           "MUD_AUTOSAVE": "5"}
    server = Server(["-y", str(ROOT / "mud.tac")], tmp_path, env=env)
    servers.append(server)
    player = Player(server.port())
    player.ask("create Tacy secret1", "Village Square")
    player.ask("who", "Tacy")
    server.proc.send_signal(signal.SIGTERM)
    assert server.finish() == 0
    assert (tmp_path / "tacdata" / "mud.sqlite3").exists()


def test_config_file_with_command_line_winning(tmp_path, servers):
    config = tmp_path / "mud.yaml"
    config.write_text("telnet: tcp:1:interface=127.0.0.1\ndata: confdata\nautosave: 30\n")
    server = Server(["mud", "--config", str(config), "--telnet",
                     "tcp:0:interface=127.0.0.1"], tmp_path)
    servers.append(server)
    Player(server.port()).wait_for("What name do you go by?")
    # The config's relative data path is relative to the config file.
    assert (tmp_path / "confdata" / "mud.sqlite3").exists()


def broken_world(tmp_path: Path) -> Path:
    world = tmp_path / "broken"
    shutil.copytree(BUNDLED_WORLD, world)
    rooms = world / "village" / "rooms.yaml"
    text = rooms.read_text()
    rooms.write_text(text.replace("north: high_street", "north: nowhere", 1))
    assert "north: nowhere" in rooms.read_text()
    return world


@pytest.mark.parametrize("how", ["plugin", "tac"])
def test_broken_world_stops_startup_with_one_clear_message(tmp_path, how):
    world = broken_world(tmp_path)
    if how == "plugin":
        server = Server(["mud", "--world", str(world), "--telnet", "tcp:0"], tmp_path)
    else:
        server = Server(["-y", str(ROOT / "mud.tac")], tmp_path,
                        env={"MUD_WORLD": str(world), "MUD_TELNET": "tcp:0", "MUD_WEB": "tcp:0"})
    assert server.finish() != 0
    out = server.output()
    assert 'room "village:square": exit "north" leads to unknown room "village:nowhere"' in out
    assert "rooms.yaml" in out
    assert "Traceback" not in out


@pytest.mark.parametrize("args, expected", [
    (["--world", "/no/such/world"], "/no/such/world: no such world folder"),
    (["--telnet", "bogus:1"], "not a usable endpoint"),
    (["--autosave", "soon"], "'autosave' must be a number"),
])
def test_bad_settings_stop_startup_cleanly(tmp_path, args, expected):
    server = Server(["mud", *args], tmp_path)
    assert server.finish() != 0
    assert expected in server.output()
    assert "Traceback" not in server.output()


def test_busy_port_stops_startup_cleanly(tmp_path):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    port = blocker.getsockname()[1]
    try:
        server = Server(["mud", "--telnet", f"tcp:{port}:interface=127.0.0.1",
                         "--data", str(tmp_path / "d")], tmp_path)
        assert server.finish() != 0
        out = server.output()
        assert f"tcp:{port}:interface=127.0.0.1" in out and "cannot listen" in out
        assert "Traceback" not in out
    finally:
        blocker.close()


def test_kill_9_loses_at_most_the_changes_since_the_last_autosave(tmp_path, servers):
    data = tmp_path / "var"
    args = ["mud", "--telnet", "tcp:0:interface=127.0.0.1", "--data", str(data),
            "--autosave", "1"]
    server = Server(args, tmp_path)
    servers.append(server)
    player = Player(server.port())
    player.ask("create Kit secret1", "Village Square")
    player.ask("n", "High Street")
    until(lambda: saved_room(data, "kit") == "village:high_street", timeout=10,
          what="an autosave writing the move")
    kill_9(server, data)
    again = Server(args, tmp_path)
    servers.append(again)
    player = Player(again.port())
    player.wait_for("What name do you go by?")
    out = player.ask("connect kit secret1", "[Exits:")
    assert "High Street" in out
