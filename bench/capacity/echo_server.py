"""The ceiling for `make bench`: the least a Twisted server can do to run a chat room.

A line-based server on plain Twisted (no telnet options, no accounts, no password hashing,
no world): ``create NAME PW`` / ``connect NAME PW`` enters the hall, ``go N`` moves to room N,
``say TEXT`` writes ``You say "TEXT"`` to the speaker and ``NAME says "TEXT"`` to everyone
else in the room. A connection that stops reading is dropped once CAP bytes wait for it
beyond Twisted's own 64 KiB buffer (as Emberfall's default `--output-buffer` does: a
server with no cap grows by the whole of every stalled player's output). A delivery is one
list append: each connection's lines of a reactor turn leave in one ``transport.write`` when
the turn ends (as Emberfall coalesces them; a write per line per recipient costs more than all
of Emberfall's own work, so it would be no ceiling).
Whatever Emberfall spends beyond this per delivery is its own work (parsing, the engine,
rendering, the output buffer, the telnet layer).

    python -m bench.capacity.echo_server [--port 0] [--interface 127.0.0.1]

prints ``echo listening on HOST:PORT`` once it listens.
"""

from __future__ import annotations

import argparse
import sys

from twisted.internet import protocol
from twisted.internet.interfaces import IReactorTime
from twisted.protocols.basic import LineReceiver

GREETING = b"Name?"
ENTERED = b"You are in the hall."
ECHO = b"You say"
HEARD = b" says \""
CAP = 256 * 1024  # unread output held while Twisted's buffer is full, then the drop


class Room:
    """The players in one room, in arrival order."""

    __slots__ = ("players",)

    def __init__(self) -> None:
        self.players: dict[ChatPlayer, None] = {}


class Outbox:
    """Lines per connection until the end of the reactor turn, then one write each."""

    def __init__(self, clock: IReactorTime) -> None:
        self.clock = clock
        self.pending: dict[ChatPlayer, list[bytes]] = {}

    def add(self, player: ChatPlayer, line: bytes) -> None:
        """Queue ``line`` for ``player``; the first line of a turn schedules the flush."""
        lines = self.pending.get(player)
        if lines is None:
            if not self.pending:
                self.clock.callLater(0, self.flush)
            self.pending[player] = [line]
        else:
            lines.append(line)

    def flush(self) -> None:
        """One write per connection with lines queued this turn."""
        pending, self.pending = self.pending, {}
        for player, lines in pending.items():
            if player.transport is not None and player.connected:
                data = b"".join(lines)
                if player.stall.paused:
                    player.stall.held += len(data)
                    if player.stall.held > CAP:
                        player.transport.abortConnection()
                        continue
                player.transport.write(data)


class Stall:
    """A connection's output as a streaming producer: Twisted pauses it when the write
    buffer passes 64 KiB (the client has stopped reading and the kernel's buffers are full
    too) and resumes it when the buffer drains. Not the LineReceiver itself: its own
    pause/resume stop reading input, which is another matter."""

    __slots__ = ("held", "paused")

    def __init__(self) -> None:
        self.paused = False
        self.held = 0  # bytes written since the pause

    def pauseProducing(self) -> None:
        """Twisted's buffer for this connection is full (called again at every write while
        it stays full: only the first starts the count)."""
        if not self.paused:
            self.paused, self.held = True, 0

    def resumeProducing(self) -> None:
        """It drained again."""
        self.paused, self.held = False, 0

    def stopProducing(self) -> None:
        """The connection is going: nothing to stop."""


class ChatPlayer(LineReceiver):
    """One connection: entered by create/connect, then `say` and `go N`."""

    delimiter = b"\n"
    MAX_LENGTH = 4096

    def __init__(self, rooms: dict[int, Room], outbox: Outbox) -> None:
        self.rooms = rooms
        self.outbox = outbox
        self.name = b""
        self.room: Room | None = None
        self.stall = Stall()

    def connectionMade(self) -> None:
        self.transport.setTcpNoDelay(True)  # as Emberfall's telnet does: no Nagle delay
        # Twisted pauses its producer when its write buffer passes 64 KiB: the signal that
        # this client has stopped reading (the kernel's buffers are full too).
        self.transport.registerProducer(self.stall, True)
        self.transport.write(GREETING + b"\r\n")

    def connectionLost(self, reason: object = None) -> None:
        if self.room is not None:
            self.room.players.pop(self, None)
            self.room = None

    def move(self, number: int) -> None:
        """Leave the current room (if any) for room ``number``."""
        if self.room is not None:
            self.room.players.pop(self, None)
        self.room = self.rooms.setdefault(number, Room())
        self.room.players[self] = None

    def lineReceived(self, line: bytes) -> None:
        verb, _, rest = line.rstrip(b"\r").partition(b" ")
        if self.room is None:
            if verb in (b"create", b"connect") and rest:
                self.name = rest.split(b" ", 1)[0]
                self.move(0)
                self.transport.write(ENTERED + b"\r\n")
            else:
                self.transport.write(GREETING + b"\r\n")
        elif verb == b"say":
            heard = self.name + HEARD + rest + b"\"\r\n"
            add = self.outbox.add
            for other in self.room.players:
                if other is not self:
                    add(other, heard)
            add(self, ECHO + b" \"" + rest + b"\"\r\n")
        elif verb == b"go" and rest.isdigit():
            self.move(int(rest))
            self.transport.write(b"You are in room " + rest + b".\r\n")
        else:
            self.transport.write(b"What?\r\n")


class ChatFactory(protocol.Factory):
    """The rooms and the outbox every connection shares."""

    def __init__(self, clock: IReactorTime) -> None:
        self.rooms: dict[int, Room] = {}
        self.outbox = Outbox(clock)

    def buildProtocol(self, addr: object) -> ChatPlayer:
        return ChatPlayer(self.rooms, self.outbox)


def main(argv: list[str] | None = None) -> None:
    """Listen on --interface:--port and run the reactor until stopped."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--interface", default="127.0.0.1")
    args = parser.parse_args(argv)
    from twisted.internet import reactor
    port = reactor.listenTCP(args.port, ChatFactory(reactor), backlog=4096,
                             interface=args.interface)
    address = port.getHost()
    print(f"echo listening on {address.host}:{address.port}", flush=True)
    reactor.run()
    sys.exit(0)


if __name__ == "__main__":
    main()
