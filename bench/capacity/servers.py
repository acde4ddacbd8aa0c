"""Two of `make bench`'s targets: Emberfall itself (a real twistd) and the bare-Twisted echo
ceiling (bench/capacity/echo_server.py). Evennia is bench/capacity/evennia.py.

Emberfall serves a generated world: one hall (the start room, where the crowded-room
workloads happen) with a named exit ``hallN`` to each spread room ``Spread Hall NNN``. Its
throttles are raised as bench.crowded_room raises them (connections per address, new
connections a minute, registrations, command rate and burst), the login timeout is off and
autosave is once an hour so no save lands in a measured window; everything else is default.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from bench.capacity import echo_server
from bench.capacity.targets import (
    BenchFailed,
    Step,
    Target,
    end_process,
    free_port,
    pin,
    tail,
    wait_for_port,
)

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[2]  # the checkout: the servers run its code
TWISTD = str(Path(sys.executable).parent / "twistd")
UP_WITHIN = 60.0


def _child_env() -> dict[str, str]:
    """This environment without MUD_* settings, with the checkout importable."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MUD_")}
    environ["PYTHONPATH"] = str(ROOT)
    return environ


class EchoTarget(Target):
    """The bare-Twisted echo ceiling (echo_server.py) in a process of its own: no accounts,
    no world, so setup does nothing and create/login is one line each."""

    key = "echo"
    label = "bare Twisted echo"
    echo = echo_server.ECHO
    heard = echo_server.HEARD

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None

    def version(self) -> str:
        import twisted
        return f"Twisted {twisted.__version__}"

    def setup(self, cache: Path) -> None:
        pass  # nothing to install: it runs on this checkout's Twisted

    def start(self, work: Path, cpu: int | None, rooms: int) -> tuple[str, int]:
        work.mkdir(parents=True, exist_ok=True)
        port = free_port()
        self.log = work / "echo.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bench.capacity.echo_server", "--port", str(port)],
                stdout=out, stderr=subprocess.STDOUT, env=_child_env(), cwd=str(work))
        pin(self.proc.pid, cpu)
        if not wait_for_port(HOST, port, UP_WITHIN, lambda: self.proc.poll() is None):
            raise BenchFailed(f"the echo server did not listen on {port}:\n{tail(self.log)}")
        return HOST, port

    def pids(self) -> list[int]:
        return [self.proc.pid] if self.proc is not None else []

    def stop(self) -> None:
        end_process(self.proc)

    def create_steps(self, name: str, password: str) -> list[Step]:
        return [(b"", echo_server.GREETING),
                (f"create {name} {password}\r\n".encode(), echo_server.ENTERED)]

    def login_steps(self, name: str, password: str) -> list[Step]:
        return [(b"", echo_server.GREETING),
                (f"connect {name} {password}\r\n".encode(), echo_server.ENTERED)]

    def goto_steps(self, room: int) -> list[Step]:
        return [(f"go {room}\r\n".encode(), f"You are in room {room}.".encode())]

    def say(self, text: str) -> bytes:
        return f"say {text}\r\n".encode()

    def notes(self) -> str:
        return ("bench/capacity/echo_server.py: a line-based chat room on plain Twisted "
                "(`LineReceiver`; a delivery is a list append, each connection's lines of a "
                "reactor turn leaving in one `transport.write`, as Emberfall's do; no telnet "
                "options, no accounts or password hashing, no world; a client that stops "
                "reading is dropped past 256 KiB of unread output beyond Twisted's 64 KiB, as "
                "Emberfall's default cap does). The ceiling: what any Twisted MUD pays for "
                "the sockets alone. (A first version wrote each line to "
                "each recipient at once and was slower per delivery than Emberfall: a "
                "`transport.write` per line per recipient is the cost Emberfall's coalescing "
                "removed.)")


def room_name(room: int) -> str:
    """Spread room ``room``'s name, which closes the look a player gets on arrival."""
    return f"Spread Hall {room:03d}"


START_NAME = "The Crowded Hall"


