"""Quitting and logging straight back in, over real TCP against the real service and SQLite,
with a store whose writes land late or fail: the character comes back where it left, and
`quit` says what became of the save."""

from __future__ import annotations

from twisted.internet.defer import Deferred, fail, inlineCallbacks

from mud.persistence.store import StoreUnavailable
from mud.session import QUIT_UNSAVED
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually


class QuickReloginTests(ServerTestCase):
    @inlineCallbacks
    def test_logging_straight_back_in_after_quit_finds_the_new_room(self):
        service = self.start()
        store = service.game.store
        ann = yield connect(self.telnet_port)
        yield ann.ask("create Ann secret1", "Village Square")
        yield ann.ask("n", "High Street")
        # The disk turns slow: a write lands only when the test lets it.
        real_save, held = store.save, []

        def late_save(snapshot):
            landed = Deferred()
            held.append((snapshot, landed))
            return landed
        store.save = late_save
        ann.send("quit")
        yield eventually(lambda: held)  # the quit's save is being written
        again = yield connect(self.telnet_port)
        yield again.wait_for("What name do you go by?")
        out = yield again.ask("connect Ann secret1", "[Exits:")
        self.assertIn("High Street", out)
        self.assertNotIn("Village Square", out)
        self.assertNotIn("saved", ann.text())  # quit waits to know

        store.save = real_save
        for snapshot, landed in held:
            real_save(snapshot).chainDeferred(landed)
        yield ann.wait_for("Your character is saved")
        yield ann.closed
        yield again.ask("quit", "Your character is saved")
        yield again.closed

    @inlineCallbacks
    def test_quit_while_saves_fail_says_so_and_logging_back_in_finds_the_unsaved_room(self):
        service = self.start()
        store = service.game.store
        ann = yield connect(self.telnet_port)
        yield ann.ask("create Ann secret1", "Village Square")
        yield ann.ask("n", "High Street")
        real_save = store.save
        store.save = lambda snapshot: fail(StoreUnavailable("disk I/O error"))
        yield ann.ask("quit", "could not be saved just now")
        yield ann.closed
        self.assertNotIn("Your character is saved", ann.text())
        self.assertIn(" ".join(QUIT_UNSAVED.split()[-6:]), " ".join(ann.text().split()))

        again = yield connect(self.telnet_port)
        out = yield again.ask("connect Ann secret1", "[Exits:")
        self.assertIn("High Street", out)
        self.assertNotIn("Village Square", out)
        store.save = real_save
        yield again.ask("quit", "Your character is saved")
        yield again.closed
