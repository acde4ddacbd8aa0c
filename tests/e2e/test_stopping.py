"""Stopping a real twistd: SIGTERM and SIGHUP save and exit 0, and a stop ends within
--stop-timeout however many players there are and whatever they do.

The crowds log in to accounts made beforehand with a cheap password hash (the hash says
its own cost), so they cost milliseconds rather than a real scrypt each; what is tested is
what the server does with them at the stop.
"""

from __future__ import annotations

import selectors
import signal
import socket
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from mud import passwords
from mud.persistence.store import Store
from tests.e2e.processes import Player, Server, saved_room
from tests.support import CHEAP

STOP_TIMEOUT = 5
# How long a bounded stop may be seen to take past --stop-timeout on a loaded machine.
SLACK = 10
CROWD = ["mud", "--telnet", "tcp:0:interface=127.0.0.1", "--connections-per-ip", "1000",
         "--new-connections-per-minute", "1000", "--stop-timeout", str(STOP_TIMEOUT)]


def name(i: int) -> str:
    return "Crowd" + "".join(chr(ord("a") + i // 26 ** k % 26) for k in range(3))


def seed(data: Path, count: int) -> list[str]:
    """``count`` accounts standing in the square, password ``secret1``."""
    Store(str(data)).prepare()
    hashed = passwords.hash_password("secret1", CHEAP)
    names = [name(i) for i in range(count)]
    with sqlite3.connect(data / "mud.sqlite3") as db:
        db.executemany("INSERT INTO accounts (key, name, password, created) VALUES (?, ?, ?, 0)",
                       [(n.lower(), n, hashed) for n in names])
        db.executemany("INSERT INTO characters (key, room) VALUES (?, 'village:square')",
                       [(n.lower(),) for n in names])
    return names


class CrowdPlayer(Player):
    """A player from an address of its own (127.0.x.y), as a crowd's players mostly are:
    the per-address login throttle would hold back many logins at once from one address."""

    def __init__(self, port: int, source: str, receive_buffer: int = 0) -> None:
        self.sock = socket.socket()
        if receive_buffer:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(10)
        self.sock.bind((source, 0))
        self.sock.connect(("127.0.0.1", port))
        self.buffer = b""
        self.mark = 0


def log_in(port: int, names: list[str], first: int = 0,
           receive_buffer: int = 0) -> list[Player]:
    """Everyone logs in, 16 at a time as a crowd of clients would."""
    def one(n: int) -> Player:
        source = f"127.0.{(first + n) // 200 + 1}.{(first + n) % 200 + 2}"
        player = CrowdPlayer(port, source, receive_buffer)
        player.ask(f"connect {names[n]} secret1", "[Exits:")
        return player
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(one, range(len(names))))


def stop_and_time(server: Server, how: int = signal.SIGTERM) -> tuple[int, float]:
    began = time.monotonic()
    server.proc.send_signal(how)
    status = server.finish(timeout=STOP_TIMEOUT + SLACK)
    return status, time.monotonic() - began


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT],
                         ids=["SIGTERM", "SIGHUP", "SIGINT"])
def test_a_stop_signal_tells_the_player_saves_and_exits_0(tmp_path, servers, how):
    # SIGHUP (the terminal of `make run` closing) used to kill the server unsaved; SIGTERM
    # saved but exited as if killed by it (-15).
    data = tmp_path / "var"
    seed(data, 1)
    server = Server([*CROWD, "--data", str(data)], tmp_path)
    servers.append(server)
    player = Player(server.port())
    player.ask(f"connect {name(0)} secret1", "[Exits:")
    player.ask("n", "High Street")
    status, _ = stop_and_time(server, how)
    player.wait_for("The server is shutting down")
    player.wait_for("Your character is saved")
    assert status == 0, server.output()[-2000:]
    assert saved_room(data, name(0).lower()) == "village:high_street"
    assert f"Received {signal.Signals(how).name}: stopping" in server.output()
    assert "Traceback" not in server.output()


