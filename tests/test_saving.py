"""The save queue: one write at a time, bursts that do not jam it, and nothing unsaved hidden
from a login (writes and reads ending in every order)."""

from __future__ import annotations

from mud.engine.world import CharacterRecord, Snapshot
from mud.saving import SaveQueue
from tests.support import LateStore, WirePlayer, make_game


def at(key: str, room: str) -> Snapshot:
    return Snapshot([CharacterRecord(key, key.title(), room)])


def outcomes(d) -> list:
    seen: list = []
    d.addBoth(seen.append)
    return seen


def test_a_burst_of_saves_behind_a_slow_write_all_end_and_saving_goes_on():
    # 250 players dropping at once each queue a save behind the one being written. Twisted's
    # DeferredLock ran the queued ones inside each other once the slow write ended, overflowed
    # the stack after about 125 and stayed locked: no save ever ran again, and a stop hung.
    store = LateStore()
    game = make_game(store=store)
    told = [outcomes(game.save(at(f"p{i}", "village:square"))) for i in range(250)]
    store.hold_saves = False
    store.finish_save()
    assert all(t == [True] for t in told)
    assert not game.unsaved and len(store.characters) == 250
    assert outcomes(game.save(at("late", "village:square"))) == [True]
    assert store.characters["late"].room == "village:square"


def test_saves_asked_for_during_a_write_go_out_together_in_the_next_one():
    store = LateStore()
    queue = SaveQueue(store)
    first = outcomes(queue.save(at("ann", "a")))
    later = [outcomes(queue.save(at("ann", "b"))), outcomes(queue.save(at("bob", "c")))]
    assert len(store.held_saves) == 1 and queue.writing
    store.finish_save()
    assert first == [True] and later == [[], []]
    (snapshot, _), = store.held_saves
    assert sorted((c.key, c.room) for c in snapshot.characters) == [("ann", "b"), ("bob", "c")]
    store.finish_save()
    assert later == [[True], [True]] and not queue.unsaved


def test_a_failed_write_is_told_false_kept_and_written_by_the_next():
    store = LateStore()
    queue = SaveQueue(store)
    failed = outcomes(queue.save(at("ann", "a")))
    newer = outcomes(queue.save(at("ann", "b")))
    store.finish_save(ok=False)
    assert failed == [False] and queue.failures == 1
    # The retry carries the newer record, not the one that failed.
    (snapshot, _), = store.held_saves
    assert [c.room for c in snapshot.characters] == ["b"]
    store.finish_save()
    assert newer == [True] and queue.failures == 0 and store.characters["ann"].room == "b"


def test_a_store_that_answers_at_once_is_written_in_a_loop_not_nested():
    store = LateStore()
    store.hold_saves = False
    store.fail_saves = 400
    queue = SaveQueue(store)
    told = [outcomes(queue.save(at(f"p{i}", "a"))) for i in range(400)]
    assert all(t == [False] for t in told) and queue.failures == 400
    assert outcomes(queue.save(Snapshot())) == [True] and not queue.unsaved


def test_what_is_unsaved_is_the_write_in_flight_with_anything_newer_over_it():
    store = LateStore()
    queue = SaveQueue(store)
    queue.save(Snapshot([CharacterRecord("ann", "Ann", "a")], [("key", "room", "a")]))
    queue.save(Snapshot([CharacterRecord("bob", "Bob", "b")], [("key", "char", "bob")]))
    unsaved = queue.unsaved_snapshot()
    assert sorted(c.key for c in unsaved.characters) == ["ann", "bob"]
    assert unsaved.items == [("key", "char", "bob")]


# -- reads against writes, in every order ---------------------------------------------------------


def read(queue: SaveQueue, key: str) -> list:
    return outcomes(queue.read_character(key))


def test_a_login_while_the_write_is_in_flight_gets_the_record_being_written():
    store = LateStore()
    store.characters["ann"] = CharacterRecord("ann", "Ann", "old")
    queue = SaveQueue(store)
    queue.save(at("ann", "new"))
    assert [r.room for r in read(queue, "ann")] == ["new"]
    store.finish_save()
    assert [r.room for r in read(queue, "ann")] == ["new"]


def test_a_login_while_the_save_waits_its_turn_gets_the_queued_record():
    store = LateStore()
    store.characters["ann"] = CharacterRecord("ann", "Ann", "old")
    queue = SaveQueue(store)
    queue.save(at("bob", "x"))  # being written
    queue.save(at("ann", "new"))  # queued behind it
    assert [r.room for r in read(queue, "ann")] == ["new"]


def test_a_read_out_before_the_write_starts_still_ends_with_the_newer_record():
    store = LateStore()
    store.hold_reads = True
    store.characters["ann"] = CharacterRecord("ann", "Ann", "old")
    queue = SaveQueue(store)
    got = read(queue, "ann")
    queue.save(at("ann", "new"))  # written while the read is out
    store.answer_read()  # the store hands back the row as it was
    assert [r.room for r in got] == ["new"]


def test_a_write_that_lands_before_a_stale_read_answers_still_wins():
    store = LateStore()
    store.hold_reads = True
    store.characters["ann"] = CharacterRecord("ann", "Ann", "old")
    queue = SaveQueue(store)
    got = read(queue, "ann")
    queue.save(at("ann", "new"))
    store.finish_save()
    store.answer_read()
    assert [r.room for r in got] == ["new"]
    # Nothing is remembered once no read is out.
    store.hold_reads = False
    store.characters["ann"] = CharacterRecord("ann", "Ann", "newest")
    assert [r.room for r in read(queue, "ann")] == ["newest"]


def test_a_write_that_fails_and_is_merged_back_is_still_what_a_login_gets():
    store = LateStore()
    store.characters["ann"] = CharacterRecord("ann", "Ann", "old")
    queue = SaveQueue(store)
    queue.save(at("ann", "new"))
    store.finish_save(ok=False)
    assert [r.room for r in read(queue, "ann")] == ["new"]


def test_quitting_and_logging_straight_back_in_finds_the_new_room():
    store = LateStore()
    game = make_game(store=store)
    store.hold_saves = False
    ann = WirePlayer(game)
    ann.create("Ann")
    store.hold_saves = True
    ann.type("n")
    ann.type("quit")
    assert store.held_saves and store.characters["ann"].room == "village:square"
    again = WirePlayer(game)
    assert "High Street" in again.type("connect Ann secret1")
