"""End to end in one process: the real service on a loopback port, real SQLite, real TCP.

Two players log in, see each other talk and move, the service shuts down normally, a new
service starts on the same data, and both characters are where they were with their things.
"""

from __future__ import annotations

from twisted.internet.defer import inlineCallbacks

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase


class TelnetPlayTests(ServerTestCase):
    @inlineCallbacks
    def test_two_players_play_then_everything_survives_a_restart(self):
        service = self.start()
        port = self.telnet_port
        ann = yield connect(port)
        bob = yield connect(port)
        yield ann.wait_for("What name do you go by?")
        yield bob.wait_for("What name do you go by?")
        yield ann.ask("create Ann secret1", "Village Square")
        # Bob uses the classic flow, password hidden.
        yield bob.ask("Bob", "Create Bob?")
        yield bob.ask("yes", "Choose a password")
        yield bob.ask("secret2", "again")
        yield bob.ask("secret2", "Village Square")
        yield ann.wait_for("Bob has entered the game.")

        yield bob.ask("say hello Ann", 'You say, "hello Ann"')
        yield ann.wait_for('Bob says, "hello Ann"')
        yield ann.ask(":waves", "Ann waves.")
        yield bob.wait_for("Ann waves.")

        # Ann goes to the inn and takes something; Bob follows and sees her.
        yield ann.ask("west", "The Ember and Anvil")
        yield bob.wait_for("Ann leaves west.")
        game = service.game
        inn = game.world.online["ann"].room
        item = next(i for i in inn.items if not i.template.fixed)
        yield ann.ask(f"get {item.keywords[0]}", f"You pick up {item.name}.")
        yield bob.ask("w", "Ann is here.")
        yield ann.wait_for("Bob arrives from the east.")
        yield bob.ask("n", "")  # wherever north of the inn leads, if anywhere
        yield bob.ask("who", "Players online: 2")
        bob_room = game.world.online["bob"].room.id

        # A normal shutdown: players are told, everything saved, connections closed.
        yield service.stopService()
        yield ann.wait_for("The server is shutting down")
        yield ann.closed
        yield bob.closed

        service2 = self.start()
        port2 = self.telnet_port
        inn2 = service2.game.world.rooms[inn.id]
        self.assertNotIn(item.id, [i.id for i in inn2.items])
        ann2 = yield connect(port2)
        yield ann2.ask("connect Ann secret1", inn.name)
        out = yield ann2.ask("inventory", item.name)
        self.assertIn("You are carrying:", out)
        bob2 = yield connect(port2)
        yield bob2.ask("bob", "Password:")
        yield bob2.ask("secret2", "")
        yield bob2.wait_for(service2.game.world.rooms[bob_room].name)
        yield bob2.ask("quit", "Farewell")
        yield bob2.closed
        ann2.transport.loseConnection()
        yield ann2.closed
