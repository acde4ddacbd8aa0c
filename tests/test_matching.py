"""Finding things by what players type: keywords, prefixes, ``2.item``, ``all``."""

from __future__ import annotations

import pytest

from mud.engine.matching import find, find_all, keywords_from_name, parse_query


class Thing:
    def __init__(self, label: str, *keywords: str) -> None:
        self.label = label
        self.keywords = keywords

    def __repr__(self) -> str:
        return f"<Thing {self.label}>"


LANTERN = Thing("lantern", "brass", "lantern", "lamp")
KEY1 = Thing("key1", "rusty", "key")
KEY2 = Thing("key2", "iron", "key")
KEYRING = Thing("keyring", "keyring", "ring")
BREAD1 = Thing("bread1", "bread", "loaf")
BREAD2 = Thing("bread2", "bread", "loaf")
ROOM = [LANTERN, KEYRING, KEY1, KEY2, BREAD1, BREAD2]


@pytest.mark.parametrize(("query", "expected"), [
    ("lantern", (1, ["lantern"])),
    ("2.rusty key", (2, ["rusty", "key"])),
    ("  Brass   LANTERN ", (1, ["brass", "lantern"])),
    ("0.key", (1, ["key"])),
    ("x.key", (1, ["x.key"])),
    ("3.", (1, ["3."])),
    ("", (1, [])),
])
def test_parse_query(query, expected):
    assert parse_query(query) == expected


def test_find_by_keyword():
    assert find("lamp", ROOM) is LANTERN


def test_find_by_prefix_of_a_keyword():
    assert find("lan", ROOM) is LANTERN


def test_every_word_must_match_some_keyword():
    assert find("brass lan", ROOM) is LANTERN
    assert find("rusty key", ROOM) is KEY1
    assert find("iron key", ROOM) is KEY2
    assert find("golden lantern", ROOM) is None


def test_find_is_case_insensitive():
    assert find("LANTERN", ROOM) is LANTERN


def test_exact_keyword_matches_come_before_prefix_matches():
    # "key" is a prefix of "keyring" (listed first) but an exact keyword of the keys.
    assert find("key", ROOM) is KEY1
    assert find("2.key", ROOM) is KEY2
    assert find("3.key", ROOM) is KEYRING


def test_numbered_query_picks_the_nth_match():
    assert find("1.bread", ROOM) is BREAD1
    assert find("2.bread", ROOM) is BREAD2
    assert find("3.bread", ROOM) is None


def test_no_match_or_empty_query_finds_nothing():
    assert find("sword", ROOM) is None
    assert find("", ROOM) is None
    assert find("   ", ROOM) is None
    assert find("lantern", []) is None


def test_find_accepts_any_iterable():
    assert find("loaf", iter(ROOM)) is BREAD1


def test_find_all_all_returns_everything_in_order():
    assert find_all("all", ROOM) == ROOM
    assert find_all(" ALL ", ROOM) == ROOM


def test_find_all_dot_filters_by_keyword():
    assert find_all("all.bread", ROOM) == [BREAD1, BREAD2]
    assert find_all("all.key", ROOM) == [KEYRING, KEY1, KEY2]


def test_find_all_dot_with_nothing_after_it_finds_nothing():
    assert find_all("all.", ROOM) == []


def test_find_all_of_a_single_query_returns_one_match_or_none():
    assert find_all("2.bread", ROOM) == [BREAD2]
    assert find_all("sword", ROOM) == []


@pytest.mark.parametrize(("name", "expected"), [
    ("a brass lantern", ("brass", "lantern")),
    ("The Hearth Shrine", ("hearth", "shrine")),
    ("some bread", ("bread",)),
    ("a pair of boots", ("pair", "boots")),
    ("Captain Hale", ("captain", "hale")),
    ("Nell's \"lucky\" charm!", ("nell's", "lucky", "charm")),
    ("an", ()),
])
def test_keywords_from_name(name, expected):
    assert keywords_from_name(name) == expected
