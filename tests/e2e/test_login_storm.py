"""A login storm over real sockets, in small: telnet players reconnecting at once to a real
twistd are let in first come, first served; past the hashing queue's bound they are told the
server is busy (and may try again, nothing held against them); a web player comes back
through ``resume`` without any password check, while the checks are stuck.

The full-size storm (2,000 players, its timing and the echo of players in game meanwhile)
is bench/login_storm.py."""

from __future__ import annotations

import os
import re
import select
import socket
import sqlite3
import threading
import time
from pathlib import Path

from twisted.internet.defer import inlineCallbacks

from mud import passwords
from mud.persistence.store import Store
from tests.e2e.client import connect
from tests.e2e.processes import telnet_server
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web
from tests.support import plain

BUSY = "The server is busy checking other players' logins. Please try again in"


def name(i: int) -> str:
    return "Storm" + "".join(chr(97 + int(d)) for d in f"{i:03d}")


def make_accounts(data: Path, count: int) -> None:
    """``count`` accounts with one default-cost hash (a real 40 ms check each)."""
    Store(str(data)).prepare()
    hashed = passwords.hash_password("secret1")
    with sqlite3.connect(os.path.join(data, "mud.sqlite3")) as db:
        db.executemany("INSERT INTO accounts (key, name, password, created) VALUES (?,?,?,0)",
                       [(name(i).lower(), name(i), hashed) for i in range(count)])
        db.executemany("INSERT INTO characters (key, room) VALUES (?, 'village:square')",
                       [(name(i).lower(),) for i in range(count)])


class Crowd:
    """Raw telnet sockets, one loopback address each (the login throttle rightly holds back
    many logins in flight from one address), read together with select."""

    def __init__(self, port: int, count: int, at: int = 9) -> None:
        self.socks = [socket.create_connection(("127.0.0.1", port), timeout=10,
                                               source_address=(f"127.0.{at}.{1 + i}", 0))
                      for i in range(count)]
        self.got = [b""] * count

    def text(self, i: int) -> str:
        return " ".join(plain(self.got[i]).split())

    def read_until(self, done, timeout: float = 30.0) -> list[int]:
        """Read until ``done(i)`` holds for every socket; the order they came to hold in."""
        order: list[int] = []
        deadline = time.monotonic() + timeout
        while len(order) < len(self.socks):
            left = deadline - time.monotonic()
            assert left > 0, [self.text(i)[-200:] for i in range(len(self.socks))
                              if i not in order][:3]
            ready, _, _ = select.select(self.socks, [], [], left)
            for sock in ready:
                i = self.socks.index(sock)
                chunk = sock.recv(65536)
                assert chunk, f"closed: {self.text(i)[-300:]}"
                self.got[i] += chunk
            order += [i for i in range(len(self.socks)) if i not in order and done(i)]
        return order

    def send(self, i: int, line: str) -> None:
        self.got[i] = b""
        self.socks[i].sendall(line.encode() + b"\r\n")

    def close(self) -> None:
        for sock in self.socks:
            sock.close()


def test_a_storm_past_the_hashing_queue_is_told_the_server_is_busy(tmp_path, servers):
    count = 24
    make_accounts(tmp_path / "var", count)
    server = telnet_server(tmp_path, servers, "--hashing-threads", "1", "--hashing-queue", "4",
                           "--connections-per-ip", "100", "--login-timeout", "0")
    crowd = Crowd(server.port(), count)
    try:
        crowd.read_until(lambda i: "What name do you go by?" in crowd.text(i))
        for i in range(count):
            crowd.send(i, f"connect {name(i)} secret1")
        entered_or_busy = crowd.read_until(
            lambda i: "[Exits:" in crowd.text(i) or BUSY in crowd.text(i))
        busy = [i for i in entered_or_busy if BUSY in crowd.text(i)]
        # Four waiting (and one running, if the thread took it before the fifth came)
        # when the rest came, each check taking 40 ms and more: most of the 24 are told,
        # at once, to come back later.
        assert len(busy) >= 10, [crowd.text(i)[-200:] for i in range(count)]
        assert count - len(busy) >= 4
        # They try again, a few at a time, and get in: nothing was held against them.
        while busy:
            for i in busy[:4]:
                crowd.send(i, f"connect {name(i)} secret1")
            crowd_busy = busy[:4]
            for i in crowd_busy:
                while "[Exits:" not in crowd.text(i) and BUSY not in crowd.text(i):
                    select.select([crowd.socks[i]], [], [], 10)
                    crowd.got[i] += crowd.socks[i].recv(65536)
                assert "Too many failed logins" not in crowd.text(i)
            busy = [i for i in busy if "[Exits:" not in crowd.text(i)]
    finally:
        crowd.close()


