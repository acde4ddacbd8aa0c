"""Memory per logged-in connection in a real twistd, telnet and web, read from its RSS.

Unlike bench.memory (tracemalloc, our objects only) this counts everything the server
process holds per connection: Twisted transports, Autobahn's protocol, our buffers, timers
and the character. Accounts are made beforehand with a cheap password hash (the stored
hash names its own cost), so logging in thousands of players takes seconds.

    .venv/bin/python -m bench.connections [N]     # N telnet and N web players (default 1000)
    .venv/bin/python -m bench.connections --telnet 10000 --web 0    # issue 15's two counts,
    .venv/bin/python -m bench.connections --telnet 0 --web 5000     # one server each
    .venv/bin/python -m bench.connections --telnet 2000 --web 0 --trace   # + tracemalloc

Players log in, then sit idle; RSS is read before and after (12 s after the last login),
and the difference is given per connection in KiB and bytes. RLIMIT_NOFILE is raised for
this process and the server (which inherits it). ``--trace`` runs twistd under tracemalloc
and prints the lines that grew most, per connection.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol
from twisted.internet import defer, task
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.protocol import Protocol

from mud.config import bundled_world
from mud.passwords import Cost, hash_password
from mud.persistence.store import Store
from mud.world_loader import load_world

TWISTD = str(Path(sys.executable).parent / "twistd")
ROOT = Path(__file__).resolve().parent.parent
# Issue 15's target: server RSS per idle logged-in connection, telnet or web.
BUDGET = 12_000
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


def settle(reactor, seconds: float = 12.0) -> defer.Deferred[None]:
    """Let the server finish what the logins started (greetings, saves, and the telnet
    offers these silent bots never answer, given up after OFFER_WAIT) before reading RSS."""
    return task.deferLater(reactor, seconds, lambda: None)


def report(kind: str, count: int, before: int, after: int) -> str:
    per = (after - before) * 1024 / count
    return (f"  {count} idle logged-in {kind} players: RSS {before / 1024:.1f} -> "
            f"{after / 1024:.1f} MiB, {per / 1024:.2f} KiB = {per:,.0f} bytes each "
            f"({'within' if per <= BUDGET else 'OVER'} the {BUDGET:,} byte budget)")


@defer.inlineCallbacks
def run(reactor, server: subprocess.Popen, ports: dict[str, int], telnet: int, web: int,
        snapshots: Path | None = None):
    yield settle(reactor)
    lines = []
    base = rss_kib(server.pid)
    yield snapshot(server, snapshots, "base", reactor)
    print(f"server RSS: {base / 1024:.1f} MiB with nobody connected", flush=True)
    players = []
    for i in range(telnet):
        bot = TelnetBot(name(i))
        yield connectProtocol(TCP4ClientEndpoint(reactor, "127.0.0.1", ports["telnet"]), bot)
        players.append(bot.entered)
        if len(players) % 500 == 0:  # no more than 500 logins waiting at once
            yield defer.gatherResults(players[-500:])
    yield defer.gatherResults(players)
    yield settle(reactor)
    after_telnet = rss_kib(server.pid)
    yield snapshot(server, snapshots, "telnet", reactor)
    if telnet:
        lines.append(report("telnet", telnet, base, after_telnet))
        print(lines[-1], flush=True)
    for first in range(telnet, telnet + web, 100):  # in batches: the listen backlog is 50
        yield defer.gatherResults([web_bot(reactor, ports["web"], name(i))
                                   for i in range(first, min(first + 100, telnet + web))])
    yield settle(reactor)
    after_web = rss_kib(server.pid)
    yield snapshot(server, snapshots, "web", reactor)
    if web:
        lines.append(report("web", web, after_telnet, after_web))
        print(lines[-1], flush=True)
    return lines


def snapshot(server: subprocess.Popen, folder: Path | None, label: str,
             reactor) -> defer.Deferred[None]:
    """Ask a traced server (``--trace``) for a tracemalloc snapshot in folder/label."""
    if folder is None:
        return defer.succeed(None)
    target = folder / label
    (folder / "next").write_text(str(target))
    os.kill(server.pid, signal.SIGUSR1)

    def written() -> defer.Deferred[None] | None:
        if target.exists():
            return None
        return task.deferLater(reactor, 0.2, written)
    return task.deferLater(reactor, 0.2, written)


def breakdown(folder: Path, before: str, after: str, count: int, top: int = 25) -> None:
    """The lines that grew most from ``before`` to ``after``, in bytes per connection."""
    old = tracemalloc.Snapshot.load(str(folder / before))
    new = tracemalloc.Snapshot.load(str(folder / after))
    stats = new.compare_to(old, "lineno")
    total = sum(s.size_diff for s in stats)
    print(f"  tracemalloc {before} -> {after}: {total / count:,.0f} bytes of Python objects "
          f"per connection; top lines:")
    for stat in stats[:top]:
        frame = stat.traceback[0]
        where = frame.filename.split("site-packages/")[-1].split("/work/main/")[-1]
        print(f"    {stat.size_diff / count:8,.0f} B  {stat.count_diff / count:6.2f} blocks  "
              f"{where}:{frame.lineno}")


def traced_twistd(snapshots: Path, argv: list[str]) -> None:
    """Run twistd here with tracemalloc on; SIGUSR1 writes a snapshot where
    snapshots/next says (after a full collection, so garbage does not count)."""
    import gc

    tracemalloc.start(1)

    def dump(signum: int, frame: object) -> None:
        gc.collect()
        target = (snapshots / "next").read_text()
        tracemalloc.take_snapshot().dump(target + ".tmp")
        os.replace(target + ".tmp", target)

    signal.signal(signal.SIGUSR1, dump)
    from twisted.scripts.twistd import run as twistd_run
    sys.argv = ["twistd", *argv]
    twistd_run()


def arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.connections", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("players", nargs="?", type=int, default=None,
                        help="N telnet and N web players (the old form)")
    parser.add_argument("--telnet", type=int, default=None, help="telnet players")
    parser.add_argument("--web", type=int, default=None, help="WebSocket players")
    parser.add_argument("--trace", action="store_true",
                        help="run twistd under tracemalloc and print what grew per connection")
    args = parser.parse_args(argv[1:])
    fallback = 1000 if args.players is None else args.players
    args.telnet = fallback if args.telnet is None else args.telnet
    args.web = fallback if args.web is None else args.web
    return args


def raise_file_limit(need: int) -> None:
    """Enough descriptors for every player, here and in the server (which inherits it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            raise SystemExit(f"need {need} open files, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv if argv is None else argv
    if len(argv) > 2 and argv[1] == "--serve-traced":
        traced_twistd(Path(argv[2]), argv[3:])
        return
    args = arguments(argv)
    total = args.telnet + args.web
    raise_file_limit(total + 500)
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "var")
        make_accounts(data, total)
        log = Path(tmp) / "twistd.log"
        snapshots = Path(tmp) if args.trace else None
        twistd_args = ["--nodaemon", "--pidfile=", "mud",
                       "--telnet", "tcp:0:interface=127.0.0.1:backlog=1024",
                       "--web", "tcp:0:interface=127.0.0.1:backlog=1024",
                       "--data", data, "--autosave", "3600", "--metrics", "none",
                       "--connections-per-ip", "100000",
                       "--new-connections-per-minute", "1000000", "--login-timeout", "0"]
        command = ([sys.executable, "-m", "bench.connections", "--serve-traced", tmp,
                    *twistd_args] if args.trace else [TWISTD, *twistd_args])
        with open(log, "wb") as out:
            server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=tmp,
                                      env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            deadline = time.monotonic() + 30
            ports: dict[str, int] = {}
            while len(ports) < 2:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"twistd did not start:\n{log.read_text()}")
                ports = {m[1]: int(m[2]) for m in LISTENING.finditer(log.read_text())}
                time.sleep(0.05)
            print(f"bench.connections: {args.telnet} telnet, {args.web} web players; "
                  f"load average {os.getloadavg()[0]:.2f}", flush=True)
            task.react(lambda reactor: run(reactor, server, ports, args.telnet, args.web,
                                           snapshots))
        except SystemExit as done:
            if done.code not in (0, None):
                raise
        finally:
            if server.poll() is not None:
                print(f"twistd exited ({server.returncode}); its log ends:\n"
                      + log.read_text()[-3000:], file=sys.stderr)
            server.kill()
            server.wait()
            if snapshots is not None:
                if args.telnet and (snapshots / "telnet").exists():
                    breakdown(snapshots, "base", "telnet", args.telnet)
                if args.web and (snapshots / "web").exists():
                    breakdown(snapshots, "telnet", "web", args.web)


if __name__ == "__main__":
    main()
