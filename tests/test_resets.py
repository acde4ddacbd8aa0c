"""The resets system: an area puts back what its rooms list, on the world's clock."""

from __future__ import annotations

import json

from twisted.internet.task import Clock

from mud.engine.activity import QUIET_GRACE
from mud.render.json_events import render_json
from mud.systems.resets import STATE_NAME, Restock, resets_of
from tests.support import WirePlayer, make_game
from tests.test_world_loader import AREA, build, error

APPLE = "village:apple"


def apples(room) -> list[str]:
    return [i.id for i in room.items if i.template.id == APPLE]


def held(game, name: str) -> list[str]:
    body = game.world.find_online(name)
    return [i.id for i in body.inventory if i.template.id == APPLE]


def at_market(clock: Clock | None = None):
    game = make_game(clock=clock or Clock())
    ann = WirePlayer(game)
    ann.create("Ann")
    ann.type("east")
    return game, ann, game.world.rooms["village:market"]


def saved_rows(game) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """What the store holds after a save of everything: item places and world state."""
    game.store.save(game.world.snapshot_everything())
    world: dict[str, str] = {}
    for snap in game.store.saves:
        world.update(snap.world)
    return list(game.store.items.values()), list(world.items())


def restarted(game, clock: Clock):
    """A new game on the same saves, restored as build_service does (items, then state)."""
    items, world = saved_rows(game)
    again = make_game(clock=clock, store=game.store)
    for item_id, kind, place in items:
        again.world.restore_item(item_id, kind, place)
    assert again.world.restore_state(world) == []
    return again


def test_taken_apples_are_back_after_the_reset_time_and_the_room_is_told():
    clock = Clock()
    game, ann, market = at_market(clock)
    assert len(apples(market)) == 3
    ann.type("get apple")
    ann.type("get apple")
    assert len(apples(market)) == 1 and len(held(game, 'ann')) == 2
    ann.read()
    clock.advance(599)
    assert len(apples(market)) == 1
    clock.advance(2)
    assert len(apples(market)) == 3
    assert "Pim sets out fresh wares." in ann.read()
    # The carried ones are still the player's; the new ones are new items.
    assert len(held(game, 'ann')) == 2 and not set(held(game, 'ann')) & set(apples(market))
    # Old and new apples group as one kind of thing.
    assert "You see a brass lantern and three red apples here." in ann.type("look")


def test_a_reset_never_duplicates_what_is_still_there():
    clock = Clock()
    game, ann, market = at_market(clock)
    before = sorted(i.id for i in market.items)
    clock.advance(601)
    assert sorted(i.id for i in market.items) == before
    # One apple carried to the square is not "still there"; one dropped here is.
    ann.type("get apple")
    ann.type("get apple")
    ann.type("west")
    ann.type("drop apple")
    ann.type("east")
    ann.type("drop apple")
    clock.advance(600)
    assert len(apples(market)) == 3
    assert len(apples(game.world.rooms["village:square"])) == 1
    clock.advance(600)
    assert len(apples(market)) == 3


def test_respawned_items_have_stable_ids_and_a_restart_keeps_them_where_saved():
    clock = Clock()
    game, ann, market = at_market(clock)
    for _ in range(3):
        ann.type("get apple")
    clock.advance(601)
    fresh = apples(market)
    assert len(fresh) == 3 and all("~" in i for i in fresh)
    ann.type("get apple")
    taken = set(held(game, 'ann'))
    assert len(taken) == 4
    due = game.world.state[STATE_NAME]["due"]["village"]
    assert due == 1201
    # Restart at t=1500: the village is overdue, but quiet until someone comes.
    clock2 = Clock()
    clock2.advance(1500)
    again = restarted(game, clock2)
    market2 = again.world.rooms["village:market"]
    assert sorted(apples(market2)) == sorted(set(fresh) - taken)
    assert again.world.state[STATE_NAME]["due"]["village"] == due
    bob = WirePlayer(again)
    bob.create("Bob")  # into the square: the village wakes, overdue, and resets at once
    clock2.advance(0)
    assert len(apples(market2)) == 3
    assert again.world.state[STATE_NAME]["due"]["village"] == 1500 + 600
    ann2 = WirePlayer(again)
    ann2.read()
    ann2.type("connect Ann secret1")
    assert set(held(again, 'ann')) == taken
    everywhere = [*held(again, 'ann'), *apples(market2)]
    assert len(everywhere) == len(set(everywhere)) == 7


