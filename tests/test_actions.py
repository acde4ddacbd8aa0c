"""Game rules: looking, moving, talking and items, with the events each one emits."""

from __future__ import annotations

import re

import pytest

from mud.engine import actions
from mud.engine.actions import Refusal
from mud.engine.events import (
    Arrive,
    Depart,
    Emote,
    Examine,
    ExitList,
    Inventory,
    ItemAction,
    RoomView,
    Say,
    Tell,
    WhoList,
)
from mud.engine.model import Character
from tests.support import join


@pytest.fixture
def ann(world):
    return join(world, "Ann")


@pytest.fixture
def bob(world):
    return join(world, "Bob")


def only(character):
    events = character.link.take()
    assert len(events) == 1, events
    return events[0]


# -- looking ---------------------------------------------------------------------------------

def test_look_shows_the_room_without_the_viewer(world, ann, bob):
    actions.look(world, ann)
    view = only(ann)
    assert isinstance(view, RoomView)
    assert (view.id, view.area, view.name) == ("home:hall", "home", "The Hall")
    assert view.description.startswith("A narrow hall")
    assert view.exits == ("north", "east", "up")
    assert view.characters == ("Bob",)
    # Identical things are grouped, in the order they lie.
    assert [(g.label, g.count) for g in view.items] == [("two red apples", 2),
                                                        ("an oak table", 1)]
    assert view.npcs == ()


def test_room_view_lists_npcs(world):
    cook = join(world, "Cook", "home:kitchen")
    assert actions.room_view(world, cook).npcs == ("Mouser",)


@pytest.mark.parametrize(("query", "what", "name"), [
    ("apple", "item", "a red apple"),
    ("table", "item", "an oak table"),
    ("bob", "character", "Bob"),
    ("north", "exit", "north"),
    ("n", "exit", "north"),
])
def test_look_at_things_in_the_hall(world, ann, bob, query, what, name):
    actions.look_at(world, ann, query)
    event = only(ann)
    assert isinstance(event, Examine)
    assert (event.what, event.name) == (what, name)


def test_look_at_an_exit_without_description_says_where_it_leads(world, ann):
    actions.look_at(world, ann, "up")
    assert only(ann).description == "The way up leads to The Loft."


def test_look_at_a_named_exit_shows_its_description(world):
    gardener = join(world, "Gardener", "yard:garden")
    actions.look_at(world, gardener, "gate")
    event = only(gardener)
    assert event.what == "exit"
    assert event.description == "A wooden gate, hanging from one hinge."


def test_look_at_an_npc(world):
    cook = join(world, "Cook", "home:kitchen")
    actions.look_at(world, cook, "cat")
    event = only(cook)
    assert (event.what, event.name) == ("npc", "Mouser")
    assert "tabby" in event.description


def test_look_at_me_and_at_another_player(world, ann, bob):
    actions.look_at(world, ann, "me")
    assert only(ann).description == "You look much as you always do."
    ann.description = "A tall woman in green."
    actions.look_at(world, bob, "ann")
    assert only(bob).description == "A tall woman in green."
    actions.look_at(world, ann, "self")
    assert only(ann).description == "A tall woman in green."


def test_describe_sets_shows_and_clears_the_description_others_see(world, ann, bob):
    actions.describe(world, ann, "")
    assert "You have no description yet" in only(ann).text
    world.snapshot_dirty()
    actions.describe(world, ann, "  A tall woman \n in  green.  ")
    assert only(ann).text.endswith("Others who look at you see: A tall woman in green.")
    assert ann.description == "A tall woman in green."
    # Marked for saving, with the text.
    assert [(c.key, c.description) for c in world.snapshot_dirty().characters] == [
        ("ann", "A tall woman in green.")]
    actions.look_at(world, bob, "ann")
    seen = only(bob)
    assert (seen.what, seen.name, seen.description) == ("character", "Ann",
                                                        "A tall woman in green.")
    actions.describe(world, ann, "")
    assert "Others who look at you see: A tall woman in green." in only(ann).text
    actions.describe(world, ann, "CLEAR")
    assert only(ann).text == "Your description is cleared."
    assert ann.description == ""
    assert [c.description for c in world.snapshot_dirty().characters] == [""]
    actions.look_at(world, bob, "ann")
    assert only(bob).description == "Ann looks back at you."


