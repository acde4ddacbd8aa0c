"""The login screen: one-line create/connect, the classic name-then-password flow, refusals."""

from __future__ import annotations

from collections import deque
from typing import Any

from twisted.internet.defer import Deferred, fail

from mud.engine.world import CharacterRecord
from mud.passwords import hash_password
from mud.persistence.store import AccountRow, StoreUnavailable
from tests.support import CHEAP, WirePlayer, make_game


def test_create_puts_a_new_character_in_the_start_room():
    game = make_game()
    out = WirePlayer(game).create("ann", "secret1")
    assert "Welcome to Emberfall, Ann!" in out
    assert "Village Square" in out
    assert game.world.online["ann"].name == "Ann"
    assert game.store.accounts["ann"].password.startswith("scrypt$")
    assert "secret1" not in game.store.accounts["ann"].password


def test_connect_logs_in_with_the_right_password_only():
    game = make_game()
    first = WirePlayer(game)
    first.create("Ann", "secret1")
    first.type("quit")
    second = WirePlayer(game)
    out = second.type("connect Ann wrongpass")
    assert "do not match" in out and "Village Square" not in out
    out = second.type("connect ANN secret1")
    assert "Village Square" in out


def test_classic_flow_for_a_new_name():
    game = make_game()
    player = WirePlayer(game)
    assert "Create Bram? (yes/no)" in player.type("bram")
    assert "Please answer yes or no" in player.type("maybe")
    assert "Choose a password" in player.type("yes")
    assert "at least 6" in player.type("short")
    assert "again" in player.type("secret1")
    assert "did not match" in player.type("secret2")
    player.type("secret1")
    out = player.type("secret1")
    assert "Welcome to Emberfall, Bram!" in out
    assert "bram" in game.world.online


def test_classic_flow_saying_no_returns_to_the_name_prompt():
    player = WirePlayer(make_game())
    player.type("Bram")
    assert "What name do you go by?" in player.type("no")


def test_classic_flow_for_an_existing_name():
    game = make_game()
    WirePlayer(game).create("Ann")
    game.leave(next(iter(game.sessions)))
    player = WirePlayer(game)
    assert "Password:" in player.type("Ann")
    out = player.type("secret1")
    assert "Village Square" in out


def test_auto_login_clients_send_name_and_password_in_one_packet():
    game = make_game()
    WirePlayer(game).create("Ann")
    game.leave(next(iter(game.sessions)))
    player = WirePlayer(game)
    player.read()
    player.send_bytes(b"Ann\r\nsecret1\r\nsay hi\r\n")
    out = player.read()
    assert "Village Square" in out
    assert 'You say, "hi"' in out


def test_bad_names_are_refused_with_the_rule():
    player = WirePlayer(make_game())
    for bad in ("Al", "x" * 21, "R2D2", "who", "Ann Lee"):
        out = player.type(bad)
        assert ("3 to 20 letters" in out or "reserved" in out or "single word" in out), bad
    out = player.type("create B0b secret1")
    assert "3 to 20 letters" in out


def test_names_are_unique_regardless_of_case():
    game = make_game()
    WirePlayer(game).create("Ann")
    out = WirePlayer(game).create("ANN", "other12")
    assert "is taken" in out
    assert len(game.store.accounts) == 1


def test_create_and_connect_need_exactly_name_and_password():
    player = WirePlayer(make_game())
    assert "create <name> <password>" in player.type("create Ann")
    assert "connect <name> <password>" in player.type("connect Ann pass word")
    assert "at least 6" in player.type("create Ann abc")


def test_three_wrong_passwords_close_the_connection():
    game = make_game()
    WirePlayer(game).create("Ann")
    player = WirePlayer(game)
    player.type("connect Ann nope123")
    player.type("connect Ann nope456")
    out = player.type("connect Ann nope789")
    assert "Too many failed logins" in out
    assert player.closed


def test_unknown_name_and_wrong_password_look_the_same():
    game = make_game()
    WirePlayer(game).create("Ann")
    wrong = WirePlayer(game).type("connect Ann nope123")
    missing = WirePlayer(game).type("connect Zed nope123")
    assert wrong == missing


