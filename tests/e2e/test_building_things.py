"""Builders' items and NPCs over real sockets (issue 12), on a copy of the bundled world: a
telnet builder creates an item and an NPC with a chatter behaviour, names them and spawns
both; another telnet player sees them appear and hears the NPC; a web builder does the same
through JSON command frames and destroys what it made; a plain player is told each of
create, set, spawn and destroy needs the builder role, over telnet and as a JSON command
frame, and nothing changes. The loader's checks run in the real worker thread."""

from __future__ import annotations

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import registered_web
from tests.support import grant_role


class BuildingThingsTests(ServerTestCase):
    def web_player(self, name):
        return registered_web(self.web_port, name)

    @inlineCallbacks
    def test_builders_make_and_spawn_things_others_see_and_hear(self):
        service = self.start(world=str(self.copy_world()))
        world = service.game.world
        bram = yield self.telnet_builder(service, "Bram")
        nora = yield connect(self.telnet_port)
        yield nora.ask("create Nora secret1", "Village Square")

        yield bram.ask("create item lamp", "You create item village:lamp")
        yield bram.ask("set lamp name a brass lamp", "village:lamp: name set.")
        yield bram.ask("create npc miner", "You create npc village:miner")
        yield bram.ask("set miner name Old Tam", "village:miner: name set.")
        yield bram.ask("set miner behaviours {chatter: {interval: 1, jitter: 0, lines: "
                       "[Dust and more dust.]}}", "village:miner: behaviours set.")
        # A bad parameter: the loader's own words, and nothing changes.
        yield bram.ask("set miner behaviours {chatter: {interval: 0, lines: [x]}}",
                       "That would not load, so nothing changed")
        yield bram.ask("spawn lamp", "You spawn a brass lamp")
        yield nora.wait_for("A brass lamp appears.")
        yield bram.ask("spawn miner", "You spawn Old Tam here")
        yield nora.wait_for("Old Tam appears.")
        # The behaviour acts: Nora hears the chatter (interval 1 s, real time).
        yield nora.wait_for('Old Tam says, "Dust and more dust."')
        seen = yield nora.ask("look", "Old Tam is here")
        self.assertIn("a brass lamp", seen)
        square = world.sources.get("village", "room", "square")
        self.assertEqual((square["items"][-1], square["npcs"][-1]), ("lamp", "miner"))
        self.assertIn("village:square/village:lamp#1", world.items)

        # A web builder does it through JSON command frames.
        cleo = yield self.web_player("Cleo")
        yield grant_role(service.game, "cleo", "builder")
        cleo.command("create item stool")
        yield cleo.wait("system", text="You create item village:stool (a new thing). Give it "
                        "a name with 'set village:stool name ...', then 'spawn "
                        "village:stool' places one.")
        cleo.command("set stool name a three-legged stool")
        yield cleo.wait("system", text="village:stool: name set.")
        cleo.command("spawn stool")
        yield nora.wait_for("A three-legged stool appears.")
        cleo.command("set miner name Tam the Miner")
        yield nora.wait_for("Old Tam shimmers and is remade.")
        yield nora.wait_for("Tam the Miner takes its place.")
        # The web client's list of NPCs here hears the old name go and the new one come.
        yield cleo.wait("depart", name="Old Tam", npc=True)
        yield cleo.wait("arrive", name="Tam the Miner", npc=True)
        yield nora.ask("look tam", "Tam the Miner")
        cleo.command("destroy stool")
        yield nora.wait_for("A three-legged stool vanishes.")
        yield eventually(lambda: "stool" not in world.sources.get("village", "room",
                                                                  "square")["items"])
        self.assertEqual(world.sources.changed_areas(), ["village"])

    @inlineCallbacks
    def test_what_is_spawned_is_saved_and_a_fresh_server_loads_it_there(self):
        folder = self.copy_world()
        service = self.start(world=str(folder))
        world = service.game.world
        bram = yield self.telnet_builder(service, "Bram")
        yield bram.ask("create item coffer", "You create item village:coffer")
        yield bram.ask("set coffer name an iron coffer", "name set.")
        yield bram.ask("set coffer container {capacity: 3, contents: [bread]}",
                       "container set.")
        yield bram.ask("set coffer text Property of the Reeve.", "text set.")
        yield bram.ask("create npc miner", "You create npc village:miner")
        yield bram.ask("set miner name Old Tam", "name set.")
        yield bram.ask("set miner behaviours {chatter: {interval: 1, jitter: 0, lines: "
                       "[Dust and more dust.]}}", "behaviours set.")
        yield bram.ask("spawn coffer", "You spawn an iron coffer")
        yield bram.ask("spawn miner", "You spawn Old Tam here")
        yield bram.ask("save area", "Saved village: items.yaml")
        before = {
            "items": [i.id for i in world.rooms["village:square"].items],
            "npcs": [n.id for n in world.rooms["village:square"].npcs],
            "inside": sorted(i.id for i in world.items["village:square/village:coffer#1"]
                             .contents),
        }
        yield bram.ask("quit", "Farewell")
        yield service.stopService()

        # A fresh server on the same folder: the files alone place them, as they were.
        fresh = self.start(world=str(folder)).game.world
        self.assertEqual({
            "items": [i.id for i in fresh.rooms["village:square"].items],
            "npcs": [n.id for n in fresh.rooms["village:square"].npcs],
            "inside": sorted(i.id for i in fresh.items["village:square/village:coffer#1"]
                             .contents),
        }, before)
        self.assertEqual(before["inside"], ["village:square/village:coffer#1/village:bread#1"])
        nora = yield connect(self.telnet_port)
        yield nora.ask("create Nora secret1", "an iron coffer")
        yield nora.wait_for('Old Tam says, "Dust and more dust."')
        yield nora.ask("read coffer", "Property of the Reeve.")

    @inlineCallbacks
    def test_a_player_reaches_none_of_them_by_telnet_or_json(self):
        service = self.start(world=str(self.copy_world()))
        world = service.game.world
        nora = yield connect(self.telnet_port)
        yield nora.ask("create Nora secret1", "Village Square")
        web = yield self.web_player("Pipa")
        for line in ("create item lamp", "set cat name Bob", "spawn bread", "destroy ash",
                     "destroy item bread"):
            word = line.split()[0]
            yield nora.ask(line, f"'{word}' needs the builder role.")
            web.command(line)
            yield web.wait("error", text=f"'{word}' needs the builder role.")
        self.assertEqual(world.sources.changed_areas(), [])
        self.assertIsNone(world.sources.get("village", "item", "lamp"))
        self.assertEqual([n.name for n in world.rooms["village:square"].npcs], ["Ash"])
        self.assertNotIn("bread", [i.template.id for i in world.rooms["village:square"].items])
