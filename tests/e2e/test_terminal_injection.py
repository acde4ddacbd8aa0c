"""Player text cannot drive other players' terminals, over real sockets: a web player's
escape sequences never reach a telnet terminal, a telnet player's C1 and bidi controls reach
neither telnet nor the JSON frames, and telnet colour codes arrive as their text only."""

from __future__ import annotations

import json
import re

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase
from tests.e2e.wsclient import connect_web

_IAC = re.compile(rb"\xff[\xfb-\xfe].|\xff\xfa.*?\xff\xf0|\xff[\xf0-\xfa]", re.S)
# The server's own colouring: SGR only. Nothing a player sent may add anything else.
_OWN_SGR = re.compile(rb"\x1b\[[0-9;]*m")
# As UTF-8: C1 CSI, OSC, ST; RIGHT-TO-LEFT OVERRIDE; LEFT-TO-RIGHT ISOLATE.
FORBIDDEN_BYTES = (b"\x1b", b"\x07", b"\x08", b"\x7f", b"\xc2\x9b", b"\xc2\x9d", b"\xc2\x9c",
                   b"\xe2\x80\xae", b"\xe2\x81\xa6")
FORBIDDEN_CHARS = ("\x1b", "\x07", "\x08", "\x7f", "\x9b", "\x9d", "\x9c", "\u202e", "\u2066")


def terminal_bytes(raw: bytes) -> bytes:
    """What a telnet terminal was asked to act on, minus negotiation and the server's SGR."""
    return _OWN_SGR.sub(b"", _IAC.sub(b"", raw))


class TerminalInjectionTests(ServerTestCase):
    @inlineCallbacks
    def players(self):
        self.start()
        telly = yield connect(self.telnet_port)
        yield telly.ask("create Telly secret1", "Village Square")
        tess = yield connect(self.telnet_port)
        yield tess.ask("create Tess secret1", "Village Square")
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Webby", password="secret1")
        yield web.wait("room")
        yield telly.wait_for("Webby")
        yield tess.wait_for("Webby")
        return telly, tess, web

    @inlineCallbacks
    def test_a_web_players_escape_sequences_never_reach_a_telnet_terminal(self):
        telly, _, web = yield self.players()
        for command in ("say \x1b[2Jcleared",                            # clear screen
                        "emote \x1b]0;owned\x07waves",                    # window title
                        "say \x1b]8;;http://evil.example/\x1b\\click me\x1b]8;;\x1b\\",
                        "say status\x1b[6n",                              # device status
                        "say bell\x07\x07 and\b\b\b back",
                        "tell Telly \x1b[2J\x1b]0;t\x1b\\psst"):
            web.command(command)
        yield telly.wait_for('Webby tells you, "psst"')
        heard = telly.text()
        for line in ('Webby says, "cleared"', "Webby waves.", 'Webby says, "click me"',
                     'Webby says, "status"', 'Webby says, "bell and back"'):
            self.assertIn(line, heard)
        wire = terminal_bytes(telly.received)
        for forbidden in FORBIDDEN_BYTES:
            self.assertNotIn(forbidden, wire)

    @inlineCallbacks
    def test_a_telnet_players_c1_and_bidi_controls_reach_neither_telnet_nor_json(self):
        telly, tess, web = yield self.players()
        telly.transport.write("say c1 \u009b2J osc \u009d0;x\u009c rtl \u202eevil\u2066 end\r\n"
                              .encode())
        frame = yield web.wait("say", **{"from": "Telly"})
        yield tess.wait_for('Telly says, "')
        yield tess.wait_for(' end"')
        self.assertEqual(frame["message"], "c1 osc rtl evil end")
        for forbidden in FORBIDDEN_CHARS:
            self.assertNotIn(forbidden, frame["message"])
            self.assertNotIn(forbidden, frame["text"])
        raw = web.raw[web.frames.index(frame)]
        for forbidden in FORBIDDEN_BYTES:
            self.assertNotIn(forbidden, raw)
        self.assertNotIn(b"\\u", raw)  # nor as JSON escapes
        wire = terminal_bytes(tess.received)
        for forbidden in FORBIDDEN_BYTES:
            self.assertNotIn(forbidden, wire)

    @inlineCallbacks
    def test_a_telnet_players_colour_codes_arrive_as_their_text_only(self):
        telly, tess, web = yield self.players()
        telly.send("say \x1b[31mRED\x1b[0m and \x1b[1;32mgreen\x1b[0m")
        frame = yield web.wait("say", **{"from": "Telly"})
        self.assertEqual(frame["message"], "RED and green")
        self.assertEqual(json.loads(web.raw[web.frames.index(frame)])["text"],
                         'Telly says, "RED and green"')
        yield tess.wait_for('Telly says, "RED and green"')
        self.assertNotIn("[31m", tess.text())
