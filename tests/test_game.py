"""The running game: two players together, takeover, quitting, saving, retries, shutdown."""

from __future__ import annotations

from tests.support import WirePlayer, make_game


def pair():
    game = make_game()
    ann, bob = WirePlayer(game), WirePlayer(game)
    ann.create("Ann")
    bob.create("Bob")
    ann.read()
    return game, ann, bob


def test_players_see_each_other_arrive_talk_emote_and_leave():
    _game, ann, bob = pair()
    bob.type("say well met")
    assert 'Bob says, "well met"' in ann.read()
    bob.type(":bows deeply")
    assert "Bob bows deeply." in ann.read()
    bob.type("n")
    assert "Bob leaves north." in ann.read()
    ann.type("north")
    assert "Ann arrives from the south." in bob.read()
    assert "Bob is here." in ann.type("look")


def test_look_shows_other_players_and_tell_reaches_anywhere():
    _game, ann, bob = pair()
    assert "Bob is here." in ann.type("look")
    bob.type("n")
    ann.read()
    assert 'You tell Bob, "psst"' in ann.type("tell bob psst")
    assert 'Ann tells you, "psst"' in bob.read()
    assert "Nobody called 'zed'" in ann.type("tell zed hi")


def test_who_lists_everyone_online_with_idle_time():
    game, ann, _bob = pair()
    game.world.clock.advance(600)
    ann.type("say I am awake")
    out = ann.type("who")
    assert "Players online: 2" in out
    assert "Ann" in out and "Bob" in out and "idle 10m" in out
    assert out.count("telnet") == 2


def test_get_drop_give_are_seen_by_the_room():
    game, ann, bob = pair()
    ann.type("w")  # the inn
    bob.type("w")
    ann.read()
    room = game.world.online["ann"].room
    takeable = [i for i in room.items if not i.template.fixed]
    assert takeable, "the inn should hold something to take"
    word = takeable[0].keywords[0]
    ann.type(f"get {word}")
    assert f"Ann picks up {takeable[0].name}." in bob.read()
    ann.type(f"give {word} to bob")
    assert f"Ann gives {takeable[0].name} to you." in bob.read()
    assert takeable[0] in game.world.online["bob"].inventory
    bob.type(f"drop {word}")
    assert f"Bob drops {takeable[0].name}." in ann.read()


def test_takeover_moves_the_body_to_the_new_connection():
    game, ann, bob = pair()
    ann.type("n")
    bob.read()
    before = game.world.online["ann"]
    ann2 = WirePlayer(game)
    out = ann2.type("connect Ann secret1")
    assert "take over your body" in out
    assert "High Street" in out  # where the body stood
    old_out = ann.read()
    assert "logged in as your character from another connection" in old_out
    assert ann.closed
    ann.drop()  # the old connection's loss must not remove the body
    assert game.world.online["ann"] is before
    assert before.link is ann2.protocol.session
    assert list(before.room.characters).count(before) == 1
    assert "Players online: 2" in ann2.type("who")
    assert 'You say, "back"' in ann2.type("say back")


def test_quit_saves_position_and_inventory_and_restores_them():
    game, ann, bob = pair()
    ann.type("w")
    room = game.world.online["ann"].room
    item = next(i for i in room.items if not i.template.fixed)
    ann.type(f"get {item.keywords[0]}")
    ann.type("quit")
    assert ann.closed
    assert "Ann leaves west." in bob.read()
    assert game.store.characters["ann"].room == room.id
    assert game.store.items[item.id] == (item.id, "char", "ann")
    assert item not in room.items
    again = WirePlayer(game)
    out = again.type("connect Ann secret1")
    assert room.name in out
    assert item.name in again.type("i")


