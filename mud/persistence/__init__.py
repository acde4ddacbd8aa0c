"""Keeping state on disk: accounts, characters and moved items, in SQLite, off the reactor."""
