"""The game WebSocket's ``request`` frame over a real socket: a web player away (afk)
asks for a channel's last lines as the web client does after a reload, gets them, and
stays away: a teller is still told so."""

from __future__ import annotations

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase
from tests.e2e.wsclient import registered_web


class WebRequestTests(ServerTestCase):
    @inlineCallbacks
    def test_a_history_request_leaves_the_player_away(self):
        self.start()
        nora = yield registered_web(self.web_port, "Nora")
        wynn = yield connect(self.telnet_port)
        yield wynn.ask("create Wynn secret1", "Nora is here.")
        yield wynn.ask("ooc the smith went north", "[OOC] You: the smith went north")
        nora.command("afk back after supper")
        yield nora.wait("system", text="You are marked away (afk)")
        nora.send(type="request", what="channel_history", channel="ooc")
        history = yield nora.wait("channel_history", channel="ooc")
        self.assertEqual([(line["talker"], line["text"]) for line in history["lines"]],
                         [("Wynn", "the smith went north")])
        out = yield wynn.ask("tell nora are you there?", "They will see your tell")
        self.assertIn("Nora is away (afk): back after supper.", " ".join(out.split()))
        wynn.transport.loseConnection()
        nora.transport.loseConnection()
        yield wynn.closed
        yield nora.closed
