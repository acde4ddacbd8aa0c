"""Errors that stop the server from starting, each with a message meant for the sysadmin."""


class StartupError(Exception):
    """Bad config, a broken world, an unusable data directory, a port that cannot be bound."""
