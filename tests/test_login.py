"""The login screen: one-line create/connect, the classic name-then-password flow, refusals."""

from __future__ import annotations

from tests.support import WirePlayer, make_game


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