def test_an_overlong_description_is_refused_and_changes_nothing(world, ann):
    ann.description = "Short."
    world.snapshot_dirty()
    with pytest.raises(Refusal, match=f"{actions.MAX_DESCRIPTION} at most"):
        actions.describe(world, ann, "x" * (actions.MAX_DESCRIPTION + 1))
    assert ann.description == "Short."
    assert not world.snapshot_dirty()
    actions.describe(world, ann, "y" * actions.MAX_DESCRIPTION)
    assert ann.description == "y" * actions.MAX_DESCRIPTION


def test_carried_items_are_found_before_items_in_the_room(world, ann):
    trowel = world.items["yard:shed/yard:trowel#1"]
    world.transfer(trowel, ann)
    actions.look_at(world, ann, "rusty")
    assert only(ann).name == "a rusty trowel"


def test_look_at_nothing_there_is_refused(world, ann):
    with pytest.raises(Refusal, match=re.escape("You see no 'dragon' here")):
        actions.look_at(world, ann, "dragon")


def test_look_at_a_direction_abbreviation_prefers_the_exit(world):
    cook = join(world, "Cook", "home:kitchen")
    actions.look_at(world, cook, "s")
    event = only(cook)
    assert (event.what, event.name) == ("exit", "south")


def test_look_at_a_full_direction_name_finds_the_exit(world):
    cook = join(world, "Cook", "home:kitchen")
    actions.look_at(world, cook, "south")
    assert only(cook).what == "exit"


def test_list_exits_names_where_each_leads(world, ann):
    actions.list_exits(world, ann)
    event = only(ann)
    assert isinstance(event, ExitList)
    assert event.exits == (("north", "The Kitchen"), ("east", "The Garden"),
                           ("up", "The Loft"))


def test_nowhere_is_refused(world):
    lost = Character("Lost")
    with pytest.raises(Refusal, match=re.escape("nowhere")):
        actions.look(world, lost)


# -- moving ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("word", "target"), [
    ("north", "home:kitchen"), ("N", "home:kitchen"), (" up ", "home:loft"),
    ("e", "yard:garden"),
])
def test_find_exit_by_direction(world, word, target):
    exit_ = actions.find_exit(world.rooms["home:hall"], word)
    assert exit_ is not None
    assert exit_.target.id == target


@pytest.mark.parametrize("word", ["gate", "ga", "GATE"])
def test_find_exit_by_named_exit_or_its_prefix(world, word):
    assert actions.find_exit(world.rooms["yard:garden"], word).target.id == "yard:shed"


@pytest.mark.parametrize("word", ["", "south", "gate", "nor", "w"])
def test_find_exit_none(world, word):
    assert actions.find_exit(world.rooms["home:hall"], word) is None


def test_go_moves_and_tells_both_rooms(world, ann, bob):
    cook = join(world, "Cook", "home:kitchen")
    actions.go(world, ann, "n")
    assert ann.room.id == "home:kitchen"
    view = only(ann)
    assert isinstance(view, RoomView)
    assert view.id == "home:kitchen"
    assert view.characters == ("Cook",)
    depart = only(bob)
    assert isinstance(depart, Depart)
    assert (depart.name, depart.phrase) == ("Ann", "leaves north")
    arrive = only(cook)
    assert isinstance(arrive, Arrive)
    assert (arrive.name, arrive.phrase) == ("Ann", "arrives from the south")


def test_go_through_a_named_exit(world):
    gardener = join(world, "Gardener", "yard:garden")
    watcher = join(world, "Watcher", "yard:garden")
    actions.go(world, gardener, "gate")
    assert gardener.room.id == "yard:shed"
    assert only(watcher).phrase == "leaves through the gate"


