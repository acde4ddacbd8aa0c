"""Player commands, one module per family. Importing this package registers them all."""

from mud.commands import account, info, items, movement, talk
from mud.commands.registry import (
    COMMANDS,
    SETS,
    AccountHooks,
    Command,
    CommandSet,
    CommandTable,
    Context,
    command_set,
    for_character,
)

__all__ = ["COMMANDS", "SETS", "AccountHooks", "Command", "CommandSet", "CommandTable",
           "Context", "account", "command_set", "for_character", "info", "items", "movement",
           "talk"]
