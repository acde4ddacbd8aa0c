"""The World: entering and leaving, moving, item transfers, fan-out, and save snapshots."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mud.engine.events import Message
from mud.engine.model import NOBODY, Character, Room
from mud.engine.world import CharacterRecord, Snapshot
from tests.support import join


def apples(world):
    return [world.items[f"home:hall/home:apple#{n}"] for n in (1, 2)]


def test_enter_without_a_room_puts_the_character_in_the_start_room(world):
    ann = join(world, "Ann")
    assert ann.room is world.start
    assert ann in world.start.characters
    assert world.online == {"ann": ann}


def test_enter_at_a_room_and_record_the_time(world, clock):
    clock.advance(42)
    ann = join(world, "Ann", "yard:shed")
    assert ann.room.id == "yard:shed"
    assert ann.last_active == 42


def test_find_online_ignores_case(world):
    ann = join(world, "Ann")
    assert world.find_online("ANN") is ann
    assert world.find_online("bob") is None


def test_leave_removes_the_character_from_room_and_online(world):
    ann = join(world, "Ann")
    world.leave(ann)
    assert world.online == {}
    assert ann not in world.start.characters


def test_leave_does_not_remove_a_newer_character_with_the_same_name(world):
    old = join(world, "Ann")
    new = Character("Ann", world.start)
    world.online["ann"] = new
    world.leave(old)
    assert world.online["ann"] is new


def test_items_carried_when_leaving_come_back_on_entering(world):
    ann = join(world, "Ann")
    first, second = apples(world)
    world.transfer(first, ann)
    world.transfer(second, ann)
    world.leave(ann)
    assert ann.inventory == []
    assert first.location is None
    assert world.stored["ann"] == [first, second]

    again = Character("Ann", world.start)
    world.enter(again)
    assert again.inventory == [first, second]
    assert first.location is again
    assert "ann" not in world.stored


def test_move_changes_rooms(world):
    ann = join(world, "Ann")
    kitchen = world.rooms["home:kitchen"]
    world.move(ann, kitchen)
    assert ann.room is kitchen
    assert ann in kitchen.characters
    assert ann not in world.start.characters


def test_room_characters_keep_arrival_order(world):
    names = ["Cy", "Ann", "Bob"]
    for name in names:
        join(world, name)
    assert [c.name for c in world.start.characters] == names


def test_transfer_between_room_and_character(world):
    ann = join(world, "Ann")
    apple, _ = apples(world)
    world.transfer(apple, ann)
    assert apple.location is ann
    assert apple in ann.inventory
    assert apple not in world.start.items
    shed = world.rooms["yard:shed"]
    world.transfer(apple, shed)
    assert apple.location is shed
    assert shed.items[-1] is apple
    assert ann.inventory == []


def test_transfer_between_characters(world):
    ann, bob = join(world, "Ann"), join(world, "Bob")
    apple, _ = apples(world)
    world.transfer(apple, ann)
    world.transfer(apple, bob)
    assert ann.inventory == []
    assert bob.inventory == [apple]


def test_tell_room_reaches_everyone_there_except_the_excluded(world):
    ann, bob, cy = join(world, "Ann"), join(world, "Bob"), join(world, "Cy")
    elsewhere = join(world, "Dee", "yard:shed")
    event = Message("hello")
    world.tell_room(world.start, event, exclude=ann)
    assert ann.link.events == []
    assert bob.link.events == [event]
    assert cy.link.events[0] is event
    assert elsewhere.link.events == []


def test_a_character_without_a_link_hears_nothing_and_does_not_break(world):
    lost = Character("Lost", world.start)
    world.enter(lost)
    assert lost.link is NOBODY
    world.tell_room(world.start, Message("anyone?"))


def test_touch_updates_idle_time(world, clock):
    ann = join(world, "Ann")
    clock.advance(10)
    world.touch(ann)
    assert ann.last_active == 10


def test_restore_item_into_a_room(world):
    apple, _ = apples(world)
    assert world.restore_item(apple.id, "room", "yard:shed")
    shed = world.rooms["yard:shed"]
    assert apple.location is shed
    assert apple in shed.items
    assert apple not in world.start.items


def test_restore_item_to_a_character_stores_it_until_they_enter(world):
    apple, _ = apples(world)
    assert world.restore_item(apple.id, "char", "ann")
    assert apple not in world.start.items
    ann = join(world, "Ann")
    assert ann.inventory == [apple]


@pytest.mark.parametrize(("item_id", "kind", "place"), [
    ("home:hall/home:pear#1", "room", "home:hall"),
    ("home:hall/home:apple#1", "room", "home:nowhere"),
    ("home:hall/home:apple#1", "sky", "home:hall"),
])
def test_restore_item_refuses_what_no_longer_fits(world, item_id, kind, place):
    assert world.restore_item(item_id, kind, place) is False
    assert len(world.start.items) == 3


def test_snapshot_dirty_has_moves_and_transfers_once(world):
    ann = join(world, "Ann")
    world.snapshot_dirty()  # what a first login writes: a new character's starting vitals
    assert not world.snapshot_dirty()
    apple, _ = apples(world)
    world.transfer(apple, ann)
    world.move(ann, world.rooms["home:kitchen"])
    snap = world.snapshot_dirty()
    assert [replace(c, state="{}") for c in snap.characters] == \
        [CharacterRecord("ann", "Ann", "home:kitchen", "")]
    assert snap.items == [(apple.id, "char", "ann")]
    assert not world.snapshot_dirty()


def test_snapshot_dirty_records_items_dropped_in_rooms(world):
    ann = join(world, "Ann")
    apple, _ = apples(world)
    world.transfer(apple, ann)
    world.transfer(apple, world.rooms["yard:shed"])
    assert world.snapshot_dirty().items == [(apple.id, "room", "yard:shed")]


def test_snapshot_character_takes_its_items_out_of_the_dirty_set(world):
    ann, bob = join(world, "Ann"), join(world, "Bob")
    first, second = apples(world)
    world.transfer(first, ann)
    world.transfer(second, bob)
    ann.description = "Tall."
    snap = world.snapshot_character(ann)
    assert [replace(c, state="{}") for c in snap.characters] == \
        [CharacterRecord("ann", "Ann", "home:hall", "Tall.")]
    assert snap.items == [(first.id, "char", "ann")]
    assert world.snapshot_dirty().items == [(second.id, "char", "bob")]


def test_snapshot_everything_includes_every_online_character(world):
    ann = join(world, "Ann")
    bob = join(world, "Bob", "yard:garden")
    first, _ = apples(world)
    world.transfer(first, bob)
    snap = world.snapshot_everything()
    assert sorted((c.key, c.room) for c in snap.characters) == [
        ("ann", "home:hall"), ("bob", "yard:garden")]
    assert snap.items == [(first.id, "char", "bob")]
    assert ann.room is world.start


def test_item_places_rows_for_rooms_and_hands_but_not_storage(world):
    ann = join(world, "Ann")
    first, second = apples(world)
    world.transfer(first, ann)
    assert world.item_places([first, second]) == [
        (first.id, "char", "ann"), (second.id, "room", "home:hall")]
    world.leave(ann)
    assert world.item_places(world.stored["ann"]) == []


def test_snapshot_truth_and_merge():
    assert not Snapshot()
    old = Snapshot([CharacterRecord("ann", "Ann", "a:x")], [("i#1", "room", "a:x")])
    new = Snapshot([CharacterRecord("ann", "Ann", "a:y"), CharacterRecord("bob", "Bob", "a:z")],
                   [("i#2", "char", "bob")])
    merged = old.merge(new)
    assert merged
    assert {c.key: c.room for c in merged.characters} == {"ann": "a:y", "bob": "a:z"}
    assert sorted(merged.items) == [("i#1", "room", "a:x"), ("i#2", "char", "bob")]
    # Neither input is changed.
    assert old.characters[0].room == "a:x"
    assert len(new.items) == 1


def test_record_of_a_character_nowhere_uses_the_start_room(world):
    ghost = Character("Ghost")
    assert world.record(ghost).room == world.start.id


def test_a_world_played_in_is_freed_once_nothing_holds_it():
    """Systems keep their objects for a world (fights, shops, resets, regeneration) in
    ``world.parts``, not in registries of worlds that would keep every world alive."""
    import gc
    import weakref

    from mud.systems.combat.death import teleport
    from tests.support import joined_player, make_game
    game = make_game()
    ann = joined_player(game, "Ann")
    body = game.world.online["ann"]
    teleport(game.world, body, game.world.rooms["woods:dell"], "", "arrives")
    for line in ("kill hare", "score", "eq", "list", "quests"):
        ann.type(line)
    assert {"combat.fights", "combat.vitals", "resets"} <= set(game.world.parts)
    ref = weakref.ref(game.world)
    del game, ann, body
    gc.collect()
    assert ref() is None


class Batch:
    """A protocol's batch (mud/engine/fanout.py) that notes what it delivered to whom."""

    def __init__(self) -> None:
        self.calls = 0

    def deliver(self, event, group, skip):
        self.calls += 1
        for link in group.links:
            if link is not skip:
                link.events.append(event)


