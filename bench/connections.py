"""Memory per logged-in connection in a real twistd, telnet and web, read from its RSS.

Unlike bench.memory (tracemalloc, our objects only) this counts everything the server
process holds per connection: Twisted transports, Autobahn's protocol, our buffers, timers
and the character. Accounts are made beforehand with a cheap password hash (the stored
hash names its own cost), so logging in thousands of players takes seconds.

    .venv/bin/python -m bench.connections [N]     # N telnet and N web players (default 1000)
"""

from __future__ import annotations

import json
import os
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol
from twisted.internet import defer, task
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.protocol import Protocol

from mud.config import bundled_world
from mud.passwords import Cost, hash_password
from mud.persistence.store import Store
from mud.world_loader import load_world


def players_wanted(argv: list[str]) -> int:
    """N from the command line (default 1000): read in main, not at import, so other
    benches may import this module's bots."""
    return int(argv[1]) if len(argv) > 1 else 1000
TWISTD = str(Path(sys.executable).parent / "twistd")
LISTENING = re.compile(r"(telnet|web) listening on 127\.0\.0\.1:(\d+)")


def name(i: int) -> str:
    return "Bench" + "".join(chr(97 + int(d)) for d in f"{i:05d}")


def make_accounts(data: str, count: int) -> None:
    """Accounts spread over every room of the world, as players would be."""
    Store(data).prepare()
    cheap = hash_password("secret1", Cost(n=2**4, r=8, p=1))
    rooms = sorted(load_world(bundled_world(), task.Clock()).rooms)
    with sqlite3.connect(os.path.join(data, "mud.sqlite3")) as db:
        db.executemany("INSERT INTO accounts (key, name, password, created) VALUES (?,?,?,0)",
                       [(name(i).lower(), name(i), cheap) for i in range(count)])
        db.executemany("INSERT INTO characters (key, room) VALUES (?, ?)",
                       [(name(i).lower(), rooms[i % len(rooms)]) for i in range(count)])


class TelnetBot(Protocol):
    """Logs in, then ignores what it hears (others arriving): a cheap client for thousands."""

    def __init__(self, who: str) -> None:
        self.who = who
        self.tail = b""
        self.entered: defer.Deferred[None] = defer.Deferred()
        self.gone: defer.Deferred[None] = defer.Deferred()

    def connectionMade(self) -> None:
        self.transport.write(f"connect {self.who} secret1\r\n".encode())

    def dataReceived(self, data: bytes) -> None:
        if not self.entered.called:
            self.tail = self.tail[-16:] + data
            if b"[Exits:" in self.tail:
                self.entered.callback(None)

    def connectionLost(self, reason: object) -> None:
        self.gone.callback(None)


class WebBot(WebSocketClientProtocol):
    who = ""

    def onOpen(self) -> None:
        self.sendMessage(json.dumps({"type": "login", "name": self.who,
                                     "password": "secret1"}).encode())

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        if not self.factory.entered.called and b'"type":"room"' in payload:
            self.factory.entered.callback(None)


def web_bot(reactor, port: int, who: str) -> defer.Deferred[None]:
    factory = WebSocketClientFactory(f"ws://127.0.0.1:{port}/ws")
    factory.protocol = type("Bot", (WebBot,), {"who": who})
    factory.entered = defer.Deferred()
    TCP4ClientEndpoint(reactor, "127.0.0.1", port).connect(factory)
    return factory.entered


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@defer.inlineCallbacks
def run(reactor, server: subprocess.Popen, ports: dict[str, int], n: int):
    yield task.deferLater(reactor, 1.0, lambda: None)
    base = rss_kib(server.pid)
    players = []
    for i in range(n):
        bot = TelnetBot(name(i))
        yield connectProtocol(TCP4ClientEndpoint(reactor, "127.0.0.1", ports["telnet"]), bot)
        players.append(bot.entered)
    yield defer.gatherResults(players)
    yield task.deferLater(reactor, 1.0, lambda: None)
    after_telnet = rss_kib(server.pid)
    for first in range(n, 2 * n, 100):  # in batches: the listen backlog is 50
        yield defer.gatherResults([web_bot(reactor, ports["web"], name(i))
                                   for i in range(first, min(first + 100, 2 * n))])
    yield task.deferLater(reactor, 1.0, lambda: None)
    after_web = rss_kib(server.pid)
    print(f"server RSS: {base / 1024:.1f} MiB idle")
    print(f"  {n} logged-in telnet players: {(after_telnet - base) / n:.1f} KiB each")
    print(f"  {n} logged-in web players:    {(after_web - after_telnet) / n:.1f} KiB each")
    print("  budget: 40 KB (39 KiB) per connection")


def main() -> None:
    n = players_wanted(sys.argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 2 * n + 200
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(need, soft)), hard))
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "var")
        make_accounts(data, 2 * n)
        log = Path(tmp) / "twistd.log"
        with open(log, "wb") as out:
            server = subprocess.Popen(
                [TWISTD, "--nodaemon", "--pidfile=", "mud",
                 "--telnet", "tcp:0:interface=127.0.0.1", "--web", "tcp:0:interface=127.0.0.1",
                 "--data", data, "--autosave", "3600", "--connections-per-ip", "100000",
                 "--new-connections-per-minute", "1000000", "--login-timeout", "0"],
                stdout=out, stderr=subprocess.STDOUT, cwd=tmp)
        try:
            deadline = time.monotonic() + 30
            ports: dict[str, int] = {}
            while len(ports) < 2:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"twistd did not start:\n{log.read_text()}")
                ports = {m[1]: int(m[2]) for m in LISTENING.finditer(log.read_text())}
                time.sleep(0.05)
            task.react(lambda reactor: run(reactor, server, ports, n))
        finally:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
