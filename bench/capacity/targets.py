"""The servers `make bench` compares, behind one interface.

A Target is one server under test: Emberfall, Evennia (bench/capacity/evennia.py) or the
bare-Twisted echo ceiling. Every method blocks: the runner calls them outside any reactor, and
`run_one` calls `start` before its reactor runs and `stop` after it has stopped, so a target
may use subprocess, time.sleep and blocking sockets freely.

A target that cannot be set up or started raises BenchFailed with words a person can act on
(the missing program, the log tail); the runner prints them beside the server and workload and
marks that cell failed in docs/capacity.md instead of leaving it out.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path


class BenchFailed(Exception):
    """A server could not be set up, started or driven; the message says why."""


Step = tuple[bytes, bytes]


class Target:
    """One server under test. Subclasses fill in every method."""

    key: str = ""  # "emberfall" | "evennia" | "echo"
    label: str = ""  # "Emberfall 0.x" / "Evennia 5.0.1" / "bare Twisted echo"
    echo: bytes = b""  # what the speaker sees of its own say ("You say")
    heard: bytes = b""  # what a bystander sees of another's say

    def version(self) -> str:
        raise NotImplementedError

    def setup(self, cache: Path) -> None:
        """Install/prepare once; idempotent. Raise BenchFailed("words") when it cannot."""
        raise NotImplementedError

    def start(self, work: Path, cpu: int | None, rooms: int) -> tuple[str, int]:
        """Start a fresh server with its data under `work`, pinned to `cpu` (None: unpinned),
        with at least `rooms` rooms reachable for the spread workload; return the telnet
        (host, port) once it accepts connections. Raise BenchFailed with the log tail if it
        does not come up."""
        raise NotImplementedError

    def pids(self) -> list[int]:
        """Every server process (Evennia: portal + server), for CPU time and RSS."""
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def create_steps(self, name: str, password: str) -> list[Step]:
        """(line to send, bytes to wait for) from connect to in the game, for a NEW account.
        The first step may send b"" (nothing) and only wait for the greeting."""
        raise NotImplementedError

    def login_steps(self, name: str, password: str) -> list[Step]:
        """The same for an existing account (the login storm)."""
        raise NotImplementedError

    def goto_steps(self, room: int) -> list[Step]:
        """Move this player to spread room `room` (0 <= room < rooms given to start)."""
        raise NotImplementedError

    def say(self, text: str) -> bytes:
        """The line a player sends to speak to the room (with its line ending)."""
        raise NotImplementedError

    def notes(self) -> str:
        """Markdown: how it was set up, throttles raised and why."""
        return ""

    def broken(self) -> str:
        """What in the running server's logs says it can no longer answer (a line; "" while
        it can): the run fails at once, not when its steps time out. Checked every second,
        so it must be cheap."""
        return ""

    def troubles(self) -> str:
        """What the running server's own logs say went wrong, in a line ("" for nothing):
        added to a failed workload's reason, read before the server is stopped."""
        return ""

    # Optional (the runner works without it): accounts made before `start`, so that a
    # workload of hundreds of players does not spend its budget creating them over telnet
    # one password hash at a time. `real_hash`: the server's own default password cost (the
    # login storm measures it); otherwise the cheapest the server accepts, since only the
    # workload after login is measured. Return True if the accounts exist once `start`
    # returns (the runner then logs in with login_steps), False to have the runner create
    # them over telnet with create_steps. Accounts are `names`, each with `password`; with a
    # spread, player i later goes to room i % rooms by goto_steps.
    def seed_accounts(self, work: Path, names: list[str], password: str,
                      real_hash: bool) -> bool:
        return False


# Helpers the targets share (blocking; used outside any reactor).

def free_port(host: str = "127.0.0.1") -> int:
    """A loopback port that was free a moment ago (the server binds it right after)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_for_port(host: str, port: int, timeout: float, alive=None) -> bool:
    """Poll until (host, port) accepts a TCP connection; False on timeout or when `alive()`
    says the process died first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def pin(pid: int, cpu: int | None) -> None:
    """Pin a process to one core (no-op for None, or when the core does not exist)."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return
    if cpu not in os.sched_getaffinity(0):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.sched_setaffinity(pid, {cpu})


def tail(path: Path, lines: int = 25) -> str:
    """The last lines of a log file, for BenchFailed messages."""
    try:
        text = path.read_text(errors="replace")
    except OSError as error:
        return f"(no log at {path}: {error})"
    return "\n".join(text.splitlines()[-lines:])


def end_process(proc: subprocess.Popen | None, grace: float = 10.0) -> None:
    """SIGTERM, wait `grace` seconds, then SIGKILL: only the process we started."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
