"""Movement, resting and mending over real sockets: a telnet player's ``%v`` prompt falls
as it walks, and its Char.Vitals movement comes back a point a tick standing and two a
tick resting; a web player mends in a fight and its vitals frame shows health up and
mana down, and a second mend in the same round is refused."""

from __future__ import annotations

import re

from twisted.internet.defer import inlineCallbacks

from mud.protocols.options.codes import GMCP, IAC, SB, SE
from mud.systems.combat import fight, vitals
from mud.systems.combat.death import teleport
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web
from tests.support import gmcp_messages
from tests.test_combat_fight import Rigged

DO = bytes([253])
REGEN = "  regen: {every: 5, hp: 2, mp: 1, mv: 4}\n"


def _mv(player, start: int = 0) -> list[int]:
    return [data["mv"] for name, data in gmcp_messages(player.received[start:])
            if name == "Char.Vitals"]


class MovesTests(ServerTestCase):
    def moving_world(self) -> str:
        """The bundled world regenerating every second, a point of movement a tick (two
        resting), a step costing 5."""
        root = self.copy_world()
        path = root / "world.yaml"
        text = path.read_text(encoding="utf-8")
        assert REGEN in text, "the bundled world's regen line moved"
        text = text.replace(REGEN, "  regen: {every: 1, hp: 2, mp: 1, mv: 1, resting: 2}\n")
        # The world's own step costs (by environment) give way to one of 5 everywhere.
        text = re.sub(r"(?m)^  move_cost: .*\n", "", text)
        path.write_text(text.replace("combat:\n", "combat:\n  move_cost: 5\n", 1),
                        encoding="utf-8")
        return str(root)

    @inlineCallbacks
    def test_telnet_walking_spends_movement_and_resting_brings_it_back_faster(self):
        service = self.start(world=self.moving_world())
        world = service.game.world
        ann = yield connect(self.telnet_port)
        ann.transport.write(IAC + DO + GMCP + IAC + SB + GMCP + b'Core.Supports.Set ["Char 1"]'
                            + IAC + SE)
        yield ann.ask("create Ann secret1", "Village Square")
        yield ann.ask("prompt <%vmv>", "")
        yield ann.ask("look", "<60mv>")
        yield ann.ask("north", "<55mv>")
        yield ann.ask("south", "<50mv>")
        # Too tired for a step: refused before moving, and the number stays.
        body = world.online["ann"]
        vitals.spend(world, body, "mv", vitals.vitals_of(world, body).mv - 2)
        yield ann.ask("north", "You are too exhausted to go on. Rest a while: type 'rest'.")
        self.assertEqual(body.room.id, "village:square")
        # Standing, a point a tick; resting, two.
        seen = len(ann.received)
        yield eventually(lambda: len(_mv(ann, seen)) >= 2)
        standing = _mv(ann, seen)
        self.assertEqual(standing[1] - standing[0], 1, standing)
        yield ann.ask("rest", "You sit down to rest.")
        seen = len(ann.received)
        yield eventually(lambda: len(_mv(ann, seen)) >= 2)
        resting = _mv(ann, seen)
        self.assertEqual(resting[1] - resting[0], 2, resting)
        yield ann.ask("score", "You are resting.")
        yield ann.ask("north", "You stand up.")
        ann.transport.loseConnection()
        yield ann.closed

    @inlineCallbacks
    def test_web_player_mends_in_a_fight_and_its_vitals_frame_shows_it(self):
        self.patch(fight, "ROUND", 30.0)   # no second round while the test looks
        service = self.start()
        world = service.game.world
        world.scheduler.rng = Rigged(d20=1)   # every blow misses: only the mend counts
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("room", name="Village Square")
        wynn = world.find_online("wynn")
        teleport(world, wynn, world.rooms["woods:dell"], "", "arrives")
        yield web.wait("room", name="Foxglove Dell")
        vitals.hurt(world, wynn, 12)
        hurt = yield web.wait("vitals", hp=8)
        web.command("kill hare")
        yield web.wait("combat", action="engage", role="attacker")
        web.command("mend")
        mended = yield web.wait("mend", role="healer")
        self.assertEqual((mended["healer"], mended["target"], mended["cost"]),
                         ("Wynn", "Wynn", 5))
        self.assertTrue(4 <= mended["amount"] <= 10, mended)
        self.assertIn("your wounds close", mended["text"])
        after = yield web.wait("vitals", hp=8 + mended["amount"])
        self.assertEqual(after["mp"], hurt["mp"] - 5)
        self.assertTrue(after.get("silent"))
        web.command("mend")
        refused = yield web.wait("error")
        self.assertIn("once this round already", refused["text"])
        web.sendClose()
        yield web.closed
