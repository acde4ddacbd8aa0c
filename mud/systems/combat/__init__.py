"""Combat and progression: vitals, levels, equipment, fights, death and recall, and shops.

One game system, the classic Diku-family loop, in parts that each register what they bring
(YAML keys, declared state, commands, events and their renderers, hooks, behaviours):

- ``rules``: the world's numbers (world.yaml ``combat:``): levels, vitals, slots, recall;
- ``vitals``: health, mana and movement, regeneration, experience and levels, coins;
- ``equipment``: what is worn and wielded, and the numbers it adds;
- ``fight``: rounds on the scheduler, one timer per fight; ``death``: recall and corpses;
- ``shops``: shopkeepers who sell and buy;
- ``moves``: movement spent walking and fleeing, and resting; ``mend``: mana spent
  on health.

``PARTS`` lists them in install order: a part may use what the parts before it registered.
"""

from __future__ import annotations

import importlib

PARTS: tuple[str, ...] = ("rules", "vitals", "shops", "equipment", "fight", "death", "moves",
                         "mend")


def install() -> None:
    """Install every part, in order (mud.systems.install_all calls this once)."""
    for part in PARTS:
        importlib.import_module(f"{__name__}.{part}").install()
