"""Containers over real sockets: a telnet player takes things out of the loft's sea chest
and puts them in while a web player sees it (container frames) and looks in the chest
(a contents frame); a telnet player takes the silver ring from the magpie's nest into a
kitbag, and after a SIGTERM and restart of the real twistd both the nest (in the room)
and the kitbag (carried) still hold what they held."""

from __future__ import annotations

import sqlite3

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.processes import log_in, stop_saved, telnet_server
from tests.e2e.server import ServerTestCase
from tests.e2e.wsclient import connect_web

# From the inn loft to the oak's crown, with the room each step reaches.
TO_THE_OAK = (("d", "The Ember and Anvil"), ("e", "Village Square"), ("n", "High Street"),
              ("n", "The North Gate"), ("gate", "Edge of the Thornwood"),
              ("n", "Thornwood Path"), ("n", "The Waystone Fork"), ("e", "The Old Oak"),
              ("u", "In the Oak's Crown"))


class ContainerTests(ServerTestCase):
    @inlineCallbacks
    def test_telnet_player_uses_the_sea_chest_a_web_player_sees_it_and_looks_in(self):
        self.start()
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("room", name="Village Square")
        for word, room in (("w", "The Ember and Anvil"), ("u", "The Inn Loft")):
            web.command(word)
            yield web.wait("room", name=room)

        tel = yield connect(self.telnet_port)
        yield tel.wait_for("What name do you go by?")
        yield tel.ask("create Bram secret1", "Village Square")
        yield tel.ask("w", "The Ember and Anvil")
        yield tel.ask("u", "The Inn Loft")
        yield tel.ask("look in chest", "A battered sea chest holds:\n  a moth-eaten blanket"
                                       "\n  a coil of tarred rope\n  a canvas kitbag")
        yield tel.ask("get kitbag from chest",
                      "You take a canvas kitbag from a battered sea chest.")
        seen = yield web.wait("container", verb="get")
        self.assertEqual((seen["actor"], seen["container"], seen["own"]),
                         ("Bram", "a battered sea chest", False))
        self.assertEqual(seen["items"], [{"name": "a canvas kitbag", "count": 1,
                                          "label": "a canvas kitbag"}])
        self.assertIn("Bram takes a canvas kitbag from a battered sea chest.", seen["text"])
        # Wrapped at the telnet window's 80 columns.
        yield tel.ask("get all from chest", "You take a moth-eaten blanket and a coil of "
                                            "tarred rope from a battered sea\nchest.")
        yield web.wait("container", verb="get", actor="Bram")
        yield tel.ask("put rope in kitbag", "You put a coil of tarred rope in a canvas kitbag.")
        put = yield web.wait("container", verb="put", actor="Bram")
        self.assertEqual(put["container"], "a canvas kitbag")
        yield tel.ask("put blanket in chest",
                      "You put a moth-eaten blanket in a battered sea chest.")
        yield web.wait("container", verb="put", container="a battered sea chest")
        out = yield tel.ask("examine kitbag", "A canvas kitbag holds:")
        self.assertIn("a coil of tarred rope", out)
        yield tel.ask("put chest in kitbag", "You are not carrying 'chest'.")

        web.command("look in chest")
        chest = yield web.wait("contents")
        self.assertEqual(chest["container"], "a battered sea chest")
        self.assertEqual(chest["items"], [{"name": "a moth-eaten blanket", "count": 1,
                                           "label": "a moth-eaten blanket"}])
        self.assertEqual((chest["count"], chest["capacity"]), (1, 10))
        web.command("get kitbag from chest")
        refused = yield web.wait("error")
        self.assertIn("There is no 'kitbag' in a battered sea chest.", refused["message"])
        web.command("examine chest")
        yield web.wait("examine", name="a battered sea chest")
        again = yield web.wait("contents")
        self.assertEqual(again["count"], 1)


def _places(data) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(data / "mud.sqlite3", timeout=5) as db:
        rows = db.execute("SELECT item, kind, place FROM item_places").fetchall()
    return {item: (kind, place) for item, kind, place in rows}


def test_contents_of_the_nest_and_a_carried_kitbag_survive_a_restart_of_twistd(
        tmp_path, servers):
    data = tmp_path / "var"
    server = telnet_server(tmp_path, servers)
    player = log_in(server, "create Rowan secret1", "Village Square")
    player.ask("w", "The Ember and Anvil")
    player.ask("u", "The Inn Loft")
    player.ask("get kitbag from chest", "You take a canvas kitbag from a battered sea chest.")
    player.ask("get rope from chest", "You take a coil of tarred rope")
    for word, room in TO_THE_OAK:
        player.ask(word, room)
    player.ask("look in nest", "a silver ring")
    player.ask("get ring from nest", "You take a silver ring from a magpie's nest.")
    # Taken out of the nest is taken: Ambrose's quest starts as for a ring off the floor.
    player.wait_for("New quest: The Lost Silver Ring")
    player.ask("put ring in kitbag", "You put a silver ring in a canvas kitbag.")
    player.ask("put rope in nest", "You put a coil of tarred rope in a magpie's nest.")
    # Logged out: the kitbag waits with the character, not in the world.
    player.ask("quit", "Farewell")
    watcher = log_in(server, "create Sage secret1", "Village Square")
    stop_saved(server, watcher)
    places = _places(data)
    kitbag = "village:loft/village:chest#1/village:kitbag#1"
    assert places["woods:canopy/woods:nest#1/woods:ring#1"] == ("in", kitbag)
    assert places[kitbag] == ("char", "rowan")
    assert places["village:loft/village:chest#1/village:rope#1"] == \
        ("in", "woods:canopy/woods:nest#1")

    again = telnet_server(tmp_path, servers)
    player = log_in(again, "connect rowan secret1", "In the Oak's Crown")
    out = player.ask("look in nest", "A magpie's nest holds:")
    out += player.ask("i", "You are carrying:")
    out += player.wait_for("a canvas kitbag")
    assert "a coil of tarred rope" in out and "a silver ring" not in out
    out = player.ask("look in kitbag", "A canvas kitbag holds:")
    out += player.wait_for("a silver ring")
    player.ask("get ring from kitbag", "You take a silver ring from a canvas kitbag.")
    player.ask("quit", "Farewell")
    assert "Traceback" not in again.output()
