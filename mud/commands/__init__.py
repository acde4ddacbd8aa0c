"""Player commands, one module per family. Importing this package registers them all."""

from mud.commands import account, info, items, movement, talk
from mud.commands.registry import COMMANDS, AccountHooks, Command, CommandTable, Context

__all__ = ["COMMANDS", "AccountHooks", "Command", "CommandTable", "Context",
           "account", "info", "items", "movement", "talk"]
