"""Fighting over real sockets in the bundled world: a web player buys a cudgel and a
telnet player walks with them to Foxglove Dell; both fight the same brown hare, the hare
kills the web player (who sees it as combat frames, wakes at the chapel whole, and sees
the chapel's room frame), the telnet player kills the hare and loots the web player's
corpse, cudgel and all. A walk-away mid-fight is refused, and the chapel is a place of
peace."""

from __future__ import annotations

from twisted.internet.defer import inlineCallbacks

from mud.systems.combat import fight, vitals
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.wsclient import connect_web
from tests.test_combat_fight import Rigged

# From the square to Foxglove Dell, with the room each step reaches.
TO_THE_DELL = (("n", "High Street"), ("n", "The North Gate"), ("gate", "Edge of the Thornwood"),
               ("n", "Thornwood Path"), ("n", "The Waystone Fork"), ("e", "The Old Oak"),
               ("n", "Foxglove Dell"))


class FightTests(ServerTestCase):
    @inlineCallbacks
    def test_telnet_and_web_players_fight_one_dies_and_wakes_the_other_loots(self):
        # Quick rounds, and dice that always hit for the least (1 a blow): a known fight.
        self.patch(fight, "ROUND", 0.3)
        service = self.start()
        world = service.game.world
        world.scheduler.rng = Rigged(d20=20)

        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("room", name="Village Square")
        web.command("nw")
        yield web.wait("room", name="Hale's Smithy")
        web.command("buy cudgel")
        yield web.wait("trade", verb="buy", actor="Wynn")
        web.command("wield cudgel")
        yield web.wait("wear", verb="wield", actor="Wynn")
        web.command("se")
        yield web.wait("room", name="Village Square")

        tel = yield connect(self.telnet_port)
        yield tel.wait_for("What name do you go by?")
        yield tel.ask("create Bram secret1", "Village Square")
        # The square is a place of peace, and players do not fight players anyway.
        yield tel.ask("kill ash", "This is a place of peace: nobody fights here.")
        for way, name in TO_THE_DELL:
            yield tel.ask(way, name)
            web.command(way)
            yield web.wait("room", name=name)

        # Wynn is nearly dead already (a rough walk): the hare answers her first blow at
        # once (a bite of 1), and its bite in the next round finishes her.
        wynn = world.find_online("wynn")
        vitals.hurt(world, wynn, vitals.vitals_of(world, wynn).hp - 2)
        web.command("kill hare")
        seen = yield web.wait("combat", action="engage", role="attacker")
        self.assertEqual((seen["attacker"], seen["victim"]), ("Wynn", "a brown hare"))
        blow = yield web.wait("combat", action="hit", role="attacker")
        after_blow = web.seen
        self.assertEqual((blow["amount"], blow["weapon"]), (2, "an oak cudgel"))
        self.assertEqual(blow["text"], "You graze a brown hare with your oak cudgel. (2)")
        yield tel.wait_for("Wynn grazes a brown hare with an oak cudgel.")
        answer = yield web.wait("combat", action="hit", role="victim")
        self.assertEqual(answer["attacker"], "a brown hare")
        # At once: the very next combat frame after Wynn's first blow, not a round later
        # after her own second blow (hit and run would otherwise be free).
        between = [f for f in web.frames[after_blow:web.seen - 1] if f.get("type") == "combat"]
        self.assertEqual(between, [])
        self.assertEqual(vitals.vitals_of(world, wynn).hp, 1)
        yield tel.ask("kill hare", "You attack a brown hare!")
        # Nobody walks off mid-fight; flee is the way.
        yield tel.ask("w", "You are fighting! Type 'flee' to run away.")

        # The round: the hare bites Wynn, who falls, and wakes at the chapel, whole.
        bitten = yield web.wait("combat", action="hit", role="victim")
        self.assertEqual(bitten["attacker"], "a brown hare")
        killed = yield web.wait("combat", action="kill", role="victim")
        self.assertIn("You have been killed by a brown hare! You are dead.", killed["text"])
        yield tel.wait_for("Wynn is dead! R.I.P.")
        chapel = yield web.wait("room", name="Chapel of the Hearth")
        self.assertIn("Sister Ilse", chapel["npcs"])
        yield eventually(lambda: any(f.get("type") == "vitals" and f["hp"] == f["maxhp"]
                                     for f in web.frames[web.seen - 3:]))
        self.assertEqual(wynn.room.id, "village:chapel")
        web.command("kill sister")
        refused = yield web.wait("error")
        self.assertIn("place of peace", refused["message"])

        # The hare turns on Bram, who kills it, then loots Wynn's corpse.
        yield tel.wait_for("You have killed a brown hare!", timeout=15)
        yield tel.wait_for("You gain")
        out = yield tel.ask("look", "the corpse of Wynn")
        self.assertIn("the corpse of a brown hare", out)
        yield tel.ask("look in wynn corpse", "The corpse of Wynn holds:")
        yield tel.wait_for("an oak cudgel")
        yield tel.ask("get cudgel from wynn corpse",
                      "You take an oak cudgel from the corpse of Wynn.")
        yield tel.ask("inventory", "an oak cudgel")
        web.command("inventory")
        carried = yield web.wait("inventory")
        self.assertEqual(carried["items"], [])
