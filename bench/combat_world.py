"""A generated world for the combat benches (bench.combat_fights, bench.crowded_combat).

``write(root, areas, rooms, crowd)`` writes into ``root``:

- ``areas`` areas ``a0``, ``a1``... of ``rooms`` rooms each (``r0``... in a line, joined
  east/west), each room holding one training brute: fights spread over many rooms and
  areas, as a busy server's are;
- one area ``pit`` whose room ``pit:pit`` holds ``crowd`` brutes: a crowded room;
- world.yaml's ``combat:`` giving players and brutes a huge health (100,000, the most the
  rules allow) and small damage dice, so no fight ends within a bench's run: the benches
  measure rounds, not deaths.

Everything goes through the real loader, YAML keys and all (``combat:`` on the world and
on the NPCs), so the fights are the real fight code's.
"""

from __future__ import annotations

from pathlib import Path

HUGE = 100_000  # rules.MAX_POINTS: the most health a world may give
BRUTE = "brute"


def room_id(area: int, room: int) -> str:
    """The id of the ``room``-th room of area ``area`` (``a3:r17``)."""
    return f"a{area}:r{room}"


def write(root: Path, areas: int, rooms: int, crowd: int = 0) -> None:
    """Write the world described in the module docstring into ``root``."""
    names = [f"a{a}" for a in range(areas)] + (["pit"] if crowd else [])
    start = room_id(0, 0) if areas else "pit:pit"
    (root / "world.yaml").write_text(
        "name: Combat Bench\ndescription: A generated world of fights.\n"
        f"start: {start}\nareas: [{', '.join(names)}]\n"
        "combat:\n"
        f"  start: {{hp: {HUGE}, mp: 10, mv: 60}}\n"
        "  per_level: {hp: 0, mp: 0, mv: 0}\n"
        "  regen: {every: 5, hp: 2, mp: 1, mv: 4}\n")
    npcs = (f"{BRUTE}:\n  name: a training brute\n  keywords: [{BRUTE}, training]\n"
            "  description: A patient brute of straw and leather that hits back, softly.\n"
            f"  combat: {{level: 1, hp: {HUGE}, damage: 1d2, armour: 0, xp: 1}}\n")
    for a in range(areas):
        folder = root / f"a{a}"
        folder.mkdir()
        (folder / "area.yaml").write_text(f"name: Arena {a}\n")
        (folder / "npcs.yaml").write_text(npcs)
        entries = []
        for r in range(rooms):
            exits = ([f"    east: r{r + 1}\n"] if r + 1 < rooms else []) + \
                    ([f"    west: r{r - 1}\n"] if r else [])
            entries.append(f"r{r}:\n  name: Training Ring {a}.{r}\n"
                           "  description: Sawdust, a rail, and a brute waiting.\n"
                           f"  npcs: [{BRUTE}]\n" +
                           ("  exits:\n" + "".join(exits) if exits else ""))
        (folder / "rooms.yaml").write_text("".join(entries))
    if crowd:
        folder = root / "pit"
        folder.mkdir()
        (folder / "area.yaml").write_text("name: The Pit\n")
        (folder / "npcs.yaml").write_text(npcs)
        (folder / "rooms.yaml").write_text(
            "pit:\n  name: The Fighting Pit\n"
            "  description: A crowded pit where everyone fights at once.\n"
            f"  npcs: [{', '.join([BRUTE] * crowd)}]\n")
