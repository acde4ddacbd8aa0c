"""Both quests of the bundled world over real sockets: a telnet player brings Nell her
emberleaf and Ambrose his ring, and walks down through the way he opens, while a web player
in the same rooms sees the gives and the NPCs' answers."""

from __future__ import annotations

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.processes import log_in, stop_saved, telnet_server
from tests.e2e.server import ServerTestCase
from tests.e2e.wsclient import connect_web

# Village Square to Alder Brook, and on: each step's room, as the web's room frame names it.
TO_BROOK = [("north", None), ("north", None), ("gate", "Edge of the Thornwood"),
            ("north", "Thornwood Path"), ("north", "The Waystone Fork"),
            ("west", "Alder Brook")]
BROOK_TO_OAK = [("east", "The Waystone Fork"), ("east", "The Old Oak"),
                ("up", "In the Oak's Crown")]
OAK_TO_HOLLOW = [("down", "The Old Oak"), ("west", "The Waystone Fork"),
                 ("north", "The Deepwood"), ("north", "The Standing Stones"),
                 ("west", "The Hermit's Hollow")]


class QuestTests(ServerTestCase):
    @inlineCallbacks
    def walk(self, tel, web, steps):
        for way, name in steps:
            tel.send(way)
            yield tel.wait_for("[Exits:")
            if web is not None:
                web.command(way)
                yield web.wait("room", **({"name": name} if name else {}))

    @inlineCallbacks
    def test_telnet_player_does_both_quests_while_a_web_player_watches(self):
        self.start()
        tel = yield connect(self.telnet_port)
        yield tel.wait_for("What name do you go by?")
        yield tel.ask("create Bram secret1", "Village Square")
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("room", name="Village Square")
        yield tel.ask("quests", "You have no quests yet.")
        # The web player reads the notice board: both errands start for them, as frames.
        web.command("read board")
        started = yield web.wait("quest", name="Emberleaf for Nell", status="active")
        self.assertIn("New quest: Emberleaf for Nell", started["text"])
        yield web.wait("quest", name="The Lost Silver Ring", status="active")

        yield self.walk(tel, web, TO_BROOK)
        out = yield tel.ask("get emberleaf", "New quest: Emberleaf for Nell")
        yield tel.wait_for("give it to her.")
        yield self.walk(tel, web, [("north", "The Herbalist's Cottage")])
        yield tel.ask("give staff to nell", "You see no 'staff' on you.")

        out = yield tel.ask("give emberleaf to nell", "Quest done: Emberleaf for Nell")
        out = yield tel.wait_for("herb satchel of your own.")
        tail = out[out.rfind("give emberleaf to nell"):] if "give emberleaf" in out else out
        order = [tail.find(s) for s in (
            "You give a sprig of emberleaf to Nell Briar.",
            "Nell Briar turns the sprig over",
            'Nell Briar says, "Emberleaf, and fresh-picked! Bless you, Bram.',
            "Nell Briar gives a herb satchel to you.",
            "Quest done: Emberleaf for Nell")]
        self.assertTrue(all(i >= 0 for i in order), tail)
        self.assertEqual(order, sorted(order))
        # The web player in the cottage sees the give, Nell's answer and the reward.
        yield web.wait("item", text="Bram gives a sprig of emberleaf to Nell Briar.")
        yield web.wait("emote", text="Nell Briar turns the sprig over")
        said = yield web.wait("say", text="Bless you, Bram.")
        self.assertIn("Nell Briar", said["text"])
        yield web.wait("item", text="Nell Briar gives a herb satchel to Bram.")
        yield tel.ask("inventory", "a herb satchel")

        out = yield tel.ask("quests", "Quests done:")
        out = yield tel.wait_for("herb satchel of your own.")
        self.assertIn("Emberleaf for Nell", out[out.rfind("Quests done:"):])

        # The ring, from the magpies' nest, to Ambrose; the web player waits in his hollow.
        yield self.walk(tel, None, [("south", None), *BROOK_TO_OAK])
        yield tel.ask("get ring from nest", "New quest: The Lost Silver Ring")
        for way, name in (("south", "Alder Brook"), ("north", "The Herbalist's Cottage"),
                          ("north", "The Hermit's Hollow")):
            web.command(way)
            yield web.wait("room", name=name)
        yield self.walk(tel, None, OAK_TO_HOLLOW)
        yield tel.ask("look", "Old Ambrose is here.")
        yield tel.ask("give ring to ambrose", "Quest done: The Lost Silver Ring")
        yield web.wait("item", text="Bram gives a silver ring to Old Ambrose.")
        said = yield web.wait("say", text="Under the stones")
        self.assertIn("Old Ambrose", said["text"])
        yield self.walk(tel, web, [("east", "The Standing Stones")])
        yield tel.ask("look", "[Exits: s e w d]")
        yield tel.ask("down", "Under the Standing Stones")
        yield tel.ask("read slate", "I was the")
        out = yield tel.ask("quests", "Quests done:")
        out = yield tel.wait_for("he will open it for you.")
        listing = out[out.rfind("Quests done:"):]
        self.assertIn("The Lost Silver Ring", listing)
        self.assertIn("Emberleaf for Nell", listing)

        web.command("quests")
        frame = yield web.wait("quests")
        self.assertEqual([q["name"] for q in frame["active"]],
                         ["Emberleaf for Nell", "The Lost Silver Ring"])
        self.assertEqual(frame["done"], [])
        self.assertIn("Quests in progress:\n  Emberleaf for Nell\n    Nell Briar", frame["text"])
        tel.send("quit")
        yield tel.closed


