"""Password hashing under a crowd of logins, over real sockets: never more hashing threads
than the setting, never the reactor thread, and a real twistd gives the memory back."""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time

import pytest
from twisted.internet import reactor
from twisted.internet.defer import gatherResults, inlineCallbacks
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from mud import passwords
from mud.persistence.store import Store
from tests.e2e.client import TelnetPlayer
from tests.e2e.processes import Server
from tests.e2e.server import ServerTestCase
from tests.support import CHEAP

CROWD = 50


def name(i: int) -> str:
    return "Crowd" + "".join(chr(97 + int(d)) for d in f"{i:03d}")


def source(i: int) -> tuple[str, int]:
    # One loopback address each: the login throttle rightly holds back many logins in
    # flight from one address.
    return f"127.0.{1 + i // 250}.{1 + i % 250}", 0


def make_accounts(data: str, count: int, password_hash: str) -> None:
    Store(data).prepare()
    with sqlite3.connect(os.path.join(data, "mud.sqlite3")) as db:
        db.executemany("INSERT INTO accounts (key, name, password, created) VALUES (?,?,?,0)",
                       [(name(i).lower(), name(i), password_hash) for i in range(count)])
        db.executemany("INSERT INTO characters (key, room) VALUES (?, 'village:square')",
                       [(name(i).lower(),) for i in range(count)])


class HashingThreadsTests(ServerTestCase):
    def watch_hashing(self) -> dict[str, object]:
        """Record which threads check passwords and how many at once (each check made to
        take 20 ms, so that a crowd overlaps)."""
        seen: dict[str, object] = {"threads": set(), "now": 0, "most": 0}
        lock = threading.Lock()
        real = passwords.verify_password

        def verify(password: str, stored: str) -> bool:
            with lock:
                seen["threads"].add(threading.get_ident())
                seen["now"] += 1
                seen["most"] = max(seen["most"], seen["now"])
            try:
                time.sleep(0.02)
                return real(password, stored)
            finally:
                with lock:
                    seen["now"] -= 1
        passwords.verify_password = verify
        self.addCleanup(setattr, passwords, "verify_password", real)
        return seen

    @inlineCallbacks
    def crowd_logs_in(self, **settings):
        make_accounts(self.data, CROWD, passwords.hash_password("secret1", CHEAP))
        seen = self.watch_hashing()
        self.start(**settings)
        players = []
        for i in range(CROWD):
            player = TelnetPlayer()
            endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.telnet_port,
                                          bindAddress=source(i))
            yield connectProtocol(endpoint, player)
            player.send(f"connect {name(i)} secret1")
            players.append(player)
        yield gatherResults([p.wait_for("[Exits:") for p in players])
        for player in players:
            player.transport.loseConnection()
        yield gatherResults([p.closed for p in players])
        return seen

    @inlineCallbacks
    def test_fifty_logins_at_once_hash_in_two_threads_off_the_reactor(self):
        seen = yield self.crowd_logs_in()
        self.assertEqual(seen["most"], 2)
        self.assertEqual(len(seen["threads"]), 2)
        self.assertNotIn(threading.get_ident(), seen["threads"])

    @inlineCallbacks
    def test_the_hashing_threads_setting_is_the_bound(self):
        seen = yield self.crowd_logs_in(hashing_threads=3)
        self.assertEqual(seen["most"], 3)
        self.assertNotIn(threading.get_ident(), seen["threads"])


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith("VmRSS")) / 1024


def log_in_and_quit(port: int, first: int, count: int) -> None:
    socks = [socket.create_connection(("127.0.0.1", port), timeout=30,
                                      source_address=source(i))
             for i in range(first, first + count)]
    for i, sock in enumerate(socks, first):
        sock.sendall(f"connect {name(i)} secret1\r\n".encode())
    for sock in socks:
        got = b""
        while b"[Exits:" not in got:
            chunk = sock.recv(65536)
            assert chunk, got[-300:]
            got += chunk
    for sock in socks:
        sock.sendall(b"quit\r\n")
    for sock in socks:
        while sock.recv(65536):
            pass
        sock.close()


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads RSS from /proc")
def test_memory_used_for_logins_comes_back_in_a_real_twistd(tmp_path, servers):
    data = tmp_path / "var"
    # The default cost: each login is a real 16 MiB scrypt check.
    make_accounts(str(data), 2 * CROWD, passwords.hash_password("secret1"))
    server = Server(["mud", "--telnet", "tcp:0:interface=127.0.0.1", "--data", str(data)],
                    tmp_path)
    servers.append(server)
    port = server.port()
    time.sleep(0.5)
    before = rss_mib(server.proc.pid)
    for first in (0, CROWD):
        log_in_and_quit(port, first, CROWD)
    time.sleep(1.0)  # each quit was answered and closed; let the last saves land
    grown = rss_mib(server.proc.pid) - before
    # Hashing on the reactor's 10 threads kept about 160 MiB here; two threads whose
    # buffers are given back keep a few MiB (and 32 MiB at most, were nothing given back).
    assert grown < 48, f"RSS grew by {grown:.0f} MiB after {2 * CROWD} logins"
