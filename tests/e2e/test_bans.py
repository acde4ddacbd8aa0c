"""Bans over real sockets (issue 12): an admin bans a telnet player by name (kicked, told
why, then refused at login over telnet and the web with the reason), bans 127.0.0.1 by
address (new telnet, web and /presence connections refused with the reason, closed), and
unbans; a ban survives a restart on the same data. The admin connects from 127.0.0.2 so
that banning 127.0.0.1 does not hold the admin's own connection (which is refused)."""

from __future__ import annotations

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from tests.e2e.client import TelnetPlayer, connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web
from tests.support import grant_role


def connect_from(port: int, source: str) -> object:
    endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port, bindAddress=(source, 0))
    return connectProtocol(endpoint, TelnetPlayer())


@inlineCallbacks
def banned_everywhere(case, service, name: str, why: str):
    """``name``, banned and gone, is refused a telnet login and a web login (told ``why``);
    the web player, still connected, is returned."""
    yield eventually(lambda: name.lower() not in service.game.world.online)
    again = yield connect(case.telnet_port)
    again.send(f"connect {name} secret1")
    yield again.wait_for(f"{name} is banned until")
    again.transport.loseConnection()
    web = yield connect_web(case.web_port)
    yield web.wait("hello")
    web.send(type="login", name=name, password="secret1")
    refused = yield web.wait("error", code="banned")
    case.assertIn(why, refused["message"])
    case.assertNotIn(name.lower(), service.game.world.online)
    return web


class BanTests(ServerTestCase):
    @inlineCallbacks
    def admin(self, service):
        ada = yield connect_from(self.telnet_port, "127.0.0.2")
        yield ada.ask("create Ada secret1", "Village Square")
        yield grant_role(service.game, "ada", "admin")
        return ada

    @inlineCallbacks
    def test_a_name_ban_kicks_and_refuses_telnet_and_web_logins_until_unbanned(self):
        service = self.start()
        ada = yield self.admin(service)
        bob = yield connect(self.telnet_port)
        yield bob.ask("create Bob secret1", "Village Square")
        ada.send("ban Bob 2h spamming the square")
        yield bob.wait_for("You have been banned by Ada until")
        yield bob.wait_for("spamming the square")
        yield bob.closed
        yield ada.wait_for("Bob is banned until")
        web = yield banned_everywhere(self, service, "Bob", "spamming the square")
        ada.send("unban bob")
        yield ada.wait_for("Bob is no longer banned.")
        web.send(type="login", name="Bob", password="secret1")
        yield web.wait("login_ok", name="Bob")

    @inlineCallbacks
    def test_an_address_ban_refuses_telnet_web_and_presence_until_unbanned(self):
        service = self.start()
        ada = yield self.admin(service)
        ada.send("ban 127.0.0.2 1h oops")
        yield ada.wait_for("your own connection")
        ada.send("ban 127.0.0.1 1h open proxy")
        yield ada.wait_for("127.0.0.1 is banned until")
        telnet = yield connect(self.telnet_port)
        yield telnet.wait_for("Your address is banned until")
        yield telnet.wait_for("open proxy")
        yield telnet.closed
        web = yield connect_web(self.web_port)
        refused = yield web.wait("error", code="banned")
        self.assertIn("open proxy", refused["message"])
        yield web.closed
        presence = yield connect_web(self.web_port, path="/presence")
        refused = yield presence.wait("error", code="banned")
        yield presence.closed
        ada.send("bans")
        yield ada.wait_for("by Ada at")
        ada.send("unban 127.0.0.1")
        yield ada.wait_for("127.0.0.1 is no longer banned.")
        back = yield connect(self.telnet_port)
        yield back.ask("create Bob secret1", "Village Square")

    @inlineCallbacks
    def test_a_ban_survives_a_restart(self):
        service = self.start()
        ada = yield self.admin(service)
        ada.send("ban Mallory forever impersonation")
        yield ada.wait_for("No character is called Mallory yet")
        yield service.stopService()
        self.start()
        newcomer = yield connect(self.telnet_port)
        newcomer.send("create Mallory secret1")
        yield newcomer.wait_for("Mallory is banned forever: impersonation")
