"""Realms on several daemons: the broker link (Redis), the shared store (PostgreSQL) and
what crosses between realms (players' whereabouts, tells, admin actions).

A lone daemon imports nothing from here beyond what its options ask for.
"""
