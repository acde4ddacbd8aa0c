"""Real processes for end-to-end tests: a twistd server and a raw-socket telnet player."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.support import plain

TWISTD = str(Path(sys.executable).parent / "twistd")
# A clean stop (SIGTERM, SIGINT, SIGHUP) exits 0: the server takes those signals over from
# twistd, which would re-raise the signal on itself (status -15). See mud/process.py.
CLEAN_EXIT = (0,)
LISTENING = re.compile(r"(telnet|web|metrics) listening on 127\.0\.0\.1:(\d+)")


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
        # Never the default metrics port either (a test may name another, or none).
        environ["MUD_METRICS"] = "tcp:0:interface=127.0.0.1"
        environ.update(env or {})
        with open(self.log, "wb") as out:
            command = [TWISTD, "--nodaemon", "--pidfile=", *_web_on_free_port(args)]
            self.proc = subprocess.Popen(command,
                                         stdout=out, stderr=subprocess.STDOUT, env=environ,
                                         cwd=str(cwd or tmp))

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def port(self, what: str = "telnet", timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = {m.group(1): int(m.group(2)) for m in LISTENING.finditer(self.output())}
            if what in found:
                return found[what]
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


def until(condition, timeout: float = 15.0, what: str = "condition") -> None:
    """Poll ``condition`` until it holds, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} never happened")
        time.sleep(0.1)


def saved_room(data: Path, key: str) -> str | None:
    """Where the database under ``data`` has character ``key`` standing."""
    with sqlite3.connect(data / "mud.sqlite3", timeout=5) as db:
        row = db.execute("SELECT room FROM characters WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def kill_9(server: Server, data: Path) -> None:
    """SIGKILL the server, then check the database it leaves is intact."""
    server.proc.send_signal(signal.SIGKILL)
    assert server.finish() == -signal.SIGKILL
    with sqlite3.connect(data / "mud.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def telnet_server(tmp: Path, servers: list[Server], *extra: str,
                  data: Path | None = None) -> Server:
    """A real twistd serving telnet on a free port, its data under ``data`` (``tmp/var``
    by default), on ``servers`` so it is killed after the test; started again with the same
    call, it finds what the first one saved."""
    args = ["mud", "--telnet", "tcp:0:interface=127.0.0.1",
            "--data", str(data or tmp / "var"), *extra]
    server = Server(args, tmp)
    servers.append(server)
    return server


def log_in(server: Server, line: str, expect: str) -> Player:
    """A telnet player on ``server`` that waits for the greeting, then sends ``line``
    (``create Rowan secret1``, ``connect rowan secret1``) and waits for ``expect``."""
    player = Player(server.port())
    player.wait_for("What name do you go by?")
    player.ask(line, expect)
    return player


def stop_saved(server: Server, player: Player) -> None:
    """SIGTERM ``server``: ``player`` hears its character is saved and the process exits
    cleanly."""
    server.proc.send_signal(signal.SIGTERM)
    player.wait_for("Your character is saved")
    assert server.finish() == 0
