"""Vitals over real sockets: a telnet player whose client asks GMCP for Char gets
Char.Vitals (numbers) and Char.Status at login and as health changes and regenerates; a
client that turns Char on after logging in is sent them then; a web player gets a silent
``vitals`` frame at login; ``score`` works over both; a custom prompt shows %h/%H; after a
restart on the same data the level, experience, coins and wounds are as they were."""

from __future__ import annotations

import os
from pathlib import Path

from twisted.internet.defer import inlineCallbacks
from twisted.internet.utils import getProcessOutputAndValue
from twisted.trial.unittest import SkipTest

from mud.protocols.options.codes import GMCP, IAC, SB, SE
from mud.systems.combat import vitals
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.test_mud_clients import _ESC, TINTIN, environment
from tests.e2e.wsclient import connect_web
from tests.support import gmcp_messages

DO = bytes([253])


def _gmcp(player, package: str, start: int = 0) -> list:
    return [data for name, data in gmcp_messages(player.received[start:]) if name == package]


class VitalsTests(ServerTestCase):
    def quick_world(self) -> str:
        """The bundled world regenerating every second (the fastest the rules allow)."""
        root = self.copy_world()
        path = root / "world.yaml"
        text = path.read_text(encoding="utf-8")
        assert "  regen: {every: 5, hp: 2, mp: 1, mv: 4}\n" in text
        path.write_text(text.replace("  regen: {every: 5,", "  regen: {every: 1,"),
                        encoding="utf-8")
        return str(root)

    @inlineCallbacks
    def test_telnet_gmcp_char_vitals_at_login_on_a_wound_and_as_it_heals(self):
        service = self.start(world=self.quick_world())
        world = service.game.world
        ann = yield connect(self.telnet_port)
        ann.transport.write(IAC + DO + GMCP + IAC + SB + GMCP + b'Core.Supports.Set ["Char 1"]'
                            + IAC + SE)
        yield ann.ask("create Ann secret1", "Village Square")
        yield eventually(lambda: _gmcp(ann, "Char.Vitals"))
        first = _gmcp(ann, "Char.Vitals")[0]
        self.assertEqual(first, {"hp": 20, "maxhp": 20, "mp": 10, "maxmp": 10, "mv": 60,
                                 "maxmv": 60, "xp": 0, "maxxp": 100,
                                 "string": "H:20/20 M:10/10 V:60/60"})
        self.assertEqual(_gmcp(ann, "Char.Status")[0],
                         {"name": "Ann", "level": 1, "xp": 0, "maxxp": 100, "gold": 10,
                          "title": "Newcomer"})
        self.assertEqual(_gmcp(ann, "Char.StatusVars")[0]["gold"], "Coins")
        # Silent: no line of text came with them.
        self.assertNotIn("H:20/20", ann.text())
        seen = len(ann.received)
        vitals.hurt(world, world.online["ann"], 6)
        yield eventually(lambda: [v for v in _gmcp(ann, "Char.Vitals", seen) if v["hp"] == 14])
        # Regeneration sends each tick until full.
        yield eventually(lambda: [v for v in _gmcp(ann, "Char.Vitals", seen) if v["hp"] == 20])
        healed = [v["hp"] for v in _gmcp(ann, "Char.Vitals", seen)]
        self.assertEqual(healed, [14, 16, 18, 20])
        yield ann.ask("score", "You carry 10 coins.")
        self.assertIn("Health: 20/20  Mana: 10/10  Movement: 60/60", ann.text())
        self.assertIn("Experience: 0 (100 to level 2)", ann.text())
        yield ann.ask("prompt [%h/%Hhp %v/%Vmv L%l]", "")
        yield ann.ask("look", "[20/20hp 60/60mv L1]")
        ann.transport.loseConnection()
        yield ann.closed

    @inlineCallbacks
    def test_a_client_turning_gmcp_char_on_after_login_is_sent_vitals_then(self):
        self.start()
        bob = yield connect(self.telnet_port)
        bob.transport.write(IAC + DO + GMCP)
        yield bob.ask("create Bob secret1", "Village Square")
        self.assertEqual(_gmcp(bob, "Char.Vitals"), [])
        bob.transport.write(IAC + SB + GMCP + b'Core.Supports.Add ["Char 1"]' + IAC + SE)
        yield eventually(lambda: _gmcp(bob, "Char.Vitals"))
        self.assertEqual(_gmcp(bob, "Char.Vitals")[0]["maxhp"], 20)
        self.assertEqual(_gmcp(bob, "Char.Status")[0]["name"], "Bob")
        bob.transport.loseConnection()
        yield bob.closed

    @inlineCallbacks
    def test_web_vitals_frame_score_and_state_kept_through_a_restart(self):
        world_path = self.quick_world()
        service = self.start(world=world_path)
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("login_ok", name="Wynn")
        frame = yield web.wait("vitals", silent=True)
        self.assertEqual({k: frame[k] for k in ("hp", "maxhp", "mp", "maxmp", "mv", "maxmv",
                                                 "level", "xp", "xp_next", "gold")},
                         {"hp": 20, "maxhp": 20, "mp": 10, "maxmp": 10, "mv": 60,
                          "maxmv": 60, "level": 1, "xp": 0, "xp_next": 100, "gold": 10})
        status = yield web.wait("status", silent=True)
        self.assertEqual((status["name"], status["currency"]), ("Wynn", "coin"))
        yield web.wait("room")
        world = service.game.world
        wynn = world.online["wynn"]
        vitals.gain_xp(world, wynn, 120)
        up = yield web.wait("level", level=2)
        self.assertIn("You are now level 2!", up["text"])
        after = yield web.wait("vitals", level=2)
        self.assertEqual((after["maxhp"], after["xp"], after["xp_next"]), (28, 120, 250))
        vitals.add_gold(world, wynn, 5)
        vitals.spend(world, wynn, "mp", 0)
        web.command("score")
        sheet = yield web.wait("score", name="Wynn")
        self.assertNotIn("silent", sheet)
        self.assertEqual((sheet["level"], sheet["gold"], sheet["damage"], sheet["maxhp"]),
                         (2, 15, "1d3", 28))
        self.assertIn("Experience: 120 (130 to level 3)", sheet["text"])
        self.assertIn("You carry 15 coins.", sheet["text"])
        # A restart on the same data: the level, experience and coins are as they were.
        yield service.stopService()
        yield web.closed
        service = self.start(world=world_path)
        again = yield connect_web(self.web_port)
        yield again.wait("hello")
        again.send(type="login", name="Wynn", password="secret1")
        back = yield again.wait("vitals", silent=True)
        self.assertEqual((back["level"], back["xp"], back["gold"], back["maxhp"]),
                         (2, 120, 15, 28))
        again.sendClose()
        yield again.closed

    @inlineCallbacks
    def test_tintin_receives_char_vitals_as_health_falls_and_comes_back(self):
        if not os.path.exists(TINTIN):
            raise SkipTest("TinTin++ is not installed (make test installs tintin++)")
        service = self.start(world=self.quick_world())
        world = service.game.world
        script = Path(self.mktemp()).resolve()
        script.write_text(
            "#event {IAC WILL GMCP} {#send {\\xFF\\xFD\\xC9\\};"
            "#send {\\xFF\\xFA\\xC9Core.Supports.Set [\"Char 1\"]\\xFF\\xF0\\}}\n"
            "#event {IAC SB GMCP} {#showme {GMCP <%0> <%1>}}\n"
            "#event {SESSION CONNECTED} {#delay {1} {create Tinny secret1}; #delay {6} {quit}}\n"
            "#event {SESSION DISCONNECTED} {#end}\n"
            f"#session mud 127.0.0.1 {self.telnet_port}\n")
        run = getProcessOutputAndValue(
            "/bin/sh", ["-c", f'exec timeout 30 "{TINTIN}" -H -G "{script}" </dev/null'],
            env=environment(), path=str(script.parent))
        yield eventually(lambda: "tinny" in world.online, timeout=10)
        vitals.hurt(world, world.online["tinny"], 7)   # then it heals, a tick a second
        out, _err, code = yield run
        text = _ESC.sub("", out.decode("utf-8", errors="replace"))
        self.assertEqual(code, 0, text[-2000:])
        seen = [line for line in text.splitlines() if "GMCP <Char.Vitals>" in line]
        self.assertIn("{hp}{20}{maxhp}{20}", seen[0])
        self.assertTrue(any("{hp}{13}{maxhp}{20}" in line for line in seen), seen)
        self.assertTrue(any("{hp}{15}{maxhp}{20}" in line for line in seen), seen)
        # Healed, a tick at a time, back to full (TinTin's lines stop at its width).
        self.assertIn("{hp}{20}{maxhp}{20}", seen[-1])
        self.assertGreaterEqual(len(seen), 5)

    @inlineCallbacks
    def test_tintin_reads_char_vitals_change_round_by_round_in_a_fight(self):
        """The issue's proof with a real client: TinTin++ fights the dell's hare (made a
        sure hitter with plenty of health in the test's copy) and its GMCP Char.Vitals
        lines fall round by round."""
        if not os.path.exists(TINTIN):
            raise SkipTest("TinTin++ is not installed (make test installs tintin++)")
        root = Path(self.quick_world())
        world_yaml = root / "world.yaml"
        world_yaml.write_text(world_yaml.read_text(encoding="utf-8").replace(
            "start: village:square", "start: woods:dell"), encoding="utf-8")
        npcs = root / "woods" / "npcs.yaml"
        hare = "  combat: {level: 1, hp: 8, damage: 1d2, xp: 25}\n"
        text = npcs.read_text(encoding="utf-8")
        self.assertIn(hare, text)
        npcs.write_text(text.replace(hare, "  combat: {level: 1, hp: 60, damage: 1d2, "
                                           "hitroll: 40, xp: 25}\n"), encoding="utf-8")
        self.start(world=str(root))
        script = Path(self.mktemp()).resolve()
        script.write_text(
            "#event {IAC WILL GMCP} {#send {\\xFF\\xFD\\xC9\\};"
            "#send {\\xFF\\xFA\\xC9Core.Supports.Set [\"Char 1\"]\\xFF\\xF0\\}}\n"
            "#event {IAC SB GMCP} {#showme {GMCP <%0> <%1>}}\n"
            "#event {SESSION CONNECTED} {#delay {1} {create Tinny secret1}; "
            "#delay {2} {kill hare}; #delay {12} {#end}}\n"
            f"#session mud 127.0.0.1 {self.telnet_port}\n")
        out, _err, code = yield getProcessOutputAndValue(
            "/bin/sh", ["-c", f'exec timeout 30 "{TINTIN}" -H -G "{script}" </dev/null'],
            env=environment(), path=str(script.parent))
        text = _ESC.sub("", out.decode("utf-8", errors="replace"))
        self.assertEqual(code, 0, text[-2000:])
        self.assertIn("You attack a brown hare!", text)
        healths = [int(line.split("{hp}{", 1)[1].split("}", 1)[0])
                   for line in text.splitlines() if "GMCP <Char.Vitals>" in line]
        self.assertEqual(healths[0], 20, text[-2000:])
        # Each bite the player took in the fight is a Char.Vitals line, lower each time.
        falling = [h for h in healths if h < 20]
        self.assertGreaterEqual(len(falling), 2, healths)
        self.assertEqual(falling, sorted(falling, reverse=True), healths)
