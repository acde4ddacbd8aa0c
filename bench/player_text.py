"""The player-text sanitiser on every line: ``clean`` alone on typical and hostile lines,
beside the translate-table cleaner telnet used before (which removed only C0 controls and
left ``[31m`` behind), and a telnet ``say`` line end to end through the session."""

from __future__ import annotations

import time

from mud.player_text import clean
from mud.protocols.telnet import clean_line
from tests.support import WirePlayer, make_game

# What telnet's clean_line did before the sanitiser: a translate table over C0 and DEL.
_OLD_TABLE = {c: None for c in (*range(0, 9), *range(10, 32), 127)} | {9: " "}

LINES = {
    "plain ASCII": "say hello there, how are you today?",
    "accented": "say héllo wörld, ça va?",
    "emoji + joiner": "say 👩\u200d👩\u200d👧 family",
    "colour codes": "say \x1b[31mRED\x1b[0m and \x1b[1;32mgreen\x1b[0m",
    "hostile": "say " + "\x1b[2J\x1b]0;t\x07\u202e\x9b6n\x07" * 20,
}


def best_ns(fn, arg, rounds: int = 15, n: int = 50_000) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            fn(arg)
        best = min(best, (time.perf_counter() - start) / n)
    return best * 1e9


def end_to_end_us(lines: int = 2000) -> float:
    player = WirePlayer(make_game())
    player.create("Bench")
    session = player.protocol.session
    session._bucket.rate = session._bucket.burst = session._bucket.tokens = 1e12
    data = b"say hello there\r\n" * 200
    best = float("inf")
    for _ in range(20):
        start = time.perf_counter()
        for _ in range(lines // 200):
            player.send_bytes(data)
            player.wire.clear()
        best = min(best, (time.perf_counter() - start) / lines)
    return best * 1e6


def main() -> None:
    print(f"{'line':16} {'clean()':>10} {'old table':>10} {'clean_line(bytes)':>18}")
    for label, line in LINES.items():
        new = best_ns(clean, line)
        old = best_ns(lambda text: text.translate(_OLD_TABLE), line)
        raw = line.encode()
        telnet = best_ns(clean_line, raw)
        print(f"{label:16} {new:8.0f}ns {old:8.0f}ns {telnet:16.0f}ns")
    print(f"telnet 'say hello there' through the session, end to end: {end_to_end_us():.2f} us "
          "a line")


if __name__ == "__main__":
    main()
