"""How long a bystander waits while another connection sends hostile input, over real
sockets: Bob's `say` round trip while Eve sends a 64 MiB line with no newline, and while she
sends 256 KiB of binary junk in lines. The tests (tests/e2e/test_hostile_input.py) check
that Bob is answered at all; the speed is measured here.

    .venv/bin/python -m bench.bystander
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time

from twisted.internet import defer, task

from mud.config import Settings
from mud.tap import build_service
from tests.e2e.client import connect
from tests.support import BUNDLED_WORLD, CHEAP

LOOPBACK = "tcp:0:interface=127.0.0.1"
JUNK_BYTES = bytes(b for b in range(256) if b not in (0xFF, 0x0D, 0x0A))


@defer.inlineCallbacks
def say(bob, label: str, waits: list[float]):
    started = time.perf_counter()
    yield bob.ask(f"say {label}", f'You say, "{label}"')
    waits.append(time.perf_counter() - started)


@defer.inlineCallbacks
def run(reactor, data: str):
    settings = Settings(telnet=(LOOPBACK,), web=(LOOPBACK,), metrics=(), world=str(BUNDLED_WORLD),
                        data=data, autosave=3600, command_rate=1000, command_burst=1000)
    service = build_service(settings, reactor=reactor, password_cost=CHEAP)
    service.privilegedStartService()
    service.startService()
    port = service.ports("telnet")[0]
    bob = yield connect(port)
    yield bob.ask("create Bob secret1", "Village Square")
    eve = yield connect(port)
    yield eve.ask("create Eve secret1", "Village Square")

    quiet: list[float] = []
    for i in range(20):
        yield say(bob, f"quiet {i}", quiet)

    long_line: list[float] = []
    chunk = b"A" * (1024 * 1024)
    started = time.perf_counter()
    for i in range(64):
        eve.transport.write(chunk)
        if i % 4 == 0:
            yield say(bob, f"during {i}", long_line)
    eve.transport.write(b"\r\n")
    yield eve.wait_for("too long", timeout=120)
    line_seconds = time.perf_counter() - started

    junk_waits: list[float] = []
    rng = random.Random(1)
    for i in range(16):
        line = bytes(rng.choice(JUNK_BYTES) for _ in range(16 * 1024))
        eve.transport.write(line + b"\r\n")
        yield say(bob, f"junk {i}", junk_waits)

    for label, waits in (("quiet room", quiet), ("during a 64 MiB line", long_line),
                         ("during 256 KiB of junk lines", junk_waits)):
        print(f"Bob's say, {label}: median {statistics.median(waits) * 1000:.1f} ms, "
              f"worst {max(waits) * 1000:.1f} ms ({len(waits)} says)")
    print(f"the 64 MiB line took {line_seconds:.2f} s to send and be refused")
    for player in (bob, eve):
        player.transport.loseConnection()
    yield service.stopService()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        task.react(run, [tmp])


if __name__ == "__main__":
    main()
