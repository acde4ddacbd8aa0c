"""Text widths over real sockets: telnet lines fit the window the client reports (NAWS),
measured in visible columns whatever the colour depth; web clients get text unwrapped."""

from __future__ import annotations

import re

from twisted.internet.defer import inlineCallbacks

from mud.commands.info import TOPICS
from mud.commands.registry import COMMANDS
from mud.render.wrapping import visible_width
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web

_PROMPTS = re.compile(r"^(?:> |What name do you go by\? )+")
LONG = "the lamps of Emberfall burn late and the old forest whispers beyond the gate"


def shown_lines(text: str) -> list[str]:
    """Lines as the player's screen shows them. A reply follows the prompt on the wire
    because the player's own Enter has already ended that line on the screen."""
    return [_PROMPTS.sub("", line) for line in text.split("\n")]


def over_wide(text: str, width: int) -> list[str]:
    """Lines wider than the window (less the last column, which some terminals wrap at)
    that have a space to break at."""
    return [line for line in shown_lines(text)
            if visible_width(line) > width - 1 and " " in line.strip()]


class TelnetWidthTests(ServerTestCase):
    @inlineCallbacks
    def test_everything_fits_forty_columns_with_truecolor(self):
        service = self.start(command_rate=1000.0, command_burst=1000)
        bob = yield connect(self.telnet_port, naws=40)
        yield bob.wait_for("What name do you go by?")   # as a person would, at the prompt
        yield bob.ask("create Bob secret1", "Village Square")
        yield eventually(lambda: service.game.world.online["bob"] is not None)
        yield bob.ask("colour truecolor", "truecolor")
        kai = yield connect(self.telnet_port)
        yield kai.ask("create Kai secret1", "Village Square")
        for name in ("Cora", "Finn"):
            body = yield connect(self.telnet_port)
            yield body.ask(f"create {name} secret1", "Village Square")
            body.transport.abortConnection()   # the socket dies; the body stays, link-dead
            yield bob.wait_for(f"{name} has lost")
        yield kai.ask("tell Bob psst", "You tell Bob")
        text = yield bob.wait_for('"psst"')
        # A 21-column tell arrives whole, however long its colour codes are.
        self.assertIn('Kai tells you, "psst"', shown_lines(text))
        kai.send(f"say {LONG}")
        for line in ("look", "who", "help", "inventory", "exits", f"unknownthing {LONG}",
                     *(f"help {name}" for name in (*COMMANDS.commands, *TOPICS))):
            bob.send(line)
        text = yield bob.ask("say the end", 'You say, "the end"')
        # Everything fits, the greeting too: it waits for the window size.
        played = text
        self.assertIn("Welcome to Emberfall, Bob!", played)
        self.assertIn("Cora", played)
        self.assertIn("Link-dead", played)
        self.assertIn("Getting started", played)
        self.assertEqual(over_wide(played, 40), [])
        # The colour codes really were there: a truecolor line is measured without them.
        self.assertIn(b"\x1b[38;2;", bob.received)

    @inlineCallbacks
    def test_a_client_that_never_negotiates_is_still_greeted_at_eighty_columns(self):
        # netcat answers no DO NAWS: the greeting waits a moment for it, then comes anyway.
        self.start()
        nc = yield connect(self.telnet_port, silent=True)
        text = yield nc.wait_for("What name do you go by?")
        self.assertIn("E M B E R F A L L", text)
        self.assertIn("a hill town at the edge of the Thornwood", text)   # 80 columns
        yield nc.ask("create Nico secret1", "Village Square")
        nc.transport.loseConnection()
        yield nc.closed

    @inlineCallbacks
    def test_a_truecolor_error_at_eighty_columns_breaks_near_the_edge(self):
        self.start()
        ann = yield connect(self.telnet_port, naws=80)
        yield ann.ask("create Ann secret1", "Village Square")
        yield ann.ask("colour truecolor", "truecolor")
        ann.send("abcdefghijklmnopqrstuvwxyzabcdefghij hello")
        yield ann.wait_for("Unknown command")
        text = yield ann.wait_for("commands.")
        shown = shown_lines(text)
        start = next(n for n, line in enumerate(shown) if line.startswith("Unknown command"))
        lines = shown[start:start + 2]
        self.assertTrue(lines[1].endswith("commands."), lines)
        # Broken at the window's edge, not 18 columns short (the length of the colour code).
        self.assertGreaterEqual(len(lines[0]), 70, lines)
        self.assertLessEqual(len(lines[0]), 79, lines)


class WebUnwrappedTests(ServerTestCase):
    @inlineCallbacks
    def test_the_welcome_banner_and_event_text_arrive_unwrapped(self):
        service = self.start()
        web = yield connect_web(self.web_port)
        hello = yield web.wait("hello")
        paragraphs = hello["welcome"].strip("\n").split("\n\n")
        # The art keeps its lines; the prose is one line for the browser to wrap.
        self.assertEqual(paragraphs[0].splitlines(), [
            "    E M B E R F A L L", "    a hill town at the edge of the Thornwood"])
        self.assertEqual(len(paragraphs[1].splitlines()), 1, paragraphs[1])
        self.assertTrue(paragraphs[1].startswith("The lamps of Emberfall burn late."))
        self.assertEqual(" ".join(hello["welcome"].split()),
                         " ".join(service.game.world.welcome.split()))
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("login_ok")
        web.command("help colour")
        help_text = (yield web.wait("help"))["text"]
        # A docstring's soft line breaks are gone: one line a paragraph.
        body = help_text.split("\n\n")[1]
        self.assertEqual(len(body.splitlines()), 1, help_text)
        self.assertIn("256 or truecolor for richer ones", body)
