"""Grouping identical things in listings, plurals, count words, and the world's `plural:`."""

from __future__ import annotations

import json
import shutil

import pytest

from mud.engine import actions
from mud.engine import events as ev
from mud.engine.grouping import ItemGroup, as_groups, count_word, group_items, pluralise
from mud.engine.matching import find
from mud.engine.model import Character, Item, ItemTemplate
from mud.render.json_events import render_json
from mud.render.text import PLAIN, render
from mud.world_loader import WorldError, load_world
from tests.support import BUNDLED_WORLD


@pytest.mark.parametrize(("name", "plural"), [
    ("a sprig of emberleaf", "sprigs of emberleaf"),
    ("a red apple", "red apples"),
    ("an iron key", "iron keys"),
    ("a small iron key", "small iron keys"),
    ("a battered spyglass", "battered spyglasses"),
    ("a wooden box", "wooden boxes"),
    ("a pitch torch", "pitch torches"),
    ("a horsehair brush", "horsehair brushes"),
    ("a ripe berry", "ripe berries"),
    ("a loaf of bread", "loaves of bread"),
    ("a werewolf", "werewolves"),
    ("a dusty bookshelf", "dusty bookshelves"),
    ("a dusty bottle of wine", "dusty bottles of wine"),
    ("a cluster of pale mushrooms", "clusters of pale mushrooms"),
    ("a magpie's nest", "magpie's nests"),
    ("a lichen-crusted waystone", "lichen-crusted waystones"),
    ("the hearth shrine", "hearth shrines"),
    ("An Old Knife", "Old Knives"),
    ("a fisherman", "fishermen"),
    ("a grey mouse", "grey mice"),
    ("a sheep", "sheep"),
    ("some bread", "bread"),
    ("a potato", "potatoes"),
    ("a radio", "radios"),
    ("lantern", "lanterns"),
])
def test_pluralise(name, plural):
    assert pluralise(name) == plural


@pytest.mark.parametrize(("count", "word"), [
    (1, "one"), (2, "two"), (3, "three"), (11, "eleven"), (12, "twelve"), (13, "13"),
    (250, "250"),
])
def test_count_words_up_to_twelve_then_digits(count, word):
    assert count_word(count) == word


def test_a_group_reads_singular_for_one_and_counted_for_more():
    assert ItemGroup("a red apple", "red apples", 1).label == "a red apple"
    assert ItemGroup("a red apple", "red apples", 2).label == "two red apples"
    assert ItemGroup("a sprig of emberleaf", "sprigs of emberleaf", 3).label == \
        "three sprigs of emberleaf"
    assert ItemGroup("a red apple", "red apples", 40).label == "40 red apples"


def _items(*names: str) -> list[Item]:
    templates = {name: ItemTemplate(name, name, (), "") for name in set(names)}
    return [Item(f"{name}#{n}", templates[name]) for n, name in enumerate(names)]


def test_group_items_keeps_first_appearance_order_and_counts():
    groups = group_items(_items("a red apple", "a lantern", "a red apple", "a key",
                                "a red apple"))
    assert [(g.name, g.count) for g in groups] == [("a red apple", 3), ("a lantern", 1),
                                                   ("a key", 1)]
    assert [g.label for g in groups] == ["three red apples", "a lantern", "a key"]
    assert group_items([]) == ()


def test_a_template_plural_overrides_the_rules():
    boots = ItemTemplate("boots", "a pair of boots", (), "", plural="pairs of old boots")
    groups = group_items([Item("b1", boots), Item("b2", boots)])
    assert groups[0].label == "two pairs of old boots"


def test_plain_names_are_grouped_too():
    assert as_groups(("a lamp", "a lamp", "a key")) == (ItemGroup("a lamp", "lamps", 2),
                                                         ItemGroup("a key", "keys", 1))
    groups = (ItemGroup("a lamp", "lamps", 2),)
    assert as_groups(groups) is groups