class BatchedProbe:
    """A link that offers a batch (None: told one by one, through ``send``)."""

    def __init__(self, batch) -> None:
        self.batch = batch
        self.events: list = []
        self.sent: list = []

    def send(self, event) -> None:
        self.sent.append(event)
        self.events.append(event)


@pytest.fixture
def eager(monkeypatch):
    """Audiences built at a crowded room's first line (no SETTLE lines one by one)."""
    import mud.engine.world as world_module
    monkeypatch.setattr(world_module, "SETTLE", 0)


def crowd(world, batch, count):
    from mud.engine.fanout import FANOUT_MIN
    people = []
    for n in range(max(count, FANOUT_MIN)):
        character = join(world, f"C{chr(97 + n)}{chr(97 + n)}")
        character.link = BatchedProbe(batch)
        people.append(character)
    return people


@pytest.mark.usefixtures("eager")
def test_a_crowded_room_tells_batched_links_through_their_batch_and_the_rest_one_by_one(world):
    batch = Batch()
    people = crowd(world, batch, 10)
    plain = join(world, "Plain")  # a Probe: no batch
    event = Message("hello")
    world.tell_room(world.start, event, exclude=people[0])
    assert batch.calls == 1
    assert people[0].link.events == []
    assert all(p.link.events == [event] and p.link.sent == [] for p in people[1:])
    assert plain.link.events[-1] is event
    # The speaker left out when it is not in a group, too.
    world.tell_room(world.start, Message("again"), exclude=plain)
    assert plain.link.events[-1] is event and len(people[1].link.events) == 2


