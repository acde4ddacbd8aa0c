"""A private redis-server for a test: on a free loopback port, in a temporary directory,
with no persistence; stopped, killed (SIGKILL), frozen (SIGSTOP) and restarted on the
same port as a test needs.

    redis = RedisServer(tmp_path)       # started
    redis.url                           # redis://127.0.0.1:PORT
    redis.kill(); redis.start()         # gone without a word, then back on the same port
    redis.stop()                        # at the end (the test's cleanup)

Blocking (subprocess and a short connect poll): for a test's set-up and its faults, never
for the server under test.
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
        """Start it (again) on the same port; returns once it accepts connections."""
        assert self.process is None, "already running"
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--appendonly", "no", "--dir", str(self.dir),
                   "--logfile", str(self.log), "--daemonize", "no"]
        if self.password:
            command += ["--requirepass", self.password]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.starts += 1
        deadline = time.monotonic() + STARTUP
        while True:
            if self.process.poll() is not None:
                self.process = None
                raise RuntimeError(f"redis-server exited at start; see {self.log}:\n"
                                   + self.log.read_text(errors="replace")[-2000:])
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"redis-server not listening on {self.port}") from None
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
