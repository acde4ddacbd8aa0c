"""Tells over real sockets: reply and afk on one server (telnet and web players), and
tells, who, /api/who, /presence and admin actions across two realms (two in-process
servers joined by an in-memory link standing in for Redis)."""

from __future__ import annotations

import json
import os
from typing import Any

from twisted.internet import reactor, threads
from twisted.internet.defer import inlineCallbacks
from twisted.internet.task import deferLater

from mud.cluster.realms import attach
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.test_admin_api import make_token, request
from tests.e2e.wsclient import connect_web, registered_web


class OneServerTellsTest(ServerTestCase):
    @inlineCallbacks
    def test_afk_answers_a_teller_once_and_reply_finds_them(self):
        self.start()
        nora = yield registered_web(self.web_port, "Nora")
        wynn = yield connect(self.telnet_port)
        yield wynn.ask("create Wynn secret1", "Nora is here.")
        nora.command("afk back after supper")
        yield nora.wait("system", text="You are marked away (afk): back after supper. "
                        "Whoever tells you something is told so, once; your next command "
                        "marks you back.")
        yield wynn.ask("who", "Players online: 2")
        out = yield wynn.ask("tell nora are you there?", "They will see your tell")
        self.assertIn("Nora is away (afk): back after supper.", " ".join(out.split()))
        told = yield nora.wait("tell", **{"from": "Wynn", "message": "are you there?"})
        self.assertEqual(told["realm"], "")
        wynn.send("tell nora hello?")
        yield nora.wait("tell", **{"from": "Wynn", "message": "hello?"})
        nora.command("reply here now")
        yield nora.wait("system", text="You are back: no longer marked away. 2 tells came "
                        "while you were away; type 'reply <words>' to answer the last.")
        out = yield wynn.wait_for('Nora tells you, "here now"')
        # Answered once in the spell: the second tell got no second away notice.
        self.assertEqual(" ".join(out.split()).count("Nora is away"), 1)
        nora.command("who")
        who = yield nora.wait("who")
        self.assertNotIn("afk", {k for p in who["players"] for k in p})
        wynn.transport.loseConnection()
        nora.transport.loseConnection()
        yield wynn.closed
        yield nora.closed


class MemoryLink:
    """A broker in memory for in-process servers: each message is JSON-encoded and handed
    to every other realm's bus on a later reactor turn, as Redis pub/sub does."""

    def __init__(self, hub: list[MemoryLink], bus: Any) -> None:
        self.hub = hub
        self.bus = bus
        self.up = True
        hub.append(self)

    def publish(self, topic: str, realm: str, data: dict[str, Any]) -> bool:
        if not self.up:
            return False
        wire = json.dumps(data)
        for other in self.hub:
            if other is not self and other.up:
                reactor.callLater(0, other.bus.deliver, topic, realm, json.loads(wire))
        return True


def get_json(port: int, path: str, token: str | None = None) -> Any:
    """GET ``path`` (blocking: run it in a thread)."""
    return request(port, "GET", path, token=token)[2]


class TwoRealmsTest(ServerTestCase):
    timeout = 120

    def realm(self, name: str, hub: list[MemoryLink]) -> tuple[Any, int, int]:
        """A server for realm ``name`` (a data directory of its own) on the shared link:
        (service, telnet port, web port)."""
        service = self.start(data=self.mktemp())
        bus = service.game.world.bus
        bus.realm = name
        bus.link = MemoryLink(hub, bus)
        attach(service.game)
        return service, self.telnet_port, self.web_port

    @inlineCallbacks
    def tearDown(self):
        yield super().tearDown()
        # What the stopping servers said to each other is delivered (or dropped) by now.
        yield deferLater(reactor, 0.05, lambda: None)

    @inlineCallbacks
    def test_players_of_two_realms_see_and_tell_each_other_and_admins_reach_both(self):
        hub: list[MemoryLink] = []
        north, north_telnet, north_web = self.realm("north", hub)
        _, _, south_web = self.realm("south", hub)
        presence = yield connect_web(north_web, "/presence")
        yield presence.wait("snapshot")
        wynn = yield connect(north_telnet)
        yield wynn.ask("create Wynn secret1", "Village Square")
        nora = yield registered_web(south_web, "Nora")
        yield presence.wait("join", name="Nora", realm="south", via="web")

        # who, /api/who and /presence on each side list the other realm's players.
        yield eventually(lambda: "nora" in north.game.world.parts["directory"]._where)
        out = yield wynn.ask("who", "Players online: 2")
        self.assertIn("In realm south:", out)
        nora.command("who")
        who = yield nora.wait("who")
        self.assertIn({"name": "Wynn", "idle": None, "via": "telnet", "linkdead": False,
                       "realm": "north"}, who["players"])
        listed = yield threads.deferToThread(get_json, north_web, "/api/who")
        self.assertEqual([(p["name"], p.get("realm")) for p in listed],
                         [("Wynn", None), ("Nora", "south")])
        late = yield connect_web(north_web, "/presence")
        snapshot = yield late.wait("snapshot")
        self.assertIn({"name": "Nora", "via": "web", "linkdead": False, "realm": "south"},
                      snapshot["players"])

        # A plain tell finds Nora in the other realm; her reply comes back.
        yield wynn.ask("tell nora hello from the north", 'You tell Nora@south, "hello')
        told = yield nora.wait("tell", **{"from": "Wynn", "realm": "north"})
        self.assertEqual(told["message"], "hello from the north")
        nora.command("reply hello from the south")
        yield wynn.wait_for('Nora@south tells you, "hello from the south"')

        # Away in the south: the north's teller is answered once, from the south.
        nora.command("afk at the forge")
        yield presence.wait("afk", name="Nora", realm="south", afk="at the forge")
        out = yield wynn.ask("tell nora@south there?", "They will see your tell")
        self.assertIn("Nora@south is away (afk): at the forge.", " ".join(out.split()))
        yield wynn.ask("who", "In realm south:")
        yield wynn.wait_for("afk")

        # An admin of the north announces to both realms and kicks Nora in the south.
        token = yield threads.deferToThread(make_token,
                                            os.path.abspath(north.game.store.data_dir), "ops")
        status, _, body = yield threads.deferToThread(
            request, north_web, "POST", "/api/admin/announce",
            {"text": "The gates close at dusk."}, token)
        self.assertEqual((status, body["other_realms"]), (200, True))
        yield nora.wait("announce", by="ops", realm="north")
        body = yield threads.deferToThread(get_json, north_web, "/api/admin/who", token)
        self.assertIn({"name": "Nora", "transport": "web", "client": None, "address": None,
                       "seconds": None, "linkdead": False, "realm": "south"},
                      body["users"])
        status, _, body = yield threads.deferToThread(
            request, north_web, "POST", "/api/admin/kick", {"name": "nora", "reason": "test"},
            token)
        self.assertEqual(status, 200, body)
        self.assertEqual(body["messages"],
                         ["Nora is in realm south: that realm is asked to kick them."])
        goodbye = yield nora.wait("goodbye", reason="kicked")
        self.assertIn("disconnected by ops@north: test", goodbye["text"])
        yield presence.wait("leave", name="Nora", realm="south")
        yield nora.closed
        for client in (presence, late):
            client.transport.loseConnection()
            yield client.closed
        wynn.transport.loseConnection()
        yield wynn.closed