def test_a_storm_is_let_in_first_come_first_served(tmp_path, servers):
    count = 12
    make_accounts(tmp_path / "var", count + 1)
    server = telnet_server(tmp_path, servers, "--hashing-threads", "1",
                           "--connections-per-ip", "100", "--login-timeout", "0")
    # Someone in game already hears each arrival in the order the game let them in.
    watcher = Crowd(server.port(), 1, at=8)
    crowd = Crowd(server.port(), count)
    try:
        watcher.read_until(lambda i: "What name do you go by?" in watcher.text(i))
        watcher.send(0, f"connect {name(count)} secret1")
        watcher.read_until(lambda i: "[Exits:" in watcher.text(i))
        watcher.got[0] = b""
        crowd.read_until(lambda i: "What name do you go by?" in crowd.text(i))
        # A queue builds (each check takes 40 ms and more), in this order: last to first.
        arrival = list(reversed(range(count)))
        for i in arrival:
            crowd.send(i, f"connect {name(i)} secret1")
            time.sleep(0.01)
        crowd.read_until(lambda i: "[Exits:" in crowd.text(i))
        heard = re.compile(r"(Storm[a-j]{3}) has entered the game")
        watcher.read_until(lambda i: len(heard.findall(watcher.text(i))) == count)
        assert heard.findall(watcher.text(0)) == [name(i) for i in arrival]
    finally:
        crowd.close()
        watcher.close()


class ResumeDuringAStormTests(ServerTestCase):
    def stuck_checks(self) -> tuple[threading.Event, list[str]]:
        """Password checks held in their threads until the event is set."""
        gate, checked = threading.Event(), []
        real = passwords.verify_password

        def verify(password: str, stored: str) -> bool:
            checked.append(password)
            gate.wait(20)
            return real(password, stored)
        passwords.verify_password = verify
        self.addCleanup(setattr, passwords, "verify_password", real)
        self.addCleanup(gate.set)
        return gate, checked

    @inlineCallbacks
    def test_a_web_player_resumes_without_a_password_check_while_checks_are_stuck(self):
        self.start(hashing_threads=1)
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Tamsin", password="secret1")
        token = (yield web.wait("login_ok", name="Tamsin"))["token"]
        yield web.wait("room")
        rowan = yield connect(self.telnet_port)
        yield rowan.ask("create Rowan secret1", "Village Square")
        rowan.send("quit")
        yield rowan.closed
        web.sendClose()
        yield web.closed
        gate, checked = self.stuck_checks()
        # A telnet login takes the only hashing thread and is held there.
        telnet = yield connect(self.telnet_port)
        yield telnet.wait_for("What name do you go by?")
        telnet.send("connect Rowan secret1")
        yield eventually(lambda: checked == ["secret1"])
        back = yield connect_web(self.web_port)
        yield back.wait("hello")
        back.send(type="resume", token=token)
        ok = yield back.wait("login_ok", name="Tamsin")
        yield back.wait("room")
        self.assertTrue(ok["token"])
        self.assertEqual(checked, ["secret1"])   # still only Rowan's, stuck
        self.assertNotIn("[Exits:", telnet.text())
        gate.set()
        yield telnet.wait_for("[Exits:")
        back.sendClose()
        yield back.closed
        telnet.transport.loseConnection()
        yield telnet.closed