def test_go_nowhere_is_refused_and_nothing_moves(world, ann, bob):
    with pytest.raises(Refusal, match=re.escape("You cannot go 'west' from here")):
        actions.go(world, ann, "west")
    assert ann.room is world.start
    assert bob.link.events == []


def test_announce_arrival_and_departure(world, ann, bob):
    actions.announce_arrival(world, ann)
    actions.announce_departure(world, ann, "vanishes")
    assert [(type(e), e.phrase) for e in bob.link.take()] == [
        (Arrive, "has entered the game"), (Depart, "vanishes")]
    assert ann.link.events == []


# -- talking ---------------------------------------------------------------------------------

def test_say_gives_the_speaker_an_own_copy(world, ann, bob):
    elsewhere = join(world, "Cook", "home:kitchen")
    actions.say(world, ann, "  hello    there ")
    mine, theirs = only(ann), only(bob)
    assert isinstance(mine, Say)
    assert (mine.speaker, mine.text, mine.own) == ("Ann", "hello there", True)
    assert (theirs.speaker, theirs.text, theirs.own) == ("Ann", "hello there", False)
    assert elsewhere.link.events == []


@pytest.mark.parametrize("fn", [actions.say, actions.emote])
def test_empty_speech_is_refused(world, ann, fn):
    with pytest.raises(Refusal, match=re.escape("what?")):
        fn(world, ann, "   ")


@pytest.mark.parametrize(("fn", "args", "example"), [
    (actions.emote, ("",), "emote "),
    (actions.tell, ("bob", ""), "tell "),
])
def test_empty_speech_refusal_gives_an_example_of_the_right_command(world, ann, bob, fn, args,
                                                                    example):
    with pytest.raises(Refusal) as caught:
        fn(world, ann, *args)
    assert example in caught.value.message
    assert "say hello" not in caught.value.message


def test_overlong_speech_is_refused(world, ann, bob):
    with pytest.raises(Refusal, match=re.escape("too long")):
        actions.say(world, ann, "x" * (actions.MAX_SPEECH + 1))
    actions.say(world, ann, "x" * actions.MAX_SPEECH)
    assert len(only(bob).text) == actions.MAX_SPEECH


def test_emote_is_one_event_for_everyone(world, ann, bob):
    actions.emote(world, ann, "waves")
    mine, theirs = only(ann), only(bob)
    assert isinstance(mine, Emote)
    assert mine is theirs
    assert (mine.actor, mine.text) == ("Ann", "waves")


def test_tell_reaches_anyone_online_anywhere(world, ann):
    far = join(world, "Far", "yard:shed")
    actions.tell(world, ann, "FAR", "psst")
    received = only(far)
    assert isinstance(received, Tell)
    assert (received.sender, received.recipient, received.text, received.own) == (
        "Ann", "Far", "psst", False)
    sent = only(ann)
    assert (sent.recipient, sent.own) == ("Far", True)


def test_tell_to_nobody_or_to_yourself_is_refused(world, ann):
    with pytest.raises(Refusal, match=re.escape("Nobody called 'zed' is online")):
        actions.tell(world, ann, "zed", "hi")
    with pytest.raises(Refusal, match=re.escape("yourself")):
        actions.tell(world, ann, "ann", "hi")


def test_who_lists_everyone_sorted_with_idle_time(world, clock):
    clock.advance(100)
    cy = join(world, "Cy")
    cy.via = "web"
    ann = join(world, "Ann", "yard:shed")
    ann.via = "telnet"
    clock.advance(30)
    world.touch(ann)
    clock.advance(5)
    actions.who(world, ann)
    event = only(ann)
    assert isinstance(event, WhoList)
    assert event.players == (("Ann", 5, "telnet"), ("Cy", 35, "web"))


# -- items -----------------------------------------------------------------------------------

def test_inventory(world, ann):
    actions.inventory(world, ann)
    assert only(ann).items == ()
    actions.get(world, ann, "apple")
    ann.link.take()
    actions.inventory(world, ann)
    event = only(ann)
    assert isinstance(event, Inventory)
    assert [g.label for g in event.items] == ["a red apple"]
    actions.get(world, ann, "apple")
    ann.link.take()
    actions.inventory(world, ann)
    assert [(g.name, g.count, g.label) for g in only(ann).items] == [
        ("a red apple", 2, "two red apples")]


