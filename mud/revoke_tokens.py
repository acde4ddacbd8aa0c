"""An admin's revocation of a character's web resume tokens, from the shell.

    python -m mud.revoke_tokens NAME [NAME ...] [--data DIR] [--store URL] [--config FILE]

Bumps each account's token generation in the store (as ``quit`` and a password change
do), so every resume token issued for it so far is refused; the player logs in with the
password again. Safe while the server runs: it reads the generation from the store at
every resume. The data directory and store come from ``--data`` and ``--store``, else the
config file and MUD_* variables, as for the server.
"""

from __future__ import annotations

import argparse
import sys

from mud.errors import StartupError
from mud.persistence.offline import run_store_call
from mud.persistence.store import StoreError
from mud.shell_options import add_data_options, data_and_store


def revoke(data_dir: str, names: list[str], store_url: str = "") -> dict[str, int | None]:
    """Each name's new token generation (None: no such account)."""
    from twisted.internet.defer import gatherResults

    keys = [name.lower() for name in names]
    generations = run_store_call(data_dir, lambda store: gatherResults(
        [store.revoke_tokens(key) for key in keys], consumeErrors=True), store_url)
    return dict(zip(names, generations, strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mud.revoke_tokens",
        description="Revoke every web resume token of the named characters: they must log "
                    "in with their password again. Safe while the server runs.")
    parser.add_argument("names", nargs="+", metavar="NAME", help="a character's name")
    add_data_options(parser)
    args = parser.parse_args(argv)
    try:
        data, store_url = data_and_store(args)
        revoked = revoke(data, args.names, store_url)
    except (StartupError, StoreError) as exc:
        print(f"mud.revoke_tokens: {exc}", file=sys.stderr)
        return 1
    missing = [name for name, generation in revoked.items() if generation is None]
    for name, generation in revoked.items():
        if generation is not None:
            print(f"{name}: every resume token issued so far is revoked.")
    for name in missing:
        print(f"mud.revoke_tokens: there is no character called {name!r}.", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
