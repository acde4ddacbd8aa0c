"""Player commands, one module per family. Importing this package registers them all."""

from mud.commands import account, info, items, movement, prompt, roles, talk
from mud.commands.registry import (
    ADMIN,
    BUILDER,
    COMMANDS,
    SETS,
    AccountHooks,
    Command,
    CommandSet,
    CommandTable,
    Context,
    command_set,
    for_character,
    needed_role,
    sets_for_role,
)

__all__ = ["ADMIN", "BUILDER", "COMMANDS", "SETS", "AccountHooks", "Command", "CommandSet",
           "CommandTable", "Context", "account", "command_set", "for_character", "info",
           "items", "movement", "needed_role", "prompt", "roles", "sets_for_role", "talk"]
