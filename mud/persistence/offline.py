"""One store call from a command-line tool (an admin's, run beside or instead of the server).

Opens ``<data>/mud.sqlite3``, or the PostgreSQL database a store URL names (either must
exist: a tool never makes a new, empty store), runs the call under a reactor of its own and
closes the store again. The database serialises the write with a running server's, so
tools that only bump a counter or add rows are safe while it runs; those that overwrite
game state (restoring unsaved records) say to stop it first.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.task import react

from mud.persistence import open_store
from mud.persistence.store import Store, StoreError


def run_store_call(data_dir: str, call: Callable[[Store], Deferred[Any]],
                   store_url: str = "", realm: str = "") -> Any:
    """``call(store)``'s result, on the store at ``store_url`` (PostgreSQL; ``realm``'s
    item places and world state) or else the one in ``data_dir``. Raises StoreError when
    there is no usable store there, and whatever the call failed with."""
    if not store_url and not os.path.isfile(os.path.join(data_dir, "mud.sqlite3")):
        raise StoreError(f"{data_dir} holds no mud.sqlite3")
    store = open_store(data_dir, store_url, realm, create=False)
    store.prepare()
    outcome: list[Any] = []

    def run(reactor: Any) -> Deferred[None]:
        def done(result: Any) -> None:
            store.close()
            outcome.append(result)
        return call(store).addBoth(done)
    try:
        react(run)
    except SystemExit as exit_:
        if exit_.code:
            raise
    result = outcome[0]
    if hasattr(result, "raiseException"):
        result.raiseException()
    return result
