"""``reload area`` over real sockets (issue 12): a telnet and a web player stand in the
village while a builder edits its YAML on disk (a copy of the bundled world) and types
``reload area village``. They stay (or are moved out of a room that went, told why) and
see the new room on ``look``; a broken file gives the builder the loader's own message
and changes nothing; a plain player cannot reload."""

from __future__ import annotations

import os
import shutil
from typing import Any

import yaml
from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web
from tests.support import BUNDLED_WORLD


def _said(web: Any, words: str) -> bool:
    # A web frame whose text holds ``words`` (wrapping aside).
    return any(words in " ".join(str(f.get("text", "")).split()) for f in web.frames)


class AreaReloadTests(ServerTestCase):
    @inlineCallbacks
    def gathering(self):
        """A builder (telnet), a telnet player and a web player, all in the square."""
        self.world_dir = os.path.join(self.mktemp(), "world")
        shutil.copytree(BUNDLED_WORLD, self.world_dir)
        service = self.start(world=self.world_dir)
        bea = yield self.telnet_builder(service, "Bea")
        ann = yield connect(self.telnet_port)
        yield ann.ask("create Ann secret1", "Village Square")
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Cleo", password="secret1")
        yield web.wait("login_ok", name="Cleo")
        yield web.wait("room")
        return service, bea, ann, web

    def edit(self, change: Any) -> None:
        path = os.path.join(self.world_dir, "village", "rooms.yaml")
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f)
        change(data)
        with open(path, "w", encoding="utf-8") as f:
            yaml.safe_dump(data, f, sort_keys=False)

    @inlineCallbacks
    def test_players_stay_and_see_the_renamed_room_and_one_is_moved_out_of_a_gone_room(self):
        service, bea, ann, web = yield self.gathering()
        world = service.game.world
        world.move(world.online["ann"], world.rooms["village:watchtower"])

        def change(data: dict[str, Any]) -> None:
            data["square"]["name"] = "Lamplit Square"
            del data["watchtower"]
            del data["gatehouse"]["exits"]["up"]

        self.edit(change)
        bea.send("reload area village")
        yield bea.wait_for("Area village reloaded from disk.")
        yield bea.wait_for("Rooms removed: village:watchtower.")
        # Ann's room went: moved to the entry room, told why, shown where she is.
        yield ann.wait_for("taken away by a reload of the area")
        yield ann.wait_for("Lamplit Square")
        # Cleo stayed where she was, told the world shifted, and sees the new name.
        yield eventually(lambda: _said(web, "The world shifts around you"))
        web.command("look")
        room = yield web.wait("room", name="Lamplit Square")
        self.assertEqual(room["id"], "village:square")
        yield ann.ask("look", "Lamplit Square")
        self.assertNotIn("village:watchtower", world.rooms)
        self.assertIs(world.online["cleo"].room, world.rooms["village:square"])

    @inlineCallbacks
    def test_a_broken_file_gives_the_builder_the_loaders_message_and_nothing_changes(self):
        service, bea, _, web = yield self.gathering()
        world = service.game.world
        before = {rid: (r.name, sorted(r.exits)) for rid, r in world.rooms.items()}
        npcs = sorted(n.id for n in world.npcs)

        def change(data: dict[str, Any]) -> None:
            data["square"]["name"] = "Lamplit Square"
            data["square"]["exits"]["south"] = "nowhere_at_all"

        self.edit(change)
        bea.send("reload area village")
        yield bea.wait_for("That would not load, so nothing changed:")
        text = yield bea.wait_for('"village:nowhere_at_all"')
        text = " ".join(text.split())  # wrapped to the window
        self.assertIn('village/rooms.yaml:12: room "village:square": exit "south" leads to '
                      'unknown room "village:nowhere_at_all"', text)
        self.assertEqual({rid: (r.name, sorted(r.exits)) for rid, r in world.rooms.items()},
                         before)
        self.assertEqual(sorted(n.id for n in world.npcs), npcs)
        web.command("look")
        yield web.wait("room", name="Village Square")
        self.assertFalse(_said(web, "The world shifts around you"))

    @inlineCallbacks
    def test_a_player_cannot_reload_by_telnet_or_the_web(self):
        service, _, ann, web = yield self.gathering()
        self.edit(lambda data: data["square"].update(name="Lamplit Square"))
        yield ann.ask("reload area village", "builder")
        web.command("reload area village")
        yield web.wait("error")
        yield ann.ask("look", "Village Square")
        self.assertEqual(service.game.world.rooms["village:square"].name, "Village Square")
