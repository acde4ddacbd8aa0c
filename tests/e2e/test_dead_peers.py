"""Dead peers and idle connections over real sockets: keepalive, timeouts, half-open links."""

from __future__ import annotations

import socket

from twisted.conch.telnet import IAC, NOP
from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import deferLater
from twisted.trial.unittest import SkipTest

from mud.engine.model import NOBODY
from tests.e2e import netns
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web


def sleep(seconds: float):
    return deferLater(reactor, seconds, lambda: None)


class KeepaliveTests(ServerTestCase):
    @inlineCallbacks
    def test_telnet_gets_iac_nop_and_its_socket_is_tuned(self):
        service = self.start(ping_interval=1, ping_timeout=3)
        player = yield connect(self.telnet_port)
        yield player.ask("create Ann secret1", "Village Square")
        before = len(player.received)
        yield eventually(lambda: IAC + NOP in player.received[before:], timeout=3)
        (session,) = service.game.sessions
        sock = session.connection.transport.transport.getHandle()
        self.assertEqual(sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE), 1)
        self.assertEqual(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT), 3000)
        self.assertEqual(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE), 1)
        # NOPs are invisible to the player and the game goes on.
        yield player.ask("look", "Village Square")

    @inlineCallbacks
    def test_the_web_socket_is_tuned_and_pinged(self):
        service = self.start(ping_interval=1, ping_timeout=3)
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        pinged = []
        original = web.onPing
        web.onPing = lambda payload: (pinged.append(payload), original(payload))
        yield eventually(lambda: pinged, timeout=3)
        (session,) = service.game.sessions
        sock = session.connection.transport.getHandle()
        self.assertEqual(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT), 3000)


class IdleTests(ServerTestCase):
    @inlineCallbacks
    def test_silence_at_the_login_screen_is_closed_on_both_transports(self):
        self.start(login_timeout=1)
        telnet = yield connect(self.telnet_port)
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        yield telnet.wait_for("What name do you go by?")
        yield telnet.wait_for("took too long to log in", timeout=3)
        yield telnet.closed
        goodbye = yield web.wait("goodbye")
        self.assertEqual(goodbye["reason"], "login_timeout")
        yield web.closed

    @inlineCallbacks
    def test_an_idle_web_player_is_saved_and_let_go_though_its_client_pings(self):
        service = self.start(idle_timeout=1.5)
        web = yield connect_web(self.web_port)
        busy = yield connect(self.telnet_port)
        yield busy.ask("create Busy secret1", "Village Square")
        web.send(type="register", name="Idler", password="secret1")
        yield web.wait("login_ok")
        logged_in = reactor.seconds()
        for _ in range(4):  # the browser client's own pings are not activity...
            web.send(type="ping")
            busy.send("look")  # ...but commands are
            yield sleep(0.3)
        goodbye = yield web.wait("goodbye")
        # Had the pings counted, the last (at 1.2 s) would have put this off to 2.7 s.
        self.assertLess(reactor.seconds() - logged_in, 2.2)
        self.assertEqual(goodbye["reason"], "idle")
        self.assertIn("idle for 1.5 seconds", goodbye["text"])
        yield web.closed
        self.assertNotIn("idler", service.game.world.online)
        self.assertIn("busy", service.game.world.online)
        # Saved and gone, as with quit: a resume loads it back from the store.
        again = yield connect_web(self.web_port)
        again.send(type="resume", token=web.frames[1]["token"])
        yield again.wait("room")


class HalfOpenTests(ServerTestCase):
    """A peer whose network vanishes sends no FIN; we must notice it anyway."""

    def setUp(self) -> None:
        super().setUp()
        reason = netns.available()
        if reason:
            raise SkipTest(reason)
        self.ns = netns.Namespace()
        self.addCleanup(self.ns.remove)

    @inlineCallbacks
    def test_vanished_telnet_and_web_peers_are_noticed_within_interval_plus_timeout(self):
        interval, timeout = 1.0, 2.0
        host = self.ns.host_address
        endpoint = f"tcp:0:interface={host}"
        service = self.start(telnet=(endpoint,), web=(endpoint,), ping_interval=interval,
                             ping_timeout=timeout)
        online = service.game.world.online
        peers = [self.ns.spawn("telnet", host, str(self.telnet_port), "Nettie"),
                 self.ns.spawn("web", host, str(self.web_port), "Webster")]
        printed = {id(p): b"" for p in peers}

        def ready() -> bool:
            for p in peers:
                printed[id(p)] += netns.read_available(p)
                if p.poll() is not None:
                    raise AssertionError(f"peer exited: {printed[id(p)]!r}")
            return all(b"READY" in out for out in printed.values())
        yield eventually(ready, timeout=30)
        self.assertEqual({"nettie", "webster"}, set(online))

        # Control: live peers acknowledge and answer pings, so several rounds pass unharmed.
        yield sleep(interval + timeout + 1)
        self.assertTrue(all(online[k].link is not NOBODY for k in ("nettie", "webster")))

        self.ns.cut()
        cut_at = reactor.seconds()
        for p in peers:
            p.kill()  # the peer's host is gone too; with the link down no FIN gets out
        yield eventually(lambda: all(online[k].link is NOBODY for k in ("nettie", "webster")),
                         timeout=interval + timeout + 10)
        took = reactor.seconds() - cut_at
        self.assertLessEqual(took, interval + timeout + 1.5,
                             f"noticed only after {took:.1f} s")
        # Both are link-dead bodies, saved, waiting for their players.
        self.assertEqual({"nettie", "webster"}, set(online))
