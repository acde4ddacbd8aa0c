"""Telnet options MUD clients expect, one module per option with logic of its own, and the
negotiator that offers them at connect and keeps each connection's client capabilities."""
