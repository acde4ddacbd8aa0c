"""The login calls every transport shares (LoginFlow.log_in, create, resume): what they
refuse and with which code, and the token grant a resumable connection gets."""

from __future__ import annotations

from typing import Any

import pytest

from mud.engine.events import Message
from mud.login import BAD_CREDENTIALS, BAD_TOKEN, Grant, LoginRefused
from mud.session import Session
from tests.support import make_game


class FakeConnection:
    """A connection with no socket: keeps what it is sent, remembers who entered."""

    def __init__(self, resumable: bool = False, peer: str = "10.9.9.9") -> None:
        self.via = "web" if resumable else "telnet"
        self.resumable = resumable
        self.peer = peer
        self.events: list[Any] = []
        self.names: list[str] = []

    def send(self, event: Any) -> None:
        self.events.append(event)

    def close(self) -> None:
        pass

    def entered(self, name: str) -> None:
        self.names.append(name)

    def set_colour(self, preference: str) -> None:
        pass


def outcome(d: Any) -> Any:
    """What an already-fired Deferred gave (a LoginRefused's code for a refusal)."""
    got: list[Any] = []
    d.addCallbacks(got.append, lambda f: got.append(f.trap(LoginRefused) and f.value.code))
    assert got, "the Deferred has not fired"
    return got[0]


def session(game: Any, resumable: bool = False) -> Session:
    return Session(game, FakeConnection(resumable))


def test_create_then_log_in_elsewhere_enters_and_takes_the_body_over():
    game = make_game()
    first = session(game)
    assert outcome(first.login.create("ann", "secret1")) is None
    assert game.world.online["ann"].link is first
    second = session(game)
    assert outcome(second.login.log_in("Ann", "secret1")) is None
    assert game.world.online["ann"].link is second and not first.connected


@pytest.mark.parametrize(("name", "password", "code"), [
    ("Ann", "wrong99", "bad_credentials"), ("Nobody", "secret1", "bad_credentials"),
    ("Ann\n", "secret1", "bad_credentials"),
])
def test_log_in_refusals_carry_the_web_error_codes(name, password, code):
    game = make_game()
    outcome(session(game).login.create("ann", "secret1"))
    assert outcome(session(game).login.log_in(name, password)) == code


def test_log_in_refusal_message_is_the_plain_one():
    game = make_game()
    failures: list[Any] = []
    session(game).login.log_in("Ann", "secret1").addErrback(failures.append)
    assert failures[0].value.message == BAD_CREDENTIALS


def test_a_throttled_log_in_is_refused_as_throttled():
    game = make_game()
    outcome(session(game).login.create("ann", "secret1"))
    guesser = session(game)
    codes = [outcome(guesser.login.log_in("Ann", f"wrong{i:02}"))
             for i in range(game.throttle.free + 1)]
    assert codes[-1] == "throttled" and set(codes[:-1]) == {"bad_credentials"}


@pytest.mark.parametrize(("name", "password", "code"), [
    ("a1", "secret1", "invalid_name"), ("Admin", "secret1", "invalid_name"),
    ("Bram", "short", "invalid_password"), ("Ann", "secret1", "name_taken"),
])
def test_create_refusals_carry_the_web_error_codes(name, password, code):
    game = make_game()
    outcome(session(game).login.create("ann", "secret1"))
    assert outcome(session(game).login.create(name, password)) == code


def test_create_says_welcome_only_when_asked():
    game = make_game()
    quiet, chatty = session(game), session(game)
    outcome(quiet.login.create("ann", "secret1"))
    outcome(chatty.login.create("bea", "secret1", welcome=True))
    welcome = [e.text for e in chatty.connection.events if type(e) is Message]
    assert welcome[0] == "Welcome to Emberfall, Bea!"
    assert "Welcome to Emberfall, Ann!" not in [
        getattr(e, "text", "") for e in quiet.connection.events]


def test_a_resumable_connection_gets_its_grant_and_a_telnet_one_none():
    game = make_game()
    web = session(game, resumable=True)
    outcome(web.login.create("ann", "secret1"))
    assert web.login.grant == Grant(0, game.world.clock.seconds(), resumed=False)
    telnet = session(game)
    outcome(telnet.login.create("bea", "secret1"))
    assert telnet.login.grant == Grant()


def test_resume_enters_with_the_tokens_grant_and_refuses_a_bad_token():
    game = make_game()
    web = session(game, resumable=True)
    outcome(web.login.create("ann", "secret1"))
    token = game.tokens.issue("ann", web.login.grant.generation, 5.0)
    again = session(game, resumable=True)
    assert outcome(again.login.resume(token)) is None
    assert again.login.grant.resumed and again.login.grant.auth_time == 5.0
    assert game.world.online["ann"].link is again
    failures: list[Any] = []
    session(game, resumable=True).login.resume("not-a-token").addErrback(failures.append)
    assert failures[0].value.code == "bad_token" and failures[0].value.message == BAD_TOKEN


def test_a_login_for_a_connection_already_gone_does_not_enter():
    game = make_game()
    owner = session(game)
    outcome(owner.login.create("ann", "secret1"))
    gone = session(game)
    gone.connection_lost()
    assert outcome(gone.login.log_in("Ann", "secret1")) is None
    assert game.world.online["ann"].link is owner and owner.connected