def test_quit_at_the_login_prompt_closes():
    player = WirePlayer(make_game())
    assert "Farewell" in player.type("quit")
    assert player.closed


def test_absurdly_long_password_is_refused_without_hashing_it():
    game = make_game()
    WirePlayer(game).create("Ann")
    out = WirePlayer(game).type("connect Ann " + "p" * 3000)
    assert "do not match" in out


def test_repeated_failures_across_connections_are_throttled_with_backoff():
    game = make_game()
    WirePlayer(game).create("Ann")
    free = game.throttle.free
    for _ in range(free):
        assert "do not match" in WirePlayer(game).type("connect Ann nope123")
    blocked = WirePlayer(game).type("connect Ann secret1")  # even the right password waits
    assert "Too many failed logins" in blocked and "Village Square" not in blocked
    game.world.clock.advance(1)
    assert "Village Square" in WirePlayer(game).type("connect Ann secret1")


def test_a_name_is_throttled_whichever_address_the_guesses_come_from():
    game = make_game()
    WirePlayer(game).create("Ann")
    for i in range(game.throttle.free):
        player = WirePlayer(game)
        player.protocol.session.peer = f"10.0.0.{i}"
        player.type("connect Ann nope123")
    other = WirePlayer(game)
    other.protocol.session.peer = "10.9.9.9"
    assert "Too many failed logins" in other.type("connect Ann secret1")


def test_new_names_may_not_be_reserved_words_or_the_worlds_npcs():
    game = make_game()
    player = WirePlayer(game)
    assert "reserved" in player.type("create Sysop secret1")
    assert "reserved" in player.type("Moderator")                  # the classic flow too
    assert "Old Ambrose" in player.type("create Ambrose secret1")  # an NPC's name
    assert "Marta Wren" in player.type("Innkeeper")                # an NPC's keyword
    out = player.type("create Vi\u0441tim secret1")                # Cyrillic es
    assert "mixes scripts" in out and "Cyrillic" in out
    assert "Create Bram?" in player.type("Bram")
    assert game.store.accounts == {}


def test_an_existing_account_whose_name_became_reserved_still_logs_in():
    game = make_game()
    assert "reserved" in WirePlayer(game).create("Sysop")
    # A row made before 'sysop' was reserved.
    game.store.accounts["sysop"] = AccountRow("sysop", "Sysop", hash_password("secret1", CHEAP))
    game.store.characters["sysop"] = CharacterRecord("sysop", "Sysop", game.world.start.id)
    assert "Village Square" in WirePlayer(game).type("connect Sysop secret1")
    game.leave(next(s for s in game.sessions if s.character is not None))
    classic = WirePlayer(game)
    assert "Password:" in classic.type("Sysop")
    assert "Village Square" in classic.type("secret1")


def test_the_sixth_new_character_in_an_hour_from_one_address_is_refused():
    game = make_game()
    per_hour = game.registrations.per_hour
    for i in range(per_hour):
        player = WirePlayer(game, peer="10.7.7.7")
        assert "Welcome to Emberfall" in player.create("Abc" + "defgh"[i] * 3)
    flood = WirePlayer(game, peer="10.7.7.7")
    out = " ".join(flood.create("Another").split())   # as read, whatever the line breaks
    assert "Too many new characters from your address" in out and "60 minutes" in out
    # The classic flow says so before asking for a password, not after.
    assert "Too many new characters" in flood.type("Another")
    assert len(game.store.accounts) == per_hour
    # A refused creation (a taken name) costs nothing; another address is not affected.
    game.world.clock.advance(3600)
    again = WirePlayer(game, peer="10.7.7.7")
    assert "is taken" in again.create("Abcddd")
    assert "Welcome" in WirePlayer(game, peer="10.8.8.8").create("Other")
    assert "Welcome" in again.create("Another")


