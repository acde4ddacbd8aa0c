"""Channels over real sockets: a telnet player (whose client asked GMCP for Comm.Channel)
and a web player on one in-process server chat on ooc and newbie, each in its own shape
(text, GMCP Comm.Channel.Text, the web's channel frames); the web client is sent its
channel list at login, a channel alone gives its history, channel off is heard no more
and kept through a new login, Comm.Channel.Players answers when asked, an admin's wiz
passes players by, and the config file's channels join the world's. After review R1:
quitting does not buy a fresh burst of lines, a long line's wrapped tail is indented under
the talker (GMCP gets it whole), and a real twistd refuses a config channel that takes a
world channel's word."""

from __future__ import annotations

from pathlib import Path

from twisted.internet.defer import inlineCallbacks

from mud.protocols.options.codes import GMCP, IAC, SB, SE
from mud.systems.channels.hub import BURST, channels_of
from tests.e2e.client import connect
from tests.e2e.processes import Server
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web
from tests.support import gmcp_messages, grant_role

DO = bytes([253])


def _gmcp(player, package: str, start: int = 0) -> list:
    return [data for name, data in gmcp_messages(player.received[start:]) if name == package]


class ChannelsTests(ServerTestCase):
    @inlineCallbacks
    def _telnet(self, name: str, gmcp: bool = True):
        player = yield connect(self.telnet_port)
        if gmcp:
            player.transport.write(IAC + DO + GMCP + IAC + SB + GMCP +
                                   b'Core.Supports.Set ["Comm.Channel 1"]' + IAC + SE)
        yield player.ask(f"create {name} secret1", "Village Square")
        return player

    @inlineCallbacks
    def _web(self, name: str):
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name=name, password="secret1")
        yield web.wait("login_ok", name=name)
        return web

    @inlineCallbacks
    def test_telnet_and_web_players_chat_on_channels(self):
        self.start()
        wynn = yield self._telnet("Wynn")
        # The list at login: GMCP clients that asked get Comm.Channel.List.
        yield eventually(lambda: _gmcp(wynn, "Comm.Channel.List"))
        self.assertEqual([c["name"] for c in _gmcp(wynn, "Comm.Channel.List")[0]],
                         ["ooc", "newbie", "gossip"])
        nora = yield self._web("Nora")
        listed = yield nora.wait("channels", silent=True)
        self.assertEqual([(c["name"], c["on"], c["speak"]) for c in listed["channels"]],
                         [("ooc", True, True), ("newbie", True, True),
                          ("gossip", False, True)])
        self.assertEqual(listed["channels"][1]["aliases"], ["nb"])
        yield nora.wait("room")

        # Telnet speaks: the web player gets a channel frame, the speaker its own line.
        yield wynn.ask("ooc hello from telnet", "[OOC] You: hello from telnet")
        frame = yield nora.wait("channel", channel="ooc")
        self.assertEqual((frame["talker"], frame["message"], frame["own"], frame["realm"],
                          frame["label"], frame["text"]),
                         ("Wynn", "hello from telnet", False, "", "OOC",
                          "[OOC] Wynn: hello from telnet"))

        # The web player answers on newbie by its alias: telnet gets text and GMCP.
        seen = len(wynn.received)
        nora.command("nb where is the smithy?")
        own = yield nora.wait("channel", channel="newbie")
        self.assertTrue(own["own"])
        yield wynn.wait_for("[Newbie] Nora: where is the smithy?")
        yield eventually(lambda: _gmcp(wynn, "Comm.Channel.Text", seen))
        self.assertEqual(_gmcp(wynn, "Comm.Channel.Text", seen)[0],
                         {"channel": "newbie", "talker": "Nora",
                          "text": "[Newbie] Nora: where is the smithy?"})

        # A channel alone: its history, in words for telnet and lines for the web.
        yield wynn.ask("newbie", "[Newbie] the last line:")
        yield wynn.wait_for("Nora (just now): where is the smithy?")
        nora.command("ooc")
        history = yield nora.wait("channel_history", channel="ooc")
        self.assertEqual([(line["talker"], line["text"], line["realm"])
                          for line in history["lines"]],
                         [("Wynn", "hello from telnet", "")])

        # GMCP Comm.Channel.Players, when the client asks.
        seen = len(wynn.received)
        wynn.transport.write(IAC + SB + GMCP + b"Comm.Channel.Players" + IAC + SE)
        yield eventually(lambda: _gmcp(wynn, "Comm.Channel.Players", seen))
        self.assertIn({"name": "Nora", "channels": ["ooc", "newbie"]},
                      _gmcp(wynn, "Comm.Channel.Players", seen)[0])

        # Telnet turns ooc off: the web's next ooc line passes it by, newbie still comes.
        yield wynn.ask("channel off ooc", "You no longer hear OOC")
        nora.command("ooc only the web hears this")
        yield nora.wait("channel", channel="ooc", own=True)
        nora.command("nb but this reaches telnet")
        yield wynn.wait_for("[Newbie] Nora: but this reaches telnet")
        self.assertNotIn("only the web hears this", wynn.text())
        # The web client's list follows (silently) when it turns gossip on.
        nora.command("channel on gossip")
        state = yield nora.wait("channels", silent=True)
        self.assertEqual([c["on"] for c in state["channels"]], [True, True, True])

        # The choice outlives the connection: a new login still has ooc off.
        wynn.transport.loseConnection()
        yield wynn.closed
        again = yield connect(self.telnet_port)
        yield again.ask("connect Wynn secret1", "Village Square")
        yield again.ask("channels", "Turn one on or off")
        self.assertIn("ooc      off", again.text())
        again.transport.loseConnection()
        yield again.closed
        nora.sendClose()
        yield nora.closed

    @inlineCallbacks
    def test_admins_channel_and_the_config_files_channels(self):
        service = self.start(channels={"trade": {"aliases": ["tr"], "description": "Buy, "
                                                 "sell, barter."},
                                       "ooc": {"label": "Chat"}})
        ada = yield self._telnet("Ada", gmcp=False)
        yield grant_role(service.game, "ada", "admin")
        wynn = yield self._web("Wynn")
        listed = yield wynn.wait("channels", silent=True)
        self.assertEqual([c["name"] for c in listed["channels"]],
                         ["ooc", "newbie", "gossip", "trade"])
        wynn.command("tr selling a lantern")
        yield ada.wait_for("[Trade] Wynn: selling a lantern")
        yield ada.ask("ooc hi", "[Chat] You: hi")
        yield wynn.wait("channel", channel="ooc", label="Chat")
        # wiz: the admin (promoted after logging in) joins it at a channel command.
        yield ada.ask("channels", "wiz")
        yield ada.ask("wiz admins only", "[Wiz] You: admins only")
        wynn.command("wiz can I?")
        refused = yield wynn.wait("error")
        self.assertIn("Only admins may use Wiz", refused["message"])
        self.assertFalse([f for f in wynn.frames if f.get("channel") == "wiz"])
        ada.transport.loseConnection()
        yield ada.closed
        wynn.sendClose()
        yield wynn.closed

    @inlineCallbacks
    def test_a_quit_keeps_the_rate_limit_and_long_lines_wrap_indented(self):
        service = self.start()
        # Slow refill, so a loaded machine's delays cannot refill the bucket meanwhile.
        channels_of(service.game.world).rate = 0.05
        wynn = yield self._telnet("Wynn")
        kip = yield self._telnet("Kip")
        for n in range(BURST):
            yield wynn.ask(f"ooc line {n}", f"[OOC] You: line {n}")
        yield wynn.ask("ooc one too many", "talking on channels too fast")
        wynn.send("quit")
        yield wynn.closed
        again = yield connect(self.telnet_port)
        yield again.ask("connect Wynn secret1", "Village Square")
        yield again.ask("ooc a fresh burst?", "talking on channels too fast")
        self.assertNotIn("fresh burst", kip.text())

        # A long line from Kip: Wynn's telnet (80 columns) shows its tail indented; GMCP
        # (Kip's own copy) has it whole.
        words = "x" * (79 - len("[OOC] Kip: ")) + " [Announcement from Ada] The game stops"
        start = len(kip.received)
        yield kip.ask(f"ooc {words}", "[OOC] You:")
        shown = yield again.wait_for("The game stops")
        self.assertIn("\n      [Announcement from Ada] The game stops", shown)
        self.assertNotIn("\n[Announcement", shown)
        yield eventually(lambda: _gmcp(kip, "Comm.Channel.Text", start))
        self.assertEqual(_gmcp(kip, "Comm.Channel.Text", start)[0]["text"],
                         f"[OOC] You: {words}")
        for player in (again, kip):
            player.transport.loseConnection()
            yield player.closed


def test_a_real_twistd_refuses_a_config_channel_taking_a_world_channels_word(
        tmp_path: Path):
    config = tmp_path / "mud.yaml"
    config.write_text("channels:\n  chat:\n    aliases: [ooc]\n", encoding="utf-8")
    server = Server(["mud", "--config", str(config), "--telnet",
                     "tcp:0:interface=127.0.0.1", "--data", str(tmp_path / "var")], tmp_path)
    assert server.finish() == 1
    out = server.output()
    assert "Traceback" not in out, out
    said = [line for line in out.splitlines() if line.startswith("mud: ")]
    assert any("channel 'chat': 'ooc' is already a word of the world's channel 'ooc'" in line
               for line in said), out
