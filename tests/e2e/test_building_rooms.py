"""Builders' room commands over real sockets (issue 12), on a copy of the bundled world: a
telnet builder digs and describes a room with a multi-line ``rdesc`` while a web player
walks into it; a web builder renames it through JSON command frames (its multi-line
``rdesc`` too); a refused edit quotes the loader; a plain player is told each builder
command needs the role, over telnet and as a JSON command frame, and nothing changes."""

from __future__ import annotations

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import registered_web
from tests.support import grant_role


class BuildingRoomTests(ServerTestCase):
    def web_player(self, name):
        return registered_web(self.web_port, name)

    @inlineCallbacks
    def two_builders(self):
        """A server on a copy of the world; Bram builds over telnet, Cleo over the web."""
        service = self.start(world=str(self.copy_world()))
        bram = yield self.telnet_builder(service, "Bram")
        cleo = yield self.web_player("Cleo")
        yield grant_role(service.game, "cleo", "builder")
        return service.game.world, bram, cleo

    @inlineCallbacks
    def test_a_telnet_builder_digs_and_describes_and_a_web_builder_renames(self):
        world, bram, cleo = yield self.two_builders()

        yield bram.ask("dig up attic The Attic", "You dig up and make The Attic")
        yield bram.ask("up", "The Attic")
        yield bram.ask("rdesc", "a line with only . ends it")
        bram.send("Dust lies thick on the boards.")
        bram.send("")
        bram.send("A round window looks north.")
        yield bram.ask(".", "The room's description is set.")
        yield bram.ask("look", "A round window looks north.")
        self.assertEqual(world.rooms["village:attic"].description,
                         "Dust lies thick on the boards.\nA round window looks north.")

        # The web player walks up into it and sees it.
        cleo.command("up")
        room = yield cleo.wait("room", name="The Attic")
        self.assertIn("Dust lies thick", room["description"])
        cleo.command("rname The Dusty Attic")
        yield cleo.wait("system", text="This room is now called The Dusty Attic.")
        cleo.command("rdesc")
        yield cleo.wait("system")
        cleo.command("Swallows nest in the rafters.")
        cleo.command(".")
        yield eventually(lambda: world.rooms["village:attic"].description ==
                         "Swallows nest in the rafters.")
        cleo.command("look")
        room = yield cleo.wait("room", name="The Dusty Attic")
        self.assertIn("Swallows nest in the rafters.", room["description"])
        entry = world.sources.get("village", "room", "attic")
        self.assertEqual((entry["name"], entry["description"]),
                         ("The Dusty Attic", "Swallows nest in the rafters."))

        # A door whose key is no item: the loader's own words, and nothing changes.
        text = yield bram.ask("rexit down door {name: hatch, locked: true, closed: true, "
                              "key: nope}", "did you mean")
        self.assertIn('- village/rooms.yaml: room "village:attic": exit "down": door \'key\' '
                      'is unknown item "village:nope"', " ".join(text.split()))
        self.assertIsNone(world.rooms["village:attic"].exits["down"].door)

    @inlineCallbacks
    def test_a_player_reaches_no_builder_command_by_telnet_or_json(self):
        service = self.start(world=str(self.copy_world()))
        world = service.game.world
        nora = yield connect(self.telnet_port)
        yield nora.ask("create Nora secret1", "Village Square")
        web = yield self.web_player("Pipa")
        for line in ("dig up attic", "link up village:inn", "unlink north", "rname X",
                     "rdesc", "rexit north description x", "goto village:inn", "where cat"):
            word = line.split()[0]
            yield nora.ask(line, f"'{word}' needs the builder role.")
            web.command(line)
            yield web.wait("error", text=f"'{word}' needs the builder role.")
        self.assertNotIn("up", world.rooms["village:square"].exits)
        self.assertEqual(world.rooms["village:square"].name, "Village Square")
        self.assertEqual(world.sources.changed_areas(), [])

    @inlineCallbacks
    def test_builders_link_unlink_goto_and_where_over_telnet_and_the_web(self):
        world, bram, cleo = yield self.two_builders()

        yield bram.ask("link up village:cellar", "It is one way")
        yield bram.ask("up", "Inn Cellar")
        yield bram.ask("goto village:square", "Village Square")
        yield bram.ask("where cat", "NPC village:cat (Ash) is in village:square.")
        yield bram.ask("where Cleo", "Cleo is in village:square (Village Square).")
        yield bram.ask("help building", "link <exit> <room id>")
        cleo.command("goto village:inn")
        yield cleo.wait("room", name="The Ember and Anvil")
        yield bram.wait_for("Cleo vanishes.")
        cleo.command("goto square")
        yield cleo.wait("room", name="Village Square")
        cleo.command("unlink up")
        yield cleo.wait("system", text="You take away the exit up (to village:cellar).")
        self.assertNotIn("up", world.rooms["village:square"].exits)
        self.assertNotIn("up", world.sources.get("village", "room", "square")["exits"])
        cleo.command("where village:bread")
        found = yield cleo.wait("system")
        self.assertIn("Item village:bread", found["text"])
        yield bram.ask("up", "You cannot go 'up' from here.")
