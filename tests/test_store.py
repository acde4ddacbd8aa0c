"""The SQLite store, for real: schema, accounts, saves, item places, broken data dirs."""

from __future__ import annotations

import os
import sqlite3
import stat

from twisted.internet import defer
from twisted.logger import formatEvent, globalLogPublisher
from twisted.trial import unittest

from mud.engine.world import CharacterRecord, Snapshot
from mud.persistence.store import (
    PRIVATE_FILES,
    SCHEMA_VERSION,
    AccountRow,
    LastAdmin,
    Store,
    StoreError,
    StoreUnavailable,
)

# The schema as the server wrote it at version 3 (before systems' declared state), word
# for word, so the migration is tested against what existing data directories hold.
SCHEMA_3 = """
CREATE TABLE IF NOT EXISTS accounts (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    password TEXT NOT NULL,
    created REAL NOT NULL,
    token_generation INTEGER NOT NULL DEFAULT 0,
    login_addresses TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS characters (
    key TEXT PRIMARY KEY REFERENCES accounts(key),
    room TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    colour TEXT NOT NULL DEFAULT 'auto'
);
CREATE TABLE IF NOT EXISTS item_places (
    item TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    place TEXT NOT NULL
);
"""

# The schema as the server wrote it at version 4 (before roles), word for word.
SCHEMA_4 = """
CREATE TABLE IF NOT EXISTS accounts (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    password TEXT NOT NULL,
    created REAL NOT NULL,
    -- Resume tokens carry the generation they were issued in; bumping it revokes them all.
    token_generation INTEGER NOT NULL DEFAULT 0,
    -- Recent addresses that logged in with the right password, most recent first,
    -- space-separated (the login throttle does not hold these back for this name).
    login_addresses TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS characters (
    key TEXT PRIMARY KEY REFERENCES accounts(key),
    room TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    colour TEXT NOT NULL DEFAULT 'auto',
    -- Systems' declared per-character state, one JSON object (mud/engine/state.py).
    state TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS item_places (
    item TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    place TEXT NOT NULL
);
-- Systems' declared world state: one JSON value per declared name.
CREATE TABLE IF NOT EXISTS world_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class StoreTests(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = self.mktemp()
        self.store = Store(self.dir)
        self.assertEqual(self.store.prepare(), [])
        self.addCleanup(self.store.close)

    @defer.inlineCallbacks
    def test_create_account_then_read_it_back(self):
        record = CharacterRecord("ann", "Ann", "village:square")
        ok = yield self.store.create_account("Ann", "scrypt$x", record, 12.5)
        self.assertTrue(ok)
        row = yield self.store.get_account("ann")
        self.assertEqual((row.key, row.name, row.password), ("ann", "Ann", "scrypt$x"))
        char = yield self.store.get_character("ann")
        self.assertEqual(char, record)
        self.assertIsNone((yield self.store.get_account("bob")))
        self.assertIsNone((yield self.store.get_character("bob")))

    @defer.inlineCallbacks
    def test_a_taken_name_is_refused_and_leaves_the_first_intact(self):
        record = CharacterRecord("ann", "Ann", "village:square")
        yield self.store.create_account("Ann", "h1", record, 0)
        ok = yield self.store.create_account("ANN", "h2", record, 0)
        self.assertFalse(ok)
        self.assertEqual((yield self.store.get_account("ann")).password, "h1")

    @defer.inlineCallbacks
    def test_save_writes_characters_and_item_places_and_survives_reopening(self):
        yield self.store.create_account("Ann", "h", CharacterRecord("ann", "Ann", "a:b"), 0)
        snap = Snapshot([CharacterRecord("ann", "Ann", "woods:edge", "tall")],
                        [("a:b/a:lamp#1", "char", "ann"), ("a:c/a:rope#1", "room", "a:d")])
        yield self.store.save(snap)
        yield self.store.save(Snapshot([], [("a:c/a:rope#1", "room", "a:e")]))
        self.store.close()
        reopened = Store(self.dir)
        places = sorted(reopened.prepare())
        self.assertEqual(places, [("a:b/a:lamp#1", "char", "ann"), ("a:c/a:rope#1", "room", "a:e")])
        char = yield reopened.get_character("ann")
        reopened.close()
        self.assertEqual((char.room, char.description), ("woods:edge", "tall"))

    @defer.inlineCallbacks
    def test_set_password(self):
        yield self.store.create_account("Ann", "old", CharacterRecord("ann", "Ann", "a:b"), 0)
        yield self.store.set_password("ann", "new")
        self.assertEqual((yield self.store.get_account("ann")).password, "new")

    @defer.inlineCallbacks
    def test_a_password_change_and_a_revocation_each_bump_the_token_generation(self):
        yield self.store.create_account("Ann", "old", CharacterRecord("ann", "Ann", "a:b"), 0)
        self.assertEqual((yield self.store.get_account("ann")).token_generation, 0)
        yield self.store.set_password("ann", "new")
        self.assertEqual((yield self.store.get_account("ann")).token_generation, 1)
        self.assertEqual((yield self.store.revoke_tokens("ann")), 2)
        self.assertEqual((yield self.store.get_account("ann")).token_generation, 2)
        self.assertIsNone((yield self.store.revoke_tokens("nobody")))

    @defer.inlineCallbacks
    def test_login_addresses_are_kept_in_order(self):
        yield self.store.create_account("Ann", "h", CharacterRecord("ann", "Ann", "a:b"), 0)
        self.assertEqual((yield self.store.get_account("ann")).login_addresses, ())
        yield self.store.set_login_addresses("ann", ("10.0.0.2", "::1"))
        self.assertEqual((yield self.store.get_account("ann")).login_addresses,
                         ("10.0.0.2", "::1"))

    @defer.inlineCallbacks
    def test_a_failing_save_writes_nothing_and_says_the_store_is_unavailable(self):
        yield self.store.create_account("Ann", "h", CharacterRecord("ann", "Ann", "a:b"), 0)
        with sqlite3.connect(self.store.path) as db:  # the item rows hit a failing disk
            db.execute("CREATE TRIGGER full BEFORE INSERT ON item_places "
                       "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
        snap = Snapshot([CharacterRecord("ann", "Ann", "woods:edge")],
                        [("a:b/a:lamp#1", "char", "ann")])
        error = yield self.assertFailure(self.store.save(snap), StoreUnavailable)
        self.assertIn("disk is full", str(error))
        # One transaction: the character row written before the failure was rolled back.
        self.assertEqual((yield self.store.get_character("ann")).room, "a:b")
        with sqlite3.connect(self.store.path) as db:
            db.execute("DROP TRIGGER full")
        yield self.store.save(snap)
        self.assertEqual((yield self.store.get_character("ann")).room, "woods:edge")

    def test_a_closed_store_refuses_instead_of_reopening(self):
        self.store.close()
        self.assertRaises(StoreError, lambda: self.store.pool)

    @defer.inlineCallbacks
    def test_a_lone_daemon_s_claims_are_always_granted(self):
        # One daemon owns an SQLite store: no other realm can hold its characters.
        self.assertIsNone((yield self.store.claim("bram", "", 1.0, 90.0)))
        self.assertIsNone((yield self.store.claim("bram", "other", 1.0, 90.0)))
        yield self.store.beat("", 2.0)
        yield self.store.release("bram", "")
        yield self.store.release_realm("")
        self.assertIsNone((yield self.store.claim("bram", "", 3.0, 90.0)))


class MigrationTests(unittest.TestCase):
    @defer.inlineCallbacks
    def test_a_version_1_database_gains_the_colour_column_and_keeps_its_rows(self):
        path = self.mktemp()
        os.makedirs(path)
        with sqlite3.connect(os.path.join(path, "mud.sqlite3")) as db:
            db.executescript(
                "CREATE TABLE accounts (key TEXT PRIMARY KEY, name TEXT NOT NULL, "
                "password TEXT NOT NULL, created REAL NOT NULL);"
                "CREATE TABLE characters (key TEXT PRIMARY KEY REFERENCES accounts(key), "
                "room TEXT NOT NULL, description TEXT NOT NULL DEFAULT '');"
                "CREATE TABLE item_places (item TEXT PRIMARY KEY, kind TEXT NOT NULL, "
                "place TEXT NOT NULL);"
                "INSERT INTO accounts VALUES ('ann', 'Ann', 'h', 0);"
                "INSERT INTO characters VALUES ('ann', 'woods:edge', 'tall');"
                "PRAGMA user_version=1;")
        store = Store(path)
        store.prepare()
        self.addCleanup(store.close)
        record = yield store.get_character("ann")
        self.assertEqual(record, CharacterRecord("ann", "Ann", "woods:edge", "tall", "auto"))
        yield store.save(Snapshot([CharacterRecord("ann", "Ann", "woods:edge", "tall", "256")]))
        self.assertEqual((yield store.get_character("ann")).colour, "256")
        account = yield store.get_account("ann")
        self.assertEqual((account.token_generation, account.login_addresses), (0, ()))
        with sqlite3.connect(store.path) as db:
            self.assertEqual(db.execute("PRAGMA user_version").fetchone()[0], SCHEMA_VERSION)

    @defer.inlineCallbacks
    def test_a_version_2_database_gains_token_generations_and_keeps_its_rows(self):
        path = self.mktemp()
        os.makedirs(path)
        with sqlite3.connect(os.path.join(path, "mud.sqlite3")) as db:
            db.executescript(
                "CREATE TABLE accounts (key TEXT PRIMARY KEY, name TEXT NOT NULL, "
                "password TEXT NOT NULL, created REAL NOT NULL);"
                "CREATE TABLE characters (key TEXT PRIMARY KEY REFERENCES accounts(key), "
                "room TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', "
                "colour TEXT NOT NULL DEFAULT 'auto');"
                "CREATE TABLE item_places (item TEXT PRIMARY KEY, kind TEXT NOT NULL, "
                "place TEXT NOT NULL);"
                "INSERT INTO accounts VALUES ('ann', 'Ann', 'h', 0);"
                "INSERT INTO characters VALUES ('ann', 'woods:edge', 'tall', '256');"
                "PRAGMA user_version=2;")
        store = Store(path)
        store.prepare()
        self.addCleanup(store.close)
        account = yield store.get_account("ann")
        self.assertEqual((account.password, account.token_generation), ("h", 0))
        self.assertEqual((yield store.get_character("ann")).colour, "256")
        self.assertEqual((yield store.revoke_tokens("ann")), 1)
        with sqlite3.connect(store.path) as db:
            self.assertEqual(db.execute("PRAGMA user_version").fetchone()[0], SCHEMA_VERSION)


    @defer.inlineCallbacks
    def test_a_version_3_database_gains_declared_state_and_loads_unchanged(self):
        path = self.mktemp()
        os.makedirs(path)
        with sqlite3.connect(os.path.join(path, "mud.sqlite3")) as db:
            db.executescript(SCHEMA_3 +
                             "INSERT INTO accounts VALUES ('ann', 'Ann', 'h', 5, 2, '10.0.0.1');"
                             "INSERT INTO characters VALUES ('ann', 'woods:edge', 'tall', 'off');"
                             "INSERT INTO item_places VALUES ('a/apple#1', 'char', 'ann');"
                             "PRAGMA user_version=3;")
        store = Store(path)
        self.assertEqual(store.prepare(), [("a/apple#1", "char", "ann")])
        self.addCleanup(store.close)
        self.assertEqual(store.world_rows, [])
        record = yield store.get_character("ann")
        self.assertEqual(record, CharacterRecord("ann", "Ann", "woods:edge", "tall", "off", "{}"))
        account = yield store.get_account("ann")
        self.assertEqual((account.password, account.token_generation, account.login_addresses),
                         ("h", 2, ("10.0.0.1",)))
        # The new column and table take writes.
        yield store.save(Snapshot([CharacterRecord("ann", "Ann", "woods:edge", "tall", "off",
                                                   '{"x":{"v":1,"value":[1]}}')],
                                  world=[("doors", '{"v":1,"value":{"gate":"open"}}')]))
        self.assertEqual((yield store.get_character("ann")).state, '{"x":{"v":1,"value":[1]}}')
        with sqlite3.connect(store.path) as db:
            self.assertEqual(db.execute("PRAGMA user_version").fetchone()[0], SCHEMA_VERSION)
            self.assertEqual(db.execute("SELECT key, value FROM world_state").fetchall(),
                             [("doors", '{"v":1,"value":{"gate":"open"}}')])

    @defer.inlineCallbacks
    def test_a_version_4_database_loads_unchanged_and_everyone_is_a_player(self):
        path = self.mktemp()
        os.makedirs(path)
        with sqlite3.connect(os.path.join(path, "mud.sqlite3")) as db:
            db.executescript(SCHEMA_4 +
                             "INSERT INTO accounts VALUES ('ann', 'Ann', 'h', 5, 2, '10.0.0.1');"
                             "INSERT INTO characters VALUES ('ann', 'woods:edge', 'tall', 'off',"
                             " '{\"x\":{\"v\":1,\"value\":[1]}}');"
                             "INSERT INTO item_places VALUES ('a/apple#1', 'char', 'ann');"
                             "INSERT INTO world_state VALUES ('doors', '{}');"
                             "PRAGMA user_version=4;")
        store = Store(path)
        self.assertEqual(store.prepare(), [("a/apple#1", "char", "ann")])
        self.addCleanup(store.close)
        self.assertEqual(store.world_rows, [("doors", "{}")])
        record = yield store.get_character("ann")
        self.assertEqual(record, CharacterRecord("ann", "Ann", "woods:edge", "tall", "off",
                                                 '{"x":{"v":1,"value":[1]}}'))
        account = yield store.get_account("ann")
        self.assertEqual(account, AccountRow("ann", "Ann", "h", 2, ("10.0.0.1",), "player"))
        self.assertEqual((yield store.set_role("ann", "admin")), "player")
        self.assertEqual((yield store.get_account("ann")).role, "admin")
        with sqlite3.connect(store.path) as db:
            self.assertEqual(db.execute("PRAGMA user_version").fetchone()[0], SCHEMA_VERSION)

    def test_world_state_written_is_read_back_at_the_next_start(self):
        path = self.mktemp()
        store = Store(path)
        store.prepare()
        d = store.save(Snapshot(world=[("resets", '{"v":1,"value":3}')]))
        d.addCallback(lambda _: store.save(Snapshot(world=[("resets", '{"v":1,"value":4}')])))

        def again(_: object) -> None:
            store.close()
            fresh = Store(path)
            fresh.prepare()
            self.assertEqual(fresh.world_rows, [("resets", '{"v":1,"value":4}')])
        return d.addCallback(again)


class BrokenDataDirTests(unittest.TestCase):
    def test_a_file_where_the_directory_should_be(self):
        path = self.mktemp()
        with open(path, "w") as handle:
            handle.write("not a dir")
        error = self.assertRaises(StoreError, Store(path).prepare)
        self.assertIn("cannot use the data directory", str(error))

    def test_a_database_that_is_not_sqlite(self):
        path = self.mktemp()
        os.makedirs(path)
        with open(os.path.join(path, "mud.sqlite3"), "wb") as handle:
            handle.write(b"garbage" * 1000)
        error = self.assertRaises(StoreError, Store(path).prepare)
        self.assertIn("cannot open the database", str(error))

    def test_a_database_from_a_newer_server(self):
        path = self.mktemp()
        os.makedirs(path)
        conn = sqlite3.connect(os.path.join(path, "mud.sqlite3"))
        conn.execute("PRAGMA user_version=99")
        conn.close()
        error = self.assertRaises(StoreError, Store(path).prepare)
        self.assertIn("newer server", str(error))


def mode(path: str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


class PermissionTests(unittest.TestCase):
    """The database holds password hashes: only the server's user may read it."""

    @defer.inlineCallbacks
    def test_a_new_data_directory_is_0700_and_its_database_files_0600(self):
        path = self.mktemp()
        store = Store(path)
        store.prepare()
        self.addCleanup(store.close)
        yield store.create_account("Ann", "scrypt$x", CharacterRecord("ann", "Ann", "a:b"), 0)
        # The pool's connection is open: the WAL and shared-memory files exist now.
        names = sorted(os.listdir(path))
        self.assertEqual(names, ["mud.sqlite3", "mud.sqlite3-shm", "mud.sqlite3-wal"])
        self.assertEqual(mode(path), 0o700)
        self.assertEqual({name: mode(os.path.join(path, name)) for name in names},
                         dict.fromkeys(names, 0o600))

    def test_existing_loose_permissions_are_tightened_with_a_log_line(self):
        path = self.mktemp()
        os.makedirs(path)
        Store(path).prepare()
        os.chmod(path, 0o755)
        for name in PRIVATE_FILES:
            file = os.path.join(path, name)
            with open(file, "ab"):
                pass
            os.chmod(file, 0o644)
        logged: list[dict] = []
        globalLogPublisher.addObserver(logged.append)
        self.addCleanup(globalLogPublisher.removeObserver, logged.append)
        Store(path).prepare()
        self.assertEqual(mode(path), 0o700)
        # (SQLite removed the empty -wal and -shm files when it closed the database.)
        for name in ("mud.sqlite3", "secret.key"):
            self.assertEqual(mode(os.path.join(path, name)), 0o600, name)
        lines = [formatEvent(e) for e in logged if "tightened" in formatEvent(e)]
        self.assertEqual(len(lines), 1)
        self.assertIn(f"{path} 0755 -> 0700", lines[0])
        for name in PRIVATE_FILES:
            self.assertIn(f"{os.path.join(path, name)} 0644 -> 0600", lines[0])
        # Already private: nothing to say the next time.
        logged.clear()
        Store(path).prepare()
        self.assertEqual([e for e in logged if "tightened" in formatEvent(e)], [])


class RoleTests(unittest.TestCase):
    def setUp(self) -> None:
        self.store = Store(self.mktemp())
        self.store.prepare()
        self.addCleanup(self.store.close)

    @defer.inlineCallbacks
    def test_set_role_fires_with_the_old_one_and_keeps_the_last_admin(self):
        for name in ("Ann", "Bob"):
            yield self.store.create_account(name, "h", CharacterRecord(name.lower(), name,
                                                                       "a:b"), 0)
        self.assertEqual((yield self.store.get_account("ann")).role, "player")
        self.assertEqual((yield self.store.set_role("ann", "admin")), "player")
        self.assertIsNone((yield self.store.set_role("nobody", "admin")))
        yield self.assertFailure(self.store.set_role("ann", "player", keep_an_admin=True),
                                 LastAdmin)
        self.assertEqual((yield self.store.get_account("ann")).role, "admin")
        yield self.store.set_role("bob", "admin")
        self.assertEqual((yield self.store.set_role("ann", "builder", keep_an_admin=True)),
                         "admin")
        self.assertRaises(ValueError, self.store.set_role, "ann", "god")
