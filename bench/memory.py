"""Memory per logged-in telnet connection: protocol stack, session, character, all in the
world, measured with tracemalloc over N connections (transports excluded: the kernel's)."""

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
    # Account rows live in SQLite in the real server, not in memory: leave them out.
    game.store.accounts.clear()
    game.store.characters.clear()
    gc.collect()
    after = tracemalloc.take_snapshot()
    total = sum(s.size_diff for s in after.compare_to(before, "filename"))
    transports = sum(sys.getsizeof(p.wire.io) for p in players)
    per = (total - transports) / N
    print(f"{N} logged-in telnet connections: {per / 1024:.1f} KiB each "
          f"(excluding test transports), {len(game.world.online)} online")


if __name__ == "__main__":
    main()
