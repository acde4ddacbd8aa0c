"""The one login path (mud/login.py) over real sockets: telnet lines and web frames that log
in to a character, where the connection that asked is gone before its password check ends."""

from __future__ import annotations

from twisted.internet import reactor
from twisted.internet.defer import Deferred, inlineCallbacks
from twisted.internet.task import deferLater

from mud.engine.model import NOBODY
from mud.session import TAKEOVER_NOTICE
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web


class AbandonedLoginTests(ServerTestCase):
    """A login whose connection has ended must not take the character's body: before, the
    check finished, took the body over from its player (who was told someone had logged in
    elsewhere and was cut off) and left it tied to a connection that no longer existed:
    never link-dead, never leaving, on the who list for good."""

    def hold_password_checks(self, service):
        """Hashing waits until the test lets it: returns the list of held checks."""
        accounts = service.game.accounts
        real, held = accounts.run_in_thread, []

        def gated(f, *args):
            d = Deferred()
            held.append((f, args, d))
            return d

        def release():
            accounts.run_in_thread = real
            for f, args, d in held:
                real(f, *args).chainDeferred(d)
        accounts.run_in_thread = gated
        return held, release

    @inlineCallbacks
    def player_in_game(self, service):
        ann = yield connect(self.telnet_port)
        yield ann.ask("create Ann secret1", "Village Square")
        yield eventually(lambda: "ann" in service.game.world.online)
        return ann

    @inlineCallbacks
    def settle(self, service):
        # The abandoned check finishes and is done with (its throttle slot settled).
        yield eventually(lambda: not service.game.throttle.checking)
        yield deferLater(reactor, 0.2, lambda: None)

    @inlineCallbacks
    def abandoned_web_login(self, service):
        held, release = self.hold_password_checks(service)
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="login", name="Ann", password="secret1")
        yield eventually(lambda: held)
        web.transport.abortConnection()
        yield web.closed
        yield eventually(lambda: all(s.via != "web" for s in service.game.sessions))
        release()
        yield self.settle(service)

    @inlineCallbacks
    def abandoned_telnet_login(self, service):
        held, release = self.hold_password_checks(service)
        other = yield connect(self.telnet_port)
        yield other.wait_for("What name do you go by?")
        other.send("connect Ann secret1")
        yield eventually(lambda: held)
        other.transport.abortConnection()
        yield other.closed
        yield eventually(lambda: len(service.game.sessions) == 1)
        release()
        yield self.settle(service)

    @inlineCallbacks
    def check_player_kept(self, service, ann):
        self.assertNotIn(TAKEOVER_NOTICE.split(",")[0], ann.text())
        yield ann.ask("look", "Village Square")
        (session,) = service.game.sessions
        self.assertIs(service.game.world.online["ann"].link, session)

    @inlineCallbacks
    def test_a_web_login_given_up_does_not_take_the_body_from_its_player(self):
        service = self.start()
        ann = yield self.player_in_game(service)
        yield self.abandoned_web_login(service)
        yield self.check_player_kept(service, ann)

    @inlineCallbacks
    def test_a_telnet_login_given_up_does_not_take_the_body_from_its_player(self):
        service = self.start()
        ann = yield self.player_in_game(service)
        yield self.abandoned_telnet_login(service)
        yield self.check_player_kept(service, ann)

    @inlineCallbacks
    def test_a_web_login_given_up_leaves_a_link_dead_body_link_dead(self):
        service = self.start()
        ann = yield self.player_in_game(service)
        ann.transport.loseConnection()
        yield eventually(lambda: service.game.world.online["ann"].link is NOBODY)
        yield self.abandoned_web_login(service)
        body = service.game.world.online["ann"]
        self.assertIs(body.link, NOBODY)
        # Its player still finds it waiting, and the room hears it stir.
        again = yield connect(self.telnet_port)
        yield again.ask("connect Ann secret1", "You take over your body")
