"""Both errands of the bundled world played through over real sockets: a telnet player
reads the notice board, picks emberleaf for Nell, takes the ring from the magpies' nest,
and gives it to Ambrose, who opens the way under the standing stones; a web player walks
the same rooms and sees it happen. Between the two quests the server stops and starts
again on the same data: quest progress, an opened door and a satchel's contents are all
still there. What the last quest uncovers leads to a third: Tobias's silver, home to
Marta."""

from __future__ import annotations

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase
from tests.e2e.wsclient import connect_web

TO_THE_BROOK = ("north", "north", "gate", "north", "north", "west")
BROOK_TO_THE_OAK_CROWN = ("east", "east", "up")
CROWN_TO_THE_HERMIT = ("down", "west", "north", "west", "north")


class QuestJourneyTests(ServerTestCase):
    @inlineCallbacks
    def walk(self, steps, room):
        """The web player walks ahead into ``room``, then the telnet player follows, so
        the web player is there to see what he does."""
        for step in steps:
            self.web.command(step)
        yield self.web.wait("room", name=room)
        for step in steps:
            self.tel.send(step)
        yield self.tel.wait_for(room)
        yield self.web.wait("arrive", name="Bram")

    @inlineCallbacks
    def quests(self):
        """What the telnet player's 'quests' prints, and nothing else."""
        start = len(self.tel.text())
        self.tel.send("quests")
        yield self.tel.ask("say listed", 'You say, "listed"')
        out = self.tel.text()[start:]
        return out[:out.index('You say, "listed"')]

    @inlineCallbacks
    def log_in_both(self, create):
        self.web = yield connect_web(self.web_port)
        yield self.web.wait("hello")
        self.web.send(type="register" if create else "login", name="Wynn", password="secret1")
        yield self.web.wait("room")
        self.tel = yield connect(self.telnet_port)
        verb = "create Bram" if create else "connect bram"
        yield self.tel.ask(f"{verb} secret1", "[Exits:")

    @inlineCallbacks
    def test_a_telnet_player_does_both_quests_across_a_restart_while_a_web_player_watches(self):
        self.start()
        yield self.log_in_both(create=True)
        tel, web = self.tel, self.web

        # Reading the notices starts both errands (for each reader).
        yield tel.ask("read board", "Reward of a sort.")
        yield tel.wait_for("New quest: Emberleaf for Nell")
        yield tel.wait_for("New quest: The Lost Silver Ring")
        web.command("read board")
        yield web.wait("quest", quest="woods:emberleaf", status="active")
        web.command("quests")
        listed = yield web.wait("quests")
        self.assertEqual([q["quest"] for q in listed["active"]], ["woods:emberleaf", "woods:ring"])
        self.assertEqual(listed["done"], [])

        # A door opened before the restart: the inn's trapdoor.
        tel.send("west")
        yield tel.wait_for("trapdoor (closed)")
        yield tel.ask("open trapdoor", "You open the trapdoor.")
        yield tel.ask("east", "Village Square")

        # Nell's errand: a sprig from the brook, given to her in her cottage.
        yield self.walk(TO_THE_BROOK, "Alder Brook")
        yield tel.ask("get emberleaf", "You pick up a sprig of emberleaf.")
        yield web.wait("item", actor="Bram", verb="get")
        yield self.walk(("north",), "The Herbalist's Cottage")
        yield tel.ask("give emberleaf to nell", "You give a sprig of emberleaf to Nell Briar.")
        yield tel.wait_for("Quest done: Emberleaf for Nell")
        given = yield web.wait("item", actor="Bram", verb="give")
        self.assertEqual((given["item"], given["target"]), ("a sprig of emberleaf", "Nell Briar"))
        thanks = yield web.wait("say", **{"from": "Nell Briar"})
        self.assertIn("Bless you, Bram", thanks["message"])
        yield tel.ask("inventory", "a herb satchel")

        # The ring, from the magpies' nest, into the satchel.
        yield self.walk(("south", *BROOK_TO_THE_OAK_CROWN), "In the Oak's Crown")
        yield tel.ask("look in nest", "a silver ring")
        yield tel.ask("get ring from nest", "You take a silver ring from a magpie's nest.")
        yield tel.ask("put ring in satchel", "You put a silver ring in a herb satchel.")
        yield web.wait("container", actor="Bram")

        # The server stops and starts again on the same data.
        yield self.services[-1].stopService()
        self.start()
        yield self.log_in_both(create=False)
        tel, web = self.tel, self.web
        listed = yield self.quests()
        in_progress, done = listed.split("Quests done:")
        self.assertIn("Quests in progress:", in_progress)
        self.assertIn("The Lost Silver Ring", in_progress)
        self.assertNotIn("Emberleaf for Nell", in_progress)
        self.assertIn("Emberleaf for Nell", done)
        yield tel.ask("look in satchel", "a silver ring")
        self.assertIn("In the Oak's Crown", tel.text())

        # Ambrose's errand: the ring to the hermit, who opens the slab under the stones.
        yield self.walk(CROWN_TO_THE_HERMIT, "The Hermit's Hollow")
        yield tel.ask("get ring from satchel", "You take a silver ring from a herb satchel.")
        yield tel.ask("give ring to ambrose", "You give a silver ring to Old Ambrose.")
        yield tel.wait_for("Quest done: The Lost Silver Ring")
        yield web.wait("item", actor="Bram", verb="give", target="Old Ambrose")
        words = yield web.wait("say", **{"from": "Old Ambrose"})
        self.assertIn("for Nell", words["message"])
        yield self.walk(("east",), "The Standing Stones")
        # The way down, unseen before, is open.
        self.assertIn("[Exits: s e w d]", tel.text()[tel.text().rindex("The Standing Stones"):])
        yield self.walk(("down",), "Under the Standing Stones")
        self.assertIn("TOBIAS WREN", tel.text())
        listed = yield self.quests()
        self.assertNotIn("Quests in progress:", listed)
        self.assertIn("The Lost Silver Ring", listed.split("Quests done:")[1])

        # What the slate tells leads to a third errand: Tobias's silver, home to Marta.
        yield tel.ask("get silver", "You pick up a lump of raw silver.")
        yield tel.wait_for("New quest: Tobias's Silver")
        yield self.walk(("up", "south", "south", "south", "south", "gate", "south", "south",
                         "west"), "The Ember and Anvil")
        # The trapdoor opened before the restart is open still.
        tail = tel.text()[tel.text().rindex("The Ember and Anvil"):]
        self.assertIn("[Exits: e u trapdoor]", tail)
        yield tel.ask("give silver to marta", "You give a lump of raw silver to Marta Wren.")
        yield tel.wait_for("Marta Wren gives a mutton pie to you.")
        yield tel.wait_for("Quest done: Tobias's Silver")
        words = yield web.wait("say", **{"from": "Marta Wren"})
        self.assertIn("That's his hand", words["message"])
        yield web.wait("item", actor="Marta Wren", verb="give", target="Bram")
