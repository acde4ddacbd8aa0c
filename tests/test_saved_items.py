"""Saved items that no longer fit the world: logged at start-up (item id, kind of place,
place), one line each or one summary per kind when there are many; and an item the loader
placed that a builder moved (its old id no longer placed) is rebuilt from its template, so
what a player carries survives the edit, never doubling an item still in the world."""

from __future__ import annotations

import pytest

from mud import tap
from tests.support import join, make_game

OLD_RING = "woods:canopy/woods:ring#1"  # on the branch, before the nest held it
RING = "woods:canopy/woods:nest#1/woods:ring#1"


@pytest.fixture
def world():
    return make_game().world






def test_a_carried_ring_saved_under_its_old_place_comes_back_in_their_hands(world):
    assert OLD_RING not in world.items and RING in world.items
    assert world.restore_item(OLD_RING, "char", "ann")
    ann = join(world, "Ann")
    [ring] = ann.inventory
    assert (ring.id, ring.name) == (OLD_RING, "a silver ring")
    assert world.items[OLD_RING] is ring
    # The nest's ring, under its own id, is untouched.
    assert world.items[RING].location is world.items["woods:canopy/woods:nest#1"]


def test_a_dropped_old_id_comes_back_in_its_room_and_a_second_row_never_doubles_it(world):
    square = world.rooms["village:square"]
    before = len(square.items)
    assert world.restore_item(OLD_RING, "room", "village:square")
    assert world.restore_item(OLD_RING, "room", "village:square")
    assert len(square.items) == before + 1
    assert sum(i.id == OLD_RING for i in square.items) == 1
    # An id still in the world is moved, never rebuilt beside it.
    assert world.restore_item(RING, "room", "village:square")
    assert sum(i.template.id == "woods:ring" for i in world.items.values()) == 2
    assert world.items[RING].location is square


@pytest.mark.parametrize("item_id", [
    "village:square/village:unicorn#1",   # its template is gone
    "village:square/woods:ring",          # no number: not an id the loader gives
    "village:square/woods:ring#x",
    "woods:ring#1",                       # no place before it
    "village:square/woods:ring~3",        # a reset's id: the resets' maker answers those
])
def test_only_loader_ids_of_existing_templates_are_rebuilt(world, item_id):
    assert world.rebuild_placed(item_id) is None


def test_a_resets_item_is_still_rebuilt_by_the_resets_maker(world):
    assert world.restore_item("village:market/village:apple~7", "char", "ann")
    assert join(world, "Ann").inventory[0].name == "a red apple"


def test_rows_that_no_longer_fit_are_logged_once_each_with_id_kind_and_place(world, log_lines):
    rows = [(OLD_RING, "char", "ann"),
            ("village:square/village:unicorn#1", "room", "village:square"),
            ("village:market/village:apple#1", "room", "village:nowhere"),
            ("village:market/village:apple#2", "in", "village:nowhere/village:box#1"),
            ("village:market/village:apple#3", "sky", "up")]
    assert tap.restore_items(world, rows) == 4
    left = [line for line in log_lines if "no longer fits the world" in line]
    assert len(left) == 4, log_lines
    assert "saved item village:square/village:unicorn#1 (in room village:square)" in left[0]
    assert "saved item village:market/village:apple#1 (in room village:nowhere)" in left[1]
    assert "village:market/village:apple#2 (inside village:nowhere/village:box#1)" in left[2]
    assert "village:market/village:apple#3 (in a place of unknown kind 'sky' (up))" in left[3]
    assert not any(OLD_RING in line for line in log_lines)


def test_many_rows_that_no_longer_fit_are_one_summary_line_per_kind(world, log_lines):
    many = tap.LEFT_OUT_ONE_BY_ONE + 5
    rows = [(f"village:square/village:unicorn#{n}", "room", "village:square")
            for n in range(1, many + 1)]
    rows += [("village:square/village:griffin#1", "char", "ann")]
    assert tap.restore_items(world, rows) == many + 1
    left = [line for line in log_lines if "no longer fit" in line]  # fit or fits
    assert len(left) == 2, log_lines
    assert left[0].startswith(f"{many} saved items in rooms no longer fit the world")
    assert "village:square/village:unicorn#1 (in room village:square)" in left[0]
    assert left[0].endswith(f"and {many - tap.LEFT_OUT_NAMED} more")
    assert left[1].startswith("1 saved item carried by characters no longer fits")
    assert "village:square/village:griffin#1 (carried by ann)" in left[1]