def test_a_quiet_area_resets_once_when_it_wakes():
    clock = Clock()
    game, ann, market = at_market(clock)
    resets = resets_of(game.world)
    calls = []
    real = resets.reset
    resets.reset = lambda area: calls.append(area) or real(area)  # type: ignore[method-assign]
    for _ in range(3):
        ann.type("get apple")
    ann.type("quit")
    clock.advance(QUIET_GRACE + 1)
    assert game.world.scheduler.is_suspended("village")
    for _ in range(10):
        clock.advance(600)  # ten periods asleep: nothing happens, nothing is scanned
    assert calls == [] and apples(market) == []
    bob = WirePlayer(game)
    bob.create("Bob")
    clock.advance(0)
    assert calls == ["village"] and len(apples(market)) == 3
    clock.advance(599)
    assert calls == ["village"]
    clock.advance(2)
    assert calls == ["village", "village"]


def test_restock_event_renders_as_json_with_its_message():
    frame = json.loads(render_json(Restock("Pim sets out fresh wares.")))
    assert frame["type"] == "restock" and frame["message"] == "Pim sets out fresh wares."


def test_a_world_without_reset_keys_loads_and_its_areas_never_reset(tmp_path, monkeypatch):
    from mud.world_loader import load_world
    world = load_world(build(tmp_path, monkeypatch), Clock())
    assert resets_of(world).plans == {}


def test_reset_in_area_yaml_is_checked_with_file_and_line(tmp_path, monkeypatch):
    cases = {
        "reset: 600\n": "'reset' must be a mapping such as reset: {every: 600}, not a number",
        "reset: {every: fast}\n": "'every' must be a number of seconds",
        "reset: {every: 0}\n": "'every' is 0 seconds; it must be from 1 to 604800",
        "reset: {evry: 600}\n": "unknown key 'evry' (allowed: every, message); did you "
                                "mean 'every'?",
        "reset: {every: 60, message: [a]}\n": "message",
    }
    for text, wanted in cases.items():
        root = build(tmp_path, monkeypatch, village__area=AREA + text)
        said = error(root)
        assert "w/village/area.yaml:3: area 'village': " in said, said
        assert wanted in said, said


def test_other_systems_join_a_reset_and_a_failing_one_stops_nothing():
    clock = Clock()
    game, ann, market = at_market(clock)
    resets = resets_of(game.world)
    seen, failures = [], []
    game.world.scheduler.report = lambda owner, what, exc: failures.append((owner, what))

    def broken(area, rooms):
        raise RuntimeError("boom")
    resets.listeners.extend([broken, lambda area, rooms: seen.append((area, len(rooms)))])
    ann.type("get apple")
    clock.advance(601)
    assert len(apples(market)) == 3
    village = [r for r in game.world.rooms.values() if r.area == "village"]
    assert seen == [("village", len(village))]
    assert failures == [("resets village", "reset listener")]


def test_each_system_joins_a_worlds_resets_once_however_often_it_asks():
    # The bundled world's doors, containers, behaviours and shops joined while it loaded,
    # once each (many doors, chests and NPCs asked); asking again adds nothing. (Shops
    # bring a listener, restocking, and a respawner, a keeper brought back keeps shop.)
    game = make_game()
    resets = resets_of(game.world)
    listeners, respawners = len(resets.listeners), len(resets.respawners)
    assert {"doors", "containers", "behaviours", "shops"} <= resets._joined
    resets.join("doors", listener=lambda area, rooms: None)
    resets.join("behaviours", respawner=lambda old, new: None)
    resets.join("shops", listener=lambda area, rooms: None)
    assert (len(resets.listeners), len(resets.respawners)) == (listeners, respawners)
    resets.join("weather", listener=lambda area, rooms: None)
    assert len(resets.listeners) == listeners + 1


def test_a_shortened_period_or_a_clock_set_back_does_not_put_a_reset_off():
    clock = Clock()
    game, ann, market = at_market(clock)
    ann.type("get apple")
    # A save from a server whose village reset once a day.
    game.world.state[STATE_NAME]["due"]["village"] = 86_400
    resets_of(game.world).wake("village")
    clock.advance(601)
    assert len(apples(market)) == 3
