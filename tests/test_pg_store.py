"""The PostgreSQL store against a real, private PostgreSQL server over loopback TCP: the
schema and its versions, the SQLite store's interface, the realm split, claims, PostgreSQL
going away and coming back mid-way, and the URL's password kept out of every message."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading

import psycopg
import pytest
from twisted.internet import defer, reactor
from twisted.internet.task import deferLater
from twisted.logger import formatEvent, globalLogPublisher
from twisted.trial import unittest

from mud.engine.world import CharacterRecord, Snapshot
from mud.persistence import open_store, pg_schema
from mud.persistence.pg_store import PgStore
from mud.persistence.pg_url import parse_url, redact, scrub
from mud.persistence.store import AccountRow, LastAdmin, Store, StoreError, StoreUnavailable
from tests.postgres_service import PostgresCluster, pg_url, postgres_cluster  # noqa: F401

SECRET = "s3cr%t-pw"  # trust authentication ignores it: it is only there not to be shown
QUOTED = "s3cr%25t-pw"


def with_password(url: str) -> str:
    return url.replace("postgresql://postgres@", f"postgresql://postgres:{QUOTED}@")


class PgTestCase(unittest.TestCase):
    """A fresh database per test (``self.url``, its password set), on the session's
    cluster (``self.cluster``)."""

    @pytest.fixture(autouse=True)
    def _database(self, pg_url: str, postgres_cluster: PostgresCluster) -> None:  # noqa: F811
        self.url = with_password(pg_url)
        self.cluster = postgres_cluster

    def open(self, realm: str = "", **kw: object) -> PgStore:
        store = PgStore(self.url, realm, self.mktemp(), **kw)  # type: ignore[arg-type]
        self.addCleanup(store.close)
        return store

    def sql(self, statement: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            cursor = conn.execute(statement, args)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []


class SchemaTests(PgTestCase):
    def test_a_new_database_gets_the_schema_at_the_current_version(self):
        self.assertEqual(self.open().prepare(), [])
        self.assertEqual(self.sql("SELECT version FROM schema_version"),
                         [(pg_schema.SCHEMA_VERSION,)])
        tables = {r[0] for r in self.sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        self.assertEqual(tables, {"schema_version", "accounts", "characters", "item_places",
                                  "bans", "api_tokens", "world_state", "online"})
        # A second start changes nothing.
        self.open().prepare()
        self.assertEqual(self.sql("SELECT count(*) FROM schema_version"), [(1,)])

    def test_a_database_from_a_newer_server_is_refused(self):
        self.open().prepare()
        self.sql("UPDATE schema_version SET version = 99")
        error = self.assertRaises(StoreError, self.open().prepare)
        self.assertIn("newer server (schema 99", str(error))

    def test_a_tool_never_sets_up_an_empty_database(self):
        error = self.assertRaises(StoreError, self.open(create=False).prepare)
        self.assertIn("holds no Emberfall store", str(error))
        self.assertEqual(self.sql("SELECT to_regclass('accounts')"), [(None,)])

    def test_migrations_run_step_by_step_from_the_version_found(self):
        # A made-up version 2 adds a column: a version 1 database gains it and keeps rows.
        self.open().prepare()
        self.sql("INSERT INTO accounts (key, name, password, created) "
                 "VALUES ('ann', 'Ann', 'h', 0)")
        self.patch(pg_schema, "MIGRATIONS", {
            **pg_schema.MIGRATIONS, 2: ["ALTER TABLE accounts ADD COLUMN motto TEXT "
                                        "NOT NULL DEFAULT 'onward'"]})
        with psycopg.connect(self.url) as conn, conn.transaction():
            found = pg_schema.bring_up_to_date(conn, "test", target=2)
        self.assertEqual(found, 1)
        self.assertEqual(self.sql("SELECT key, motto FROM accounts"), [("ann", "onward")])
        self.assertEqual(self.sql("SELECT version FROM schema_version"), [(2,)])

    def test_daemons_starting_together_set_the_schema_up_once(self):
        errors: list[BaseException] = []

        def start() -> None:
            try:
                PgStore(self.url).prepare()
            except BaseException as exc:
                errors.append(exc)
        threads = [threading.Thread(target=start) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        self.assertEqual(self.sql("SELECT version FROM schema_version"),
                         [(pg_schema.SCHEMA_VERSION,)])

    def test_an_unreachable_server_stops_the_start_with_a_clear_message(self):
        url = self.url.replace(f":{self.cluster.port}/", ":1/")
        error = self.assertRaises(StoreError, PgStore(url).prepare)
        self.assertIn("cannot connect to PostgreSQL", str(error))
        self.assertIn("postgres:***@127.0.0.1:1/", str(error))
        self.assertNotIn(SECRET, str(error))
        self.assertNotIn(QUOTED, str(error))


class InterfaceTests(PgTestCase):
    """What tests/test_store.py asks of SQLite, asked of PostgreSQL."""

    def setUp(self) -> None:
        self.store = self.open()
        self.assertEqual(self.store.prepare(), [])

    @defer.inlineCallbacks
    def test_accounts_and_characters(self):
        record = CharacterRecord("ann", "Ann", "village:square")
        self.assertTrue((yield self.store.create_account("Ann", "scrypt$x", record, 12.5)))
        self.assertFalse((yield self.store.create_account("ANN", "h2", record, 0)))
        self.assertEqual((yield self.store.get_account("ann")),
                         AccountRow("ann", "Ann", "scrypt$x", 0, (), "player"))
        self.assertEqual((yield self.store.get_character("ann")), record)
        self.assertIsNone((yield self.store.get_account("bob")))
        self.assertIsNone((yield self.store.get_character("bob")))
        yield self.store.set_password("ann", "new")
        self.assertEqual((yield self.store.get_account("ann")).token_generation, 1)
        self.assertEqual((yield self.store.revoke_tokens("ann")), 2)
        self.assertIsNone((yield self.store.revoke_tokens("nobody")))
        yield self.store.set_login_addresses("ann", ("10.0.0.2", "::1"))
        account = yield self.store.get_account("ann")
        self.assertEqual((account.password, account.login_addresses),
                         ("new", ("10.0.0.2", "::1")))

    @defer.inlineCallbacks
    def test_roles_keep_the_last_admin(self):
        for name in ("Ann", "Bob"):
            yield self.store.create_account(name, "h", CharacterRecord(name.lower(), name,
                                                                       "a:b"), 0)
        self.assertEqual((yield self.store.set_role("ann", "admin")), "player")
        self.assertIsNone((yield self.store.set_role("nobody", "admin")))
        yield self.assertFailure(self.store.set_role("ann", "player", keep_an_admin=True),
                                 LastAdmin)
        self.assertEqual((yield self.store.get_account("ann")).role, "admin")
        yield self.store.set_role("bob", "admin")
        self.assertEqual((yield self.store.set_role("ann", "builder", keep_an_admin=True)),
                         "admin")
        self.assertRaises(ValueError, self.store.set_role, "ann", "god")

    @defer.inlineCallbacks
    def test_bans_and_api_tokens(self):
        yield self.store.add_ban(("name", "mallory", None, "spam", "Ann", 1.0))
        yield self.store.add_ban(("name", "mallory", 99.0, "spam again", "Bob", 2.0))
        yield self.store.add_ban(("address", "10.0.0.9", None, "flood", "Ann", 3.0))
        yield self.store.remove_ban("address", "10.0.0.9")
        restarted = self.open()
        restarted.prepare()
        self.assertEqual(restarted.ban_rows,
                         [("name", "mallory", 99.0, "spam again", "Bob", 2.0)])
        self.assertTrue((yield self.store.add_api_token("deploy", "h1", 5.0)))
        self.assertFalse((yield self.store.add_api_token("deploy", "h2", 6.0)))
        self.assertFalse((yield self.store.add_api_token("other", "h1", 6.0)))
        yield self.store.touch_api_token("deploy", 7.0)
        self.assertEqual((yield self.store.api_tokens()), [("deploy", "h1", 5.0, 7.0)])
        self.assertTrue((yield self.store.remove_api_token("deploy")))
        self.assertFalse((yield self.store.remove_api_token("deploy")))

    @defer.inlineCallbacks
    def test_a_save_lands_whole_or_not_at_all(self):
        yield self.store.create_account("Ann", "h", CharacterRecord("ann", "Ann", "a:b"), 0)
        self.sql("CREATE FUNCTION full_disk() RETURNS trigger AS $$ BEGIN "
                 "RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END; "
                 "$$ LANGUAGE plpgsql")
        self.sql("CREATE TRIGGER disk_full BEFORE INSERT ON item_places "
                 "FOR EACH ROW EXECUTE FUNCTION full_disk()")
        snap = Snapshot([CharacterRecord("ann", "Ann", "woods:edge", "tall", "off",
                                         '{"x":{"v":1,"value":[1]}}')],
                        [("a:b/a:lamp#1", "char", "ann")])
        error = yield self.assertFailure(self.store.save(snap), StoreUnavailable)
        self.assertIn("could not extend file", str(error))
        self.assertEqual((yield self.store.get_character("ann")).room, "a:b")
        self.sql("DROP TRIGGER disk_full ON item_places")
        yield self.store.save(snap)
        self.assertEqual((yield self.store.get_character("ann")),
                         CharacterRecord("ann", "Ann", "woods:edge", "tall", "off",
                                         '{"x":{"v":1,"value":[1]}}'))
        # An empty state is "not known": the saved one is kept.
        yield self.store.save(Snapshot([CharacterRecord("ann", "Ann", "woods:edge", "",
                                                        "off", "")]))
        self.assertEqual((yield self.store.get_character("ann")).state,
                         '{"x":{"v":1,"value":[1]}}')

    def test_a_closed_store_refuses_instead_of_reopening(self):
        self.store.close()
        self.assertRaises(StoreError, lambda: self.store.pool)


@defer.inlineCallbacks
def prepared(store: PgStore):
    """``store.prepare()`` once PostgreSQL has seen the realm's previous daemon go (its
    backend ends a moment after the connection closes)."""
    for _ in range(50):
        try:
            return store.prepare()
        except StoreError as exc:
            if "already served" not in str(exc):
                raise
            yield deferLater(reactor, 0.1, lambda: None)
    return store.prepare()


class RealmTests(PgTestCase):
    @defer.inlineCallbacks
    def test_a_statement_that_never_finishes_fails_after_the_timeout(self):
        store = self.open("north")
        store.prepare()
        shown = yield store.pool.runQuery("SHOW statement_timeout")
        self.assertEqual(shown, [("30s",)])
        # A URL's own server options replace ours.
        other = PgStore(self.url + "?options=-c%20statement_timeout%3D1500", "south",
                        self.mktemp())
        self.addCleanup(other.close)
        other.prepare()
        shown = yield other.pool.runQuery("SHOW statement_timeout")
        self.assertEqual(shown, [("1500ms",)])

    @defer.inlineCallbacks
    def test_a_second_daemon_of_the_same_realm_is_refused_at_start(self):
        north = self.open("north")
        north.prepare()
        yield north.beat("north", 1.0)      # its connection is open, as a running one's is
        with self.assertRaises(StoreError) as refused:
            self.open("north").prepare()
        self.assertIn("realm 'north' is already served by another daemon", str(refused.exception))
        self.assertNotIn(SECRET, str(refused.exception))
        # Another realm, or a shell tool, on the same database is welcome.
        self.open("south").prepare()
        PgStore(self.url, "north", self.mktemp(), create=False).prepare()
        north.close()
        # Once the first is gone, the realm may start again.
        yield prepared(self.open("north"))

    @defer.inlineCallbacks
    def test_realms_share_accounts_and_characters_but_not_items_or_world_state(self):
        north, south = self.open("north"), self.open("south")
        north.prepare()
        south.prepare()
        yield north.create_account("Wynn", "h", CharacterRecord("wynn", "Wynn", "n:gate"), 0)
        yield north.save(Snapshot([CharacterRecord("wynn", "Wynn", "n:hall", "tall")],
                                  [("n:a/n:lamp#1", "room", "n:hall")],
                                  [("doors", '{"v":1,"value":{"gate":"open"}}')]))
        yield south.save(Snapshot([], [("n:a/n:lamp#1", "room", "s:pier")],
                                  [("doors", '{"v":1,"value":{}}')]))
        # The account made in north logs in on south, with what north saved.
        self.assertEqual((yield south.get_account("wynn")).name, "Wynn")
        self.assertEqual((yield south.get_character("wynn")).room, "n:hall")
        # The realms' daemons restart (the same realm may not start twice at once).
        north.close()
        south.close()
        again_north, again_south = self.open("north"), self.open("south")
        self.assertEqual((yield prepared(again_north)), [("n:a/n:lamp#1", "room", "n:hall")])
        self.assertEqual(again_north.world_rows, [("doors", '{"v":1,"value":{"gate":"open"}}')])
        self.assertEqual(again_south.prepare(), [("n:a/n:lamp#1", "room", "s:pier")])
        self.assertEqual(again_south.world_rows, [("doors", '{"v":1,"value":{}}')])


class ClaimTests(PgTestCase):
    def setUp(self) -> None:
        self.store = self.open()
        self.store.prepare()

    @defer.inlineCallbacks
    def test_one_realm_holds_a_character_until_it_lets_go_or_stops_beating(self):
        claim = self.store.claim
        self.assertIsNone((yield claim("bram", "north", 100.0, 90.0)))
        self.assertEqual((yield claim("bram", "south", 150.0, 90.0)), "north")
        # The holder claiming again (a relogin there) keeps it.
        self.assertIsNone((yield claim("bram", "north", 160.0, 90.0)))
        # Beats keep it alive past stale_after from the first claim...
        yield self.store.beat("north", 240.0)
        self.assertEqual((yield claim("bram", "south", 300.0, 90.0)), "north")
        # ...and once north stops beating for stale_after, south may take it over.
        self.assertIsNone((yield claim("bram", "south", 330.0, 90.0)))
        self.assertEqual((yield self.store.online_rows()), [("bram", "south", 330.0, 330.0)])
        # Only the holder's release counts.
        yield self.store.release("bram", "north")
        self.assertEqual((yield claim("bram", "north", 331.0, 90.0)), "south")
        yield self.store.release("bram", "south")
        self.assertIsNone((yield claim("bram", "north", 332.0, 90.0)))

    @defer.inlineCallbacks
    def test_a_beat_and_a_release_of_a_realm_touch_only_its_claims(self):
        for key, realm in (("ada", "north"), ("bea", "north"), ("cleo", "south")):
            yield self.store.claim(key, realm, 10.0, 90.0)
        yield self.store.beat("north", 50.0)
        self.assertEqual([(k, r, b) for k, r, _, b in (yield self.store.online_rows())],
                         [("ada", "north", 50.0), ("bea", "north", 50.0),
                          ("cleo", "south", 10.0)])
        yield self.store.release_realm("north")
        self.assertEqual([r[0] for r in (yield self.store.online_rows())], ["cleo"])

    @defer.inlineCallbacks
    def test_two_realms_claiming_at_once_never_both_get_it(self):
        other = self.open()
        for round_ in range(20):
            key = f"k{round_}"
            got = yield defer.gatherResults([self.store.claim(key, "north", 1.0, 90.0),
                                             other.claim(key, "south", 1.0, 90.0)])
            # One of them has it; the other is told who.
            self.assertEqual(got.count(None), 1, got)
            self.assertEqual(got, [None, "north"] if got[0] is None else ["south", None])
            self.assertEqual(len((yield self.store.online_rows())), round_ + 1)

class OutageTests(PgTestCase):
    """PostgreSQL stopped mid-way and started again: calls fail with StoreUnavailable
    (as a failing disk), then work again on the same store, nothing restarted."""

    def setUp(self) -> None:
        self.logged: list[dict] = []
        globalLogPublisher.addObserver(self.logged.append)
        self.addCleanup(globalLogPublisher.removeObserver, self.logged.append)
        self.store = self.open("north")
        self.store.prepare()
        self.addCleanup(self._running)
        # psycopg's own warnings (stdlib logging) reach twistd's log through stderr.
        self.psycopg_warnings: list[str] = []
        handler = logging.Handler(logging.WARNING)
        handler.emit = lambda record: self.psycopg_warnings.append(record.getMessage())
        logging.getLogger("psycopg").addHandler(handler)
        self.addCleanup(logging.getLogger("psycopg").removeHandler, handler)

    def _running(self) -> None:
        if not self.cluster.running:
            self.cluster.start()

    def snap(self, room: str) -> Snapshot:
        return Snapshot([CharacterRecord("ann", "Ann", room)], [("a/lamp#1", "room", room)])

    @defer.inlineCallbacks
    def check_outage(self, mode: str):
        yield self.store.create_account("Ann", "h", CharacterRecord("ann", "Ann", "a:b"), 0)
        yield self.store.save(self.snap("a:c"))
        self.cluster.stop(mode)
        for room in ("a:d", "a:e"):
            error = yield self.assertFailure(self.store.save(self.snap(room)),
                                             StoreUnavailable)
            self.assertIn("postgres:***@127.0.0.1", str(error))
        yield self.assertFailure(self.store.get_account("ann"), StoreUnavailable)
        yield self.assertFailure(self.store.claim("ann", "north", 1.0, 90.0),
                                 StoreUnavailable)
        self.cluster.start()
        # The first call after the restart works: nothing to restart on our side.
        yield self.store.save(self.snap("a:f"))
        self.assertEqual((yield self.store.get_character("ann")).room, "a:f")
        self.assertIsNone((yield self.store.claim("ann", "north", 2.0, 90.0)))
        text = "\n".join(formatEvent(e) for e in self.logged)
        self.assertNotIn(SECRET, text)
        self.assertNotIn(QUOTED, text)
        # A storage fault, reported by the caller in one line: no tracebacks from the pool.
        self.assertEqual([formatEvent(e) for e in self.logged if e.get("isError")], [])
        self.assertEqual(self.psycopg_warnings, [])

    def test_a_fast_stop_and_start(self):
        return self.check_outage("fast")

    def test_a_crash_and_start(self):
        return self.check_outage("immediate")

    @defer.inlineCallbacks
    def test_a_restart_while_idle_costs_no_failed_call(self):
        # The pool's connection was closed by the restart while nobody used it: the next
        # call finds it dead before anything ran and runs once more on a new one.
        yield self.store.create_account("Ann", "h", CharacterRecord("ann", "Ann", "a:b"), 0)
        self.cluster.stop("fast")
        self.cluster.start()
        self.assertEqual((yield self.store.get_account("ann")).name, "Ann")
        self.cluster.stop("fast")
        self.cluster.start()
        yield self.store.save(self.snap("a:g"))
        self.assertEqual((yield self.store.get_character("ann")).room, "a:g")


class UrlTests(unittest.TestCase):
    def test_redact_hides_the_password_wherever_it_is(self):
        self.assertEqual(redact("postgresql://mud:hunter2@db:5432/mud"),
                         "postgresql://mud:***@db:5432/mud")
        self.assertEqual(redact("postgresql://db/mud?user=mud&password=hunter2&sslmode=require"),
                         "postgresql://db/mud?user=mud&password=***&sslmode=require")
        self.assertEqual(redact("postgresql://mud@db/mud"), "postgresql://mud@db/mud")
        self.assertEqual(scrub("bad: 'postgresql://mud:hunter2@db'\n\tthere",
                               "postgresql://mud:hunter2@db"),
                         "bad: 'postgresql://mud:***@db' there")

    def test_a_bad_url_says_what_to_write_without_its_password(self):
        for url in ("mysql://mud:hunter2@db/mud", "postgresql://mud:hunter2@[bad/mud"):
            error = self.assertRaises(ValueError, parse_url, url)
            self.assertIn("postgresql://user:password@host:5432/database", str(error))
            self.assertNotIn("hunter2", str(error))
        error = self.assertRaises(StoreError, open_store, "data",
                                  "postgresql://mud:hunter2@[bad/mud", "north")
        self.assertNotIn("hunter2", str(error))

    def test_open_store_picks_sqlite_without_a_url(self):
        self.assertIsInstance(open_store("data"), Store)
        store = open_store("data", "postgresql://mud:pw@db/mud", "north")
        self.assertIsInstance(store, PgStore)
        self.assertEqual((store.realm, store.data_dir, store.where),
                         ("north", "data", "postgresql://mud:***@db/mud"))


def tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True,
                          timeout=60)


class ShellToolTests(PgTestCase):
    """mud-role and mud-admin-token (and revoke_tokens) on a PostgreSQL store."""

    def setUp(self) -> None:
        store = self.open("north")
        store.prepare()
        return store.create_account("Rowan", "h", CharacterRecord("rowan", "Rowan", "a:b"),
                                    0).addCallback(lambda _: store.close())

    @defer.inlineCallbacks
    def test_the_tools_take_a_store_url(self):
        done = yield defer_to_thread(tool, "-m", "mud.role_tool", "promote", "Rowan",
                                     "--store", self.url)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("Rowan is now an admin (was a player).", done.stdout)
        self.assertNotIn(SECRET, done.stdout + done.stderr)
        done = yield defer_to_thread(tool, "-m", "mud.admin_token_tool", "create", "deploy",
                                     "--store", self.url)
        self.assertEqual(done.returncode, 0, done.stderr)
        listed = yield defer_to_thread(tool, "-m", "mud.admin_token_tool", "--store", self.url,
                                       "list")
        self.assertIn("deploy", listed.stdout)
        revoked = yield defer_to_thread(tool, "-m", "mud.revoke_tokens", "Rowan", "--store",
                                        self.url)
        self.assertEqual(revoked.returncode, 0, revoked.stderr)
        rows = self.sql("SELECT role, token_generation FROM accounts WHERE key = 'rowan'")
        self.assertEqual(rows, [("admin", 1)])
        self.assertEqual(len(self.sql("SELECT label FROM api_tokens")), 1)

    @defer.inlineCallbacks
    def test_a_fallback_file_is_restored_into_the_store_as_its_realm(self):
        from mud import unsaved
        from mud.engine.world import CharacterRecord as Record
        snapshot = Snapshot([Record("rowan", "Rowan", "village:inn", "a tall one", "on",
                                    "{}")], [("torch-1", "char", "rowan")], [])
        path = self.mktemp() + ".json"
        with open(path, "wb") as handle:
            handle.write(unsaved.encode(snapshot, self.mktemp(), 0.0))
        command = unsaved.restore_command(path, "north")
        self.assertIn("MUD_STORE=<the server's store URL>", command)
        self.assertIn("--realm north", command)
        missing = yield defer_to_thread(tool, "-m", "mud.unsaved", path, "--store", self.url)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("name the server's realm", missing.stderr)
        done = yield defer_to_thread(tool, "-m", "mud.unsaved", path, "--store", self.url,
                                     "--realm", "north")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("into the PostgreSQL store (realm north)", done.stdout)
        self.assertNotIn(SECRET, done.stdout + done.stderr)
        self.assertEqual(self.sql("SELECT room, description FROM characters WHERE key = "
                                  "'rowan'"), [("village:inn", "a tall one")])
        self.assertEqual(self.sql("SELECT realm, item, place FROM item_places"),
                         [("north", "torch-1", "rowan")])

    @defer.inlineCallbacks
    def test_a_tool_on_an_unreachable_or_empty_store_says_so_without_the_password(self):
        down = self.url.replace(f":{self.cluster.port}/", ":1/")
        done = yield defer_to_thread(tool, "-m", "mud.role_tool", "promote", "Rowan",
                                     "--store", down)
        self.assertEqual(done.returncode, 1)
        self.assertIn("mud-role: postgresql://postgres:***@127.0.0.1:1/", done.stderr)
        self.assertIn("cannot connect to PostgreSQL", done.stderr)
        self.assertNotIn(QUOTED, done.stderr)
        empty = self.cluster.url(self.cluster.create_database())
        self.addCleanup(self.cluster.drop_database, empty.rsplit("/", 1)[1])
        done = yield defer_to_thread(tool, "-m", "mud.admin_token_tool", "list", "--store",
                                     empty)
        self.assertEqual(done.returncode, 1)
        self.assertIn("holds no Emberfall store", done.stderr)


def defer_to_thread(f, *args):
    from twisted.internet import threads
    return threads.deferToThread(f, *args)
