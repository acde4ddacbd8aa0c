"""Tells over real sockets: reply and afk on one server (telnet and web players), and
tells, who, /api/who, /presence and admin actions across two realms (two in-process
servers joined by an in-memory link standing in for Redis)."""

from __future__ import annotations

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase
from tests.e2e.wsclient import registered_web


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
