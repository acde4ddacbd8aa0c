"""Living NPCs over real sockets: a telnet player and a web player in the same rooms see Pim
call his wares, Ash the cat come and go, Watchman Pell greet an arrival at the gate, and
Marta answer `ask` and `say`. The world is the bundled one with its behaviours' intervals
cut to a second, so the test takes seconds."""

from __future__ import annotations

import re
import shutil

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web
from tests.support import BUNDLED_WORLD, gmcp_messages

IAC, DO, SB, SE, GMCP = b"\xff", b"\xfd", b"\xfa", b"\xf0", b"\xc9"


def speech_from(web, name):
    return [f for f in web.frames if f.get("type") in ("say", "emote") and f.get("from") == name]


class LivingNPCTests(ServerTestCase):
    def quick_world(self) -> str:
        copy = self.mktemp()
        shutil.copytree(BUNDLED_WORLD, copy)
        npcs = f"{copy}/village/npcs.yaml"
        with open(npcs, encoding="utf-8") as f:
            text = f.read()
        text, count = re.subn(r"interval: \d+", "interval: 1", text)
        assert count >= 3, "the bundled world lost its behaviours"
        with open(npcs, "w", encoding="utf-8") as f:
            f.write(text)
        return copy

    @inlineCallbacks
    def test_telnet_and_web_players_see_the_npcs_live(self):
        self.start(world=self.quick_world())
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("room", name="Village Square")
        tel = yield connect(self.telnet_port)
        yield tel.ask("create Bram secret1", "Village Square")

        # Ash wanders between the square and the inn, seen going and coming.
        yield tel.wait_for("Ash leaves west.")
        yield tel.wait_for("Ash arrives from the west.")
        yield web.wait("depart", name="Ash", phrase="leaves west")
        yield web.wait("arrive", name="Ash", phrase="arrives from the west")

        # Pim calls out his wares in the market.
        web.command("east")
        yield web.wait("room", name="Market Row")
        tel.send("east")
        yield tel.wait_for("Pim Thistle")
        yield eventually(lambda: speech_from(web, "Pim Thistle"), timeout=5)

        # Watchman Pell greets Bram as he comes through to the gate; Wynn, there already,
        # sees it too.
        for step in ("west", "north", "north"):
            web.command(step)
        yield web.wait("room", name="The North Gate")
        for step in ("west", "north"):
            tel.send(step)
        yield tel.wait_for("High Street")
        tel.send("north")
        yield tel.wait_for("The North Gate")
        yield tel.wait_for("Watchman Pell")
        yield eventually(lambda: [f for f in speech_from(web, "Watchman Pell")
                                  if "Bram" in f["message"]])
        greeting = next(f for f in speech_from(web, "Watchman Pell") if "Bram" in f["message"])
        # Telnet wraps it to the window: compare the words.
        self.assertIn(" ".join(greeting["message"].split()), " ".join(tel.text().split()))

        # Marta answers a question (ask) and a keyword said in her room (say).
        for step in ("south", "south", "west"):
            web.command(step)
        yield web.wait("room", name="The Ember and Anvil")
        for step in ("south", "south"):
            tel.send(step)
        yield tel.wait_for("Village Square")
        tel.send("west")
        yield tel.wait_for("The Ember and Anvil")
        tel.send("ask marta about the mine")
        yield tel.wait_for("Bram asks Marta Wren about the mine.")
        yield tel.wait_for('Marta Wren says, "The mine? Closed these three years')
        yield web.wait("emote", **{"from": "Bram", "message": "asks Marta Wren about the mine."})
        answer = yield web.wait("say", **{"from": "Marta Wren"})
        self.assertIn("eleven men", answer["message"])
        web.command("say Have you any rooms free?")
        yield tel.wait_for('Wynn says, "Have you any rooms free?"')
        yield tel.wait_for("under the eaves")
        answer = yield web.wait("say", **{"from": "Marta Wren"})
        self.assertIn("under the eaves", answer["message"])
        tel.send("help ask")
        yield tel.wait_for("ask <someone> about <topic>")

    @inlineCallbacks
    def test_npc_speech_reaches_gmcp_clients_as_speech_does(self):
        self.start(world=self.quick_world())
        kip = yield connect(self.telnet_port)
        kip.transport.write(IAC + DO + GMCP + IAC + SB + GMCP
                            + b'Core.Supports.Set ["Comm.Channel 1"]' + IAC + SE)
        yield kip.ask("create Kip secret1", "Village Square")
        kip.send("east")
        yield kip.wait_for("Market Row")

        def pim_said():
            return [data for package, data in gmcp_messages(kip.received)
                    if package == "Comm.Channel.Text" and data["talker"] == "Pim Thistle"]
        yield eventually(pim_said, timeout=5)
        said = pim_said()[0]
        self.assertIn(said["channel"], ("say", "emote"))
        # The text is what a telnet player reads (wrapped there), without colour.
        self.assertTrue(said["text"].startswith("Pim Thistle "), said)
        self.assertIn(" ".join(said["text"].split()), " ".join(kip.text().split()))
        self.assertNotIn("\x1b", said["text"])
