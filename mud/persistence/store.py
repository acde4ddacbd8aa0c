"""The SQLite store: accounts, characters, item locations and systems' declared state.

At start-up (before the reactor runs) ``prepare`` creates the schema and reads item
locations synchronously, so a broken data directory stops the server with a clear message.
While running, every call goes through an adbapi pool of one connection: it runs in a
worker thread, returns a Deferred, and writes are serialised in submission order.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from dataclasses import dataclass
from typing import Any

from twisted.enterprise import adbapi
from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud.engine.world import CharacterRecord, Snapshot

log = Logger()

SCHEMA_VERSION = 7
# The roles an account may have (mud/commands/registry.py grants their command sets).
ROLES = ("player", "builder", "admin")
# Files in the data directory only the server's user may read: the database holds password
# hashes (and so do its WAL and shared-memory files), secret.key signs resume tokens.
PRIVATE_FILES = ("mud.sqlite3", "mud.sqlite3-wal", "mud.sqlite3-shm", "secret.key")

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    password TEXT NOT NULL,
    created REAL NOT NULL,
    -- Resume tokens carry the generation they were issued in; bumping it revokes them all.
    token_generation INTEGER NOT NULL DEFAULT 0,
    -- Recent addresses that logged in with the right password, most recent first,
    -- space-separated (the login throttle does not hold these back for this name).
    login_addresses TEXT NOT NULL DEFAULT '',
    -- player, builder or admin (ROLES).
    role TEXT NOT NULL DEFAULT 'player'
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
-- Bans (mud/bans.py): kind is name, address or network; until is NULL for forever.
CREATE TABLE IF NOT EXISTS bans (
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    until REAL,
    reason TEXT NOT NULL,
    by TEXT NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (kind, target)
);
-- Admin API bearer tokens (mud/api_tokens.py), version 7: only a SHA-256 of each is kept.
CREATE TABLE IF NOT EXISTS api_tokens (
    label TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    created REAL NOT NULL,
    last_used REAL
);
-- Systems' declared world state: one JSON value per declared name.
CREATE TABLE IF NOT EXISTS world_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


class StoreError(Exception):
    """The data directory or database cannot be used; the message says why."""


class StoreUnavailable(StoreError):
    """A read or write failed at the storage level (disk full, read-only, I/O error).

    Nothing was written by the failed call (each is one transaction); trying again later
    may work."""

# Said to a player whose request needed the store while it is failing.
UNAVAILABLE_NOTICE = ("The server cannot write to its storage just now, so that could not "
                      "be done; the admins can see why in the log. Please try again in a "
                      "while.")


@dataclass(frozen=True)
class AccountRow:
    key: str
    name: str
    password: str
    token_generation: int = 0
    login_addresses: tuple[str, ...] = ()
    role: str = "player"


class LastAdmin(Exception):
    """The change would leave the game without an admin."""


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=5000")


class Store:
    """All persistent state of one server, in ``<data>/mud.sqlite3``."""

    def __init__(self, data_dir: str) -> None:
        self.data_dir = data_dir
        self.path = os.path.join(data_dir, "mud.sqlite3")
        self._pool: adbapi.ConnectionPool | None = None
        self._closed = False
        # The world_state rows read by prepare(), for the world to take before it runs.
        self.world_rows: list[tuple[str, str]] = []
        # The bans read by prepare() (version 6 added the table: older saves have none).
        self.ban_rows: list[tuple[Any, ...]] = []

    # -- start-up (synchronous: the reactor is not running yet) ---------------------------

    def prepare(self) -> list[tuple[str, str, str]]:
        """Create the data directory (0700) and schema (files 0600); return saved item
        locations. Looser permissions found on existing ones are tightened, with a log line."""
        try:
            os.makedirs(self.data_dir, mode=0o700, exist_ok=True)
            self._make_private()
            if not os.path.exists(self.path):
                # SQLite would create the database 0644, and it gives the -wal and -shm files
                # the database's mode: an empty file made 0600 is a new database they copy.
                with contextlib.suppress(FileExistsError):
                    os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            conn = sqlite3.connect(self.path)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{self.data_dir}: cannot use the data directory ({exc})") from None
        try:
            _configure(conn)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: written by a newer server (schema {version}, "
                                 f"this one knows {SCHEMA_VERSION}); upgrade the server")
            with conn:
                conn.executescript(SCHEMA)
                if version == 1:
                    # Version 2 added the colour choice.
                    conn.execute("ALTER TABLE characters ADD COLUMN colour TEXT NOT NULL "
                                 "DEFAULT 'auto'")
                if 1 <= version <= 2:
                    # Version 3 added token revocation and the addresses known to be good.
                    conn.execute("ALTER TABLE accounts ADD COLUMN token_generation INTEGER "
                                 "NOT NULL DEFAULT 0")
                    conn.execute("ALTER TABLE accounts ADD COLUMN login_addresses TEXT "
                                 "NOT NULL DEFAULT ''")
                if 1 <= version <= 3:
                    # Version 4 added systems' declared state (world_state is created by
                    # SCHEMA above): every existing character starts with none saved.
                    conn.execute("ALTER TABLE characters ADD COLUMN state TEXT NOT NULL "
                                 "DEFAULT '{}'")
                if 1 <= version <= 4:
                    # Version 5 added roles: every existing account is a player.
                    conn.execute("ALTER TABLE accounts ADD COLUMN role TEXT NOT NULL "
                                 "DEFAULT 'player'")
                # Version 6 added the bans table and version 7 the api_tokens table, both
                # made by SCHEMA above (empty): nothing to change in existing rows.
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            rows = conn.execute("SELECT item, kind, place FROM item_places").fetchall()
            self.world_rows = [tuple(r) for r in
                               conn.execute("SELECT key, value FROM world_state").fetchall()]
            self.ban_rows = [tuple(r) for r in conn.execute(
                "SELECT kind, target, until, reason, by, created FROM bans").fetchall()]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open the database ({exc})") from None
        finally:
            conn.close()
        return [tuple(r) for r in rows]

    def _make_private(self) -> None:
        """Take group and other permissions off the data directory and its private files."""
        tightened = []
        paths = [self.data_dir, *(os.path.join(self.data_dir, n) for n in PRIVATE_FILES)]
        for path in paths:
            try:
                mode = stat.S_IMODE(os.stat(path).st_mode)
            except OSError:
                continue  # missing (made private below), or unusable: prepare says why
            if not mode & 0o077:
                continue
            try:
                os.chmod(path, mode & ~0o077)
                tightened.append(f"{path} {mode:04o} -> {mode & ~0o077:04o}")
            except OSError as exc:
                # Not ours to change (another owner, a read-only or immutable directory):
                # say so and carry on; whether it is usable shows next.
                log.warn("{path} can be read by other users (mode {mode:04o}) and its "
                         "permissions could not be tightened: {why}", path=path, mode=mode,
                         why=exc.strerror)
        if tightened:
            log.warn("tightened permissions so other users cannot read password hashes: "
                     "{changes}", changes=", ".join(tightened))

    # -- running ----------------------------------------------------------------------------

    @property
    def pool(self) -> adbapi.ConnectionPool:
        if self._closed:
            raise StoreError(f"{self.path}: the store is closed")
        if self._pool is None:
            self._pool = adbapi.ConnectionPool(
                "sqlite3", self.path, check_same_thread=False, cp_min=1, cp_max=1,
                cp_openfun=_configure, cp_noisy=False)
        return self._pool

    def close(self) -> None:
        self._closed = True
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def _unavailable(self, failure: Failure) -> None:
        failure.trap(sqlite3.Error, OSError)
        raise StoreUnavailable(f"{self.path}: {failure.value}")

    def get_account(self, key: str) -> Deferred[AccountRow | None]:
        def found(rows: list[Any]) -> AccountRow | None:
            if not rows:
                return None
            key_, name, password, generation, addresses, role = rows[0]
            return AccountRow(key_, name, password, generation, tuple(addresses.split()),
                              role)
        d = self.pool.runQuery("SELECT key, name, password, token_generation, login_addresses, "
                               "role FROM accounts WHERE key = ?", (key,))
        return d.addCallbacks(found, self._unavailable)

    def get_character(self, key: str) -> Deferred[CharacterRecord | None]:
        def found(rows: list[Any]) -> CharacterRecord | None:
            if not rows:
                return None
            name, room, description, colour, state = rows[0]
            return CharacterRecord(key, name, room, description, colour, state)
        return self.pool.runQuery(
            "SELECT a.name, c.room, c.description, c.colour, c.state FROM characters c "
            "JOIN accounts a ON a.key = c.key WHERE c.key = ?",
            (key,)).addCallbacks(found, self._unavailable)

    def create_account(self, name: str, password_hash: str, record: CharacterRecord,
                       now: float) -> Deferred[bool]:
        """Add an account and its character; fires False if the name is taken."""
        def create(txn: Any) -> bool:
            try:
                txn.execute("INSERT INTO accounts (key, name, password, created) "
                            "VALUES (?, ?, ?, ?)", (record.key, name, password_hash, now))
            except sqlite3.IntegrityError:
                return False
            txn.execute("INSERT INTO characters (key, room, description, colour, state) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (record.key, record.room, record.description, record.colour,
                         record.state))
            return True
        return self.pool.runInteraction(create).addErrback(self._unavailable)

    def set_password(self, key: str, password_hash: str) -> Deferred[None]:
        """Change the password and, in the same transaction, revoke every resume token."""
        return self.pool.runOperation(
            "UPDATE accounts SET password = ?, token_generation = token_generation + 1 "
            "WHERE key = ?", (password_hash, key)).addErrback(self._unavailable)

    def revoke_tokens(self, key: str) -> Deferred[int | None]:
        """Bump the account's token generation; fires with the new one (None: no account)."""
        def bump(txn: Any) -> int | None:
            txn.execute("UPDATE accounts SET token_generation = token_generation + 1 "
                        "WHERE key = ?", (key,))
            txn.execute("SELECT token_generation FROM accounts WHERE key = ?", (key,))
            row = txn.fetchone()
            return row[0] if row else None
        return self.pool.runInteraction(bump).addErrback(self._unavailable)

    def set_role(self, key: str, role: str, keep_an_admin: bool = False
                 ) -> Deferred[str | None]:
        """Give account ``key`` the role ``role``; fires with the role it had (None: no such
        account). With ``keep_an_admin``, taking the role from the last admin fails with
        LastAdmin and changes nothing (checked in the same transaction)."""
        if role not in ROLES:
            raise ValueError(f"no role {role!r}")

        def change(txn: Any) -> str | None:
            txn.execute("SELECT role FROM accounts WHERE key = ?", (key,))
            row = txn.fetchone()
            if row is None:
                return None
            if keep_an_admin and row[0] == "admin" and role != "admin":
                txn.execute("SELECT COUNT(*) FROM accounts WHERE role = 'admin'")
                if txn.fetchone()[0] <= 1:
                    raise LastAdmin(key)
            txn.execute("UPDATE accounts SET role = ? WHERE key = ?", (role, key))
            return str(row[0])
        return self.pool.runInteraction(change).addErrback(self._unavailable)

    def add_ban(self, row: tuple[Any, ...]) -> Deferred[None]:
        """Store a ban (kind, target, until, reason, by, created), replacing one on the
        same target."""
        return self.pool.runOperation(
            "INSERT OR REPLACE INTO bans (kind, target, until, reason, by, created) "
            "VALUES (?, ?, ?, ?, ?, ?)", tuple(row)).addErrback(self._unavailable)

    def remove_ban(self, kind: str, target: str) -> Deferred[None]:
        return self.pool.runOperation("DELETE FROM bans WHERE kind = ? AND target = ?",
                                      (kind, target)).addErrback(self._unavailable)

    def add_api_token(self, label: str, digest: str, created: float) -> Deferred[bool]:
        """Store an admin API token's hash under ``label``; fires False if the label (or,
        against all odds, the hash) is taken."""
        def add(txn: Any) -> bool:
            try:
                txn.execute("INSERT INTO api_tokens (label, hash, created) VALUES (?, ?, ?)",
                            (label, digest, created))
            except sqlite3.IntegrityError:
                return False
            return True
        return self.pool.runInteraction(add).addErrback(self._unavailable)

    def api_tokens(self) -> Deferred[list[tuple[str, str, float, float | None]]]:
        """Every admin API token as (label, hash, created, last_used), oldest first."""
        return self.pool.runQuery(
            "SELECT label, hash, created, last_used FROM api_tokens ORDER BY created, label"
        ).addCallbacks(lambda rows: [tuple(r) for r in rows], self._unavailable)

    def remove_api_token(self, label: str) -> Deferred[bool]:
        """Forget the token ``label``; fires False if there was none."""
        def remove(txn: Any) -> bool:
            txn.execute("DELETE FROM api_tokens WHERE label = ?", (label,))
            return bool(txn.rowcount)
        return self.pool.runInteraction(remove).addErrback(self._unavailable)

    def touch_api_token(self, label: str, when: float) -> Deferred[None]:
        """Note that the token ``label`` was used at ``when``."""
        return self.pool.runOperation("UPDATE api_tokens SET last_used = ? WHERE label = ?",
                                      (when, label)).addErrback(self._unavailable)

    def set_login_addresses(self, key: str, addresses: tuple[str, ...]) -> Deferred[None]:
        """Remember the addresses that recently logged in to ``key`` with its password."""
        return self.pool.runOperation(
            "UPDATE accounts SET login_addresses = ? WHERE key = ?",
            (" ".join(addresses), key)).addErrback(self._unavailable)

    def save(self, snapshot: Snapshot) -> Deferred[None]:
        """Write a snapshot in one transaction: all of it lands, or none of it."""
        chars = [(c.room, c.description, c.colour, c.state, c.key)
                 for c in snapshot.characters]
        items = list(snapshot.items)
        world = list(snapshot.world)

        def write(txn: Any) -> None:
            # An empty state is "not known" (a fallback file from before schema 4): the
            # row keeps the state it has.
            txn.executemany("UPDATE characters SET room = ?, description = ?, colour = ?, "
                            "state = COALESCE(NULLIF(?, ''), state) WHERE key = ?", chars)
            txn.executemany("INSERT INTO item_places (item, kind, place) VALUES (?, ?, ?) "
                            "ON CONFLICT(item) DO UPDATE SET kind = excluded.kind, "
                            "place = excluded.place", items)
            if world:
                txn.executemany("INSERT INTO world_state (key, value) VALUES (?, ?) "
                                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                world)
        return self.pool.runInteraction(write).addErrback(self._unavailable)

    # -- claims (mud/cluster/claims.py) -----------------------------------------------------
    # One daemon owns an SQLite store: no other realm can hold its characters, so a claim
    # is always granted and nothing is kept (the shared PostgreSQL store keeps them).

    def claim(self, key: str, realm: str, now: float, stale_after: float
              ) -> Deferred[str | None]:
        """Fires None: ``key`` is ``realm``'s (always, here)."""
        return succeed(None)

    def release(self, key: str, realm: str) -> Deferred[None]:
        return succeed(None)

    def beat(self, realm: str, now: float) -> Deferred[None]:
        return succeed(None)

    def release_realm(self, realm: str) -> Deferred[None]:
        return succeed(None)
