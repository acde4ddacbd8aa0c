"""The PostgreSQL store: what the SQLite store keeps, shared by the daemons of several realms.

``PgStore`` has the SQLite ``Store``'s interface (mud/persistence/store.py), so the game
cannot tell them apart. Accounts, characters, bans and admin API tokens are shared by every
realm on the database; item places and systems' world state belong to one realm (a
``realm`` column in their keys), since each realm runs a world of its own. The ``online``
table holds the realms' claims on characters (mud/cluster/claims.py): one body per account
across the cluster.

At start-up ``prepare`` connects synchronously (the reactor is not running yet), creates or
migrates the schema (pg_schema.py) and reads this realm's item places, world state and the
bans, so an unreachable or too-new database stops the server with a clear message. While
running, every call goes through an adbapi pool of one connection (in submission order, as
with SQLite). Losing the connection fails the call with StoreUnavailable, as a failing disk
does with SQLite: saves are kept and retried, logins refused in words; the next call
connects again. The URL's password never appears in a message or log line.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import psycopg
from twisted.enterprise import adbapi
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from mud.engine.world import CharacterRecord, Snapshot
from mud.persistence import pg_schema
from mud.persistence.pg_url import parse_url, redact, scrub
from mud.persistence.store import ROLES, AccountRow, LastAdmin, StoreError, StoreUnavailable

# What a lost or refused connection raises: the storage is away, not our code.
LOST = (psycopg.OperationalError, psycopg.InterfaceError, adbapi.ConnectionLost)
# Seconds to wait for a connection (a host that drops packets) unless the URL says.
CONNECT_TIMEOUT = 10
# Unless the URL says: a silent peer (a partition, a host gone) fails the call within
# about 30 s, instead of holding the store's one connection until the kernel gives up.
TCP_OPTIONS = {"keepalives": 1, "keepalives_idle": 15, "keepalives_interval": 5,
               "keepalives_count": 3, "tcp_user_timeout": 30000}
# Unless the URL sets its own server options: a statement that waits longer (on a lock
# some other program holds, a PostgreSQL that answers the network but not the query)
# fails as the storage being away, rather than holding the one connection (and with it
# the realm's claim beats) past the life of a claim.
STATEMENT_TIMEOUT_MS = 30000


class _QuietPipelineEnd(logging.Filter):
    """psycopg warns (stdlib logging) as it drops a save's pipeline on a lost connection:
    the save's own failure already says so, in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "error ignored terminating" not in record.getMessage()


logging.getLogger("psycopg").addFilter(_QuietPipelineEnd())


class _Connection(adbapi.Connection):
    """adbapi's connection wrapper, made quiet about connections the server dropped."""

    def rollback(self) -> None:
        # adbapi's own (with cp_reconnect) logs a traceback for each dead connection;
        # PostgreSQL going away is a storage fault the caller reports in one line. A dead
        # connection is forgotten, so the next call on this thread connects again.
        raw = self._connection
        try:
            if not raw.closed:
                raw.rollback()
                return
        except psycopg.Error:
            pass
        self._pool.disconnect(raw)


