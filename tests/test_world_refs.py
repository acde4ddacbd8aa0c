"""What a system's key check may look up in the whole load (mud/world_refs.py ``Lookup``):
what other entries declare (``written``), the rooms placing an NPC (``homes``), and what
checks derive from them (``once``), each built once per load however many entries ask."""

from __future__ import annotations

import pytest
from twisted.internet.task import Clock

from mud import world_loader
from mud.systems.containers import MAX_DEPTH
from mud.world_loader import load_world
from tests.test_world_loader import ITEMS, NPCS, ROOMS, build, error

QUESTS = "quests:\n  ring:\n    name: The ring\n    active: Find it.\n    done: Found.\n"


class Counted(list):
    """A list that counts how often it is gone through from the start."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        self.passes = 0

    def __iter__(self):
        self.passes += 1
        return super().__iter__()


def crowded(n: int) -> dict[str, str]:
    """A village whose square places ``n`` guard cats (each naming a quest and its exit:
    quests and homes looked up per NPC) and whose items are ``n`` boxes, each holding the
    next one in runs of five (containers looked up per box, never nested too deep)."""
    cats = "".join(f"cat{i}:\n  name: Mouser {i}\n  keywords: [cat]\n  description: A cat.\n"
                   f"  behaviours:\n    guard: {{exit: north, quest: ring}}\n"
                   for i in range(n))
    inner = [f"box{i + 1}" if (i + 1) % 5 and i + 1 < n else "apple" for i in range(n)]
    boxes = "".join(f"box{i}:\n  name: a box\n  description: Wooden.\n"
                    f"  container: {{contents: [{inner[i]}]}}\n" for i in range(n))
    placed = ", ".join(f"cat{i}" for i in range(n))
    rooms = ROOMS.replace("    north: hall\n", f"    north: hall\n  npcs: [{placed}]\n"
                          "  items: [box0]\n", 1)
    return {"village__area": f"name: The Village\n{QUESTS}", "village__rooms": rooms,
            "village__npcs": NPCS + cats, "village__items": ITEMS + boxes}


def passes_for(tmp_path, monkeypatch, n: int) -> tuple[int, int]:
    """How often one load of ``crowded(n)`` went through the keys read and the rooms read."""
    made: list[world_loader._Loader] = []
    real_init = world_loader._Loader.__init__

    def counting_init(self, *args, **kwargs) -> None:
        real_init(self, *args, **kwargs)
        self.extras, self.pending = Counted(), Counted()
        made.append(self)

    monkeypatch.setattr(world_loader._Loader, "__init__", counting_init)
    (tmp_path / str(n)).mkdir()
    world = load_world(build(tmp_path / str(n), monkeypatch, **crowded(n)), Clock())
    assert sum(npc.id.startswith("village:cat") for npc in world.npcs) == n
    (loader,) = made
    return loader.extras.passes, loader.pending.passes


def test_checks_of_many_entries_do_not_go_through_the_load_again_per_entry(
        tmp_path, monkeypatch):
    # Every guard asks for its quest (written area quests) and its rooms (homes), every box
    # for the other boxes' contents: with an index per check that is a pass per entry.
    few = passes_for(tmp_path, monkeypatch, 2)
    many = passes_for(tmp_path, monkeypatch, 40)
    assert few == many
    # The check step's own pass plus one to index them; linking, building and homes.
    assert many == (2, 3)


def test_a_loop_of_contents_is_reported_once_on_the_container_listed_last(
        tmp_path, monkeypatch):
    # crate is read before box here (the reverse of test_containers' case), so the loop
    # is box's, and crate is not reported too.
    items = ITEMS + (
        "crate:\n  name: a crate\n  description: Big.\n  container: {contents: [box]}\n"
        "box:\n  name: a box\n  description: Wooden.\n  container: {contents: [crate]}\n")
    out = error(build(tmp_path, monkeypatch, village__items=items))
    assert "would put village:box inside itself (village:box holds village:crate holds " \
        "village:box)" in out
    assert "would put village:crate" not in out
    assert out.count("inside itself") == 1


def test_contents_chains_and_shared_contents_are_no_loop(tmp_path, monkeypatch):
    # Two boxes holding the same pouch, and a chain as deep as containers may go, each box
    # holding the one listed before it: no loop.
    chain = "".join(f"b{i}:\n  name: a box\n  description: W.\n"
                    f"  container: {{contents: [b{i - 1}]}}\n" for i in range(1, MAX_DEPTH))
    items = ITEMS + (
        "b0:\n  name: a pouch\n  description: Small.\n  container: {}\n"
        "left:\n  name: a box\n  description: W.\n  container: {contents: [b0]}\n"
        "right:\n  name: a box\n  description: W.\n  container: {contents: [b0, apple]}\n"
    ) + chain
    world = load_world(build(tmp_path, monkeypatch, village__items=items), Clock())
    assert f"village:b{MAX_DEPTH - 1}" in world.templates


def test_contents_nested_deeper_than_the_limit_stop_the_load(tmp_path, monkeypatch):
    # A chain deeper than Python's recursion limit: errors from the first box too deep on,
    # no RecursionError (placing such a chain would recurse, saving it would walk it).
    chain = "".join(f"b{i}:\n  name: a box\n  description: W.\n"
                    f"  container: {{contents: [b{i - 1}]}}\n" for i in range(1, 1500))
    items = ITEMS + "b0:\n  name: a pouch\n  description: Small.\n  container: {}\n" + chain
    out = error(build(tmp_path, monkeypatch, village__items=items))
    assert f'item "village:b{MAX_DEPTH}": \'container\' contents nest {MAX_DEPTH + 1} ' \
        f"containers deep" in out
    assert f'"village:b{MAX_DEPTH - 1}"' not in out
    assert f"at most {MAX_DEPTH}" in out


@pytest.mark.parametrize("contents", ["[village:box]", "[' box ']"])
def test_a_container_naming_itself_in_any_spelling_is_a_loop(tmp_path, monkeypatch,
                                                            contents):
    items = ITEMS + ("box:\n  name: a box\n  description: Wooden.\n"
                     f"  container: {{contents: {contents}}}\n")
    out = error(build(tmp_path, monkeypatch, village__items=items))
    assert "would put village:box inside itself (village:box holds village:box)" in out


def test_every_loop_is_reported_in_one_start_up(tmp_path, monkeypatch):
    # Seen from what the files declare, not from what was checked before: a second loop
    # through a container already reported, and a loop through a container with a bad
    # capacity, are reported at once (checking in load order used to hide them until the
    # first fault was fixed and the world started again).
    def box(name: str, contents: str, capacity: str = "") -> str:
        return (f"{name}:\n  name: a box\n  description: W.\n"
                f"  container: {{{capacity}contents: [{contents}]}}\n")

    (tmp_path / "1").mkdir(), (tmp_path / "2").mkdir()
    out = error(build(tmp_path / "1", monkeypatch, village__items=ITEMS + box("a", "b")
                      + box("b", "a, c") + box("c", "b")))
    assert "village:b inside itself (village:b holds village:a holds village:b)" in out
    assert "village:c inside itself (village:c holds village:b holds village:c)" in out
    out = error(build(tmp_path / "2", monkeypatch, village__items=ITEMS
                      + box("a", "b", "capacity: 0, ") + box("b", "a")))
    assert "'capacity' is 0" in out
    assert "village:b inside itself (village:b holds village:a holds village:b)" in out


def test_qualified_and_written_ref_are_each_others_reading():
    from mud.world_refs import qualified, written_ref
    assert qualified("square", "village") == "village:square"
    assert qualified("woods:edge", "village") == "woods:edge"
    assert written_ref("village", "village:square") == "square"
    assert written_ref("village", "woods:edge") == "woods:edge"
