"""`make bench`'s load generator (bench/capacity/load.py, closed_loop.py, workloads.py) over
real loopback sockets: the nearest-rank percentile, the closed loop's warm-up (the window
opens only once every talker has had an echo; a server that stops answering fails it),
deliveries to stalled players counted in the CPU per delivery, and what the kernel holds for
a player that never reads (and whether the server closed on it, which a paused client never
learns by itself)."""

from __future__ import annotations

import os
import socket
import struct
import time

from twisted.internet import defer, protocol, reactor, task
from twisted.protocols.basic import LineReceiver
from twisted.trial import unittest

from bench.capacity.load import Bot, connect, percentile, tcp_queues
from bench.capacity.workloads import Run, closed_loop, kernel_held, text_of

ECHO, HEARD = b"You say", b" says "


def test_percentile_is_nearest_rank() -> None:
    # the ceil(p * n)-th smallest value
    assert percentile(list(range(1, 101)), 0.99) == 99
    assert percentile([1, 2, 3, 4], 0.5) == 2
    assert percentile([4, 3, 2, 1], 0.75) == 3
    assert percentile([7.0], 0.99) == 7.0 and percentile([7.0], 0.0) == 7.0
    assert percentile([], 0.5) == 0.0


def test_text_of_reaches_its_size() -> None:
    assert len(text_of(1800)) >= 1800 and text_of(0) == "hello everyone"


class Speaker(LineReceiver):
    """``say X``: ``You say X`` back, and ``N says X`` to the others; the first say of the
    connection named in ``factory.slow`` is answered ``factory.delay`` seconds late."""

    delimiter = b"\n"

    def connectionMade(self) -> None:
        self.factory.players.append(self)
        self.number = len(self.factory.players) - 1
        self.said = 0

    def connectionLost(self, reason: object = None) -> None:
        self.factory.players.remove(self)

    def lineReceived(self, line: bytes) -> None:
        text = line.rstrip(b"\r").partition(b" ")[2]
        self.said += 1
        for other in self.factory.players:
            if other is not self:
                other.transport.write(b"%d%s%s\r\n" % (self.number, HEARD, text))
        echo = ECHO + b" " + text + b"\r\n"
        self.factory.echoes += 1
        if self.factory.echoes > self.factory.answers:
            return  # the server has stopped answering anyone
        if self.number == self.factory.slow and self.said == 1:
            reactor.callLater(self.factory.delay, self.transport.write, echo)
        else:
            self.transport.write(echo)


class SpeakerFactory(protocol.Factory):
    protocol = Speaker

    def __init__(self, slow: int = -1, delay: float = 0.0, answers: float = float("inf")
                 ) -> None:
        self.players: list[Speaker] = []
        self.slow, self.delay = slow, delay
        # Echoes the server sends in all before it stops answering (a stalled server).
        self.answers, self.echoes = answers, 0


class Target:
    """Just what closed_loop and kernel_held ask of a target."""

    def __init__(self) -> None:
        self.line = b"say hello\r\n"

    def pids(self) -> list[int]:
        return [os.getpid()]  # the server runs in this process

    def say(self, text: str) -> bytes:
        return f"say {text}\r\n".encode()


class ClosedLoopTests(unittest.TestCase):
    @defer.inlineCallbacks
    def start(self, factory: SpeakerFactory, talkers: int, sleepers: int = 0):
        port = reactor.listenTCP(0, factory, interface="127.0.0.1")
        self.addCleanup(port.stopListening)
        self.run_ = Run(reactor, Target(), "127.0.0.1", port.getHost().port,
                        {"warmup_limit": 10.0}, True)
        bots = [Bot(ECHO, HEARD, b"say hello\r\n") for _ in range(talkers + sleepers)]
        for i, bot in enumerate(bots):
            yield connect(reactor, "127.0.0.1", self.run_.port, bot, i)
            self.addCleanup(bot.transport.abortConnection)
        return bots[:talkers], bots[talkers:]

    @defer.inlineCallbacks
    def test_window_opens_once_every_talker_had_an_echo(self):
        # Talker 0's first say comes back 0.6 s late (as a slow server's first round does):
        # a fixed 0.1 s warm-up would put that wait in the window's figures.
        talkers, _ = yield self.start(SpeakerFactory(slow=0, delay=0.6), 3)
        figures = yield closed_loop(self.run_, talkers, seconds=0.5, warmup=0.1)
        waits = [w for b in talkers for w in b.waits]
        self.assertLess(max(waits), 0.5, "the first round's late echo was in the window")
        self.assertGreaterEqual(figures["warmup_s"], 0.6)
        self.assertGreaterEqual(figures["slowest_talker_commands"], 1)

    @defer.inlineCallbacks
    def test_a_server_that_stops_answering_fails_the_warm_up_at_once(self):
        # Two echoes, then nothing for anyone: the third talker would wait out the whole
        # warm-up limit (10 s here) for nothing; the stall fails it after 0.5 s.
        talkers, _ = yield self.start(SpeakerFactory(answers=2), 3)
        self.run_.params.update(warmup_stall=0.5, stagger=0.0)
        began = time.perf_counter()
        with self.assertRaises(RuntimeError) as raised:
            yield closed_loop(self.run_, talkers, seconds=0.5, warmup=0.1)
        self.assertLess(time.perf_counter() - began, 3.0)
        message = str(raised.exception)
        self.assertIn("the server stopped answering: no say came back for 0.5 s", message)
        self.assertIn("1 of 3 talkers still without an echo (2 echoes in all", message)

    @defer.inlineCallbacks
    def test_cpu_per_delivery_counts_the_stalled_players_deliveries(self):
        talkers, sleepers = yield self.start(SpeakerFactory(), 2, 3)
        for bot in sleepers:
            bot.transport.pauseProducing()
        # Both talkers start at once: each says its line in step with the other, so the
        # window holds whole rounds (staggered, a round cut by the window's edge counts).
        self.run_.params["stagger"] = 0.0
        figures = yield closed_loop(self.run_, talkers, seconds=0.3, warmup=0.1,
                                    stalled=len(sleepers))
        wall = figures["window_s"]
        commands = figures["commands_per_s"] * wall
        seen = figures["deliveries_per_s"] * wall
        self.assertAlmostEqual(figures["deliveries_per_command"], 2.0)  # talkers' own view
        cpu = figures["server_cores"] * wall
        # every command is also one delivery to each stalled player
        self.assertAlmostEqual(figures["cpu_us_per_delivery"],
                               1e6 * cpu / (seen + 3 * commands), delta=1e-6)


