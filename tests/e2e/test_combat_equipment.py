"""Equipment over real sockets: a telnet player wields a short sword and wears a cap from
the square, `eq` lists them, a web player looking at him sees them (examine details) and
holds a buckler (wear and equipment frames), what is worn cannot be dropped, and after a
quit and a restart of the server on the same data both still use what they used."""

from __future__ import annotations

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase
from tests.e2e.wsclient import connect_web


def _slots(frame: dict) -> dict[str, str | None]:
    return {s["slot"]: s["item"] for s in frame["slots"]}


class EquipmentTests(ServerTestCase):
    def world_with_arms(self) -> str:
        """The bundled world with a short sword, a leather cap and a wooden buckler lying
        in the square (the forge's goods, placed where a test can pick them up)."""
        root = self.copy_world()
        rooms = root / "village" / "rooms.yaml"
        text = rooms.read_text(encoding="utf-8")
        assert "  items: [fountain, board]\n" in text
        rooms.write_text(text.replace("  items: [fountain, board]\n",
                                      "  items: [fountain, board, sword, cap, buckler]\n", 1),
                         encoding="utf-8")
        return str(root)

    @inlineCallbacks
    def test_wield_wear_look_drop_refused_and_kept_through_quit_and_restart(self):
        world = self.world_with_arms()
        service = self.start(world=world)
        tel = yield connect(self.telnet_port)
        yield tel.wait_for("What name do you go by?")
        yield tel.ask("create Bram secret1", "Village Square")
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        # At login: the equipment panel's frame, every slot empty.
        first = yield web.wait("equipment", silent=True)
        self.assertEqual(set(_slots(first).values()), {None})
        self.assertEqual(first["slots"][0], {"slot": "wield", "label": "wielded",
                                             "item": None, "keyword": None})
        yield web.wait("room", name="Village Square")

        yield tel.ask("get sword", "You pick up a short sword.")
        yield tel.ask("wield sword", "You wield a short sword.")
        yield tel.ask("get cap", "You pick up a leather cap.")
        yield tel.ask("wear cap", "You wear a leather cap on your head.")
        wore = yield web.wait("wear", actor="Bram", verb="wield")
        self.assertEqual((wore["item"], wore["own"]), ("a short sword", False))
        self.assertIn("Bram wields a short sword.", wore["text"])
        yield tel.ask("eq", "You are using:\n  wielded: a short sword\n  on head: a leather cap")
        yield tel.ask("drop sword", "You are wielding a short sword: type 'remove sword' first.")
        yield tel.ask("drop all", "You are wielding a short sword")
        yield tel.ask("i", "You are carrying nothing.")

        web.command("look bram")
        seen = yield web.wait("examine", name="Bram")
        self.assertEqual(seen["details"], ["Bram is using:", "  wielded: a short sword",
                                           "  on head: a leather cap"])
        self.assertIn("Bram is using:", seen["text"])
        web.command("get buckler")
        yield web.wait("item", verb="get", own=True)
        web.command("hold buckler")
        held = yield web.wait("wear", verb="hold", own=True)
        self.assertEqual((held["item"], held["label"]), ("a wooden buckler", "held"))
        after = yield web.wait("equipment", silent=True)
        self.assertEqual(_slots(after)["hold"], "a wooden buckler")
        web.command("equipment")
        listed = yield web.wait("equipment", name="Wynn")
        self.assertNotIn("silent", listed)
        self.assertIn("held:", listed["text"])
        yield tel.ask("look wynn", "Wynn is using:\n  held: a wooden buckler")

        # Logged out and back in: still wielded and worn.
        yield tel.ask("quit", "Farewell")
        again = yield connect(self.telnet_port)
        yield again.wait_for("What name do you go by?")
        yield again.ask("connect Bram secret1", "Village Square")
        yield again.ask("eq", "You are using:\n  wielded: a short sword\n  on head: a leather cap")

        # A restart of the server on the same data: as it was for both.
        yield service.stopService()
        self.start(world=world)
        back = yield connect(self.telnet_port)
        yield back.wait_for("What name do you go by?")
        yield back.ask("connect Bram secret1", "Village Square")
        yield back.ask("eq", "You are using:\n  wielded: a short sword\n  on head: a leather cap")
        yield back.ask("remove sword", "You stop using a short sword.")
        yield back.ask("drop sword", "You drop a short sword.")
        web2 = yield connect_web(self.web_port)
        yield web2.wait("hello")
        web2.send(type="login", name="Wynn", password="secret1")
        state = yield web2.wait("equipment", silent=True)
        self.assertEqual(_slots(state)["hold"], "a wooden buckler")

    @inlineCallbacks
    def test_putting_a_thing_in_a_bag_sends_the_equipment_state_again(self):
        # A put is no get, drop or give: the engine's 'carried' happening tells the
        # equipment part, which sends its silent state (and GMCP Char.Items.List) again.
        root = self.copy_world()
        rooms = root / "village" / "rooms.yaml"
        text = rooms.read_text(encoding="utf-8")
        assert "  items: [fountain, board]\n" in text
        rooms.write_text(text.replace("  items: [fountain, board]\n",
                                      "  items: [fountain, board, kitbag, torch]\n", 1),
                         encoding="utf-8")
        self.start(world=str(root))
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("equipment", silent=True)
        yield web.wait("room", name="Village Square")
        for thing in ("kitbag", "torch"):
            web.command(f"get {thing}")
            yield web.wait("item", verb="get", own=True)
            yield web.wait("equipment", silent=True)
        web.command("put torch in kitbag")
        put = yield web.wait("container", verb="put", own=True)
        self.assertEqual(put["container"], "a canvas kitbag")
        after = yield web.wait("equipment", silent=True)
        self.assertEqual(after["name"], "Wynn")
