"""Coalesced output over real sockets: a server built as twistd builds it (mud/tap.py) sends
a burst of events to a player, made in one reactor turn, in one write, and the player reads
every line in order; a web player's goodbye still comes before the close frame."""

from __future__ import annotations

import socket

from twisted.internet.defer import inlineCallbacks

from mud.engine.events import Say
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import registered_web


def count_writes(output) -> list[bytes]:
    """What the connection's output buffer hands its transport, one entry a write."""
    writes: list[bytes] = []
    sink = output.sink

    def counted(data: bytes) -> None:
        writes.append(data)
        sink(data)

    output.sink = counted
    return writes


class CoalescedOverSockets(ServerTestCase):
    @inlineCallbacks
    def test_a_burst_to_a_telnet_player_leaves_in_one_write_in_order(self):
        service = self.start()
        player = yield connect(self.telnet_port)
        yield player.ask("create Ann secret1", "Village Square")
        world = service.game.world
        ann = world.online["ann"]
        writes = count_writes(ann.link.connection.transport.output)
        # Twenty lines for Ann in one turn (this code runs inside one reactor callback).
        for n in range(20):
            world.tell_room(ann.room, Say("Cid", f"burst line {n:02d}", False))
        text = yield player.wait_for("burst line 19")
        at = [text.index(f"burst line {n:02d}") for n in range(20)]
        self.assertEqual(at, sorted(at))
        self.assertEqual(len(writes), 1, f"{len(writes)} writes for one turn's output")
        player.send("quit")
        yield player.closed
        yield eventually(lambda: not world.online)

    @inlineCallbacks
    def test_a_turns_output_is_sent_when_the_turn_ends_not_a_reactor_pass_later(self):
        # The turn's one write goes straight to the socket (output_buffer.direct_sink): it
        # is in the player's receive queue as soon as the turn's flush has run, without
        # the reactor's next pass (epoll registration, doWrite) that Twisted's write needs.
        service = self.start()
        player = yield connect(self.telnet_port)
        yield player.ask("create Ann secret1", "Village Square")
        world = service.game.world
        ann = world.online["ann"]
        output = ann.link.connection.transport.output
        for n in range(5):
            world.tell_room(ann.room, Say("Cid", f"direct line {n}", False))
        output._flusher.flush()  # the turn's end, within this same callback
        peer = player.transport.getHandle()
        seen = peer.recv(65536, socket.MSG_PEEK)  # raises BlockingIOError if nothing came
        self.assertIn(b"direct line 4", seen)
        yield player.wait_for("direct line 4")
        player.send("quit")
        yield player.closed
        yield eventually(lambda: not world.online)

    @inlineCallbacks
    def test_bytes_twisted_still_holds_leave_before_a_later_turns_output(self):
        # While Twisted's own buffer holds bytes, a turn's output queues behind them.
        service = self.start()
        player = yield connect(self.telnet_port)
        yield player.ask("create Ann secret1", "Village Square")
        world = service.game.world
        ann = world.online["ann"]
        telnet = ann.link.connection.transport
        telnet.transport.write(b"held by twisted\r\n")  # buffered until the reactor's pass
        world.tell_room(ann.room, Say("Cid", "after the held line", False))
        telnet.output._flusher.flush()
        text = yield player.wait_for("after the held line")
        self.assertLess(text.index("held by twisted"), text.index("after the held line"))
        player.send("quit")
        yield player.closed
        yield eventually(lambda: not world.online)

    @inlineCallbacks
    def test_a_burst_to_a_web_player_leaves_in_one_write_and_goodbye_precedes_close(self):
        service = self.start()
        web = yield registered_web(self.web_port, "Bea")
        world = service.game.world
        bea = world.online["bea"]
        writes = count_writes(bea.link.connection.output)
        for n in range(10):
            world.tell_room(bea.room, Say("Cid", f"burst {n}", False))
        yield web.wait("say", message="burst 9")
        said = [f["message"] for f in web.frames if f.get("type") == "say"]
        self.assertEqual(said[-10:], [f"burst {n}" for n in range(10)])
        self.assertEqual(len(writes), 1, f"{len(writes)} writes for one turn's frames")
        web.command("quit")
        code = yield web.closed
        self.assertEqual(code, 1000)
        self.assertEqual(web.frames[-1]["type"], "goodbye")
        yield eventually(lambda: not world.online)

    @inlineCallbacks
    def test_a_crowded_rooms_say_reaches_everyone_once_on_a_line_of_its_own(self):
        # Nine players in the square: a crowded room, whose lines go through the telnet
        # batch (mud/protocols/fanout.py). Each listener sat at its prompt: the line must
        # start on a line of its own, and arrive once; the speaker gets its own echo only.
        from mud.engine.fanout import FANOUT_MIN, SETTLE
        service = self.start(registrations_per_hour=100)
        names = [f"Crowd{chr(97 + n)}" for n in range(max(FANOUT_MIN, 9))]
        players = []
        for name in names:
            player = yield connect(self.telnet_port)
            yield player.ask(f"create {name} secret1", "Village Square")
            players.append(player)
        world = service.game.world
        yield eventually(lambda: len(world.online) == len(names))
        for player in players:
            yield player.wait_for("> ")
        room = world.online[names[0].lower()].room
        # The first lines after the last arrival go one by one (fanout.SETTLE).
        for n in range(SETTLE):
            yield players[0].ask(f"say warming up {n}", "You say")
            for player in players[1:]:
                yield player.wait_for(f"warming up {n}")
        for player in players[1:]:
            # Each listener types something and sits at its prompt again.
            yield player.ask("look", "Village Square")
            yield player.wait_for("> ")
        yield players[0].ask("say hello crowd", "You say")
        for player in players[1:]:
            yield player.wait_for("hello crowd")
        yield players[1].ask("say and again", "You say")
        for player in players[2:]:
            yield player.wait_for("and again")
        groups = world._audiences[room].groups
        self.assertGreaterEqual(max(len(group.links) for group in groups), len(names) - 1)
        for player in players[1:]:
            lines = player.text().splitlines()
            said = [line for line in lines if "hello crowd" in line]
            self.assertEqual(said, [f'{names[0]} says, "hello crowd"'], player.text()[-300:])
        for player in players:
            player.send("quit")
            yield player.closed
        yield eventually(lambda: not world.online)
