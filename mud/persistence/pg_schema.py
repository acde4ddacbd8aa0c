"""The PostgreSQL store's schema, and bringing a database up to date with it.

Versioned as the SQLite store is (mud/persistence/store.py), with a one-row
``schema_version`` table in place of SQLite's user_version: a database written by a newer
server is refused; an older one is migrated step by step, each step the statements of
``MIGRATIONS[n]`` that take version n-1 to n, all in the one transaction that checks the
version. An advisory lock makes daemons that start together take turns, so exactly one of
them creates or migrates the schema.
"""

from __future__ import annotations

from typing import Any

from mud.persistence.store import StoreError

SCHEMA_VERSION = 1
# Any number, the same in every daemon: the lock that serialises schema changes.
SCHEMA_LOCK = 0x456D6265  # "Embe"

# The shapes follow the SQLite store's version 7. Shared by every realm: accounts,
# characters, bans, api_tokens. One realm's: item_places and world_state (realm in the
# key). New here: online, the realms' claims on characters (mud/cluster/claims.py).
VERSION_1 = [
    """CREATE TABLE accounts (
        key TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        password TEXT NOT NULL,
        created DOUBLE PRECISION NOT NULL,
        token_generation INTEGER NOT NULL DEFAULT 0,
        login_addresses TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL DEFAULT 'player'
    )""",
    """CREATE TABLE characters (
        key TEXT PRIMARY KEY REFERENCES accounts(key),
        room TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        colour TEXT NOT NULL DEFAULT 'auto',
        state TEXT NOT NULL DEFAULT '{}'
    )""",
    """CREATE TABLE item_places (
        realm TEXT NOT NULL,
        item TEXT NOT NULL,
        kind TEXT NOT NULL,
        place TEXT NOT NULL,
        PRIMARY KEY (realm, item)
    )""",
    """CREATE TABLE bans (
        kind TEXT NOT NULL,
        target TEXT NOT NULL,
        until DOUBLE PRECISION,
        reason TEXT NOT NULL,
        "by" TEXT NOT NULL,
        created DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (kind, target)
    )""",
    """CREATE TABLE api_tokens (
        label TEXT PRIMARY KEY,
        hash TEXT NOT NULL UNIQUE,
        created DOUBLE PRECISION NOT NULL,
        last_used DOUBLE PRECISION
    )""",
    """CREATE TABLE world_state (
        realm TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (realm, key)
    )""",
    # since: when the realm took it; beat: the realm's last sign of life (its clock).
    """CREATE TABLE online (
        key TEXT PRIMARY KEY,
        realm TEXT NOT NULL,
        since DOUBLE PRECISION NOT NULL,
        beat DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX online_by_realm ON online (realm)",
]

# MIGRATIONS[n]: from version n-1 to n (0: an empty database).
MIGRATIONS: dict[int, list[str]] = {1: VERSION_1}


def current_version(conn: Any) -> int:
    """The database's schema version: 0 when it has no schema_version table."""
    if conn.execute("SELECT to_regclass('schema_version')").fetchone()[0] is None:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def bring_up_to_date(conn: Any, where: str, create: bool = True,
                     target: int = SCHEMA_VERSION) -> int:
    """Create or migrate the schema on ``conn`` (inside the caller's transaction) to
    ``target``; the version found. Raises StoreError for a newer schema, or for an empty
    database when ``create`` is False (a shell tool never sets up a new store)."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
    version = current_version(conn)
    if version > target:
        raise StoreError(f"{where}: written by a newer server (schema {version}, this one "
                         f"knows {target}); upgrade the server")
    if version == 0 and not create:
        raise StoreError(f"{where} holds no Emberfall store (start the server on it once "
                         "first)")
    if version == target:
        return version
    if version == 0:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.execute("INSERT INTO schema_version (version) VALUES (0)")
    for step in range(version + 1, target + 1):
        for statement in MIGRATIONS[step]:
            conn.execute(statement)
    conn.execute("UPDATE schema_version SET version = %s", (target,))
    return version