def test_get_takes_one_item_and_tells_the_room(world, ann, bob):
    actions.get(world, ann, "apple")
    assert [i.id for i in ann.inventory] == ["home:hall/home:apple#1"]
    assert [i.name for i in world.start.items] == ["a red apple", "an oak table"]
    mine, theirs = only(ann), only(bob)
    assert isinstance(mine, ItemAction)
    assert (mine.verb, mine.item, mine.own) == ("get", "a red apple", True)
    assert (theirs.actor, theirs.verb, theirs.own) == ("Ann", "get", False)


def test_get_all_leaves_fixed_things(world, ann):
    actions.get(world, ann, "all")
    assert [i.name for i in ann.inventory] == ["a red apple", "a red apple"]
    assert [i.name for i in world.start.items] == ["an oak table"]
    assert len(ann.link.events) == 2


def test_get_a_fixed_thing_is_refused(world, ann):
    with pytest.raises(Refusal, match=re.escape("You cannot take an oak table: it is fixed")):
        actions.get(world, ann, "table")
    assert ann.inventory == []


@pytest.mark.parametrize(("query", "message"), [
    ("", "Which item?"),
    ("sword", "You see no 'sword' here."),
])
def test_get_refusals(world, ann, query, message):
    with pytest.raises(Refusal, match=re.escape(message)):
        actions.get(world, ann, query)


def test_get_the_second_of_several(world, ann):
    actions.get(world, ann, "2.apple")
    assert [i.id for i in ann.inventory] == ["home:hall/home:apple#2"]


def test_drop_puts_it_in_the_room(world, ann, bob):
    actions.get(world, ann, "all")
    ann.link.take()
    bob.link.take()
    actions.drop(world, ann, "apple")
    assert len(ann.inventory) == 1
    assert world.start.items[-1].name == "a red apple"
    assert (only(ann).verb, only(bob).verb) == ("drop", "drop")


def test_drop_refusals(world, ann):
    with pytest.raises(Refusal, match=re.escape("not carrying anything")):
        actions.drop(world, ann, "apple")
    actions.get(world, ann, "apple")
    with pytest.raises(Refusal, match=re.escape("You see no 'pear' on you.")):
        actions.drop(world, ann, "pear")


def test_give_hands_it_over_with_three_perspectives(world, ann, bob):
    cy = join(world, "Cy")
    actions.get(world, ann, "apple")
    for who in (ann, bob, cy):
        who.link.take()
    actions.give(world, ann, "apple", "bob")
    assert [i.name for i in bob.inventory] == ["a red apple"]
    assert ann.inventory == []
    mine, theirs, watching = only(ann), only(bob), only(cy)
    assert (mine.target, mine.own) == ("Bob", True)
    assert (theirs.actor, theirs.target, theirs.own) == ("Ann", "you", False)
    assert (watching.actor, watching.target, watching.own) == ("Ann", "Bob", False)


def test_give_to_an_npc_or_to_nobody_is_refused(world):
    cook = join(world, "Cook", "home:kitchen")
    with pytest.raises(Refusal, match=re.escape("not carrying anything")):
        actions.give(world, cook, "apple", "cat")
    apple = next(i for i in world.items.values() if i.template.id == "home:apple")
    world.transfer(apple, cook)
    # Nothing claims the give (no system wants apples): the NPC and the item are named,
    # and the apple stays with the cook.
    with pytest.raises(Refusal, match=re.escape("Mouser does not want a red apple.")):
        actions.give(world, cook, "apple", "cat")
    assert apple in cook.inventory
    with pytest.raises(Refusal, match=re.escape("nobody called 'cook' here")):
        actions.give(world, cook, "apple", "cook")


def test_give_with_empty_hands_is_refused(world, ann, bob):
    with pytest.raises(Refusal, match=re.escape("not carrying anything")):
        actions.give(world, ann, "apple", "bob")


