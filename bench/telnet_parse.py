"""Telnet input parsing: our slicing IAC parser + line splitter vs Twisted's per-byte parser,
on a line with no newline (the hostile case) and on ordinary command traffic."""

from __future__ import annotations

import time

from twisted.conch.telnet import TelnetProtocol, TelnetTransport
from twisted.internet.testing import StringTransport

from tests.support import WirePlayer, make_game


def ours(chunks: list[bytes]) -> float:
    player = WirePlayer(make_game())
    player.create("Bench")
    start = time.perf_counter()
    for chunk in chunks:
        player.send_bytes(chunk)
    return time.perf_counter() - start


def twisteds(chunks: list[bytes]) -> float:
    transport = TelnetTransport(TelnetProtocol)
    transport.makeConnection(StringTransport())
    start = time.perf_counter()
    for chunk in chunks:
        transport.dataReceived(chunk)
    return time.perf_counter() - start


def main() -> None:
    mib = b"A" * (1024 * 1024)
    long_line = [mib] * 64
    t = ours(long_line)
    print(f"64 MiB line, no newline: ours {t:.3f}s ({64 / t:,.0f} MiB/s)")
    t2 = twisteds([mib] * 4)
    print(f"  Twisted's per-byte parser: {t2:.2f}s for 4 MiB -> ~{t2 * 16:.0f}s for 64 MiB")
    commands = [b"say hello there\r\n" * 4000] * 10  # 40,000 commands in 64 KiB-ish reads
    total = sum(map(len, commands))
    t3 = twisteds(commands)
    print(f"command traffic ({total / 1e6:.1f} MB): Twisted's parser alone {t3:.3f}s "
          f"({total / t3 / 1e6:.1f} MB/s)")


if __name__ == "__main__":
    main()
