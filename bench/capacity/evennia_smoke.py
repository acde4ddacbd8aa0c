"""A smoke run of `make bench`'s Evennia target on its own, without the runner:

    .venv/bin/python -m bench.capacity.evennia_smoke [--cache .bench] [--players 5]

sets Evennia up (bench/capacity/evennia.py: its venv and template, reused), starts it with two
seeded accounts and three spread rooms, and has a few blocking telnet players create accounts,
hear each other's says, walk to spread rooms, log out and back in; then stops it and prints how
long each step took. A quick check that the target works before a whole `make bench`.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

from bench.capacity.evennia import HOST, EvenniaTarget
from bench.capacity.targets import BenchFailed


class _Player:
    """A blocking telnet player for the smoke run (answers no telnet negotiation)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=30)
        self.seen = b""

    def step(self, line: bytes, expect: bytes, timeout: float = 30.0) -> float:
        began = time.monotonic()
        self.seen = b""
        if line:
            self.sock.sendall(line)
        self.wait(expect, timeout)
        return time.monotonic() - began

    def wait(self, expect: bytes, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while expect not in self.seen:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                data = None
            if not data:
                raise BenchFailed(f"smoke: waited for {expect!r}, saw {self.seen[-300:]!r}")
            self.seen += data

    def close(self) -> None:
        self.sock.close()


def smoke(cache: Path, players: int = 5, rooms: int = 3) -> dict[str, float]:
    """Start, `players` create and log in over telnet, each says a line that every other
    hears, each goes to a spread room, log out and in again, stop. Returns the timings."""
    target = EvenniaTarget()
    timings: dict[str, float] = {}
    began = time.monotonic()
    target.setup(cache)
    timings["setup"] = time.monotonic() - began
    with tempfile.TemporaryDirectory(prefix="evennia-smoke-") as work:
        target.seed_accounts(Path(work), ["seeded0", "seeded1"], "pw1", real_hash=True)
        _host, port = target.start(Path(work), 0 if os.cpu_count() and os.cpu_count() > 1
                                  else None, rooms)
        try:
            timings.update({f"start.{k}": v for k, v in target.timings.items()})
            names = [f"smoke{i}" for i in range(players)]
            crowd, greet_s, create_s, login_s = [], [], [], []
            for name in names:
                crowd.append(_Player(port))
                took = [crowd[-1].step(*step) for step in target.create_steps(name, "pw1")]
                greet_s.append(took[0])  # connect to the connection screen
                create_s.append(sum(took[1:]))
            for i, speaker in enumerate(crowd):
                for player in crowd:
                    player.seen = b""
                speaker.step(target.say(f"hello from {i}"), target.echo)
                for other in crowd:
                    if other is not speaker:
                        other.wait(target.heard + f"hello from {i}".encode())
            for i, player in enumerate(crowd):
                for step in target.goto_steps(i % rooms):
                    player.step(*step)
                player.step(b"quit\r\n", b"")
                player.close()
            for name in [*names, "seeded0", "seeded1"]:
                player = _Player(port)
                took = [player.step(*step) for step in target.login_steps(name, "pw1")]
                login_s.append(sum(took[1:]))
                if name in names:
                    player.step(b"look\r\n", b"Spread")  # back in the room it left
                player.close()
            timings["greeting"] = sum(greet_s) / len(greet_s)
            timings["create per account"] = sum(create_s) / len(create_s)
            timings["login per account"] = sum(login_s) / len(login_s)
            timings["pids"] = len(target.pids())
        finally:
            began = time.monotonic()
            target.stop()
            if os.environ.get("EVENNIA_SMOKE_KEEP"):  # keep the game dir to read its logs
                shutil.copytree(work, os.environ["EVENNIA_SMOKE_KEEP"], dirs_exist_ok=True)
            timings["stop"] = time.monotonic() - began
    return timings


def main(argv: list[str] | None = None) -> None:
    """Run the smoke and print each step's seconds."""
    import argparse
    parser = argparse.ArgumentParser(description=smoke.__doc__)
    parser.add_argument("--cache", type=Path, default=Path(".bench"))
    parser.add_argument("--players", type=int, default=5)
    args = parser.parse_args(argv)
    for step, seconds in smoke(args.cache, args.players).items():
        print(f"{step:24s} {seconds:8.3f}")


if __name__ == "__main__":
    main()
