"""Follow, guard and respawn over real sockets, in the bundled world: a telnet player
walking down Well Lane is taken up by Patch the stray dog, who trails him into the square
and on to the market while a web player in the square sees the dog arrive and leave; at
the village gate the dog gives up. In the mine the bats drive the player back from the
adit without a light, and let him through with a lantern. An NPC taken out of the world
is back at its area's reset, seen on both; a restart of the real twistd has the wandered
dog at home, once.

The world is a copy of the bundled one with the mine gate left unlocked and open and a
lantern at the mine mouth, so the walk there needs no detour through the inn cellar."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.processes import log_in, stop_saved, telnet_server
from tests.e2e.server import ServerTestCase
from tests.e2e.test_resets import world_resetting_every
from tests.e2e.wsclient import connect_web
from tests.support import BUNDLED_WORLD

DOG = "a scruffy stray dog"


class FollowGuardTests(ServerTestCase):
    def world(self) -> str:
        copy = self.mktemp()
        shutil.copytree(BUNDLED_WORLD, copy)
        rooms = f"{copy}/mine/rooms.yaml"
        with open(rooms, encoding="utf-8") as f:
            text = f.read()
        gate = "door: {name: iron gate, closed: true, locked: true, key: village:key}"
        assert gate in text and "  items: [sign]\n" in text
        text = text.replace(gate, "door: {name: iron gate, closed: false, key: village:key}")
        text = text.replace("  items: [sign]\n", "  items: [sign, village:lantern]\n")
        with open(rooms, "w", encoding="utf-8") as f:
            f.write(text)
        return copy

    @inlineCallbacks
    def test_the_dog_follows_and_the_bats_guard(self):
        self.start(world=self.world())
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("room", name="Village Square")
        tel = yield connect(self.telnet_port, naws=200)  # wide: no line wraps mid-phrase
        yield tel.ask("create Bram secret1", "Village Square")

        # Down the lane: the dog takes up with Bram and comes back up into the square.
        yield tel.ask("south", "Well Lane")
        yield tel.wait_for("sniffs at Bram's boots")
        tel.send("north")
        yield tel.wait_for("stray dog arrives from the south")
        seen = yield web.wait("arrive", name=DOG)
        self.assertEqual((seen["phrase"], seen["npc"]), ("arrives from the south", True))
        # On to the market, the dog at his heels: Wynn sees both go.
        tel.send("east")
        yield tel.wait_for("Market Row")
        yield web.wait("depart", name="Bram", phrase="leaves east")
        gone = yield web.wait("depart", name=DOG)
        self.assertEqual((gone["phrase"], gone["npc"]), ("leaves east", True))
        yield tel.wait_for("stray dog arrives from the west")

        # Out of the village gate: the dog stays behind.
        for step, where in (("west", "Village Square"), ("north", "High Street"),
                            ("north", "The North Gate")):
            yield tel.ask(step, where)
        yield web.wait("arrive", name=DOG, phrase="arrives from the east")  # with Bram
        yield web.wait("depart", name=DOG, phrase="leaves north")
        yield tel.ask("gate", "Edge of the Thornwood")
        yield tel.wait_for("loses interest in Bram")  # seen over his shoulder
        # Wynn in the square sees the dog trot home past her (gatehouse, high street,
        # square, lane: a step every 4 seconds).
        yield web.wait("arrive", name=DOG, phrase="arrives from the north", npc=True)
        yield web.wait("depart", name=DOG, phrase="leaves south", npc=True)

        # To the mine. The bats stop him in the dark.
        for step, where in (("north", "Thornwood Path"), ("north", "The Waystone Fork"),
                            ("north", "The Deepwood"), ("northeast", "Foot of the Hills"),
                            ("north", "The Mine Mouth"), ("north", "The Adit")):
            yield tel.ask(step, where)
        yield tel.ask("north", "Bram stumbles back toward the daylight")
        yield tel.wait_for("will not let you into the dark tunnel")
        # With a lantern from the mine mouth he passes, the bats only blinking at it.
        yield tel.ask("south", "The Mine Mouth")
        yield tel.ask("get lantern", "You pick up a brass lantern")
        yield tel.ask("north", "The Adit")
        yield tel.ask("north", "blinking at Bram's light")
        yield tel.wait_for("The Winding Room")

    @inlineCallbacks
    def test_bread_wins_the_dog_over_seen_on_the_web(self):
        """Wynn (web) walks into the lane first and the dog takes up with her; Bram
        (telnet) gives it the inn's bread, and it leaves with him."""
        self.start()
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("room", name="Village Square")
        tel = yield connect(self.telnet_port, naws=200)
        yield tel.ask("create Bram secret1", "Village Square")
        yield tel.ask("west", "The Ember and Anvil")
        yield tel.ask("get bread", "You pick up a loaf of bread.")
        yield tel.ask("east", "Village Square")
        web.command("south")
        yield web.wait("room", name="Well Lane")
        taken = yield web.wait("emote", **{"from": DOG})
        self.assertIn("sniffs at Wynn's boots", taken["message"])
        yield tel.ask("south", "Well Lane")
        yield tel.ask("give bread to dog", "You give a loaf of bread to a scruffy stray dog.")
        yield tel.wait_for("wolfs down the bread in three gulps and gazes up at Bram")
        yield web.wait("item", verb="give", actor="Bram", item="a loaf of bread", target=DOG)
        eaten = yield web.wait("emote", **{"from": DOG})
        self.assertIn("wolfs down the bread", eaten["message"])
        yield tel.ask("inventory", "You are carrying nothing.")
        yield tel.ask("north", "stray dog arrives from the south")
        gone = yield web.wait("depart", name=DOG)
        self.assertEqual(gone["phrase"], "leaves north")


