"""Over real sockets: a telnet player who put his apple in his satchel and tries to give
or drop it is told where it is and how to take it out; a web player trying the same gets
the same words in the error frame."""

from __future__ import annotations

import shutil

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase
from tests.e2e.wsclient import connect_web
from tests.support import TINY

SATCHEL = """
satchel:
  name: a canvas satchel
  keywords: [satchel, canvas, bag]
  description: A canvas satchel.
  container: {capacity: 4}
"""
HINT = "A red apple is in your canvas satchel: get apple from satchel first."


class InsideHintTests(ServerTestCase):
    def world(self) -> str:
        root = self.mktemp()
        shutil.copytree(TINY, root)
        with open(f"{root}/home/items.yaml", "a", encoding="utf-8") as f:
            f.write(SATCHEL)
        rooms = f"{root}/home/rooms.yaml"
        with open(rooms, encoding="utf-8") as f:
            text = f.read()
        assert "  items: [apple, apple, table]\n" in text
        with open(rooms, "w", encoding="utf-8") as f:
            f.write(text.replace("  items: [apple, apple, table]\n",
                                 "  items: [apple, apple, table, satchel, satchel]\n"))
        return root

    @inlineCallbacks
    def test_give_and_drop_of_an_apple_in_a_carried_satchel_say_where_it_is(self):
        self.start(world=self.world())
        tel = yield connect(self.telnet_port, naws=200)
        yield tel.ask("create Bram secret1", "The Hall")
        yield tel.ask("get satchel", "You pick up a canvas satchel.")
        yield tel.ask("get apple", "You pick up a red apple.")
        yield tel.ask("put apple in satchel", "You put a red apple in a canvas satchel.")
        yield tel.ask("drop apple", HINT)
        yield tel.ask("north", "The Kitchen")
        yield tel.ask("give apple to cat", HINT)
        yield tel.ask("get apple from satchel", "You take a red apple")
        yield tel.ask("drop apple", "You drop a red apple.")

        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("room", name="The Hall")
        for line in ("get satchel", "get apple", "put apple in satchel"):
            web.command(line)
        yield web.wait("container")
        web.command("drop apple")
        refused = yield web.wait("error")
        self.assertEqual(refused["text"], HINT)
