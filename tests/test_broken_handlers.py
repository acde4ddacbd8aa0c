"""A guard's barrier or an NPC's give handler that raises is reported with the NPC's id and
isolated: the barrier counts as no objection, the claimer as not claiming (so the NPC's
other behaviours still get the item)."""

from __future__ import annotations

import shutil

import pytest
from twisted.internet.task import Clock

from mud.engine import actions
from mud.systems.behaviours.guard import Guard
from mud.world_loader import load_world
from tests.support import TINY, join

# The tiny world's cat guards the kitchen's way south and takes apples.
CAT = """\
cat:
  name: Mouser
  keywords: [mouser, cat]
  description: A cat.
  behaviours:
    guard: {exit: south}
    accept: {item: apple, says: ["emote takes the apple in its mouth."]}
"""


def boom(*_args, **_kwargs):
    raise RuntimeError("broken on purpose")


@pytest.fixture
def world(tmp_path):
    root = tmp_path / "w"
    shutil.copytree(TINY, root)
    (root / "home" / "npcs.yaml").write_text(CAT)
    world = load_world(root, Clock())
    reports: list[tuple[str, str, BaseException]] = []
    world.hooks.report = lambda owner, what, exc: reports.append((owner, what, exc))
    world.reports = reports
    return world




def test_the_guard_stops_a_player_when_it_works(world):
    ann = join(world, "Ann", "home:kitchen")
    with pytest.raises(actions.Refusal, match="Mouser will not let you go south"):
        actions.go(world, ann, "south")


def test_a_barrier_that_raises_is_reported_with_the_npc_and_does_not_block(world,
                                                                         monkeypatch):
    monkeypatch.setattr(Guard, "refuse", boom)
    ann = join(world, "Ann", "home:kitchen")
    actions.go(world, ann, "south")
    assert ann.room is world.rooms["home:hall"]
    [(owner, what, exc)] = world.reports
    assert owner == "npc home:cat" and "south" in what and isinstance(exc, RuntimeError)
    # Asked without a world (no reporter at hand) it is still no objection.
    assert actions.passable(world.rooms["home:kitchen"].exits["south"], ann)


def test_a_give_handler_that_raises_is_reported_and_the_next_behaviour_claims(world,
                                                                            monkeypatch):
    monkeypatch.setattr(Guard, "on_give", boom)
    ann = join(world, "Ann", "home:hall")
    actions.get(world, ann, "apple")
    actions.go(world, ann, "north")
    cat = next(n for n in world.npcs if n.id == "home:cat")
    actions.give_npc(world, ann, "apple", cat)
    assert ann.inventory == []
    [(owner, what, exc)] = world.reports
    assert owner == "npc home:cat" and "guard" in what and isinstance(exc, RuntimeError)