def test_room_and_inventory_text_say_the_groups():
    room = ev.RoomView("a:b", "a", "Hall", "Big.", (), (), (),
                       ("a red apple", "a brass lantern", "a red apple", "a red apple"))
    assert "You see three red apples and a brass lantern here." in render(room, PLAIN)
    inventory = ev.Inventory(("a sprig of emberleaf", "a sprig of emberleaf", "a key"))
    assert render(inventory, PLAIN) == \
        "You are carrying:\n  two sprigs of emberleaf\n  a key"


def test_json_items_carry_name_count_and_label():
    body = json.loads(render_json(ev.Inventory(("a key", "a key"))))
    assert body["items"] == [{"name": "a key", "count": 2, "label": "two keys"}]


def test_grouping_is_linear_in_the_items():
    # One pass with a dictionary: each item's name is read once, whatever the mix.
    reads = 0

    class Counted(Item):
        __slots__ = ()

        @property
        def name(self) -> str:
            nonlocal reads
            reads += 1
            return self.template.name

    templates = [ItemTemplate(f"t{n}", f"a thing {n}", (), "") for n in range(50)]
    items = [Counted(f"i{n}", templates[n % 50]) for n in range(1000)]
    assert len(group_items(items)) == 50
    assert reads == 1000


def _world_with(tmp_path, item_yaml: str):
    src = BUNDLED_WORLD
    dest = tmp_path / "w"
    shutil.copytree(src, dest)
    (dest / "village" / "items.yaml").write_text(
        (src / "village" / "items.yaml").read_text() + item_yaml)
    return dest


def test_world_files_may_give_a_plural(tmp_path, clock):
    folder = _world_with(tmp_path, "\nold_boots:\n  name: a pair of boots\n  plural: pairs  of "
                                   "boots\n  description: Boots.\n")
    world = load_world(folder, clock)
    assert world.templates["village:old_boots"].plural == "pairs of boots"
    assert world.templates["village:apple"].plural == "red apples"


def test_a_plural_that_is_not_text_is_refused(tmp_path, clock):
    folder = _world_with(tmp_path, "\nold_boots:\n  name: a pair of boots\n  plural: [a, b]"
                                   "\n  description: Boots.\n")
    with pytest.raises(WorldError, match="'plural' must be text"):
        load_world(folder, clock)


def test_the_bundled_world_shows_a_new_player_grouped_things(clock):
    # One step east of the start: the market's apples, and the brook's emberleaf.
    world = load_world(BUNDLED_WORLD, clock)
    ann = Character("Ann", world.rooms["village:market"])
    assert world.rooms["village:square"].exits["east"].target is ann.room
    view = actions.room_view(world, ann)
    assert "three red apples" in [g.label for g in view.items]
    ann.room = world.rooms["woods:brook"]
    assert "three sprigs of emberleaf" in [g.label for g in actions.room_view(world, ann).items]


def test_the_plural_shown_finds_the_thing():
    apple = ItemTemplate("apple", "a red apple", ("apple", "red"), "")
    sprig = ItemTemplate("sprig", "a sprig of emberleaf", ("sprig", "emberleaf"), "")
    lantern = ItemTemplate("lantern", "a brass lantern", ("lantern", "lamp"), "")
    assert "apples" in apple.keywords and "sprigs" in sprig.keywords
    # Only the plural's own words: a keyword list the builder chose gains no "brass".
    assert lantern.keywords == ("lantern", "lamp", "lanterns")
    pool = [Item("l1", lantern), Item("a1", apple), Item("a2", apple)]
    assert find("apples", pool).template is apple
    assert find("2.apples", pool).id == "a2"
    boots = ItemTemplate("boots", "a pair of boots", ("boots",), "",
                         plural="pairs of old leather boots")
    assert boots.keywords == ("boots", "pairs")   # not "old" or "leather"
