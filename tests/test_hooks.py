"""Engine happenings: the actions emit them, per-room subscriptions, failing handlers,
and quiet areas whose timers sleep while no player is there."""

from __future__ import annotations

import pytest

from mud.engine import actions, hooks
from mud.engine.hooks import Hooks
from mud.engine.model import Character
from tests.support import join


def record(world, name, room=None):
    seen = []
    world.hooks.on(name, lambda **f: seen.append(f), room=room)
    return seen


def test_login_enter_leave_say_give_logout_are_emitted(world) -> None:
    logins, enters, leaves = record(world, hooks.LOGIN), record(world, hooks.ENTER), \
        record(world, hooks.LEAVE)
    says, gives, logouts = record(world, hooks.SAY), record(world, hooks.GIVE), \
        record(world, hooks.LOGOUT)
    ann = join(world, "Ann")
    bob = join(world, "Bob")
    assert [f["who"] for f in logins] == [ann, bob]
    assert logins[0]["room"] is world.rooms["home:hall"]
    actions.say(world, ann, "hello  there")
    assert says == [{"speaker": ann, "room": world.rooms["home:hall"], "text": "hello there"}]
    actions.get(world, ann, "apple")
    actions.give(world, ann, "apple", "bob")
    assert gives[0]["giver"] is ann and gives[0]["receiver"] is bob
    assert gives[0]["item"].name == "a red apple"
    actions.go(world, ann, "north")
    assert leaves == [{"who": ann, "room": world.rooms["home:hall"],
                       "to": world.rooms["home:kitchen"]}]
    assert enters == [{"who": ann, "room": world.rooms["home:kitchen"],
                       "came_from": world.rooms["home:hall"]}]
    world.leave(ann)
    assert logouts == [{"who": ann, "room": world.rooms["home:kitchen"]}]
    # Logging in and out are login/logout only, never enter/leave (as hooks.py says).
    assert len(enters) == 1 and len(leaves) == 1


def test_enter_comes_after_the_newcomer_sees_the_room(world) -> None:
    ann = join(world, "Ann")
    ann.link.take()
    order = []
    world.hooks.on(hooks.ENTER, lambda **f: order.append(len(ann.link.take())))
    actions.go(world, ann, "north")
    assert order == [1]  # the room view was sent before the hook ran


def test_room_subscriptions_hear_only_their_room(world) -> None:
    kitchen = record(world, hooks.SAY, room="home:kitchen")
    ann = join(world, "Ann")
    actions.say(world, ann, "in the hall")
    assert kitchen == []
    actions.go(world, ann, "n")
    actions.say(world, ann, "in the kitchen")
    assert [f["text"] for f in kitchen] == ["in the kitchen"]


def test_a_failing_handler_is_reported_with_the_entity_and_others_still_run() -> None:
    failures = []
    h = Hooks(report=lambda owner, what, exc: failures.append((owner, str(exc))))
    seen = []

    def broken(**_):
        raise KeyError("nope")

    h.on(hooks.SAY, broken)
    h.on(hooks.SAY, broken, owner="village:innkeeper")
    h.on(hooks.SAY, lambda **f: seen.append(f["text"]))
    speaker = Character("Ann")
    h.emit(hooks.SAY, speaker=speaker, room=None, text="hi")
    assert seen == ["hi"]
    assert failures == [("ann", "'nope'"), ("village:innkeeper", "'nope'")]


def test_unsubscribe_and_unknown_names() -> None:
    h = Hooks()
    seen = []
    off = h.on(hooks.LOGIN, lambda **f: seen.append(1))
    h.emit(hooks.LOGIN, who=None, room=None)
    off()
    h.emit(hooks.LOGIN, who=None, room=None)
    assert seen == [1]
    with pytest.raises(ValueError, match="no such happening"):
        h.on("entre", lambda **f: None)


def test_a_quiet_area_sleeps_after_the_grace_and_wakes_when_a_player_comes(world,
                                                                         clock) -> None:
    ticks = []
    world.scheduler.every(5, ticks.append, 1, group="yard")
    assert world.scheduler.is_suspended("yard")  # nobody there at start
    clock.advance(60)
    assert ticks == []
    ann = join(world, "Ann")  # in home:hall: the yard still sleeps
    clock.advance(60)
    assert ticks == []
    actions.go(world, ann, "east")  # into the yard
    clock.pump([5, 5])
    assert ticks == [1, 1]
    actions.go(world, ann, "gate")  # within the yard: no change
    actions.go(world, ann, "gate")
    actions.go(world, ann, "west")  # out again: it runs through the grace, then sleeps
    clock.advance(world.quiet.grace)
    count = len(ticks)
    assert world.scheduler.is_suspended("yard")
    clock.advance(600)
    assert len(ticks) == count
    assert world.scheduler.pending("yard") == 0
    actions.go(world, ann, "east")
    world.leave(ann)  # logging out of the yard
    clock.advance(world.quiet.grace + 1)
    assert world.scheduler.is_suspended("yard")


def test_coming_back_within_the_grace_keeps_the_area_running(world, clock) -> None:
    ticks = []
    world.scheduler.every(5, ticks.append, 1, group="yard")
    ann = join(world, "Ann", "yard:garden")
    actions.go(world, ann, "west")
    clock.advance(world.quiet.grace / 2)
    actions.go(world, ann, "east")
    clock.advance(world.quiet.grace)
    assert not world.scheduler.is_suspended("yard")
