"""The real twistd: plugin and mud.tac, SIGTERM with players on, restart, start-up errors."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import BUNDLED_WORLD, ROOT, plain

TWISTD = str(Path(sys.executable).parent / "twistd")
# twistd stops cleanly on SIGTERM, then re-raises the signal on itself so the parent sees it.
CLEAN_EXIT = (0, -signal.SIGTERM)
LISTENING = re.compile(r"telnet listening on 127\.0\.0\.1:(\d+)")


def _web_on_free_port(args: list[str]) -> list[str]:
    """Tests never take the default web port 4080: the plugin gets --web tcp:0."""
    if args and args[0] == "mud" and "--web" not in args:
        return [*args, "--web", "tcp:0:interface=127.0.0.1"]
    return args


class Server:
    def __init__(self, args: list[str], tmp: Path, env: dict[str, str] | None = None,
                 cwd: Path | None = None) -> None:
        self.log = tmp / f"twistd-{time.monotonic_ns()}.log"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("MUD_")}
        environ.update(env or {})
        with open(self.log, "wb") as out:
            command = [TWISTD, "--nodaemon", "--pidfile=", *_web_on_free_port(args)]
            self.proc = subprocess.Popen(command,
                                         stdout=out, stderr=subprocess.STDOUT, env=environ,
                                         cwd=str(cwd or tmp))

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def port(self, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = LISTENING.search(self.output())
            if found:
                return int(found.group(1))
            if self.proc.poll() is not None:
                raise AssertionError(f"twistd exited early:\n{self.output()}")
            time.sleep(0.05)
        raise AssertionError(f"twistd never listened:\n{self.output()}")

    def finish(self, timeout: float = 20.0) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Player:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""
        self.mark = 0

    def wait_for(self, text: str, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            current = plain(self.buffer)
            at = current.find(text, self.mark)
            if at >= 0:
                self.mark = at + len(text)
                return current
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} in {current[-500:]!r}")
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not chunk:
                raise AssertionError(f"closed before {text!r}; got {current[-500:]!r}")
            self.buffer += chunk

    def ask(self, line: str, expect: str) -> str:
        self.sock.sendall(line.encode() + b"\r\n")
        return self.wait_for(expect)

    def closed_by_server(self, timeout: float = 10.0) -> bool:
        self.sock.settimeout(timeout)
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return True
            self.buffer += chunk


@pytest.fixture
def servers():
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def test_plugin_serves_players_and_sigterm_saves_everything(tmp_path, servers):
    args = ["mud", "--telnet", "tcp:0:interface=127.0.0.1", "--data", str(tmp_path / "var")]
    server = Server(args, tmp_path)
    servers.append(server)
    player = Player(server.port())
    player.wait_for("What name do you go by?")
    player.ask("create Wren secret1", "Village Square")
    player.ask("n", "High Street")
    player.ask("say waiting for the end", 'You say, "waiting for the end"')

    server.proc.send_signal(signal.SIGTERM)
    player.wait_for("The server is shutting down")
    player.wait_for("Your character is saved")
    assert player.closed_by_server()
    assert server.finish() in CLEAN_EXIT
    assert "Traceback" not in server.output()

    again = Server(args, tmp_path)
    servers.append(again)
    player = Player(again.port())
    player.wait_for("What name do you go by?")
    out = player.ask("connect wren secret1", "[Exits:")
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
    assert server.finish() in CLEAN_EXIT
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