@pytest.mark.usefixtures("eager")
def test_a_crowded_rooms_audience_follows_comings_and_goings(world):
    batch = Batch()
    people = crowd(world, batch, 10)
    world.tell_room(world.start, Message("one"))
    # One moves out and one moves in: the room's size is kept.
    world.move(people[2], world.rooms["home:kitchen"])
    newcomer = join(world, "Newcomer", "home:kitchen")
    newcomer.link = BatchedProbe(batch)
    world.move(newcomer, world.start)
    world.tell_room(world.start, Message("two"))
    assert [e.text for e in people[2].link.events] == ["one"]
    assert [e.text for e in newcomer.link.events] == ["two"]
    assert [e.text for e in people[4].link.events] == ["one", "two"]
    world.leave(people[1])
    world.tell_room(world.start, Message("three"))
    assert [e.text for e in people[1].link.events] == ["one", "two"]
    assert [e.text for e in people[4].link.events] == ["one", "two", "three"]


@pytest.mark.usefixtures("eager")
def test_a_crowded_room_tells_a_grouped_character_through_its_new_link(world):
    # A link replaced (a reconnect, a link-dead body) without anyone calling regroup.
    batch = Batch()
    people = crowd(world, batch, 10)
    world.tell_room(world.start, Message("one"))
    old = people[3].link
    people[3].link = BatchedProbe(batch)
    world.tell_room(world.start, Message("two"))
    assert [e.text for e in old.events] == ["one"]
    assert [e.text for e in people[3].link.events] == ["two"]


