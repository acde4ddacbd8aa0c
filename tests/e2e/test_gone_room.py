"""A character saved in a room the world has since lost (a builder dug it, a reload of
its area took it away while the player was offline) logs back in at the first room of
that area, told why, over a real telnet socket: not at the world's start."""

from __future__ import annotations

import yaml
from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually


class GoneRoomTests(ServerTestCase):
    @inlineCallbacks
    def test_a_player_saved_in_a_room_a_reload_took_away_comes_back_in_its_area(self):
        folder = self.copy_world()
        service = self.start(world=str(folder))
        world = service.game.world
        bea = yield self.telnet_builder(service, "Bea")
        yield bea.ask("goto woods:fork", "Fork")
        yield bea.ask("dig up treehouse The Treehouse", "You dig up and make The Treehouse")
        yield bea.ask("save area", "Saved woods")

        kip = yield connect(self.telnet_port)
        yield kip.ask("create Kip secret1", "Village Square")
        world.move(world.online["kip"], world.rooms["woods:treehouse"])
        yield kip.ask("look", "The Treehouse")
        yield kip.ask("quit", "Your character is saved")
        yield eventually(lambda: "kip" not in world.online)

        # By hand, on disk: the treehouse and the way up to it are gone; then a reload.
        rooms_file = folder / "woods" / "rooms.yaml"
        rooms = yaml.safe_load(rooms_file.read_text())
        del rooms["treehouse"]
        del rooms["fork"]["exits"]["up"]
        rooms_file.write_text(yaml.safe_dump(rooms, sort_keys=False))
        text = yield bea.ask("reload area woods", "Rooms removed: woods:treehouse.")
        self.assertNotIn("Warning", text)
        self.assertNotIn("woods:treehouse", world.rooms)

        kip = yield connect(self.telnet_port)
        text = yield kip.ask("connect Kip secret1", "no longer there")
        self.assertEqual(world.online["kip"].room.id, "woods:edge")
        self.assertIn("Edge of the Thornwood", text)
