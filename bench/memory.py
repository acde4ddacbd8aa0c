"""Memory per logged-in telnet connection: protocol stack, session, character, all in the
world, measured with tracemalloc over N connections (transports excluded: the kernel's).
The players then sit idle for a minute of the game's clock (past the telnet offer wait),
and the lines that grew most are printed, in bytes per connection.

    .venv/bin/python -m bench.memory [N]      # N telnet players (default 2000)
"""

from __future__ import annotations

import gc
import sys
import tracemalloc

from tests.support import WirePlayer, make_game

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000


def name(i: int) -> str:
    return "P" + "".join(chr(97 + int(d)) for d in f"{i:05d}")


def main() -> None:
    game = make_game()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    players = []
    for i in range(N):
        p = WirePlayer(game)
        p.create(name(i))
        p.wire.clear()
        players.append(p)
    # Idle a while, as bench.connections' players are when their RSS is read.
    for _ in range(60):
        game.world.clock.advance(1.0)
    # Account rows live in SQLite in the real server, not in memory: leave them out.
    game.store.accounts.clear()
    game.store.characters.clear()
    gc.collect()
    after = tracemalloc.take_snapshot()
    total = sum(s.size_diff for s in after.compare_to(before, "filename"))
    lines = after.compare_to(before, "lineno")
    transports = sum(sys.getsizeof(p.wire.io) for p in players)
    per = (total - transports) / N
    print(f"{N} logged-in telnet connections: {per / 1024:.1f} KiB each "
          f"= {per:,.0f} bytes (excluding test transports), {len(game.world.online)} online")
    for stat in lines[:20]:
        frame = stat.traceback[0]
        where = frame.filename.split("site-packages/")[-1].split("/work/main/")[-1]
        print(f"  {stat.size_diff / N:8,.0f} B  {where}:{frame.lineno}")


if __name__ == "__main__":
    main()
