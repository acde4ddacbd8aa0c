"""Compass directions: canonical names, abbreviations, opposites, ordering, arrival text."""

from __future__ import annotations

import pytest

from mud.engine import directions
from mud.engine.directions import (
    ABBREVIATIONS,
    DIRECTIONS,
    OPPOSITES,
    SHORT,
    arrival_phrase,
    canonical,
    sort_key,
)


@pytest.mark.parametrize(("word", "expected"), [
    ("n", "north"), ("s", "south"), ("e", "east"), ("w", "west"), ("u", "up"), ("d", "down"),
    ("ne", "northeast"), ("nw", "northwest"), ("se", "southeast"), ("sw", "southwest"),
])
def test_abbreviations_expand(word, expected):
    assert canonical(word) == expected


@pytest.mark.parametrize("word", DIRECTIONS)
def test_full_names_are_their_own_canonical_form(word):
    assert canonical(word) == word


@pytest.mark.parametrize(("word", "expected"), [("NORTH", "north"), ("Ne", "northeast"),
                                                ("Up", "up")])
def test_canonical_ignores_case(word, expected):
    assert canonical(word) == expected


@pytest.mark.parametrize("word", ["gate", "nor", "", "northnorth", "x", "left"])
def test_non_directions_have_no_canonical_form(word):
    assert canonical(word) is None


def test_every_direction_has_an_abbreviation_and_an_opposite():
    assert set(ABBREVIATIONS.values()) == set(DIRECTIONS)
    assert set(OPPOSITES) == set(DIRECTIONS)
    assert len(DIRECTIONS) == 10


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_opposites_are_symmetric_and_never_the_same(direction):
    opposite = OPPOSITES[direction]
    assert opposite != direction
    assert OPPOSITES[opposite] == direction


def test_short_maps_back_to_abbreviations():
    for short, full in ABBREVIATIONS.items():
        assert SHORT[full] == short
    assert SHORT["northeast"] == "ne"


def test_sort_key_orders_compass_first_then_named_alphabetically():
    exits = ["trapdoor", "up", "gate", "west", "north", "southwest", "east", "down"]
    assert sorted(exits, key=sort_key) == [
        "north", "east", "west", "up", "down", "southwest", "gate", "trapdoor",
    ]


def test_sort_key_puts_named_exits_after_every_direction():
    last_direction = max(sort_key(d) for d in DIRECTIONS)
    assert sort_key("aardvark") > last_direction


@pytest.mark.parametrize(("left_by", "phrase"), [
    ("north", "arrives from the south"),
    ("south", "arrives from the north"),
    ("east", "arrives from the west"),
    ("northeast", "arrives from the southwest"),
    ("southeast", "arrives from the northwest"),
    ("up", "arrives from below"),
    ("down", "arrives from above"),
])
def test_arrival_phrase_names_the_side_they_come_in_from(left_by, phrase):
    assert arrival_phrase(left_by) == phrase


def test_arrival_through_a_named_exit_has_no_direction():
    assert directions.arrival_phrase("trapdoor") == "arrives"


def test_exit_name_is_how_rooms_key_an_exit_written_any_way():
    from mud.engine.directions import exit_name
    assert exit_name("n") == "north" and exit_name(" NE ") == "northeast"
    assert exit_name("Gate") == "gate" and exit_name(" trapdoor") == "trapdoor"