class _Lost(Exception):
    """The connection broke inside an interaction, before its commit: PostgreSQL rolled the
    transaction back, so running it again cannot apply it twice."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class _Pool(adbapi.ConnectionPool):
    """A pool whose interactions survive one stale connection.

    A connection PostgreSQL closed while it sat idle (a restart, an admin ending it) only
    shows it at its next use; that call is run once more on a new connection. A failure
    at the commit is never run again (it may have landed), nor a refused connection."""

    connectionFactory = _Connection

    def _runInteraction(self, interaction: Any, *args: Any, **kw: Any) -> Any:
        def marked(txn: Any, *a: Any, **k: Any) -> Any:
            try:
                return interaction(txn, *a, **k)
            except LOST as exc:
                raise _Lost(exc) from exc
        try:
            return super()._runInteraction(marked, *args, **kw)
        except _Lost:
            return super()._runInteraction(interaction, *args, **kw)


class PgStore:
    """All persistent state of the realms sharing one PostgreSQL database."""

    def __init__(self, url: str, realm: str = "", data_dir: str = "",
                 create: bool = True) -> None:
        """``data_dir`` still holds the server's secret key and fallback files; ``create``
        False (the shell tools) refuses a database the server never set up."""
        self.params = parse_url(url)
        self.url = url
        # How the store is named in messages: never with the password.
        self.path = self.where = redact(url)
        self.realm = realm
        self.data_dir = data_dir
        self.create = create
        self._pool: _Pool | None = None
        self._closed = False
        self.world_rows: list[tuple[str, str]] = []
        self.ban_rows: list[tuple[Any, ...]] = []

    def _connect_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {k: v for k, v in TCP_OPTIONS.items()
                                   if k not in self.params}
        if "connect_timeout" not in self.params:
            options["connect_timeout"] = CONNECT_TIMEOUT
        if "options" not in self.params:
            options["options"] = f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
        if "application_name" not in self.params:
            # Seen in pg_stat_activity: which realm's daemon holds a connection (prepare
            # looks for another daemon of the same realm by it; a shell tool is not one).
            options["application_name"] = self._application_name()
        return options

    def _application_name(self) -> str:
        if not self.create:
            return "emberfall tool"
        return f"emberfall {self.realm}".strip()[:63]

    def _same_realm_elsewhere(self, conn: Any) -> None:
        """Refuse to start a second daemon of this realm on this database: the two would
        load the same characters and write over each other's items and world state."""
        if not self.create or not self.realm or "application_name" in self.params:
            return
        other = conn.execute(
            "SELECT client_addr FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = %s AND pid <> pg_backend_pid() LIMIT 1",
            (self._application_name(),)).fetchone()
        if other is not None:
            raise StoreError(f"{self.where}: realm {self.realm!r} is already served by "
                             f"another daemon on this database (connected from "
                             f"{other[0] or 'this host'}): give each daemon its own --realm, "
                             "or stop the other first")

    # -- start-up (synchronous: the reactor is not running yet) ---------------------------

    def prepare(self) -> list[tuple[str, str, str]]:
        """Create or migrate the schema; read this realm's item places (returned), its world
        state (``world_rows``) and the bans (``ban_rows``). Raises StoreError."""
        if self.data_dir and self.create:
            # The server's secret key and fallback files still live there (0700, as the
            # SQLite store makes it: the key signs resume tokens).
            try:
                os.makedirs(self.data_dir, mode=0o700, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.data_dir}: cannot use the data directory "
                                 f"({exc})") from None
        try:
            conn = psycopg.connect(self.url, **self._connect_options())
        except psycopg.Error as exc:
            raise StoreError(f"{self.where}: cannot connect to PostgreSQL "
                             f"({scrub(str(exc), self.url)})") from None
        try:
            with conn.transaction():
                pg_schema.bring_up_to_date(conn, self.where, self.create)
            self._same_realm_elsewhere(conn)
            places = conn.execute("SELECT item, kind, place FROM item_places WHERE realm = %s",
                                  (self.realm,)).fetchall()
            self.world_rows = [tuple(r) for r in conn.execute(
                "SELECT key, value FROM world_state WHERE realm = %s", (self.realm,))]
            self.ban_rows = [tuple(r) for r in conn.execute(
                'SELECT kind, target, until, reason, "by", created FROM bans')]
        except psycopg.Error as exc:
            raise StoreError(f"{self.where}: cannot use the database "
                             f"({scrub(str(exc), self.url)})") from None
        finally:
            conn.close()
        return [tuple(r) for r in places]

    # -- running ----------------------------------------------------------------------------

    @property
    def pool(self) -> adbapi.ConnectionPool:
        if self._closed:
            raise StoreError(f"{self.where}: the store is closed")
        if self._pool is None:
            # One connection: calls run in the order they were made, as with SQLite.
            self._pool = _Pool("psycopg", self.url, cp_min=1, cp_max=1, cp_noisy=False,
                               cp_reconnect=True, **self._connect_options())
        return self._pool

    def close(self) -> None:
        self._closed = True
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def _unavailable(self, failure: Failure) -> None:
        failure.trap(*LOST)
        raise StoreUnavailable(f"{self.where}: {scrub(str(failure.value), self.url)}")

    def _run(self, interaction: Any, *args: Any) -> Deferred[Any]:
        return self.pool.runInteraction(interaction, *args).addErrback(self._unavailable)

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> Deferred[list[tuple[Any, ...]]]:
        return self.pool.runQuery(sql, args).addErrback(self._unavailable)

    def _operation(self, sql: str, args: tuple[Any, ...]) -> Deferred[None]:
        return self.pool.runOperation(sql, args).addErrback(self._unavailable)

    # -- accounts and characters (shared by every realm) ----------------------------------

    def get_account(self, key: str) -> Deferred[AccountRow | None]:
        def found(rows: list[Any]) -> AccountRow | None:
            if not rows:
                return None
            key_, name, password, generation, addresses, role = rows[0]
            return AccountRow(key_, name, password, generation, tuple(addresses.split()),
                              role)
        return self._query("SELECT key, name, password, token_generation, login_addresses, "
                           "role FROM accounts WHERE key = %s", (key,)).addCallback(found)

    def get_character(self, key: str) -> Deferred[CharacterRecord | None]:
        def found(rows: list[Any]) -> CharacterRecord | None:
            if not rows:
                return None
            name, room, description, colour, state = rows[0]
            return CharacterRecord(key, name, room, description, colour, state)
        return self._query(
            "SELECT a.name, c.room, c.description, c.colour, c.state FROM characters c "
            "JOIN accounts a ON a.key = c.key WHERE c.key = %s", (key,)).addCallback(found)

    def create_account(self, name: str, password_hash: str, record: CharacterRecord,
                       now: float) -> Deferred[bool]:
        """Add an account and its character; fires False if the name is taken (by any
        realm: two creating it at once, one wins)."""
        def create(txn: Any) -> bool:
            txn.execute("INSERT INTO accounts (key, name, password, created) "
                        "VALUES (%s, %s, %s, %s) ON CONFLICT (key) DO NOTHING",
                        (record.key, name, password_hash, now))
            if txn.rowcount != 1:
                return False
            txn.execute("INSERT INTO characters (key, room, description, colour, state) "
                        "VALUES (%s, %s, %s, %s, %s)",
                        (record.key, record.room, record.description, record.colour,
                         record.state))
            return True
        return self._run(create)

    def set_password(self, key: str, password_hash: str) -> Deferred[None]:
        """Change the password and, in the same transaction, revoke every resume token."""
        return self._operation(
            "UPDATE accounts SET password = %s, token_generation = token_generation + 1 "
            "WHERE key = %s", (password_hash, key))

    def revoke_tokens(self, key: str) -> Deferred[int | None]:
        """Bump the account's token generation; fires with the new one (None: no account)."""
        return self._query(
            "UPDATE accounts SET token_generation = token_generation + 1 WHERE key = %s "
            "RETURNING token_generation", (key,)).addCallback(
                lambda rows: rows[0][0] if rows else None)

    def set_role(self, key: str, role: str, keep_an_admin: bool = False
                 ) -> Deferred[str | None]:
        """As Store.set_role; the admins' rows are locked while counting, so two realms
        demoting the last two admins at once cannot both succeed."""
        if role not in ROLES:
            raise ValueError(f"no role {role!r}")

        def change(txn: Any) -> str | None:
            txn.execute("SELECT role FROM accounts WHERE key = %s FOR UPDATE", (key,))
            row = txn.fetchone()
            if row is None:
                return None
            if keep_an_admin and row[0] == "admin" and role != "admin":
                txn.execute("SELECT key FROM accounts WHERE role = 'admin' FOR UPDATE")
                if len(txn.fetchall()) <= 1:
                    raise LastAdmin(key)
            txn.execute("UPDATE accounts SET role = %s WHERE key = %s", (role, key))
            return str(row[0])
        return self._run(change)

    def set_login_addresses(self, key: str, addresses: tuple[str, ...]) -> Deferred[None]:
        """Remember the addresses that recently logged in to ``key`` with its password."""
        return self._operation("UPDATE accounts SET login_addresses = %s WHERE key = %s",
                               (" ".join(addresses), key))

    # -- bans and admin API tokens (shared) -------------------------------------------------

    def add_ban(self, row: tuple[Any, ...]) -> Deferred[None]:
        """Store a ban (kind, target, until, reason, by, created), replacing one on the
        same target."""
        return self._operation(
            'INSERT INTO bans (kind, target, until, reason, "by", created) '
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (kind, target) DO UPDATE SET "
            'until = excluded.until, reason = excluded.reason, "by" = excluded."by", '
            "created = excluded.created", tuple(row))

    def remove_ban(self, kind: str, target: str) -> Deferred[None]:
        return self._operation("DELETE FROM bans WHERE kind = %s AND target = %s",
                               (kind, target))

    def add_api_token(self, label: str, digest: str, created: float) -> Deferred[bool]:
        """Store an admin API token's hash under ``label``; fires False if the label (or
        the hash) is taken."""
        def add(txn: Any) -> bool:
            txn.execute("INSERT INTO api_tokens (label, hash, created) VALUES (%s, %s, %s) "
                        "ON CONFLICT DO NOTHING", (label, digest, created))
            return bool(txn.rowcount == 1)
        return self._run(add)

    def api_tokens(self) -> Deferred[list[tuple[str, str, float, float | None]]]:
        """Every admin API token as (label, hash, created, last_used), oldest first."""
        return self._query("SELECT label, hash, created, last_used FROM api_tokens "
                           "ORDER BY created, label").addCallback(
                               lambda rows: [tuple(r) for r in rows])

    def remove_api_token(self, label: str) -> Deferred[bool]:
        """Forget the token ``label``; fires False if there was none."""
        def remove(txn: Any) -> bool:
            txn.execute("DELETE FROM api_tokens WHERE label = %s", (label,))
            return bool(txn.rowcount)
        return self._run(remove)

    def touch_api_token(self, label: str, when: float) -> Deferred[None]:
        return self._operation("UPDATE api_tokens SET last_used = %s WHERE label = %s",
                               (when, label))

    # -- saves (characters shared; item places and world state this realm's) -------------

    def save(self, snapshot: Snapshot) -> Deferred[None]:
        """Write a snapshot in one transaction: all of it lands, or none of it."""
        chars = [(c.room, c.description, c.colour, c.state, c.key)
                 for c in snapshot.characters]
        items = [(self.realm, *row) for row in snapshot.items]
        world = [(self.realm, *row) for row in snapshot.world]

        def write(txn: Any) -> None:
            # An empty state is "not known" (a fallback file from before schema 4): the
            # row keeps the state it has.
            if chars:
                # Never over a character another realm holds: this realm lost its claim
                # (its store was away longer than a claim lasts) and the other's play is
                # the one that counts now.
                txn.executemany("UPDATE characters SET room = %s, description = %s, "
                                "colour = %s, state = COALESCE(NULLIF(%s, ''), state) "
                                "WHERE key = %s AND NOT EXISTS (SELECT 1 FROM online "
                                "WHERE online.key = characters.key AND online.realm <> %s)",
                                [(*row, self.realm) for row in chars])
            if items:
                txn.executemany("INSERT INTO item_places (realm, item, kind, place) "
                                "VALUES (%s, %s, %s, %s) ON CONFLICT (realm, item) DO UPDATE "
                                "SET kind = excluded.kind, place = excluded.place", items)
            if world:
                txn.executemany("INSERT INTO world_state (realm, key, value) "
                                "VALUES (%s, %s, %s) ON CONFLICT (realm, key) DO UPDATE "
                                "SET value = excluded.value", world)
        return self._run(write)

    # -- claims: one body per account across the realms ----------------------------------

    def claim(self, key: str, realm: str, now: float, stale_after: float
              ) -> Deferred[str | None]:
        """Claim character ``key`` for ``realm``: fires None when it is that realm's now
        (it was free, already that realm's, or held by a realm whose last beat is at least
        ``stale_after`` seconds before ``now``), else the name of the realm holding it."""
        def take(txn: Any) -> str | None:
            # The upsert takes the row or leaves it, atomically; when it leaves it, the
            # holder is read. A holder that let go in between: try again.
            for _ in range(3):
                txn.execute(
                    "INSERT INTO online AS o (key, realm, since, beat) "
                    "VALUES (%s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET "
                    "realm = excluded.realm, beat = excluded.beat, since = CASE WHEN "
                    "o.realm = excluded.realm THEN o.since ELSE excluded.since END "
                    "WHERE o.realm = excluded.realm OR o.beat <= %s RETURNING o.realm",
                    (key, realm, now, now, now - stale_after))
                if txn.fetchone() is not None:
                    return None
                txn.execute("SELECT realm FROM online WHERE key = %s", (key,))
                holder = txn.fetchone()
                if holder is not None:
                    return str(holder[0])
            raise StoreUnavailable(f"{self.where}: the claim on {key} kept changing hands")
        return self._run(take)

    def release(self, key: str, realm: str) -> Deferred[None]:
        """Give back ``realm``'s claim on ``key`` (another realm's is left alone)."""
        return self._operation("DELETE FROM online WHERE key = %s AND realm = %s",
                               (key, realm))

    def beat(self, realm: str, now: float) -> Deferred[int]:
        """Keep all of ``realm``'s claims alive: one UPDATE, however many there are; fires
        with how many it kept (fewer than the realm holds: another realm took some)."""
        def renew(txn: Any) -> int:
            txn.execute("UPDATE online SET beat = %s WHERE realm = %s", (now, realm))
            return int(txn.rowcount)
        return self._run(renew)

    def claimed(self, realm: str) -> Deferred[set[str]]:
        """The keys ``realm`` holds claims on."""
        return self._query("SELECT key FROM online WHERE realm = %s", (realm,)).addCallback(
            lambda rows: {str(row[0]) for row in rows})

    def release_realm(self, realm: str) -> Deferred[None]:
        """Give back every claim of ``realm`` (at its start: a crash's leftovers; at a
        clean stop, once everything is saved)."""
        return self._operation("DELETE FROM online WHERE realm = %s", (realm,))

    def online_rows(self) -> Deferred[list[tuple[str, str, float, float]]]:
        """Every claim as (key, realm, since, beat): for admins and tests."""
        return self._query("SELECT key, realm, since, beat FROM online ORDER BY key")
