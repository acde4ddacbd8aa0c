"""Over real sockets: a guard whose barrier raises does not block its exit (the player
walks through, the failure is logged with the NPC's id), and an NPC whose first behaviour's
give handler raises still takes the item through its next behaviour."""

from __future__ import annotations

import shutil

from twisted.internet.defer import inlineCallbacks
from twisted.logger import formatEvent, globalLogPublisher

from mud.systems.behaviours.guard import Guard
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase
from tests.support import TINY
from tests.test_broken_handlers import CAT, boom


class BrokenHandlerTests(ServerTestCase):
    def world(self) -> str:
        root = self.mktemp()
        shutil.copytree(TINY, root)
        with open(f"{root}/home/npcs.yaml", "w", encoding="utf-8") as f:
            f.write(CAT)
        return root

    def logged(self) -> list[str]:
        lines: list[str] = []

        def observe(event: dict) -> None:
            lines.append(formatEvent(event))
        globalLogPublisher.addObserver(observe)
        self.addCleanup(globalLogPublisher.removeObserver, observe)
        return lines

    @inlineCallbacks
    def test_a_broken_guard_lets_the_player_through_and_is_logged_with_its_npc(self):
        self.patch(Guard, "refuse", boom)
        lines = self.logged()
        self.start(world=self.world())
        tel = yield connect(self.telnet_port, naws=200)
        yield tel.ask("create Bram secret1", "The Hall")
        yield tel.ask("north", "The Kitchen")
        yield tel.ask("south", "The Hall")
        self.assertTrue(any("npc home:cat" in line and "south" in line for line in lines),
                        lines)
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)

    @inlineCallbacks
    def test_a_broken_give_handler_leaves_the_give_to_the_npcs_next_behaviour(self):
        self.patch(Guard, "on_give", boom)
        lines = self.logged()
        self.start(world=self.world())
        tel = yield connect(self.telnet_port, naws=200)
        yield tel.ask("create Bram secret1", "The Hall")
        yield tel.ask("get apple", "You pick up a red apple.")
        yield tel.ask("north", "The Kitchen")
        yield tel.ask("give apple to cat", "You give a red apple to Mouser.")
        yield tel.wait_for("Mouser takes the apple in its mouth.")
        self.assertTrue(any("npc home:cat" in line and "guard" in line for line in lines),
                        lines)
        self.assertEqual(len(self.flushLoggedErrors(RuntimeError)), 1)