def test_autosave_writes_only_what_changed():
    game, ann, _bob = pair()
    game.autosave()  # the logins' own changes (the village's first reset time)
    game.store.saves.clear()
    game.autosave()
    assert game.store.saves == []
    ann.type("n")
    game.autosave()
    (snap,) = game.store.saves
    assert [c.key for c in snap.characters] == ["ann"]
    assert snap.characters[0].room == "village:high_street"


def test_a_failed_save_is_kept_and_written_by_the_next_attempt():
    game, ann, bob = pair()
    ann.type("n")
    game.store.fail_saves = 1
    game.autosave()
    assert game.unsaved and game.saves_failed == 1
    assert "ann" not in {c.key for s in game.store.saves for c in s.characters}
    bob.type("e")
    game.autosave()
    assert not game.unsaved
    rooms = {c.key: c.room for c in game.store.saves[-1].characters}
    assert rooms["ann"] == game.world.online["ann"].room.id
    assert rooms["bob"] == game.world.online["bob"].room.id


def test_logging_back_in_while_saves_fail_finds_the_unsaved_position():
    game, ann, _bob = pair()
    ann.type("n")
    game.store.fail_saves = 3  # the disk is full for a while
    ann.type("quit")
    assert game.unsaved and game.store.characters["ann"].room == "village:square"
    again = WirePlayer(game)
    assert "High Street" in again.type("connect Ann secret1")
    again.type("n")
    game.autosave()
    game.autosave()  # the third failure
    game.autosave()  # the disk has room again
    assert not game.unsaved and game.saves_failed == 0
    assert game.store.characters["ann"].room == game.world.online["ann"].room.id != \
        "village:high_street"


def test_shutdown_tells_players_saves_and_closes_everyone():
    game, ann, bob = pair()
    ann.type("n")
    lurker = WirePlayer(game)  # still at the login prompt
    lurker.read()
    game.shutdown()
    out = ann.read()
    assert "shutting down" in out and "saved" in out
    assert ann.closed and bob.closed and lurker.closed
    told = lurker.read()
    assert "going down" in told and "saved" not in told
    assert game.store.characters["ann"].room == "village:high_street"
    assert game.world.online == {}


def test_password_command_changes_the_password():
    game, ann, _bob = pair()
    assert "at least 6" in ann.type("password secret1 abc")
    assert "old password was not right" in ann.type("password nope123 newpass1")
    changed = ann.type("password secret1 newpass1")
    assert "has been changed" in changed
    assert changed.count("> ") == 1  # one prompt, after the answer
    ann.type("quit")
    assert "do not match" in WirePlayer(game).type("connect Ann secret1")
    assert "Village Square" in WirePlayer(game).type("connect Ann newpass1")


def test_guessing_the_old_password_with_the_password_command_is_throttled():
    game, ann, _bob = pair()
    free = game.throttle.free
    for _ in range(free):
        assert "old password was not right" in ann.type("password guess12 newpass1")
    out = ann.type("password guess13 newpass1")
    assert "Too many failed logins" in out and "has been changed" not in out
    # Even the right one waits its turn now; the password is unchanged.
    assert "Too many failed logins" in ann.type("password secret1 newpass1")
    game.world.clock.advance(2)
    assert "has been changed" in ann.type("password secret1 newpass1")


def test_a_crashing_command_is_reported_not_fatal(monkeypatch):
    from mud.commands import COMMANDS

    _game, ann, _bob = pair()

    def boom(ctx, args):
        raise RuntimeError("bug")
    monkeypatch.setattr(COMMANDS.by_word["who"], "handler", boom)
    out = ann.type("who")
    assert "Something went wrong" in out and "RuntimeError" not in out
    assert 'You say, "fine"' in ann.type("say fine")


