"""Issue 14's fix round over real sockets: two in-process realms on one store (a data
directory both open, as realms share one PostgreSQL) joined by the in-memory link of
test_tells: a demotion made in one realm reaches the admin playing in the other at once;
afk typed over and over reaches the other realm's /presence only a few times; a plain tell
while the link is down says the other realms cannot be reached."""

from __future__ import annotations

from typing import Any

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import deferLater

from mud.cluster.realms import attach
from mud.engine import tells
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.test_tells import MemoryLink
from tests.e2e.wsclient import connect_web, registered_web
from tests.support import grant_role


class RealmFixesTest(ServerTestCase):
    timeout = 120

    def realm(self, name: str, hub: list[MemoryLink]) -> Any:
        """A server for realm ``name`` on the shared link and the test's one data
        directory (so one store of accounts for both)."""
        service = self.start()
        bus = service.game.world.bus
        bus.realm = name
        bus.link = MemoryLink(hub, bus)
        attach(service.game)
        return service

    @inlineCallbacks
    def tearDown(self):
        yield super().tearDown()
        yield deferLater(reactor, 0.05, lambda: None)

    @inlineCallbacks
    def test_a_demotion_in_the_north_reaches_the_admin_playing_in_the_south(self):
        hub: list[MemoryLink] = []
        north = self.realm("north", hub)
        north_telnet = self.telnet_port
        south = self.realm("south", hub)
        ada = yield connect(north_telnet)
        yield ada.ask("create Ada secret1", "Village Square")
        yield grant_role(north.game, "ada", "admin")
        cleo = yield registered_web(self.web_port, "Cleo")
        yield grant_role(south.game, "cleo", "admin")
        yield eventually(lambda: "cleo" in north.game.world.parts["directory"]._where)
        yield ada.ask("demote Cleo", "Cleo is now a player (was an admin).")
        role = yield cleo.wait("role")
        self.assertIn("Ada@north made you a player.", role["text"])
        self.assertNotIn("shutdown", role["commands"])
        self.assertNotIn("admin", south.game.world.online["cleo"].command_sets)
        for player in (ada, cleo):
            player.transport.loseConnection()
            yield player.closed

    @inlineCallbacks
    def test_afk_typed_over_and_over_reaches_the_other_realms_presence_a_few_times(self):
        hub: list[MemoryLink] = []
        north = self.realm("north", hub)
        presence = yield connect_web(self.web_port, "/presence")
        yield presence.wait("snapshot")
        self.realm("south", hub)
        nora = yield registered_web(self.web_port, "Nora")
        yield presence.wait("join", name="Nora", realm="south")
        for i in range(12):
            nora.command(f"afk away {i}")
            nora.command("look")
        nora.command("say done")
        yield nora.wait("say", text="done")
        refused = [f for f in nora.frames if "used afk too often" in f.get("text", "")]
        self.assertEqual(len(refused), 12 - tells.AFK_BURST)
        # What crossed has arrived by now (one reactor turn per hop).
        yield deferLater(reactor, 0.2, lambda: None)
        changes = [f for f in presence.frames if f.get("type") in ("afk", "back")]
        self.assertEqual(len(changes), 2 * tells.AFK_BURST)
        self.assertIn("nora", north.game.world.parts["directory"]._where)
        for client in (presence, nora):
            client.transport.loseConnection()
            yield client.closed

    @inlineCallbacks
    def test_a_plain_tell_while_the_link_is_down_says_the_other_realms_are_out_of_reach(self):
        hub: list[MemoryLink] = []
        north = self.realm("north", hub)
        north_telnet = self.telnet_port
        self.realm("south", hub)
        nora = yield registered_web(self.web_port, "Nora")
        wynn = yield connect(north_telnet)
        yield wynn.ask("create Wynn secret1", "Village Square")
        yield eventually(lambda: "nora" in north.game.world.parts["directory"]._where)
        bus = north.game.world.bus
        bus.link.up = False
        bus.changed(False)
        out = yield wynn.ask("tell nora hello", "Try again in a moment.")
        self.assertIn("Nobody called 'nora' is in this realm, and the other realms cannot "
                      "be reached just now", " ".join(out.split()))
        for player in (wynn, nora):
            player.transport.loseConnection()
            yield player.closed
