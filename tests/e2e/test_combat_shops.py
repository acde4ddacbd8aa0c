"""Shops over real sockets: a telnet player and a web player trade with Dunstan in the
bundled world's smithy (list, buy, sell, refused when they cannot pay), each sees the
other's trades, and after a logout and a restart of the server on the same data each has
the coins and the things they left with."""

from __future__ import annotations

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase
from tests.e2e.wsclient import connect_web


class ShopTests(ServerTestCase):
    @inlineCallbacks
    def test_telnet_and_web_players_buy_and_sell_and_keep_coins_and_things(self):
        service = self.start()
        tel = yield connect(self.telnet_port)
        yield tel.wait_for("What name do you go by?")
        yield tel.ask("create Bram secret1", "Village Square")
        yield tel.ask("list", "There is no shopkeeper here.")
        yield tel.ask("nw", "Hale's Smithy")
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("room", name="Village Square")
        web.command("nw")
        yield web.wait("room", name="Hale's Smithy")

        # A new character carries the world's 10 starting coins: a cudgel, and no more.
        out = yield tel.ask("list", " 10. a brass lantern")
        self.assertIn("Dunstan Hale sells:", out)
        self.assertIn("  2. an oak cudgel          10 coins  (5 left)", out)
        yield tel.ask("buy cudgel", "You buy an oak cudgel from Dunstan Hale for 10 coins.")
        seen = yield web.wait("trade", verb="buy", actor="Bram")
        self.assertEqual((seen["keeper"], seen["own"]), ("Dunstan Hale", False))
        self.assertEqual(seen["items"], [{"name": "an oak cudgel", "count": 1,
                                          "label": "an oak cudgel"}])
        self.assertNotIn("price", seen)
        self.assertIn("Bram buys an oak cudgel from Dunstan Hale.", seen["text"])
        yield tel.ask("buy torch", "A pitch torch would cost you 3 coins, and you have 0 "
                                   "coins.")
        yield tel.ask("value cudgel", "Dunstan Hale would give you 4 coins for an oak cudgel.")
        yield tel.ask("wield cudgel", "You wield an oak cudgel.")
        yield tel.ask("sell cudgel", "You are wielding an oak cudgel: type 'remove cudgel' "
                                     "first.")
        yield tel.ask("remove cudgel", "You stop using an oak cudgel.")
        yield tel.ask("sell cudgel", "You sell an oak cudgel to Dunstan Hale for 4 coins.")
        yield tel.ask("buy 1", "You buy a pitch torch from Dunstan Hale for 3 coins.")
        yield tel.ask("score", "You carry 1 coin.")

        # The web player: the list as data, a purchase by number with a count, a sale.
        web.command("list")
        shop = yield web.wait("shop")
        self.assertEqual(shop["keeper"], "Dunstan Hale")
        self.assertEqual(shop["wares"][1], {"number": 2, "name": "an oak cudgel",
                                            "price": 10, "stock": 5, "cost": "10 coins"})
        self.assertEqual(shop["wares"][0]["stock"], None)   # torches without end
        web.command("buy 2 1")
        bought = yield web.wait("trade", verb="buy", own=True)
        self.assertEqual((bought["price"], bought["cost"]), (6, "6 coins"))
        self.assertEqual(bought["items"][0]["label"], "two pitch torches")
        yield tel.wait_for("Wynn buys two pitch torches from Dunstan Hale.")
        web.command("sell torch")
        sold = yield web.wait("trade", verb="sell", own=True)
        self.assertEqual(sold["text"], "You sell a pitch torch to Dunstan Hale for 1 coin.")
        coins = yield web.wait("vitals", gold=5)
        self.assertTrue(coins["silent"])
        web.command("buy sword")
        refused = yield web.wait("error")
        self.assertEqual(refused["message"], "A short sword would cost you 50 coins, and you "
                                             "have 5 coins.")

        # Logged out and in again, then a restart on the same data: coins and things kept.
        yield tel.ask("quit", "Farewell")
        again = yield connect(self.telnet_port)
        yield again.wait_for("What name do you go by?")
        yield again.ask("connect Bram secret1", "Hale's Smithy")
        yield again.ask("i", "You are carrying:\n  a pitch torch")
        yield again.ask("score", "You carry 1 coin.")
        yield service.stopService()
        self.start()
        back = yield connect(self.telnet_port)
        yield back.wait_for("What name do you go by?")
        yield back.ask("connect Bram secret1", "Hale's Smithy")
        yield back.ask("i", "You are carrying:\n  a pitch torch")
        yield back.ask("score", "You carry 1 coin.")
        yield back.ask("sell torch", "You sell a pitch torch to Dunstan Hale for 1 coin.")
        web2 = yield connect_web(self.web_port)
        yield web2.wait("hello")
        web2.send(type="login", name="Wynn", password="secret1")
        yield web2.wait("vitals", gold=5)
        yield web2.wait("room", name="Hale's Smithy")
        web2.command("i")
        carried = yield web2.wait("inventory")
        self.assertEqual(carried["items"], [{"name": "a pitch torch", "count": 1,
                                             "label": "a pitch torch"}])
