"""A server on the PostgreSQL store, over real sockets, with PostgreSQL stopped mid-play and
started again: saves fail and are kept, a newcomer is told in words, nothing is restarted
on the server's side, and everything lands once PostgreSQL is back. The password in the
store's URL is never logged."""

from __future__ import annotations

import psycopg
import pytest
from twisted.internet.defer import inlineCallbacks
from twisted.logger import formatEvent, globalLogPublisher

from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase
from tests.postgres_service import PostgresCluster, pg_url, postgres_cluster  # noqa: F401

QUOTED = "pg%40secret"


class PostgresServerTests(ServerTestCase):
    @pytest.fixture(autouse=True)
    def _database(self, pg_url: str, postgres_cluster: PostgresCluster) -> None:  # noqa: F811
        self.url = pg_url.replace("postgresql://postgres@", f"postgresql://postgres:{QUOTED}@")
        self.cluster = postgres_cluster

    def setUp(self) -> None:
        super().setUp()
        self.logged: list[dict] = []
        globalLogPublisher.addObserver(self.logged.append)
        self.addCleanup(globalLogPublisher.removeObserver, self.logged.append)

    def start_on_postgres(self):
        return self.start(store=self.url, realm="north")

    def saved_room(self, key: str) -> str | None:
        with psycopg.connect(self.url) as conn:
            row = conn.execute("SELECT room FROM characters WHERE key = %s",
                               (key,)).fetchone()
        return row[0] if row else None

    @inlineCallbacks
    def test_postgresql_going_away_mid_play_fails_saves_loudly_and_they_land_on_its_return(
            self):
        service = self.start_on_postgres()
        rowan = yield connect(self.telnet_port)
        yield rowan.ask("create Rowan secret1", "Village Square")
        yield rowan.ask("n", "High Street")
        self.assertTrue((yield service.game.autosave()))
        self.assertEqual(self.saved_room("rowan"), "village:high_street")
        with psycopg.connect(self.url) as conn:  # this realm's claim on Rowan
            self.assertEqual(conn.execute("SELECT key, realm FROM online").fetchall(),
                             [("rowan", "north")])

        self.cluster.stop("fast")
        try:
            yield rowan.ask("s", "Village Square")
            self.assertFalse((yield service.game.autosave()))
            self.assertFalse((yield service.game.autosave()))
            # Play goes on; a newcomer is told in words, the connection kept.
            yield rowan.ask("say still here", "You say")
            kip = yield connect(self.telnet_port)
            yield kip.ask("create Kip secret1", "cannot write to its storage just now")
        finally:
            self.cluster.start()
        self.assertEqual(self.saved_room("rowan"), "village:high_street")

        # Back: the very next save lands what was kept, and Kip may create the account.
        self.assertTrue((yield service.game.autosave()))
        self.assertEqual(self.saved_room("rowan"), "village:square")
        yield kip.ask("create Kip secret1", "Village Square")
        self.assertTrue((yield service.game.autosave()))
        self.assertEqual(self.saved_room("kip"), "village:square")
        log = "\n".join(formatEvent(e) for e in self.logged)
        self.assertIn("SAVE FAILED (attempt 2): postgresql://postgres:***@127.0.0.1", log)
        self.assertIn("Saving works again after 2 failed attempts", log)
        self.assertNotIn(QUOTED, log)
        self.assertNotIn("pg@secret", log)
        self.assertNotIn("Traceback", log)
        rowan.transport.loseConnection()
        kip.transport.loseConnection()
