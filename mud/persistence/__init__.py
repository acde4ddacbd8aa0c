"""Keeping state: accounts, characters and moved items, in SQLite in the data directory
(the default) or in a PostgreSQL database shared by several realms, off the reactor."""

from __future__ import annotations

from typing import Any


def open_store(data_dir: str, url: str = "", realm: str = "", create: bool = True) -> Any:
    """The store a server (or, with ``create`` False, a shell tool) uses: SQLite in
    ``data_dir`` when ``url`` is empty, else the PostgreSQL database at ``url``, holding
    ``realm``'s item places and world state. Nothing is opened until ``prepare()``.
    Raises StoreError for a URL that is not a PostgreSQL one (the message never shows
    its password)."""
    from mud.persistence.store import Store, StoreError
    if not url:
        return Store(data_dir)
    # Imported here: a lone daemon on SQLite never loads psycopg.
    from mud.persistence.pg_store import PgStore
    try:
        return PgStore(url, realm, data_dir, create=create)
    except ValueError as exc:
        raise StoreError(str(exc)) from None