def test_items_moved_by_actions_are_saved(world, ann):
    actions.get(world, ann, "apple")
    actions.go(world, ann, "up")
    actions.drop(world, ann, "apple")
    snap = world.snapshot_dirty()
    assert snap.items == [("home:hall/home:apple#1", "room", "home:loft")]
    assert [c.room for c in snap.characters] == ["home:loft"]


# -- link-dead players (issue 10, items 4 and 5) ---------------------------------------------

def test_room_view_keeps_names_bare_and_says_apart_who_is_link_dead(world, ann, bob):
    from mud.engine.model import NOBODY
    cora = join(world, "Cora")
    cora.link = NOBODY  # her connection died: the body waits in the hall
    view = actions.room_view(world, ann)
    assert view.characters == ("Bob", "Cora")
    assert view.linkdead == ("Cora",)
    assert actions.room_view(world, cora).linkdead == ()


def test_who_marks_link_dead_players_and_keeps_how_they_were_connected(world, clock):
    from mud.engine.model import NOBODY
    ann = join(world, "Ann")
    ann.via = "telnet"
    cora = join(world, "Cora")
    cora.via = "web"
    cora.link = NOBODY
    actions.who(world, ann)
    event = only(ann)
    assert event.players == (("Ann", 0, "telnet"), ("Cora", 0, "web"))
    assert event.linkdead == ("Cora",)


# -- systems' say in core actions: keepers, restraints, detailers, the drop happening ------

def test_a_kept_item_stays_on_through_drop_give_and_all(world, ann, bob):
    actions.get(world, ann, "all")
    kept_apple = ann.inventory[0]
    world.keepers.append(lambda who, item: "You are wearing it." if item is kept_apple
                         else None)
    actions.inventory(world, ann)
    assert [g.count for g in ann.link.take()[-1].items] == [1]
    actions.drop(world, ann, "all")
    assert ann.inventory == [kept_apple]
    with pytest.raises(Refusal, match=re.escape("You are wearing it.")):
        actions.drop(world, ann, "apple")
    with pytest.raises(Refusal, match=re.escape("You are wearing it.")):
        actions.give(world, ann, "apple", "bob")
    assert ann.inventory == [kept_apple] and bob.inventory == []


def test_a_broken_keeper_keeps_nothing_and_is_reported(world, ann):
    reports = []
    world.hooks.report = lambda owner, what, exc: reports.append((owner, what))
    world.keepers.append(lambda who, item: 1 / 0)
    actions.get(world, ann, "apple")
    actions.drop(world, ann, "apple")
    assert ann.inventory == [] and reports and reports[0][0] == "ann"


def test_a_restraint_holds_a_walker_before_doors_and_barriers(world, ann):
    world.restraints.append(lambda who, exit_: "You are fighting!" if who is ann else None)
    with pytest.raises(Refusal, match="You are fighting!"):
        actions.go(world, ann, "north")
    assert ann.room is world.start
    world.restraints.clear()
    actions.go(world, ann, "north")
    assert ann.room.id == "home:kitchen"


def test_detailers_add_lines_under_a_close_look(world, ann, bob):
    world.detailers.append(lambda thing, looker: [f"{thing.name} is unhurt."]
                           if thing is bob else [])
    ann.link.take()
    actions.look_at(world, ann, "bob")
    seen = only(ann)
    assert seen.details == ("Bob is unhurt.",)
    actions.look_at(world, ann, "apple")
    assert only(ann).details == ()
    world.detailers.append(lambda thing, looker: ["You are unhurt."] if thing is looker else [])
    actions.look_at(world, ann, "me")
    assert only(ann).details == ("You are unhurt.",)


def test_drop_is_a_happening_systems_hear(world, ann):
    heard = []
    world.hooks.on("drop", lambda **f: heard.append((f["who"], f["item"].name, f["room"])))
    actions.get(world, ann, "apple")
    actions.drop(world, ann, "apple")
    assert heard == [(ann, "a red apple", world.start)]
