"""Emberfall MUD: a Twisted daemon serving one YAML world to telnet and web players."""

__version__ = "0.1.0"
