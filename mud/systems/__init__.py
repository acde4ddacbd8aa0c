"""Game systems: the one place they are listed and installed.

Each system is a package under ``mud/systems/`` with an ``install()`` function that
registers what it brings (YAML keys, behaviours, commands, ...). ``install_all()`` imports
each listed system and installs it once per process; the world loader calls it before
reading a world, so a system's YAML keys are known.
"""

from __future__ import annotations

import importlib

SYSTEMS: tuple[str, ...] = ("mud.systems.behaviours", "mud.systems.readables",
                            "mud.systems.doors", "mud.systems.resets",
                            "mud.systems.containers", "mud.systems.quests",
                            "mud.systems.admin", "mud.systems.building",
                            "mud.systems.combat")

_installed: set[str] = set()


def install_all() -> None:
    """Install every listed system that is not installed yet."""
    for name in SYSTEMS:
        if name in _installed:
            continue
        importlib.import_module(name).install()
        _installed.add(name)
