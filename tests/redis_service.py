"""A private redis-server for a test: on a free loopback port, in a temporary directory,
with no persistence; stopped, killed (SIGKILL), frozen (SIGSTOP) and restarted on the
same port as a test needs.

    redis = RedisServer(tmp_path)       # started
    redis.url                           # redis://127.0.0.1:PORT
    redis.kill(); redis.start()         # gone without a word, then back on the same port
    redis.stop()                        # at the end (the test's cleanup)

Blocking (subprocess, and a poll of its log for its ready line): for a test's set-up
and its faults, never for the server under test.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
STARTUP = 10.0


def available() -> bool:
    """Whether redis-server is installed (make test installs it)."""
    return os.access(REDIS_SERVER, os.X_OK)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """One redis-server process (restartable) on ``port`` with its files under ``dir``."""

    def __init__(self, dir: Path, port: int | None = None, password: str | None = None,
                 start: bool = True) -> None:
        self.dir = Path(dir).resolve() / f"redis-{time.monotonic_ns()}"
        self.dir.mkdir(parents=True)
        self.port = port or free_port()
        # A port picked here may move if another program takes it before Redis binds it.
        self._picked = port is None
        self.password = password
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        if start:
            self.start()

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.dir / "redis.log"

    def start(self) -> None:
        """Start it (again) on the same port; returns once it accepts connections. A
        first start whose free port another program took meanwhile moves to another; a
        restart whose port is briefly held retries for a few seconds."""
        assert self.process is None, "already running"
        for _ in range(20):
            if self._start_once():
                self.starts += 1
                return
            if self.starts == 0 and self._picked:
                self.port = free_port()
            time.sleep(0.25)
        raise RuntimeError(f"redis-server could not listen on 127.0.0.1:{self.port}; see "
                           f"{self.log}")

    def _start_once(self) -> bool:
        # False: the port was taken (try again); raises for anything else.
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no", "--dir", str(self.dir),
                   "--logfile", str(self.log), "--daemonize", "no"]
        if self.password:
            command += ["--requirepass", self.password]
        if self.log.exists():
            self.log.unlink()
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + STARTUP
        while True:
            if process.poll() is not None:
                said = self.log.read_text(errors="replace") if self.log.exists() else ""
                if "in use" in said:
                    return False
                raise RuntimeError(f"redis-server exited at start; {self.log}:\n"
                                   + said[-2000:])
            # Its own word that it listens (a connect could reach another program that
            # took the port).
            if self.log.exists() and "Ready to accept connections" in self.log.read_text(
                    errors="replace"):
                self.process = process
                return True
            if time.monotonic() > deadline:
                process.kill()
                process.wait(10)
                raise RuntimeError(f"redis-server not ready on {self.port}; see {self.log}")
            time.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL: gone at once, connections reset, nothing said to the clients."""
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after 10 s)."""
        if self.process is None:
            return
        self.process.send_signal(signal.SIGCONT)
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()

    def freeze(self) -> None:
        """SIGSTOP: the port still takes connections (the kernel's backlog) but nothing
        answers: a hung Redis."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)
