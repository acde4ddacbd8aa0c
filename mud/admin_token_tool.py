"""The sysadmin's admin API tokens, from the shell.

    mud-admin-token create LABEL [--data DIR] [--store URL] [--config FILE]  (prints it once)
    mud-admin-token list [--data DIR] [--store URL] [--config FILE]
    mud-admin-token revoke LABEL [--data DIR] [--store URL] [--config FILE]
    python -m mud.admin_token_tool ...                                       (the same)

Works on the server's store (``<data>/mud.sqlite3``, or the PostgreSQL database
``--store postgresql://...`` names; either must exist: start the server once first), found
as mud-role finds it: ``--data`` and ``--store``, else the config file and MUD_* variables.
Safe while the server runs: it reads the tokens at each API request, so a token made here
works at once and a revoked one is refused at once.
Only a hash of the token is stored; it is printed here and nowhere else.
"""

from __future__ import annotations

import argparse
import sys
import time

from mud import api_tokens
from mud.api_tokens import TokenProblem
from mud.errors import StartupError
from mud.persistence.offline import run_store_call
from mud.persistence.store import StoreError
from mud.shell_options import add_data_options, data_and_store


def _when(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


def run(data_dir: str, action: str, label: str | None, store_url: str = "") -> str:
    """Do ``action`` (create, list, revoke) on the store under ``data_dir`` (or at
    ``store_url``); what to print. Raises TokenProblem or StoreError."""
    if action == "create":
        assert label is not None
        token = run_store_call(data_dir, lambda store: api_tokens.create(store, label,
                                                                         time.time()),
                               store_url)
        return (f"{token}\n"
                f"Token '{label}' created. Keep it now: it is not stored and cannot be shown "
                "again.\nUse it as: Authorization: Bearer <token> (see docs/admin-api.md).")
    if action == "revoke":
        assert label is not None
        run_store_call(data_dir, lambda store: api_tokens.revoke(store, label), store_url)
        return f"Token '{label}' is revoked: requests bearing it are refused from now on."
    tokens = run_store_call(data_dir, api_tokens.listing, store_url)
    if not tokens:
        return "No admin API tokens. Make one with: mud-admin-token create LABEL"
    width = max(len(t.label) for t in tokens)
    return "\n".join(f"{t.label:<{width}}  created {_when(t.created)}  last used "
                     f"{_when(t.last_used)}" for t in tokens)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mud-admin-token",
        description="Make, list and revoke bearer tokens for the admin HTTP API "
                    "(/api/admin/...). Safe while the server runs.")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="make a token and print it (once)")
    create.add_argument("label", metavar="LABEL",
                        help="a name for it, shown in the audit log (e.g. deploy-bot)")
    listed = actions.add_parser("list", help="list tokens: label, created, last used")
    revoke = actions.add_parser("revoke", help="refuse a token from now on")
    revoke.add_argument("label", metavar="LABEL")
    add_data_options(parser, create, listed, revoke)
    args = parser.parse_args(argv)
    try:
        data, store_url = data_and_store(args)
        print(run(data, args.action, getattr(args, "label", None), store_url))
    except (StartupError, StoreError, TokenProblem) as exc:
        print(f"mud-admin-token: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
