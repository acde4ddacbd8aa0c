"""One channel line heard by 1,000 listeners, through the server-side path: the telnet
speaker's ``ooc ...`` in -> session -> the channel's command -> one event handed to each
listener -> one rendering per style (text for telnet, a JSON frame for the web) -> each
connection's output. Also a line from another realm (``Bus.deliver``, as a link hands it
over), which skips the speaker's command. Transports only count bytes, so this measures
our code (and Autobahn's framing), not the kernel. Best of 5 runs, in this process's CPU
time.

    .venv/bin/python -m bench.channel_fanout [--listeners 1000] [--lines 100]
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from typing import Any

from bench.say_fanout import CountingTransport as TelnetCounter
from bench.web_fanout import HANDSHAKE
from bench.web_fanout import CountingTransport as WebCounter
from mud.protocols.keepalive import DEFAULT_KEEPALIVE, Keepalive
from mud.protocols.websocket import GameWebSocketFactory
from mud.systems.channels import hub
from tests.support import WirePlayer, make_game

RUNS = 5
LINE = "ooc The lamps of Emberfall burn late tonight, friends."


def _name(prefix: str, i: int) -> str:
    return prefix + "".join(chr(97 + int(d)) for d in f"{i:04d}")


def telnet_listeners(game: Any, count: int) -> list[TelnetCounter]:
    counters = []
    for i in range(count):
        player = WirePlayer(game)
        player.create(_name("T", i))
        counter = TelnetCounter()
        player.telnet.transport = counter  # the StringTransport swapped for a counter
        player.telnet.output.sink = counter.write  # and the output buffer writes to it
        counters.append(counter)
    return counters


def web_listeners(game: Any, count: int,
                  keepalive: Keepalive = DEFAULT_KEEPALIVE) -> list[WebCounter]:
    factory = GameWebSocketFactory(game, keepalive=keepalive)
    counters = []
    for i in range(count):
        web = factory.buildProtocol(None)
        counter = WebCounter(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}")
        web.makeConnection(counter)
        web.dataReceived(HANDSHAKE)
        web.onMessage(json.dumps({"type": "register", "name": _name("W", i),
                                  "password": "secret1"}).encode(), False)
        if web.session.character is None:
            raise SystemExit("a web player did not get in")
        counters.append(counter)
    return counters


def measure(style: str, listeners: int, lines: int) -> None:
    game = make_game()
    game.command_rate, game.command_burst = 1e12, 10**12   # a script types fast
    speech = hub.channels_of(game.world)
    speech.rate, speech.burst = 1e12, 10**12                # and speaks fast
    counters: list[Any] = (telnet_listeners if style == "text" else web_listeners)(
        game, listeners)
    speaker = WirePlayer(game)
    speaker.create("Speaker")
    line = LINE.encode() + b"\r\n"
    bus = game.world.bus
    remote = {"channel": "ooc", "talker": "Faraway", "text": LINE[4:]}

    def spoken() -> None:
        speaker.send_bytes(line)
        speaker.wire.clear()

    def delivered() -> None:
        bus.deliver("channel", "north", remote)

    for label, once in (("said here", spoken), ("from another realm", delivered)):
        for _ in range(20):   # warm up
            once()
        best = float("inf")
        for _ in range(RUNS):
            gc.collect()   # a collection of the 2,000 players' objects is not the line's cost
            before = sum(c.bytes for c in counters)
            # CPU time, not the wall clock: other processes sharing the cores (a test
            # run) would otherwise be counted as the line's cost.
            start = time.process_time()
            for _ in range(lines):
                once()
            elapsed = time.process_time() - start
            sent = sum(c.bytes for c in counters) - before
            if sent < lines * listeners * 40:
                raise SystemExit(f"only {sent} bytes went out: lines were lost")
            best = min(best, elapsed)
        per_line = best / lines
        print(f"  {style:<4} {label:<19} {per_line * 1e3:7.2f} ms a line, "
              f"{per_line / listeners * 1e6:5.2f} us per recipient, "
              f"{1 / per_line:,.0f} lines/s, {sent / lines / listeners:.0f} bytes each")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listeners", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=100)
    args = parser.parse_args(argv)
    print(f"one ooc line to {args.listeners} listeners, {args.lines} lines a run, best of "
          f"{RUNS}:")
    for style in ("text", "json"):
        measure(style, args.listeners, args.lines)


if __name__ == "__main__":
    main()
