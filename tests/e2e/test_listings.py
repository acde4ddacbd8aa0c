"""Listings and commands over real sockets (issue 10, items 6-9): grouped things in rooms and
inventories (telnet text and web JSON), `quit` needing the whole word, aliases in help, and
a player's own description seen by others and kept across logins and restarts."""

from __future__ import annotations

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase
from tests.e2e.wsclient import connect_web


class GroupedItemsTests(ServerTestCase):
    @inlineCallbacks
    def test_telnet_room_and_inventory_list_identical_things_once_with_a_count(self):
        self.start()
        ann = yield connect(self.telnet_port)
        yield ann.ask("create Ann secret1", "Village Square")
        # The market, one step east of the start, has three apples and a lantern.
        out = yield ann.ask("east", "Market Row")
        yield ann.wait_for("here.")
        out = ann.text()
        self.assertIn("You see a brass lantern and three red apples here.", out)
        self.assertNotIn("a red apple, a red apple", out)
        yield ann.ask("get all.apple", "You pick up a red apple.")
        yield ann.ask("inventory", "You are carrying:")
        yield ann.wait_for("three red apples")
        yield ann.ask("drop apple", "You drop a red apple.")
        out = yield ann.ask("look", "You see a brass lantern and a red apple here.")
        yield ann.ask("i", "two red apples")
        # The word the listing shows finds the thing: "drop apples" drops one apple.
        yield ann.ask("drop apples", "You drop a red apple.")
        yield ann.ask("get sprigs", "You see no 'sprigs' here")
        ann.transport.loseConnection()
        yield ann.closed

    @inlineCallbacks
    def test_web_room_frame_carries_item_counts(self):
        self.start()
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("login_ok")
        yield web.wait("room", name="Village Square")
        web.command("east")
        room = yield web.wait("room", name="Market Row")
        self.assertIn({"name": "a red apple", "count": 3, "label": "three red apples"},
                      room["items"])
        self.assertIn({"name": "a brass lantern", "count": 1, "label": "a brass lantern"},
                      room["items"])
        self.assertIn("three red apples", room["text"])
        web.command("get all.apple")
        web.command("inventory")
        inventory = yield web.wait("inventory")
        self.assertEqual(inventory["items"], [{"name": "a red apple", "count": 3,
                                               "label": "three red apples"}])
        web.sendClose()
        yield web.closed


class QuitInFullTests(ServerTestCase):
    @inlineCallbacks
    def test_a_prefix_of_quit_keeps_the_player_in_and_quit_itself_leaves(self):
        service = self.start()
        ann = yield connect(self.telnet_port)
        yield ann.ask("create Ann secret1", "Village Square")
        for word in ("q", "qu", "qui"):
            yield ann.ask(word, f"Type 'quit' in full to use it ('{word}' is not enough).")
        # A prefix of several commands names them rather than calling itself unknown.
        yield ann.ask("p", "'p' could be password, prompt, put: type more of the command "
                             "you mean.")
        # Still in the game and answering.
        yield ann.ask("say still here", 'You say, "still here"')
        self.assertIn("ann", service.game.world.online)
        yield ann.ask("quit", "Farewell")
        yield ann.closed
        self.assertNotIn("ann", service.game.world.online)


class HelpAliasesTests(ServerTestCase):
    @inlineCallbacks
    def test_help_look_lists_its_aliases_and_help_x_finds_it(self):
        self.start()
        ann = yield connect(self.telnet_port)
        yield ann.ask("create Ann secret1", "Village Square")
        yield ann.ask("help look", "look [thing]")
        yield ann.wait_for("Also: l, examine, x")
        yield ann.ask("help x", "look [thing]")
        yield ann.wait_for("Also: l, examine, x")
        yield ann.ask("help examine", "Also: l, examine, x")
        yield ann.ask("help", "look [thing] (l, examine, x)")
        yield ann.wait_for("inventory (i, inv)")
        ann.transport.loseConnection()
        yield ann.closed


class DescribeTests(ServerTestCase):
    @inlineCallbacks
    def test_a_description_reaches_others_clean_and_survives_relogin_and_restart(self):
        service = self.start()
        ann = yield connect(self.telnet_port)
        bob = yield connect(self.telnet_port)
        yield ann.ask("create Ann secret1", "Village Square")
        yield bob.ask("create Bob secret2", "Village Square")
        yield ann.wait_for("Bob has entered the game.")
        # Escape sequences that would clear Bob's screen, retitle his window and turn his
        # text red, among the words.
        ann.transport.write(b"describe A \x1b[2Jtall \x1b]0;pwned\x07woman\x1b[31m in  a "
                            b"green\xc2\x9b1m cloak.\r\n")
        yield ann.wait_for("Your description is set.")
        mark = len(bob.received)
        yield bob.ask("look ann", "A tall woman in a green cloak.")
        seen = bob.received[mark:]
        for bad in (b"\x1b[2J", b"\x1b]", b"pwned", b"\x07", b"\x1b[31m", b"\xc2\x9b"):
            self.assertNotIn(bad, seen)

        # Logging out and back in keeps it.
        yield ann.ask("quit", "Farewell")
        yield ann.closed
        ann = yield connect(self.telnet_port)
        yield ann.ask("connect Ann secret1", "Village Square")
        yield ann.ask("describe", "Others who look at you see: A tall woman in a green cloak.")

        # So does a restart: a new service on the same data.
        yield service.stopService()
        yield ann.closed
        yield bob.closed
        self.start()
        ann = yield connect(self.telnet_port)
        bob = yield connect(self.telnet_port)
        yield ann.ask("connect Ann secret1", "Village Square")
        yield bob.ask("connect Bob secret2", "Village Square")
        yield bob.ask("look ann", "A tall woman in a green cloak.")
        yield ann.ask("describe clear", "Your description is cleared.")
        yield bob.ask("look ann", "Ann looks back at you.")
        for player in (ann, bob):
            player.transport.loseConnection()
            yield player.closed


class ResumeGreetingTests(ServerTestCase):
    @inlineCallbacks
    def test_login_ok_after_a_resume_welcomes_the_player_back(self):
        self.start()
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        first = yield web.wait("login_ok")
        self.assertEqual(first["text"], "You are Wynn. Welcome to Emberfall.")
        web.sendClose()
        yield web.closed

        again = yield connect_web(self.web_port)
        yield again.wait("hello")
        # A bad token first: the password login that follows is not a return.
        again.send(type="resume", token="not-a-token")
        yield again.wait("error", code="bad_token")
        again.send(type="resume", token=first["token"])
        back = yield again.wait("login_ok")
        self.assertEqual(back["text"], "Welcome back, Wynn.")
        again.sendClose()
        yield again.closed

        third = yield connect_web(self.web_port)
        yield third.wait("hello")
        third.send(type="resume", token="not-a-token")
        yield third.wait("error", code="bad_token")
        third.send(type="login", name="Wynn", password="secret1")
        login = yield third.wait("login_ok")
        self.assertEqual(login["text"], "You are Wynn. Welcome to Emberfall.")
        third.sendClose()
        yield third.closed
