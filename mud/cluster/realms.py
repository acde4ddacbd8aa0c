"""Wiring a game into the other realms: the directory of their players, tells between
realms and admin actions reaching them all.

``attach(game)`` is called once the world's bus has its link (mud/engine/bus.py; the
service sets ``bus.realm`` and ``bus.link``). It is idempotent, and a daemon without a
link never calls it, so a lone daemon imports none of this.
"""

from __future__ import annotations

from typing import Any

from mud.cluster.admin import AdminRelay
from mud.cluster.directory import BEAT, Directory
from mud.engine.tells import DIRECTORY

RELAY = "admin_relay"


def attach(game: Any, beat: float = BEAT) -> Directory:
    """Give ``game`` its realms directory (``world.parts["directory"]``): it hears the
    game's presence changes and the other realms, and answers their tells and admin
    actions. Returns the directory (the one already attached, if any)."""
    world = game.world
    known = world.parts.get(DIRECTORY)
    if known is not None:
        return known  # type: ignore[no-any-return]
    directory = world.parts[DIRECTORY] = Directory(world, beat)
    game.presence.append(directory.local_changed)
    world.parts[RELAY] = AdminRelay(game)
    return directory


def detach(game: Any) -> None:
    """At a clean stop: tell the other realms to forget this one now, and stop beating."""
    directory = game.world.parts.get(DIRECTORY)
    if directory is not None:
        directory.stop()
