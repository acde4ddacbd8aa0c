"""Game systems: the one place they are listed and installed.

Each system is a package under ``mud/systems/`` with an ``install()`` function that
registers what it brings (YAML keys, behaviours, commands, ...). ``install_all()`` imports
each listed system and installs it once per process; the world loader calls it before
reading a world, so a system's YAML keys are known.

A system that must set up every world it runs in, whatever the world's files say (subscribe
to its hooks: vitals sent at each login even in a world whose files never name a vitals
key), registers ``on_world(set_up)``; the loader calls ``set_up_world(world)`` once the
world is built and every key is attached.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

SYSTEMS: tuple[str, ...] = ("mud.systems.behaviours", "mud.systems.readables",
                            "mud.systems.doors", "mud.systems.resets",
                            "mud.systems.containers", "mud.systems.quests",
                            "mud.systems.admin", "mud.systems.building",
                            "mud.systems.combat", "mud.systems.channels")

_installed: set[str] = set()
_world_setups: list[Callable[[Any], None]] = []


def on_world(set_up: Callable[[Any], None]) -> None:
    """Call ``set_up(world)`` for every world built from now on (once per world; safe to
    register again: installing twice adds it once)."""
    if set_up not in _world_setups:
        _world_setups.append(set_up)


def set_up_world(world: Any) -> None:
    """Run every system's per-world set-up on a newly built ``world``."""
    for set_up in _world_setups:
        set_up(world)


def install_all() -> None:
    """Install every listed system that is not installed yet."""
    for name in SYSTEMS:
        if name in _installed:
            continue
        importlib.import_module(name).install()
        _installed.add(name)