class RespawnTests(ServerTestCase):
    @inlineCallbacks
    def test_an_npc_taken_out_is_back_at_the_reset_seen_over_telnet_and_the_web(self):
        world = world_resetting_every(Path(self.mktemp()), 3)
        service = self.start(world=str(world))
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("room", name="Village Square")
        tel = yield connect(self.telnet_port, naws=200)
        yield tel.ask("create Bram secret1", "Village Square")
        yield tel.ask("west", "The Ember and Anvil")
        web.command("west")
        yield web.wait("room", name="The Ember and Anvil")
        live = service.game.world
        marta = next(n for n in live.npcs if n.id == "village:innkeeper")
        self.assertTrue(live.remove_npc(marta))  # what combat will do
        tel.send("ask marta about the mine")
        yield tel.wait_for("There is nobody called 'marta' here to ask.")
        # Within a reset she is back where the inn lists her, answering again.
        yield tel.wait_for("Marta Wren appears.", timeout=10)
        back = yield web.wait("arrive", name="Marta Wren")
        self.assertEqual((back["phrase"], back["npc"]), ("appears", True))
        yield tel.ask("ask marta about the mine", "eleven men")
        self.assertEqual([n.room.id for n in live.npcs if n.id == "village:innkeeper"],
                         ["village:inn"])
        web.command("look")
        room = yield web.wait("room", name="The Ember and Anvil")
        self.assertEqual(room["npcs"].count("Marta Wren"), 1)


def test_a_restart_has_the_dog_home_once(tmp_path, servers):
    """The dog followed a player into the market; after a SIGTERM and a restart of the real
    twistd it is at home in Well Lane, once, and not in the market (nothing about NPCs is
    saved, so nothing can double them)."""
    server = telnet_server(tmp_path, servers)
    player = log_in(server, "create Rowan secret1", "Village Square")
    player.ask("south", "sniffs at Rowan's boots")
    player.ask("north", "stray dog arrives from the south")
    player.ask("east", "stray dog arrives from the west")
    stop_saved(server, player)

    again = telnet_server(tmp_path, servers)
    player = log_in(again, "connect rowan secret1", "Market Row")
    text = player.ask("look", "You see a brass lantern")
    market = text[text.rindex("Market Row"):]
    assert "Pim Thistle is here" in market and "stray dog" not in market
    player.ask("west", "Village Square")
    text = player.ask("south", "You see a mossy well here.")
    lane = text[text.rindex("Well Lane"):]
    assert lane.count("A scruffy stray dog is here.") == 1, lane
    player.ask("quit", "Farewell")
    again.proc.send_signal(signal.SIGTERM)
    assert again.finish() == 0
    assert "Traceback" not in again.output()
