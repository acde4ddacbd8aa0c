"""Online building: builders change the running world and save it back to its YAML files.

``install()`` (called once by mud.systems.install_all) registers, with no edit elsewhere,
the builder commands (``dig``, ``link``, ``rname``, ``rdesc``, ``create``, ``set``, ...:
mud/systems/building/commands.py and its neighbours) in the ``builder`` command set, and
area saving (``save area``, the autosave of changed areas: saving.py). Every edit goes to
the world's sources (mud/world_sources.py), is checked by the loader's own rules, and only
then changes the live world.
"""

from __future__ import annotations


def install() -> None:
    """Register the building commands and area saving."""
    from mud.systems.building import rooms

    rooms.install()
    from mud.systems.building import things

    things.install()
    from mud.systems.building import saving

    saving.install()
    from mud.systems.building import reload

    reload.install()
