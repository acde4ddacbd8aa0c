"""What password hashing costs a real twistd in memory: RSS before any login, at its peak
while N players log in (C at a time, each a real scrypt check at the default cost), once
they are all in and idle, and after they have all quit.

Every account has the same default-cost hash (one made up front), so each login runs the
full scrypt check the server does for real players.

    .venv/bin/python -m bench.login_memory [N] [C]     # default: 1000 players, 50 at a time

BENCH_TWISTD=/path/to/twistd picks another twistd (another checkout or installed copy).
"""

from __future__ import annotations

import os
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from twisted.internet import defer, task
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from bench.connections import TelnetBot
from mud.passwords import hash_password
from mud.persistence.store import Store

# Players, and how many log in at once: set from the command line in main (not at import,
# so other benches may import this module's helpers).
N = 1000
AT_ONCE = 50
TWISTD = os.environ.get("BENCH_TWISTD") or str(Path(sys.executable).parent / "twistd")
LISTENING = re.compile(r"telnet listening on 127\.0\.0\.1:(\d+)")


def name(i: int) -> str:
    return "Memo" + "".join(chr(97 + int(d)) for d in f"{i:05d}")


def make_accounts(data: str, count: int) -> None:
    Store(data).prepare()
    hashed = hash_password("secret1")  # the default cost, as real accounts have
    with sqlite3.connect(os.path.join(data, "mud.sqlite3")) as db:
        db.executemany("INSERT INTO accounts (key, name, password, created) VALUES (?,?,?,0)",
                       [(name(i).lower(), name(i), hashed) for i in range(count)])
        db.executemany("INSERT INTO characters (key, room) VALUES (?, 'village:square')",
                       [(name(i).lower(),) for i in range(count)])


def start_twistd(tmp: str, args: list[str]) -> tuple[subprocess.Popen, int]:
    """``twistd mud *args`` run in ``tmp`` (its log in tmp/twistd.log), once its telnet
    port listens: the process and that port. Killed if it does not start within 30 s."""
    log = Path(tmp) / "twistd.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([TWISTD, "--nodaemon", "--pidfile=", "mud", *args],
                                  stdout=out, stderr=subprocess.STDOUT, cwd=tmp)
    try:
        deadline = time.monotonic() + 30
        while not (found := LISTENING.search(log.read_text())):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"twistd did not start:\n{log.read_text()}")
            time.sleep(0.05)
    except BaseException:
        server.kill()
        server.wait()
        raise
    return server, int(found[1])


def status(pid: int) -> tuple[int, int]:
    """(VmRSS in KiB, threads) of the process."""
    fields = {}
    with open(f"/proc/{pid}/status") as lines:
        for line in lines:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return int(fields["VmRSS"][0]), int(fields["Threads"][0])


class Peak(threading.Thread):
    """Samples the server's RSS and thread count every 20 ms, keeping the highest."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.rss, self.threads, self.running = pid, 0, 0, True

    def run(self) -> None:
        while self.running:
            try:
                rss, threads = status(self.pid)
            except (OSError, KeyError):
                return  # the server is gone
            self.rss, self.threads = max(self.rss, rss), max(self.threads, threads)
            time.sleep(0.02)


def mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


@defer.inlineCallbacks
def run(reactor, pid: int, port: int):
    yield task.deferLater(reactor, 1.0, lambda: None)
    before, threads_before = status(pid)
    peak = Peak(pid)
    peak.start()
    started = time.monotonic()
    bots = []
    for first in range(0, N, AT_ONCE):
        batch = [TelnetBot(name(i)) for i in range(first, min(first + AT_ONCE, N))]
        for i, bot in enumerate(batch, first):
            # From many loopback addresses: the login throttle holds back logins that one
            # address has in flight at once, as it should.
            source = (f"127.0.{1 + i // 250}.{1 + i % 250}", 0)
            connectProtocol(TCP4ClientEndpoint(reactor, "127.0.0.1", port,
                                               bindAddress=source), bot)
        yield defer.gatherResults([bot.entered for bot in batch])
        bots += batch
    seconds = time.monotonic() - started
    yield task.deferLater(reactor, 3.0, lambda: None)
    logged_in, threads_in = status(pid)
    for bot in bots:
        bot.transport.write(b"quit\r\n")
    yield defer.gatherResults([bot.gone for bot in bots])
    yield task.deferLater(reactor, 3.0, lambda: None)
    after, threads_after = status(pid)
    peak.running = False
    print(f"{N} players logging in {AT_ONCE} at a time, each a default-cost scrypt check "
          f"({seconds:.1f} s in all)")
    print(f"  server RSS before any login:     {mib(before)} ({threads_before} threads)")
    print(f"  highest while they logged in:    {mib(peak.rss)} ({peak.threads} threads)")
    print(f"  all {N} logged in, idle 3 s:  {mib(logged_in)} ({threads_in} threads)")
    print(f"  all quit, idle 3 s:              {mib(after)} ({threads_after} threads)")


def main() -> None:
    global N, AT_ONCE
    N = int(sys.argv[1]) if len(sys.argv) > 1 else N
    AT_ONCE = int(sys.argv[2]) if len(sys.argv) > 2 else AT_ONCE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < N + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, N + 200), hard))
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "var")
        make_accounts(data, N)
        server, port = start_twistd(tmp, [
            "--data", data, "--telnet", "tcp:0:interface=127.0.0.1",
            "--web", "tcp:0:interface=127.0.0.1", "--autosave", "3600",
            "--connections-per-ip", "100000", "--new-connections-per-minute", "1000000",
            "--login-timeout", "0"])
        try:
            def measured(reactor):
                d = run(reactor, server.pid, port)
                return d.addErrback(lambda failure: print(failure.getTraceback()))
            task.react(measured)
        finally:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
