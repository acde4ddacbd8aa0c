"""A login storm on a real twistd: N telnet players reconnecting at once after a restart,
each a real default-cost scrypt check, while players already in game keep talking.

Measures the time until all N are in game, whether they were let in in the order their
passwords arrived (FIFO: how far anyone was overtaken, the longest anyone waited), the
command echo of the ``--residents`` players in game meanwhile (each says a line every
~0.25 s and times its own echo: p50, p99, max), the server's CPU (so: whether hashing used
both cores), its threads and its peak RSS, and how many logins the server refused as busy
(those clients try again 2 s later, as a person would).

    .venv/bin/python -m bench.login_storm [--players 2000] [--residents 20] [--backlog 1024]
        [--hashing-threads 2] [--hashing-queue N]

BENCH_TWISTD=/path/to/twistd picks another twistd (another checkout, for a before/after).
The telnet listener is given ``backlog=--backlog``: 2,000 connections at once overflow
Twisted's default of 50 and the kernel then drops SYNs (the client retries 1 s, 3 s later),
which would measure the listen queue rather than the server. (The server now asks for 1024
itself when an endpoint names no backlog; the option stays so an older checkout, run through
BENCH_TWISTD, is measured the same way.)
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import sqlite3
import tempfile
import time

from twisted.internet import defer, task
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.internet.protocol import Protocol

from bench.crowded_combat import cpu_seconds, percentile
from bench.login_memory import Peak, mib, start_twistd, status
from mud.config import bundled_world
from mud.passwords import hash_password
from mud.persistence.store import Store
from mud.world_loader import load_world

PROMPT = b"What name do you go by?"
ENTERED = b"[Exits:"
BUSY = b"busy"
RESIDENT_ROOM = "village:square"


def name(i: int) -> str:
    return "Storm" + "".join(chr(97 + int(d)) for d in f"{i:05d}")


def resident(i: int) -> str:
    return "Stay" + "".join(chr(97 + int(d)) for d in f"{i:03d}")


def source(i: int) -> tuple[str, int]:
    # One loopback address each, as players after a restart come from their own homes (the
    # login throttle rightly holds back many logins in flight from one address).
    return f"127.{1 + i // 62500}.{1 + i // 250 % 250}.{1 + i % 250}", 0


def make_accounts(data: str, players: int, residents: int) -> None:
    """Every account with the same default-cost hash; the storm's characters spread over
    the world's rooms but the residents' one, the residents together in it."""
    Store(data).prepare()
    hashed = hash_password("secret1")
    rooms = [r for r in sorted(load_world(bundled_world(), task.Clock()).rooms)
             if r != RESIDENT_ROOM]
    accounts = [(name(i).lower(), name(i), hashed) for i in range(players)]
    accounts += [(resident(i).lower(), resident(i), hashed) for i in range(residents)]
    characters = [(name(i).lower(), rooms[i % len(rooms)]) for i in range(players)]
    characters += [(resident(i).lower(), RESIDENT_ROOM) for i in range(residents)]
    with sqlite3.connect(os.path.join(data, "mud.sqlite3")) as db:
        db.executemany("INSERT INTO accounts (key, name, password, created) VALUES (?,?,?,0)",
                       accounts)
        db.executemany("INSERT INTO characters (key, room) VALUES (?, ?)", characters)


class Reconnecting(Protocol):
    """Waits for the name prompt, sends ``connect``, notes when it was sent and when the
    room came back; a busy refusal makes it try again 2 s later."""

    def __init__(self, reactor, who: str) -> None:
        self.reactor, self.who = reactor, who
        self.tail = b""
        self.sent = self.entered_at = 0.0
        self.refusals = 0
        self.entered: defer.Deferred[None] = defer.Deferred()

    def send_login(self) -> None:
        if self.transport is None or self.entered.called:
            return
        if not self.sent:
            self.sent = time.perf_counter()  # the first try: its place in the queue
        self.transport.write(f"connect {self.who} secret1\r\n".encode())

    def dataReceived(self, data: bytes) -> None:
        if self.entered.called:
            return
        self.tail = self.tail[-64:] + data
        if ENTERED in self.tail:
            self.entered_at = time.perf_counter()
            self.entered.callback(None)
        elif BUSY in self.tail:
            self.refusals += 1
            self.tail = b""
            self.reactor.callLater(2.0, self.send_login)
        elif PROMPT in self.tail and not self.sent:
            self.tail = b""
            self.send_login()

    def connectionLost(self, reason: object) -> None:
        if not self.entered.called:
            self.entered.errback(RuntimeError(f"{self.who} lost: {reason}"))


class Resident(Protocol):
    """In game before the storm; says a numbered line every ~0.25 s and times its echo."""

    def __init__(self, reactor, who: str) -> None:
        self.reactor, self.who = reactor, who
        self.tail = b""
        self.entered: defer.Deferred[None] = defer.Deferred()
        self.seq = 0
        self.waiting = b""
        self.asked = 0.0
        self.times: list[float] = []
        self.running = False

    def connectionMade(self) -> None:
        self.transport.write(f"connect {self.who} secret1\r\n".encode())

    def start(self) -> None:
        self.running = True
        self.say()

    def say(self) -> None:
        if not self.running:
            return
        self.seq += 1
        self.waiting = f"{self.who}n{self.seq}q".encode()
        self.tail = b""
        self.asked = time.perf_counter()
        self.transport.write(b"say " + self.waiting + b"\r\n")

    def dataReceived(self, data: bytes) -> None:
        self.tail = self.tail[-64:] + data
        if not self.entered.called:
            if ENTERED in self.tail:
                self.entered.callback(None)
            return
        if self.waiting and self.waiting in self.tail:
            self.times.append(time.perf_counter() - self.asked)
            self.waiting = b""
            self.reactor.callLater(random.uniform(0.15, 0.35), self.say)


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds by thread name (hashing threads summed as one name)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        label = text[text.index("(") + 1:text.rindex(")")]
        label = "reactor" if tid == str(pid) else re.sub(r"-\d+$", "", label)
        fields = text.rsplit(")", 1)[1].split()
        out[label] = out.get(label, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def order_figures(bots: list[Reconnecting], margin: float = 0.05) -> tuple[int, float]:
    """(the most players who sent their password over ``margin`` s later yet got in
    earlier, for any one player; the rank correlation of arrival and entry order, 1 for
    first come, first served). Passwords sent within ``margin`` of each other may reach
    the server in either order."""
    by_arrival = sorted(bots, key=lambda b: b.sent)
    arrival = {id(b): i for i, b in enumerate(by_arrival)}
    by_entry = sorted(bots, key=lambda b: b.entered_at)
    entry = {id(b): i for i, b in enumerate(by_entry)}
    overtaken = 0
    for i, b in enumerate(by_arrival):
        later = [c for c in by_arrival[i + 1:] if c.sent > b.sent + margin]
        overtaken = max(overtaken, sum(1 for c in later if c.entered_at < b.entered_at))
    n = len(bots)
    d2 = sum((entry[id(b)] - arrival[id(b)]) ** 2 for b in bots)
    rho = 1 - 6 * d2 / (n * (n * n - 1)) if n > 1 else 1.0
    return overtaken, rho


@defer.inlineCallbacks
def run(reactor, args, pid: int, port: int):
    residents = []
    for i in range(args.residents):
        bot = Resident(reactor, resident(i))
        yield connectProtocol(TCP4ClientEndpoint(reactor, "127.0.0.1", port,
                                                 bindAddress=(f"127.250.0.{1 + i}", 0)), bot)
        yield bot.entered
        residents.append(bot)
    yield task.deferLater(reactor, 1.0, lambda: None)
    for bot in residents:
        bot.start()
    yield task.deferLater(reactor, 2.0, lambda: None)  # a quiet baseline for the echo
    quiet = [t for bot in residents for t in bot.times]
    for bot in residents:
        bot.times = []
    before_rss, _ = status(pid)
    peak = Peak(pid)
    peak.start()
    cpu_before = cpu_seconds(pid)
    threads_before = thread_cpu(pid)
    started = time.perf_counter()
    bots = [Reconnecting(reactor, name(i)) for i in range(args.players)]
    for i, bot in enumerate(bots):
        connectProtocol(TCP4ClientEndpoint(reactor, "127.0.0.1", port, timeout=120,
                                           bindAddress=source(i)), bot)
    results = yield defer.DeferredList([bot.entered for bot in bots], consumeErrors=True)
    seconds = time.perf_counter() - started
    cpu = cpu_seconds(pid) - cpu_before
    threads_after = thread_cpu(pid)
    by_thread = {k: v - threads_before.get(k, 0.0) for k, v in threads_after.items()}
    for bot in residents:
        bot.running = False
    peak.running = False
    lost = [r for ok, r in results if not ok]
    storm = [t for bot in residents for t in bot.times]
    entered = [bot for bot in bots if bot.entered_at]
    waits = [bot.entered_at - bot.sent for bot in entered]
    overtaken, rho = order_figures(entered)
    yield task.deferLater(reactor, 2.0, lambda: None)
    idle_rss, _ = status(pid)
    print(f"login storm: {args.players} telnet players reconnecting at once (default-cost "
          f"scrypt each), {args.residents} players in game meanwhile")
    print(f"  all in game after {seconds:.1f} s ({len(entered)} in, {len(lost)} lost); "
          f"{len(entered) / seconds:.1f} logins/s")
    print(f"  server CPU {cpu:.1f} s over {seconds:.1f} s: {cpu / seconds:.2f} cores")
    print("  of which " + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(
        by_thread.items(), key=lambda kv: -kv[1]) if v >= 0.05))
    spread = max(b.sent for b in entered) - min(b.sent for b in entered)
    print(f"  passwords sent over {spread:.2f} s")
    print(f"  wait from password to room: p50 {percentile(waits, 0.5):.1f} s, "
          f"max {max(waits):.1f} s")
    print(f"  order: at most {overtaken} players overtook anyone by 50 ms and more; rank "
          f"correlation of arrival and entry {rho:.4f} (1: first come, first served)")
    print(f"  refused as busy: {sum(bot.refusals for bot in bots)} times "
          f"({sum(1 for bot in bots if bot.refusals)} players)")
    print(f"  residents' echo, quiet: p50 {1000 * percentile(quiet, 0.5):.1f} ms, "
          f"p99 {1000 * percentile(quiet, 0.99):.1f} ms ({len(quiet)} says)")
    print(f"  residents' echo during the storm: p50 {1000 * percentile(storm, 0.5):.1f} ms, "
          f"p99 {1000 * percentile(storm, 0.99):.1f} ms, max {1000 * max(storm):.1f} ms "
          f"({len(storm)} says)")
    print(f"  server RSS {mib(before_rss)} before, {mib(peak.rss)} at the busiest, "
          f"{mib(idle_rss)} all in and idle 2 s; at most {peak.threads} threads")
    for failure in lost[:3]:
        print("  lost:", failure.getErrorMessage())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--players", type=int, default=2000)
    parser.add_argument("--residents", type=int, default=20)
    parser.add_argument("--backlog", type=int, default=1024)
    parser.add_argument("--hashing-threads", type=int, default=None)
    parser.add_argument("--hashing-queue", type=int, default=None)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 2 * (args.players + args.residents) + 200
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, want), hard))
    extra = []
    if args.hashing_threads:
        extra += ["--hashing-threads", str(args.hashing_threads)]
    if args.hashing_queue:
        extra += ["--hashing-queue", str(args.hashing_queue)]
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "var")
        make_accounts(data, args.players, args.residents)
        server, port = start_twistd(tmp, [
            "--data", data, "--telnet", f"tcp:0:interface=127.0.0.1:backlog={args.backlog}",
            "--web", "tcp:0:interface=127.0.0.1", "--metrics", "none", "--autosave", "3600",
            "--connections-per-ip", "100000", "--new-connections-per-minute", "1000000",
            "--login-timeout", "0", *extra])
        try:
            def measured(reactor):
                d = run(reactor, args, server.pid, port)
                return d.addErrback(lambda failure: print(failure.getTraceback()))
            task.react(measured)
        finally:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