def test_input_queued_during_a_slow_check_is_bounded():
    from twisted.internet.defer import Deferred

    from mud.session import MAX_QUEUED_LINES

    game = make_game()
    WirePlayer(game).create("Ann")
    game.leave(next(iter(game.sessions)))
    pending = Deferred()
    game.accounts.authenticate = lambda name, password: pending
    player = WirePlayer(game)
    player.read()
    player.send_bytes(b"connect Ann secret1\r\n" + b"say queued\r\n" * (MAX_QUEUED_LINES + 5))
    out = player.read()
    assert out.count("Slow down") == 1  # one notice for the whole flood
    session = player.protocol.session
    assert len(session._queue) == MAX_QUEUED_LINES
    pending.callback("ann")
    heard = player.read().count('You say, "queued"')
    game.world.clock.advance(10)
    heard += player.read().count('You say, "queued"')
    assert heard == MAX_QUEUED_LINES


def test_a_pasted_flood_runs_at_the_command_rate_and_others_are_not_held_up():
    from mud.session import MAX_QUEUED_LINES

    game, ann, bob = pair()
    clock = game.world.clock
    clock.advance(60)  # a full bucket
    ann.send_bytes(b"".join(b"say flood %d\r\n" % i for i in range(200)))
    first = ann.read()
    burst = game.command_burst
    assert first.count("You say") == burst
    assert first.count("Slow down") == 1
    # Bob is not held up by Ann's flood.
    assert 'You say, "me too"' in bob.type("say me too")
    clock.advance(1.0)
    assert ann.read().count("You say") == int(game.command_rate)
    clock.pump([0.1] * 100)
    total = first.count("You say") + int(game.command_rate)
    rest = ann.read().count("You say")
    # Everything queued ran, the overflow beyond the queue was dropped.
    assert total + rest == burst + MAX_QUEUED_LINES
    assert 'You say, "after"' in ann.type("say after")


def test_shutdown_takes_link_dead_bodies_out_and_tells_presence():
    game, _ann, bob = pair()
    left = []
    game.presence.append(lambda what, name, via: left.append(name) if what == "leave" else None)
    bob.drop()  # Bob goes link-dead
    assert "bob" in game.world.online
    game.shutdown()
    assert game.world.online == {}
    assert sorted(left) == ["Ann", "Bob"]
    assert game.store.characters["bob"].room == "village:square"


def test_register_makes_an_account_or_says_why_not_with_a_code():
    game = make_game()
    keys, codes = [], []

    def refused(failure):
        codes.append(failure.value.code)
    # (Not the world's NPCs' names, Wynn and Nell: those are refused as names now.)
    for name, password in [("Rowan", "secret1"), ("rOWAN", "secret2"), ("W1", "secret1"),
                           ("Tamsin", "abc")]:
        game.register(name, password).addCallbacks(keys.append, refused)
    assert keys == ["rowan"]
    assert codes == ["name_taken", "invalid_name", "invalid_password"]
    assert game.store.characters["rowan"].room == game.world.start.id


# -- quit and shutdown say what became of the save ------------------------------------------------



def ann_with_late_writes():
    """A game whose store holds every write from now until the test ends it, and Ann in it."""
    from tests.support import LateStore

    store = LateStore()
    store.hold_saves = False
    game = make_game(store=store)
    ann = WirePlayer(game)
    ann.create("Ann")
    store.hold_saves = True
    return game, store, ann

def test_quit_says_saved_only_once_the_save_has_landed_and_holds_input_meanwhile():
    _game, store, ann = ann_with_late_writes()
    ann.type("n")
    out = ann.type("quit") + ann.type("look")
    assert "saved" not in out and "What name" not in out and not ann.closed
    store.finish_save()
    out = ann.read()
    assert "Your character is saved" in out and "What name" not in out
    assert ann.closed and store.characters["ann"].room == "village:high_street"


def test_quit_while_saves_fail_tells_the_truth():
    from mud.session import QUIT_UNSAVED

    game, ann, _bob = pair()
    ann.type("n")
    game.store.fail_saves = 1
    out = ann.type("quit")
    assert " ".join(QUIT_UNSAVED.split()[:8]) in " ".join(out.split())
    assert "Your character is saved" not in out and ann.closed
    assert game.unsaved
    game.autosave()  # the retry lands
    assert game.store.characters["ann"].room == "village:high_street"


