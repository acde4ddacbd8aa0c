"""A second host for tests: a network namespace joined to ours by a veth pair.

Needs root (CAP_NET_ADMIN) and iproute2's ``ip``; ``make test`` installs iproute2, and
``available()`` says why not when the machine cannot do it. ``cut()`` takes the link down
under established connections: the peer can send nothing more, not even a FIN or RST, so
from our side its connections are half-open, as when a player's network vanishes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20)


def available() -> str | None:
    """None when namespaces can be made here, else the reason they cannot."""
    if shutil.which("ip") is None:
        return "iproute2's ip is not installed (make test installs it)"
    if os.geteuid() != 0:
        return "network namespaces need root"
    probe = f"mudprobe{os.getpid()}"
    made = _ip("netns", "add", probe)
    if made.returncode != 0:
        return f"cannot make a network namespace: {made.stderr.strip()}"
    _ip("netns", "del", probe)
    return None


class Namespace:
    def __init__(self) -> None:
        tag = os.getpid()
        self.name = f"mud{tag}"
        self.outer = f"mh{tag}"[:15]
        self.inner = f"mn{tag}"[:15]
        net = f"10.213.{tag % 250}"
        self.host_address = f"{net}.1"
        self.peer_address = f"{net}.2"
        self.processes: list[subprocess.Popen[bytes]] = []
        steps = [
            ("netns", "add", self.name),
            ("link", "add", self.outer, "type", "veth", "peer", "name", self.inner),
            ("link", "set", self.inner, "netns", self.name),
            ("addr", "add", f"{self.host_address}/30", "dev", self.outer),
            ("link", "set", self.outer, "up"),
            ("-n", self.name, "addr", "add", f"{self.peer_address}/30", "dev", self.inner),
            ("-n", self.name, "link", "set", self.inner, "up"),
            ("-n", self.name, "link", "set", "lo", "up"),
        ]
        for step in steps:
            done = _ip(*step)
            if done.returncode != 0:
                self.remove()
                raise RuntimeError(f"ip {' '.join(step)}: {done.stderr.strip()}")

    def spawn(self, *args: str) -> subprocess.Popen[bytes]:
        """Run ``python -m tests.e2e.netns_peer args...`` inside the namespace."""
        process = subprocess.Popen(
            ["ip", "netns", "exec", self.name, sys.executable, "-m", "tests.e2e.netns_peer",
             *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        os.set_blocking(process.stdout.fileno(), False)  # type: ignore[union-attr]
        self.processes.append(process)
        return process

    def cut(self) -> None:
        """The peer's network goes away: nothing it sends reaches us any more."""
        done = _ip("-n", self.name, "link", "set", self.inner, "down")
        if done.returncode != 0:
            raise RuntimeError(f"could not take the link down: {done.stderr.strip()}")

    def remove(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()
        _ip("netns", "del", self.name)
        _ip("link", "del", self.outer)


def read_available(process: subprocess.Popen[bytes]) -> bytes:
    """What the process has printed so far (non-blocking)."""
    try:
        return process.stdout.read() or b""  # type: ignore[union-attr]
    except BlockingIOError:
        return b""