def test_a_replaced_link_is_counted_in_its_characters_room_only():
    # What a crowded room's audience checks its links by (mud/engine/fanout.py).
    here, there = Room("t:here", "t", "Here", ""), Room("t:there", "t", "There", "")
    someone = Character("Ann", here)
    counted = here.relinks
    someone.link = BatchedProbe(Batch())
    assert (here.relinks, there.relinks) == (counted + 1, 0)
    Character("Bo").link = BatchedProbe(Batch())  # in no room: counted nowhere, no error
    assert (here.relinks, there.relinks) == (counted + 1, 0)


@pytest.mark.usefixtures("eager")
def test_a_link_replaced_in_one_crowded_room_leaves_the_others_grouping_alone(world):
    batch = Batch()
    elsewhere = next(room for room in world.rooms.values() if room is not world.start)
    crowd(world, batch, 10)
    others = [join(world, f"O{chr(97 + n)}{chr(97 + n)}", elsewhere.id) for n in range(10)]
    for character in others:
        character.link = BatchedProbe(batch)
    world.tell_room(world.start, Message("one"))
    world.tell_room(elsewhere, Message("one"))
    kept, rebuilt = world._audiences[elsewhere], world._audiences[world.start]
    next(iter(world.start.characters)).link = BatchedProbe(batch)
    world.tell_room(world.start, Message("two"))
    world.tell_room(elsewhere, Message("two"))
    assert world._audiences[elsewhere] is kept
    assert world._audiences[world.start] is not rebuilt and batch.calls == 4


@pytest.mark.usefixtures("eager")
def test_a_link_whose_batch_changed_is_told_one_by_one_after_regroup(world):
    batch = Batch()
    people = crowd(world, batch, 10)
    world.tell_room(world.start, Message("one"))
    people[5].link.batch = None
    world.regroup(world.start)
    world.tell_room(world.start, Message("two"))
    assert [e.text for e in people[5].link.sent] == ["two"]
    assert [e.text for e in people[5].link.events] == ["one", "two"]
    assert people[6].link.sent == []


@pytest.mark.usefixtures("eager")
def test_a_crowded_room_without_batches_follows_comings_and_goings(world):
    # No link offers a batch: the audience is only characters told one by one, and a
    # character moving out while another moves in keeps the room's size.
    people = crowd(world, None, 10)
    world.tell_room(world.start, Message("one"))
    world.move(people[2], world.rooms["home:kitchen"])
    newcomer = join(world, "Newcomer", "home:kitchen")
    world.move(newcomer, world.start)
    world.tell_room(world.start, Message("two"))
    assert [e.text for e in people[2].link.events] == ["one"]
    assert [e.text for e in newcomer.link.events][-1:] == ["two"]


def test_a_crowded_room_is_told_one_by_one_until_its_company_settles(world):
    from mud.engine.fanout import SETTLE
    batch = Batch()
    people = crowd(world, batch, 10)
    for n in range(SETTLE):
        world.tell_room(world.start, Message(f"settling {n}"))
    assert batch.calls == 0 and len(people[1].link.sent) == SETTLE
    world.tell_room(world.start, Message("settled"))
    assert batch.calls == 1 and len(people[1].link.sent) == SETTLE
    # Someone arrives: one by one again for SETTLE lines.
    join(world, "Late")
    world.tell_room(world.start, Message("after"))
    assert batch.calls == 1 and people[1].link.sent[-1].text == "after"
    assert [e.text for e in people[1].link.events][-2:] == ["settled", "after"]