class HiddenWayTests(ServerTestCase):
    @inlineCallbacks
    def test_the_way_under_the_stones_is_hidden_and_cannot_be_opened_by_hand(self):
        self.start()
        tel = yield connect(self.telnet_port)
        yield tel.wait_for("What name do you go by?")
        yield tel.ask("create Cade secret1", "Village Square")
        yield QuestTests.walk(self, tel, None, [*TO_BROOK, ("east", None),
                                                   ("north", None), ("north", None)])
        out = yield tel.ask("exits", "Ways out:")
        out = yield tel.ask("down", "You cannot go 'down' from here.")
        self.assertNotIn("down", out[out.rfind("Ways out:"):out.rfind("You cannot")])
        yield tel.ask("open slab", "You see no door 'slab' here.")


def _walk(player, ways):
    for way in ways:
        player.ask(way, "[Exits:")


def test_quest_progress_the_reward_and_the_used_up_leaf_survive_a_restart_of_twistd(
        tmp_path, servers):
    server = telnet_server(tmp_path, servers)
    player = log_in(server, "create Rowan secret1", "Village Square")
    _walk(player, [way for way, _ in TO_BROOK])
    player.ask("get emberleaf", "New quest: Emberleaf for Nell")
    player.ask("north", "Nell Briar is here.")
    player.ask("give emberleaf to nell", "Quest done: Emberleaf for Nell")
    player.ask("south", "You see two sprigs of emberleaf here.")
    stop_saved(server, player)

    again = telnet_server(tmp_path, servers)
    player = log_in(again, "connect rowan secret1", "Alder Brook")
    # The leaf Nell took is gone for good: not back by the brook, not in Rowan's pack.
    player.ask("look", "You see two sprigs of emberleaf here.")
    out = player.ask("inventory", "a herb satchel")
    assert "emberleaf" not in out[out.rfind("You are carrying"):]
    out = player.ask("quests", "Quests done:")
    out = player.wait_for("herb satchel of your own.")
    assert "Emberleaf for Nell" in out[out.rfind("Quests done:"):]
    # Nell remembers Rowan was rewarded: a second sprig gets her 'again' line, no satchel.
    player.ask("get emberleaf", "You pick up a sprig of emberleaf.")
    player.ask("north", "Nell Briar is here.")
    player.ask("give emberleaf to nell", "You're a treasure, Rowan.")
    out = player.ask("inventory", "You are carrying:")
    out = player.wait_for("a herb satchel")
    assert "two herb satchels" not in out[out.rfind("You are carrying:"):]
    player.ask("quit", "Farewell")
    assert "Traceback" not in again.output()