def test_kernel_held_sees_a_stalled_reader_and_the_servers_close() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    client = socket.socket()
    client.connect(server.getsockname())
    accepted, _ = server.accept()
    try:
        accepted.setblocking(False)
        sent = 0
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # until the kernel takes no more
            try:
                sent += accepted.send(b"x" * 65536)
            except BlockingIOError:
                time.sleep(0.02)
                try:
                    sent += accepted.send(b"x" * 65536)
                except BlockingIOError:
                    break

        class Transport:
            def getHost(self):
                host, port = client.getsockname()
                return type("Address", (), {"host": host, "port": port})()

        bot = type("Sleeper", (), {"transport": Transport()})()
        host, port = server.getsockname()
        run = Run(None, Target(), host, port, {}, True)
        connected, held = kernel_held(run, [bot])
        assert connected == 1
        # all of it is in the kernel (the client read nothing); /proc's two queue counts
        # are taken a moment apart, so allow a few percent
        assert 0.95 * sent <= held[0] <= 1.05 * sent, (held, sent)
        queues = tcp_queues()
        assert queues[client.getsockname(), server.getsockname()].rx > 0
        # The server drops the connection (a reset, as a server past its output cap does);
        # the client, which never reads, is none the wiser, but the table is.
        accepted.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        accepted.close()
        time.sleep(0.1)
        assert kernel_held(run, [bot]) == (0, [])
    finally:
        client.close()
        server.close()


class EchoCapTests(unittest.TestCase):
    """The echo ceiling over real sockets: a player who stops reading is dropped once its
    unread output passes the cap (its memory bounded, as Emberfall's), a reading one never."""

    @defer.inlineCallbacks
    def test_a_stalled_reader_is_dropped_past_the_cap(self):
        from bench.capacity import echo_server
        port = reactor.listenTCP(0, echo_server.ChatFactory(reactor), interface="127.0.0.1")
        self.addCleanup(port.stopListening)
        address = port.getHost()
        run = Run(reactor, Target(), address.host, address.port, {}, True)
        line = b"say " + text_of(1000).encode() + b"\r\n"
        talker, sleeper = Bot(echo_server.ECHO, HEARD, line), Bot(echo_server.ECHO, HEARD, line)
        for i, bot in enumerate((talker, sleeper)):
            yield connect(reactor, address.host, address.port, bot, i)
            self.addCleanup(bot.transport.abortConnection)
            yield bot.steps(reactor, [(b"", echo_server.GREETING),
                                      (b"create Cap%d pw\r\n" % i, echo_server.ENTERED)], 10)
        sleeper.transport.pauseProducing()
        talker.start_loop("loop")
        deadline = time.monotonic() + 20
        while kernel_held(run, [sleeper])[0] and time.monotonic() < deadline:
            yield task.deferLater(reactor, 0.1, lambda: None)
        talker.mode = ""
        sent = talker.answers * len(line)
        self.assertEqual(kernel_held(run, [sleeper])[0], 0,
                         f"still connected after {sent} bytes toward it")
        self.assertFalse(talker.lost)  # the reading player stays


class OpenLoopTests(unittest.TestCase):
    """The open loop's answered/s is of the answers inside the window: says answered only
    in the grace after it are counted apart (they used to swell the rate past the offered)."""

    @defer.inlineCallbacks
    def test_answers_after_the_window_are_not_in_the_rate(self):
        from bench.capacity import echo_server
        from bench.capacity.servers import EchoTarget
        from bench.capacity.workloads import open_loop

        class Late(echo_server.ChatPlayer):
            def lineReceived(self, line: bytes) -> None:
                if line.startswith(b"say "):  # every say answered 0.4 s late
                    reactor.callLater(0.4, echo_server.ChatPlayer.lineReceived, self, line)
                else:
                    super().lineReceived(line)

        factory = echo_server.ChatFactory(reactor)
        players: list[Late] = []

        def build(addr: object) -> Late:
            players.append(Late(factory.rooms, factory.outbox))
            return players[-1]

        factory.buildProtocol = build
        port = reactor.listenTCP(0, factory, interface="127.0.0.1")
        self.addCleanup(port.stopListening)

        def hang_up() -> defer.Deferred:
            for player in players:
                player.transport.abortConnection()
            return task.deferLater(reactor, 0.2, lambda: None)  # the clients see it

        self.addCleanup(hang_up)
        target = EchoTarget()
        target.pids = lambda: [os.getpid()]
        params = {"players": 4, "per_room": 4, "rate": 5.0, "seconds": 1.0, "grace": 3.0}
        run = Run(reactor, target, "127.0.0.1", port.getHost().port, params, False)
        figures = yield open_loop(run)
        self.assertGreater(figures["answered_after_window"], 0)
        self.assertEqual(figures["unanswered"], 0)
        self.assertLess(figures["answered_per_s"], figures["offered_per_s"])
        self.assertEqual(figures["grace_s"], 3.0)