def test_quit_on_a_store_that_never_answers_still_says_goodbye_after_a_bound():
    from mud.session import QUIT_SAVE_WAIT
    game, store, ann = ann_with_late_writes()
    ann.type("quit")
    game.world.clock.advance(QUIT_SAVE_WAIT - 0.1)
    assert not ann.closed
    game.world.clock.advance(0.1)
    out = ann.read()
    assert "taking longer than it should" in out and "is saved" not in out and ann.closed
    store.finish_save()  # landing late is harmless
    assert not game.unsaved


def test_shutdown_with_saves_failing_retries_for_the_window_then_says_so():
    from mud.game import SHUTDOWN_UNSAVED

    game, ann, bob = pair()
    ann.type("n")
    game.store.fail_saves = 100
    result = []
    game.shutdown(retry_for=3).addBoth(result.append)
    out = ann.read()
    assert "shutting down" in out and "could not be saved" in out
    assert ann.closed and bob.closed and game.world.online == {}
    assert result == [] and game.saves_failed == 1
    game.world.clock.pump([1, 1, 1])
    assert result == [False] and game.saves_failed == 4
    unsaved = game.saves.unsaved_snapshot()
    assert {c.key: c.room for c in unsaved.characters}["ann"] == "village:high_street"
    assert "Your character is saved" not in out and SHUTDOWN_UNSAVED.split(":")[0] in out


def test_shutdown_ends_well_when_the_disk_recovers_within_the_window():
    game, ann, _bob = pair()
    ann.type("n")
    game.store.fail_saves = 2
    result = []
    game.shutdown(retry_for=5).addBoth(result.append)
    game.world.clock.pump([1, 1])
    assert result == [True] and not game.unsaved
    assert game.store.characters["ann"].room == "village:high_street"


def test_with_no_retry_window_the_final_write_still_gets_its_time():
    # save_grace 0 (or a short stop timeout) used to give up on the first write at once,
    # calling a healthy save a failure.
    from mud.game import FIRST_WRITE_WAIT
    game, store, ann = ann_with_late_writes()
    result = []
    game.shutdown(retry_for=0).addBoth(result.append)
    game.world.clock.advance(FIRST_WRITE_WAIT / 2)
    assert result == []
    store.finish_save()
    assert result == [True] and "Your character is saved" in ann.read()


def test_shutdown_gives_up_on_a_write_that_never_ends():
    game, _store, ann = ann_with_late_writes()
    result = []
    game.shutdown(retry_for=2).addBoth(result.append)
    assert result == [] and not ann.closed  # the goodbye waits for the outcome...
    game.world.clock.advance(2)
    assert result == [False] and ann.closed  # ...but not past the window
    assert "could not be saved" in ann.read()
    assert [c.key for c in game.saves.unsaved_snapshot().characters] == ["ann"]


def test_a_character_saved_in_a_room_now_gone_comes_in_at_its_areas_first_room():
    from dataclasses import replace

    from tests.support import WirePlayer, joined_player, make_game
    game = make_game()
    nora = joined_player(game, "Nora")
    nora.type("quit")
    record = game.store.characters["nora"]
    game.store.characters["nora"] = replace(record, room="woods:taken_away")
    again = WirePlayer(game)
    again.read()
    out = again.type("connect Nora secret1")
    assert game.world.online["nora"].room.id == "woods:edge"
    assert "The place you were last in is no longer there" in out
    # An area that is gone too: the world's start.
    again.type("quit")
    game.store.characters["nora"] = replace(record, room="nowhere:at_all")
    third = WirePlayer(game)
    third.read()
    out = third.type("connect Nora secret1")
    assert game.world.online["nora"].room is game.world.start
    assert "no longer there" in out
