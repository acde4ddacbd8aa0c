"""The login throttle over real sockets: wrong passwords sent at the same moment get only
the free checks, and guessing a name from one address does not lock its owner out of an
address that logged in before (not even after a restart), while new addresses still wait."""

from __future__ import annotations

from twisted.internet.defer import gatherResults, inlineCallbacks

from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.sources import telnet_from, web_from

WRONG = "That name and password do not match"
THROTTLED = "Too many failed logins"


class LoginThrottleTests(ServerTestCase):
    @inlineCallbacks
    def owner(self, source="127.0.0.1"):
        """Ann, created from ``source``, then gone."""
        ann = yield telnet_from(source, self.telnet_port)
        yield ann.ask("create Ann secret1", "Village Square")
        yield ann.ask("quit", "Farewell")
        yield ann.closed

    @inlineCallbacks
    def answer_to(self, source, line):
        player = yield telnet_from(source, self.telnet_port)
        yield player.wait_for("What name do you go by?")
        player.send(line)
        yield eventually(lambda: any(s in player.text() for s in (WRONG, THROTTLED,
                                                                   "Village Square")))
        text = player.text()
        player.transport.loseConnection()
        yield player.closed
        return text

    @inlineCallbacks
    def test_fifteen_wrong_passwords_at_once_get_only_the_free_checks(self):
        service = self.start()
        free = service.game.throttle.free
        yield self.owner()
        players = yield gatherResults([telnet_from(f"127.0.1.{i}", self.telnet_port)
                                       for i in range(1, 16)])
        yield gatherResults([p.wait_for("What name do you go by?") for p in players])
        for player in players:  # all in one reactor turn: the checks overlap
            player.send("connect Ann wrong12")
        yield eventually(lambda: all(WRONG in p.text() or THROTTLED in p.text()
                                     for p in players))
        wrong = sum(WRONG in p.text() for p in players)
        throttled = sum(THROTTLED in p.text() for p in players)
        self.assertEqual((wrong, throttled), (free, 15 - free))
        for player in players:
            player.transport.loseConnection()
            yield player.closed

    @inlineCallbacks
    def test_players_behind_one_address_logging_in_at_once_all_get_in(self):
        # After a restart, say, every client behind one NAT logs back in at the same moment.
        self.start()
        names = ["Ann", "Bea", "Cal", "Dot", "Eve", "Fay", "Gus", "Hal"]
        for i, name in enumerate(names):
            player = yield telnet_from(f"127.0.3.{i + 1}", self.telnet_port)
            yield player.ask(f"create {name} secret1", "Village Square")
            yield player.ask("quit", "Farewell")
            yield player.closed
        players = yield gatherResults([telnet_from("127.0.4.1", self.telnet_port)
                                       for _ in names])
        yield gatherResults([p.wait_for("What name do you go by?") for p in players])
        for player, name in zip(players, names, strict=True):  # in one reactor turn
            player.send(f"connect {name} secret1")
        yield gatherResults([p.wait_for("Village Square") for p in players])
        self.assertFalse(any(THROTTLED in p.text() for p in players))
        for player in players:
            player.transport.loseConnection()
            yield player.closed

    @inlineCallbacks
    def test_the_owner_gets_in_from_a_known_address_while_a_guesser_is_held_back(self):
        service = self.start()
        yield self.owner("127.0.0.1")
        for _ in range(service.game.throttle.free):
            self.assertIn(WRONG, (yield self.answer_to("127.0.0.2", "connect Ann guess12")))
        # The name is now held back for addresses that never logged in to it...
        self.assertIn(THROTTLED, (yield self.answer_to("127.0.0.2", "connect Ann secret1")))
        self.assertIn(THROTTLED, (yield self.answer_to("127.0.0.3", "connect Ann secret1")))
        web = yield web_from("127.0.0.4", self.web_port)
        yield web.wait("hello")
        web.send(type="login", name="Ann", password="secret1")
        yield web.wait("error", code="throttled")
        # ...but not for the owner's: in at once, with the right password.
        self.assertIn("Village Square", (yield self.answer_to("127.0.0.1",
                                                              "connect Ann secret1")))
        web.sendClose()
        yield web.closed

    @inlineCallbacks
    def test_known_addresses_survive_a_restart(self):
        service = self.start()
        yield self.owner("127.0.0.1")
        yield service.stopService()
        service = self.start()
        for _ in range(service.game.throttle.free):
            yield self.answer_to("127.0.0.2", "connect Ann guess12")
        self.assertIn(THROTTLED, (yield self.answer_to("127.0.0.3", "connect Ann secret1")))
        self.assertIn("Village Square", (yield self.answer_to("127.0.0.1",
                                                              "connect Ann secret1")))

    @inlineCallbacks
    def test_the_password_command_cannot_be_used_to_guess_the_password(self):
        # Someone at an unattended keyboard, or resuming with a stolen token, is logged in
        # but does not know the password: trying it through `password` is throttled too.
        service = self.start()
        web = yield web_from("127.0.5.1", self.web_port)
        web.send(type="register", name="Ann", password="secret1")
        yield web.wait("room")
        for i in range(service.game.throttle.free):
            web.command(f"password guess{i:02d} newpass1")
            yield web.wait("error", text="old password was not right")
        web.command("password guess99 newpass1")
        yield web.wait("error", text=THROTTLED)
        web.command("password secret1 newpass1")
        yield web.wait("error", text=THROTTLED)
        web.sendClose()
        yield web.closed