def write_world(root: Path, rooms: int) -> None:
    """A hall (the start) and ``rooms`` spread rooms, each reached by a named exit."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "world.yaml").write_text(
        "name: Capacity Bench\ndescription: A generated world for make bench.\n"
        "start: hall:hall\nareas: [hall]\n")
    folder = root / "hall"
    folder.mkdir(exist_ok=True)
    (folder / "area.yaml").write_text("name: The Halls\n")
    exits = "".join(f"    hall{r}: r{r}\n" for r in range(rooms))
    entries = [f"hall:\n  name: {START_NAME}\n  description: Everyone starts here.\n"
               + (f"  exits:\n{exits}" if rooms else "")]
    entries += [f"r{r}:\n  name: {room_name(r)}\n  description: A quieter hall.\n"
                "  exits:\n    out: hall\n" for r in range(rooms)]
    (folder / "rooms.yaml").write_text("".join(entries))


class EmberfallTarget(Target):
    """A real `twistd mud` from this checkout on write_world's generated world, throttles
    raised for the bench (notes() lists them), accounts seeded into its SQLite store."""

    key = "emberfall"
    echo = b"You say"
    heard = b" says, "

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.label = f"Emberfall {self.version()}"

    def version(self) -> str:
        try:
            return metadata.version("emberfall-mud")
        except metadata.PackageNotFoundError:
            return "(checkout)"

    def setup(self, cache: Path) -> None:
        if not Path(TWISTD).exists():
            raise BenchFailed(f"no twistd at {TWISTD}: run `make test` (or pip install -e .)")

    def seed_accounts(self, work: Path, names: list[str], password: str,
                      real_hash: bool) -> bool:
        # Straight into the SQLite store the server opens at start, as bench.login_storm
        # does: the stored hash names its own cost, so cheap ones log in cheaply.
        from mud.passwords import Cost, hash_password
        from mud.persistence.store import Store
        data = work / "var"
        Store(str(data)).prepare()
        hashed = hash_password(password) if real_hash else hash_password(
            password, Cost(n=2**4, r=8, p=1))
        with sqlite3.connect(data / "mud.sqlite3") as db:
            db.executemany(
                "INSERT INTO accounts (key, name, password, created) VALUES (?,?,?,0)",
                [(n.lower(), n, hashed) for n in names])
            db.executemany("INSERT INTO characters (key, room) VALUES (?, ?)",
                           [(n.lower(), "hall:hall") for n in names])
        return True

    def start(self, work: Path, cpu: int | None, rooms: int) -> tuple[str, int]:
        work.mkdir(parents=True, exist_ok=True)
        write_world(work / "world", rooms)
        port = free_port()
        self.log = work / "twistd.log"
        command = [TWISTD, "--nodaemon", "--pidfile=", "mud",
                   "--telnet", f"tcp:{port}:interface={HOST}:backlog=4096",
                   "--web", f"tcp:0:interface={HOST}", "--metrics", "none",
                   "--world", str(work / "world"), "--data", str(work / "var"),
                   "--autosave", "3600", "--login-timeout", "0",
                   "--connections-per-ip", "100000",
                   "--new-connections-per-minute", "1000000",
                   "--registrations-per-hour", "1000000",
                   "--command-rate", "1000000", "--command-burst", "1000000"]
        self.command = " ".join(command[3:])
        with open(self.log, "wb") as out:
            # Pinned before the reactor starts: taskset-like, by pinning the child itself.
            self.proc = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env=_child_env(),
                cwd=str(work),
                preexec_fn=(lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None
                and cpu in os.sched_getaffinity(0) else None)
        if not wait_for_port(HOST, port, UP_WITHIN, lambda: self.proc.poll() is None):
            raise BenchFailed(f"Emberfall's twistd did not listen on {port}:\n"
                              f"{tail(self.log)}")
        return HOST, port

    def pids(self) -> list[int]:
        return [self.proc.pid] if self.proc is not None else []

    def stop(self) -> None:
        end_process(self.proc, grace=15.0)

    def create_steps(self, name: str, password: str) -> list[Step]:
        return [(b"", b"What name do you go by?"),
                (f"create {name} {password}\r\n".encode(), START_NAME.encode())]

    def login_steps(self, name: str, password: str) -> list[Step]:
        return [(b"", b"What name do you go by?"),
                (f"connect {name} {password}\r\n".encode(), START_NAME.encode())]

    def goto_steps(self, room: int) -> list[Step]:
        return [(f"go hall{room}\r\n".encode(), room_name(room).encode())]

    def say(self, text: str) -> bytes:
        return f"say {text}\r\n".encode()

    def notes(self) -> str:
        return ("A real `twistd mud` from this checkout on a generated world (a hall and "
                "named exits to the spread rooms), SQLite store. Raised for the bench, as "
                "bench.crowded_room does: `--connections-per-ip 100000 "
                "--new-connections-per-minute 1000000 --registrations-per-hour 1000000 "
                "--command-rate 1000000 --command-burst 1000000` (all the players come from "
                "127.0.0.1 and talk as fast as they can), `--login-timeout 0` and "
                "`--autosave 3600` (no save inside a measured window). Accounts are written "
                "into the store before start (cheap scrypt hashes, except the login storm's, "
                "which are the default cost). Everything else is default.")
