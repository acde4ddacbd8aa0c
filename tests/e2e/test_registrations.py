"""Registration floods over real sockets: one address may create 5 characters an hour,
telnet and web together; the sixth is refused on both, and another address still may."""

from __future__ import annotations

from twisted.internet.defer import inlineCallbacks

from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.sources import telnet_from, web_from

NAMES = ("Abbot", "Bede", "Cuthbert", "Dunmore", "Egbert", "Felix", "Godric")


class RegistrationFloodTests(ServerTestCase):
    @inlineCallbacks
    def create_by_telnet(self, source, name):
        player = yield telnet_from(source, self.telnet_port)
        yield player.wait_for("What name do you go by?")
        player.send(f"create {name} secret1")
        yield eventually(lambda: "Village Square" in player.text()
                         or "Too many new characters" in player.text())
        text = " ".join(player.text().split())
        player.transport.loseConnection()
        yield player.closed
        return text

    @inlineCallbacks
    def register_by_web(self, source, name):
        web = yield web_from(source, self.web_port)
        yield web.wait("hello")
        web.send(type="register", name=name, password="secret1")
        yield eventually(lambda: any(f["type"] in ("login_ok", "error") for f in web.frames))
        answer = next(f for f in web.frames if f["type"] in ("login_ok", "error"))
        web.sendClose()
        yield web.closed
        return answer

    @inlineCallbacks
    def test_the_sixth_character_in_an_hour_from_one_address_is_refused(self):
        service = self.start()  # the default: 5 an hour
        # Three over telnet, two over the web: one count for the address.
        for name in NAMES[:3]:
            self.assertIn("Village Square", (yield self.create_by_telnet("127.0.2.1", name)))
        for name in NAMES[3:5]:
            self.assertEqual((yield self.register_by_web("127.0.2.1", name))["type"],
                             "login_ok")
        told = yield self.create_by_telnet("127.0.2.1", NAMES[5])
        self.assertIn("Too many new characters from your address (5 an hour at most). "
                      "Try again in 60 minutes", told)
        refused = yield self.register_by_web("127.0.2.1", NAMES[5])
        self.assertEqual(refused["code"], "too_many_registrations")
        self.assertIn("5 an hour", refused["message"])
        # The classic flow says so before a password is chosen.
        player = yield telnet_from("127.0.2.1", self.telnet_port)
        yield player.ask(NAMES[6], "Too many new characters")
        player.transport.loseConnection()
        yield player.closed
        # Another address is not held back, over either transport.
        self.assertIn("Village Square", (yield self.create_by_telnet("127.0.2.2", NAMES[5])))
        self.assertEqual((yield self.register_by_web("127.0.2.3", NAMES[6]))["type"],
                         "login_ok")
        self.assertEqual(len(service.game.world.online), 7)