class SlowHashes:
    """A thread runner whose work finishes only when the test says: attempts overlap."""

    def __init__(self) -> None:
        self.waiting: deque[tuple[Deferred[Any], Any, tuple[Any, ...]]] = deque()

    def __call__(self, fn: Any, *args: Any) -> Deferred[Any]:
        d: Deferred[Any] = Deferred()
        self.waiting.append((d, fn, args))
        return d

    def finish_all(self) -> None:
        while self.waiting:
            d, fn, args = self.waiting.popleft()
            d.callback(fn(*args))


def overlapping_game():
    game = make_game()
    slow = SlowHashes()
    game.accounts.run_in_thread = slow
    game.store.accounts["ann"] = AccountRow("ann", "Ann", hash_password("secret1", CHEAP),
                                            login_addresses=("10.1.1.1",))
    return game, slow


def test_attempts_that_overlap_get_only_the_free_checks():
    game, slow = overlapping_game()
    answers = []
    for i in range(15):
        game.authenticate(f"10.2.0.{i}", "Ann", "wrong12").addCallbacks(
            answers.append, lambda f: answers.append(type(f.value).__name__))
    slow.finish_all()
    slow.finish_all()  # the decoy hash, then the checks
    # The rest waited for those checks rather than being refused while they ran; as they
    # failed, the rest were throttled, unchecked.
    assert answers.count(None) == game.throttle.free
    assert answers.count("Throttled") == 15 - game.throttle.free
    assert not slow.waiting and not game.world.clock.getDelayedCalls()


def test_players_behind_one_address_logging_in_together_all_get_in():
    game, slow = overlapping_game()
    for name in ("Bea", "Cal", "Dot", "Eve", "Fay", "Gus", "Hal"):
        game.accounts.create(name, "secret1", game.world.start.id)
        slow.finish_all()
    answers = []
    for name in ("Ann", "Bea", "Cal", "Dot", "Eve", "Fay", "Gus", "Hal"):
        game.authenticate("10.9.9.9", name, "secret1").addCallbacks(
            answers.append, lambda f: answers.append(type(f.value).__name__))
    # More logins at once than the free failures: the first are checked, the others wait
    # for them instead of being told to stop guessing.
    assert len(slow.waiting) == game.throttle.free
    while len(answers) < 8:
        slow.finish_all()
    assert answers == ["ann", "bea", "cal", "dot", "eve", "fay", "gus", "hal"]


def test_a_login_waiting_for_checks_gives_up_after_a_while():
    from mud.auth import CHECKS_WAIT

    game, slow = overlapping_game()
    answers = []
    for _ in range(game.throttle.free + 1):
        game.authenticate("10.8.8.8", "Ann", "secret1").addCallbacks(
            answers.append, lambda f: answers.append(type(f.value).__name__))
    game.world.clock.advance(CHECKS_WAIT)  # the checks never end (a stuck worker)
    assert answers == ["Throttled"]
    slow.finish_all()
    assert answers.count("ann") == game.throttle.free


def test_the_owners_known_address_gets_in_while_the_name_is_under_attack():
    game, slow = overlapping_game()
    for i in range(game.throttle.free + 3):
        game.authenticate(f"10.6.6.{i}", "Ann", "guess12")
        slow.finish_all()
    owner, stranger = [], []
    game.authenticate("10.3.3.3", "Ann", "secret1").addErrback(
        lambda f: stranger.append(f.value))
    game.authenticate("10.1.1.1", "Ann", "secret1").addCallback(owner.append)
    slow.finish_all()
    assert owner == ["ann"]
    assert type(stranger[0]).__name__ == "Throttled"
    # The success cleared the name's count, and the address stays first in the list.
    assert game.store.accounts["ann"].login_addresses == ("10.1.1.1",)


def test_a_failing_store_does_not_charge_the_attempt():
    game = make_game()
    game.store.get_account = lambda key: fail(StoreUnavailable("disk on fire"))
    failures = []
    for _ in range(10):
        game.authenticate("10.4.4.4", "Ann", "secret1").addErrback(failures.append)
    assert len(failures) == 10 and all(f.check(StoreUnavailable) for f in failures)
    assert game.throttle.failures == {}
