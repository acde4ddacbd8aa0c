"""A `say` in a room of 50 logged-in telnet players, through the whole server-side path:
line bytes in -> telnet parse -> session -> command -> engine fan-out -> render -> bytes out.
Transports only count bytes, so this measures our code, not the kernel."""

from __future__ import annotations

import sys
import time
from typing import Any

from tests.support import WirePlayer, make_game

# --mccp: every listener has MCCP2 on, so each one compresses its own stream.
MCCP = "--mccp" in sys.argv[1:]
# --respond: 50 NPCs carrying the `respond` behaviour stand in the room too, listening to
# every say for their keywords (which this line does not hold: the cost of listening).
RESPOND = "--respond" in sys.argv[1:]
# --metrics: the Prometheus metrics are on (mud/metrics.py): each say is counted and timed.
METRICS = "--metrics" in sys.argv[1:]
# --turn: output coalesced as twistd does it (mud/protocols/turn_flush.py), the reactor turn
# ending every TURN says (a busy room: several commands read in one poll).
COALESCE = "--turn" in sys.argv[1:]
TURN = 10

ROOM_SIZE = 50
SAYS = 5000


class CountingTransport:
    """Stands in for the TCP transport under telnet: counts what would be sent."""

    disconnecting = False

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, data: bytes) -> None:
        self.bytes += len(data)

    def writeSequence(self, seq: list[bytes]) -> None:
        self.bytes += sum(map(len, seq))


def add_listening_npcs(world: Any, count: int = 50) -> None:
    """``count`` NPCs with ``respond`` (three topics each) in the start room."""
    from mud.engine.model import NPC
    from mud.systems.behaviours import attach
    from mud.systems.behaviours.talking import Respond

    topics = ((("mine", "silver"), "It is closed."), (("woods", "forest"), "Stay on the path."),
              (("room", "bed"), "Upstairs."))
    for i in range(count):
        npc = NPC(f"bench:listener{i}", f"Listener {i}", (f"listener{i}",), "A listener.")
        npc.room = world.start
        world.start.npcs.append(npc)
        world.npcs.append(npc)
        attach(world, npc, [(Respond, {"topics": topics, "default": None})])


def main() -> None:
    game = make_game()
    # The per-connection command rate limit would drop most of a tight loop of says.
    game.command_rate, game.command_burst = 1e12, 10**12
    if RESPOND:
        add_listening_npcs(game.world)
    if METRICS:
        from mud.metrics import Metrics
        Metrics(game, game.world.clock, process=False)
    players = []
    for i in range(ROOM_SIZE):
        p = WirePlayer(game)
        p.create("P" + "".join(chr(97 + int(d)) for d in f"{i:03d}"))
        players.append(p)
    counters = []
    for p in players:
        counter = CountingTransport()
        if MCCP:
            p.send_bytes(b"\xff\xfd\x56\xff\xfc\x18")  # DO MCCP2, WONT TTYPE
            assert p.telnet.output.encode is not None, "MCCP2 did not start"
            p.telnet.output.sink = counter.write  # bytes out of the (compressing) buffer
        else:
            p.telnet.output.sink = counter.write  # bytes out of the buffer, counted
        counters.append(counter)
    flusher = None
    if COALESCE:
        from mud.protocols.turn_flush import TurnFlusher
        flusher = TurnFlusher(game.world.clock)
        for p in players:
            p.telnet.output._flusher = flusher
        # The room's audience was grouped before coalescing was on (no batch then).
        game.world.regroup()
    speaker = players[0]
    line = b"say The lamps of Emberfall burn late tonight, friends.\r\n"
    for _ in range(200):  # warm up
        speaker.send_bytes(line)
    if flusher is not None:
        flusher.flush()
    start = time.perf_counter()
    for n in range(SAYS):
        speaker.send_bytes(line)
        if flusher is not None and n % TURN == TURN - 1:
            flusher.flush()
    if flusher is not None:
        flusher.flush()
    elapsed = time.perf_counter() - start
    per_say = elapsed / SAYS
    per_recipient = per_say / (ROOM_SIZE - 1)
    sent = sum(c.bytes for c in counters)
    heard = (ROOM_SIZE - 1) * (SAYS + 200)
    if sent < heard * (2 if MCCP else 40):
        raise SystemExit(f"only {sent} bytes went out for {heard} deliveries: says were lost")
    if METRICS and game.metrics is not None and game.metrics.commands["telnet"] != SAYS + 200:
        raise SystemExit("the metrics did not count every say")
    extra = (" (MCCP2 on)" if MCCP else "") + (" (+50 NPCs with respond)" if RESPOND else "") \
        + (" (metrics on)" if METRICS else "") \
        + (f" (coalesced, a turn every {TURN} says)" if COALESCE else "")
    print(f"room of {ROOM_SIZE}{extra}: {SAYS} says in {elapsed:.3f}s")
    print(f"  {1 / per_say:,.0f} says/s  ({per_say * 1e6:.1f} us per say, "
          f"{per_recipient * 1e6:.2f} us per recipient)")
    print(f"  {sent / 1e6:.1f} MB {'compressed ' if MCCP else ''}to clients")


if __name__ == "__main__":
    main()
