"""Where the sysadmin's shell tools (mud-role, mud-admin-token, revoke_tokens) find the
server's data: ``--data``, ``--store`` and ``--config`` taken as the server takes them,
before or after a tool's subcommand ("mud-role promote Ann --data /srv/mud",
"mud-admin-token list --store postgresql://mud@db/mud")."""

from __future__ import annotations

import argparse

from mud.config import load_settings


def add_data_options(parser: argparse.ArgumentParser,
                     *subcommands: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", help="the data directory (default: as the server's)")
    parser.add_argument("--store", help="the server's PostgreSQL URL, when it keeps its "
                                        "accounts there (default: as the server's; none: "
                                        "SQLite in the data directory)")
    parser.add_argument("--config", help="the server's config file, to find the data "
                                         "directory in")
    for sub in subcommands:
        sub.add_argument("--data", dest="sub_data", help=argparse.SUPPRESS)
        sub.add_argument("--store", dest="sub_store", help=argparse.SUPPRESS)
        sub.add_argument("--config", dest="sub_config", help=argparse.SUPPRESS)


def data_and_store(args: argparse.Namespace) -> tuple[str, str]:
    """The data directory and the store URL ("" for SQLite in that directory) the options
    name, as the server would find them. Raises StartupError (a bad URL, say)."""
    config = getattr(args, "sub_config", None) or args.config
    data = getattr(args, "sub_data", None) or args.data
    store = getattr(args, "sub_store", None) or getattr(args, "store", None)
    settings = load_settings(config, command_line={"data": data, "store": store})
    return settings.data, settings.store
