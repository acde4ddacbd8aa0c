"""The sysadmin's role changes from the shell: how the first admin is made.

    mud-role promote NAME [ROLE] [--data DIR] [--store URL] [--config FILE]  (admin by default)
    mud-role demote NAME [--data DIR] [--store URL] [--config FILE]
    python -m mud.role_tool ...                                  (the same, uninstalled)

Writes the account's role in the store (``<data>/mud.sqlite3``, or the PostgreSQL database
``--store postgresql://...`` names, shared by realms; either must exist: start the server
once first). Safe while the server runs: the database serialises the write with the
server's, and the server reads the stored role at each login and whenever a role's command
is refused, so a promoted player may use the role's commands at once. The data directory
and store come from ``--data`` and ``--store``, else the config file and MUD_* variables,
as for the server. The
change is printed and logged (the server logs it too when it notices).
"""

from __future__ import annotations

import argparse
import sys

from twisted.logger import Logger, globalLogBeginner, textFileLogObserver

from mud.errors import StartupError
from mud.persistence.offline import run_store_call
from mud.persistence.store import ROLES, StoreError
from mud.roles import RoleProblem, article, change_role, role_problem
from mud.shell_options import add_data_options, data_and_store

log = Logger()


def set_role(data_dir: str, name: str, role: str, store_url: str = "") -> tuple[str, str]:
    """Give ``name`` the role ``role`` in the store under ``data_dir`` (or at ``store_url``);
    the old role and the name as spelt. Raises RoleProblem (no such character, already that
    role, bad role)."""
    problem = role_problem(role)
    if problem:
        raise RoleProblem(problem)
    return run_store_call(data_dir, lambda store: change_role(
        store, name, role, by="the sysadmin", where="from the shell, mud-role"), store_url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="mud-role",
        description="Change a character's role (player, builder, admin): how the first admin "
                    "is made. Safe while the server runs; the change works at once.")
    actions = parser.add_subparsers(dest="action", required=True)
    promote = actions.add_parser("promote", help="give a character a role (admin by default)")
    promote.add_argument("name", metavar="NAME")
    promote.add_argument("role", metavar="ROLE", nargs="?", default="admin",
                         help=f"one of {', '.join(ROLES)} (default: admin)")
    demote = actions.add_parser("demote", help="make a character a player again")
    demote.add_argument("name", metavar="NAME")
    add_data_options(parser, promote, demote)
    args = parser.parse_args(argv)
    role = args.role.lower() if args.action == "promote" else "player"
    # The change's log line goes to stderr, as the server's would go to its log.
    globalLogBeginner.beginLoggingTo([textFileLogObserver(sys.stderr)],
                                     redirectStandardIO=False)
    try:
        data, store_url = data_and_store(args)
        old, shown = set_role(data, args.name, role, store_url)
    except (StartupError, StoreError, RoleProblem) as exc:
        print(f"mud-role: {exc}", file=sys.stderr)
        return 1
    print(f"{shown} is now {article(role)} (was {article(old)}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