def test_250_players_who_all_drop_at_once_do_not_jam_saving_and_the_stop_ends(tmp_path,
                                                                               servers):
    # Each dropped connection queues a save behind the one being written; with Twisted's
    # DeferredLock about 125 of them overflowed the stack and left it locked, so no save
    # ran again and SIGTERM closed the ports and then waited forever.
    data = tmp_path / "var"
    names = seed(data, 250)
    server = Server([*CROWD, "--data", str(data)], tmp_path)
    servers.append(server)
    crowd = log_in(server.port(), names)
    for player in crowd:
        player.sock.sendall(b"n\r\n")
    for player in crowd:
        player.wait_for("High Street")
    for player in crowd:
        player.sock.close()
    status, _ = stop_and_time(server)
    assert status == 0, server.output()[-2000:]
    assert "RecursionError" not in server.output() and "Traceback" not in server.output()
    with sqlite3.connect(data / "mud.sqlite3") as db:
        rooms = dict(db.execute("SELECT room, count(*) FROM characters GROUP BY room"))
    assert rooms == {"village:high_street": 250}


def test_300_players_some_not_reading_are_told_saved_and_the_stop_ends_in_time(tmp_path,
                                                                              servers):
    data = tmp_path / "var"
    names = seed(data, 300)
    server = Server([*CROWD, "--data", str(data), "--output-buffer", str(8 << 20)], tmp_path)
    servers.append(server)
    port = server.port()
    stalled = log_in(port, names[:60], receive_buffer=4096)
    readers = log_in(port, names[60:], first=60)
    # The stalled stop reading now. One of them is sent megabytes it will never read, more
    # than the kernel's buffers hold, so its goodbye can never be written.
    tell = f"tell {names[0]} {'x' * 1900}\r\n".encode()
    for player in readers[:200]:
        player.sock.sendall(tell * 15)
    for player in readers[:200]:
        player.wait_for(f"You tell {names[0]}")
    readers[-1].ask("n", "High Street")

    status, _ = stop_and_time(server)
    assert status == 0, server.output()[-2000:]
    told = until_closed(readers)
    assert told == len(readers)
    assert saved_room(data, names[-1].lower()) == "village:high_street"
    assert "Traceback" not in server.output()
    for player in stalled:
        player.sock.close()


def until_closed(players: list[Player], timeout: float = 10.0) -> int:
    """Read every player's connection to its end; how many were told they are saved."""
    selector = selectors.DefaultSelector()
    for player in players:
        player.sock.setblocking(False)
        selector.register(player.sock, selectors.EVENT_READ, player)
    deadline = time.monotonic() + timeout
    while selector.get_map() and time.monotonic() < deadline:
        for key, _ in selector.select(0.1):
            player = key.data
            try:
                chunk = player.sock.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionError:
                chunk = b""
            if chunk:
                player.buffer += chunk
            else:
                selector.unregister(player.sock)
    return sum(1 for p in players if b"Your character is saved" in p.buffer)


def test_a_stop_held_up_by_a_hung_write_still_ends_at_the_timeout_with_nothing_lost(tmp_path,
                                                                                    servers):
    # Another process holds the database's write lock, so the final save hangs (SQLite waits
    # out its busy timeout, longer than the stop may take). The stop gives up on it, keeps
    # the records in a fallback file, and the process ends at --stop-timeout even though
    # Twisted's own shutdown waits to join the thread stuck in that write.
    import subprocess
    import sys

    from mud import unsaved
    from mud.process import UNSAVED
    from tests.support import ROOT

    data = tmp_path / "var"
    seed(data, 1)
    server = Server([*CROWD, "--stop-timeout", "3", "--data", str(data)], tmp_path)
    servers.append(server)
    player = Player(server.port())
    player.ask(f"connect {name(0)} secret1", "[Exits:")
    player.ask("n", "High Street")
    holder = sqlite3.connect(data / "mud.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        status, took = stop_and_time(server)
        assert "could not be saved" in player.wait_for("The server is going down")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert status == UNSAVED and took < 3 + SLACK
    log = server.output()
    assert "did not finish within --stop-timeout (3 s)" in log
    (path,) = tmp_path.glob("var/mud-unsaved-*.json")
    assert f"are in {path}" in log
    with open(path, "rb") as handle:
        snapshot, _ = unsaved.decode(handle.read())
    assert [(c.key, c.room) for c in snapshot.characters] == [(name(0).lower(),
                                                               "village:high_street")]
    assert saved_room(data, name(0).lower()) == "village:square"
    done = subprocess.run([sys.executable, "-m", "mud.unsaved", str(path)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert saved_room(data, name(0).lower()) == "village:high_street"
