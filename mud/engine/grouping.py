"""Identical things listed once with a count: "two red apples", "three sprigs of emberleaf".

Listings (a room's contents, an inventory, and later what a container holds) pass their
items through ``group_items``, one pass over the items with a dictionary, so a look costs
time linear in what is there. A group keeps the singular name ("a red apple"), the plural
("red apples") and the count; renderers say it in words with ``ItemGroup.label``.

Plurals come from the world file (an item's ``plural:``) or from ``pluralise``, which
knows the common English rules and is computed once per item template at load time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from mud.engine.model import Item

# Counts up to twelve read as words, as a narrator would say them; beyond, as digits.
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight",
                 "nine", "ten", "eleven", "twelve")


def count_word(count: int) -> str:
    """``3`` -> ``"three"``, up to twelve; ``13`` -> ``"13"``."""
    return _NUMBER_WORDS[count] if 0 <= count < len(_NUMBER_WORDS) else str(count)


class ItemGroup(NamedTuple):
    """``count`` identical things called ``name`` (``plural`` when there are several)."""

    name: str
    plural: str
    count: int = 1

    @property
    def label(self) -> str:
        """How the group reads in a listing: "a red apple", "two red apples"."""
        if self.count == 1:
            return self.name
        return f"{count_word(self.count)} {self.plural}"


def group_items(items: Iterable[Item]) -> tuple[ItemGroup, ...]:
    """The items grouped by name, in the order each name first appears."""
    counts: dict[str, int] = {}
    plurals: dict[str, str] = {}
    for item in items:
        name = item.name
        if name in counts:
            counts[name] += 1
        else:
            counts[name] = 1
            plurals[name] = item.plural
    return tuple(ItemGroup(name, plurals[name], n) for name, n in counts.items())


def as_groups(entries: Iterable[ItemGroup | str]) -> tuple[ItemGroup, ...]:
    """Groups as they are; plain names (tests, simple callers) grouped by name."""
    entries = tuple(entries)
    if all(type(entry) is ItemGroup for entry in entries):
        return entries  # type: ignore[return-value]
    counts: dict[str, ItemGroup] = {}
    for entry in entries:
        group = entry if isinstance(entry, ItemGroup) else ItemGroup(entry, pluralise(entry))
        seen = counts.get(group.name)
        counts[group.name] = group if seen is None else \
            seen._replace(count=seen.count + group.count)
    return tuple(counts.values())


# -- plurals -----------------------------------------------------------------------------------

_ARTICLES = ("a ", "an ", "the ", "some ")
_IRREGULAR = {"man": "men", "woman": "women", "child": "children", "foot": "feet",
              "tooth": "teeth", "goose": "geese", "mouse": "mice", "louse": "lice",
              "ox": "oxen", "person": "people", "die": "dice", "penny": "pence"}
# Nouns whose plural is the same word.
_SAME = {"sheep", "deer", "fish", "moose", "trout", "salmon", "cod", "swine", "bison",
         "series", "species", "aircraft", "offspring", "clothes", "scissors", "tongs",
         "trousers", "bellows", "shears", "pliers"}
# -f/-fe nouns that become -ves (most others, like roof and chief, just add s).
_VES = {"leaf": "leaves", "loaf": "loaves", "knife": "knives", "wife": "wives",
        "life": "lives", "wolf": "wolves", "half": "halves", "shelf": "shelves",
        "thief": "thieves", "calf": "calves", "elf": "elves", "sheaf": "sheaves",
        "scarf": "scarves", "hoof": "hooves", "dwarf": "dwarves", "self": "selves"}
_O_ES = {"potato", "tomato", "hero", "echo", "torpedo", "veto", "mosquito", "volcano"}
# Words ending in -man that are not compounds of man.
_NOT_MAN = {"human", "shaman", "talisman", "caiman", "german", "ottoman", "roman"}


def _same_case(word: str, plural: str) -> str:
    return plural[:1].upper() + plural[1:] if word[:1].isupper() else plural


def plural_word(word: str) -> str:
    """One word in the plural: "apple" -> "apples", "knife" -> "knives"."""
    lower = word.lower()
    if lower in _SAME or not lower[-1:].isalpha():
        return word
    if lower in _IRREGULAR:
        return _same_case(word, _IRREGULAR[lower])
    if lower in _VES:
        return _same_case(word, _VES[lower])
    for ending, plural in _VES.items():
        # Compounds: "werewolf", "bookshelf", "penknife" ("elf" and "self" are too short to
        # tell a compound from an unrelated word).
        if len(ending) > 3 and lower.endswith(ending):
            return word[:-len(ending)] + plural
    if lower.endswith("man") and len(lower) > 3 and lower not in _NOT_MAN:
        return word[:-2] + "en"  # fisherman -> fishermen
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return word[:-1] + "ies"
    if lower in _O_ES:
        return word + "es"
    return word + "s"


def pluralise(name: str) -> str:
    """An item's name in the plural, without its article: "a sprig of emberleaf" ->
    "sprigs of emberleaf", "an iron key" -> "iron keys", "a battered spyglass" ->
    "battered spyglasses". Names this gets wrong take a ``plural:`` in the world file."""
    phrase = name.strip()
    lower = phrase.lower()
    for article in _ARTICLES:
        if lower.startswith(article) and len(phrase) > len(article):
            if article == "some ":
                return phrase[len(article):]  # "some bread": a mass noun already
            phrase = phrase[len(article):]
            break
    # "a loaf of bread": the noun before "of" takes the plural.
    head, of, tail = phrase.partition(" of ")
    words = head.split(" ")
    words[-1] = plural_word(words[-1])
    return " ".join(words) + of + tail
