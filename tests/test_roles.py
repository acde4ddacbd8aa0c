"""Roles: gating by role, help and completion filtered, promote/demote in game, the shell tool."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mud.commands import SETS, needed_role, sets_for_role
from tests.support import WirePlayer, make_game


def _admin(game, name="Ann"):
    """A logged-in player whose stored role is admin (as after the shell's promote)."""
    player = WirePlayer(game)
    player.read()
    player.create(name)
    key = name.lower()
    game.store.accounts[key] = replace(game.store.accounts[key], role="admin")
    player.read()
    return player


def test_roles_grant_sets_and_admin_implies_builder():
    assert sets_for_role("player") == ("player",)
    assert sets_for_role("builder") == ("player", "builder")
    assert sets_for_role("admin") == ("player", "builder", "admin")
    assert sets_for_role("nonsense") == ("player",)
    assert "promote" in SETS["admin"].commands and "demote" in SETS["admin"].commands
    assert needed_role("promote") == "admin" and needed_role("look") is None
    assert needed_role("prom") is None


def test_a_player_is_told_the_role_a_command_needs_and_no_prefix_reaches_it():
    game = make_game()
    bob = WirePlayer(game)
    bob.create("Bob")
    bob.read()
    assert "'promote' needs the admin role." in bob.type("promote Bob admin")
    assert "'demote' needs the admin role." in bob.type("DEMOTE bob")
    said = bob.type("promo Bob admin")
    assert "Unknown command 'promo'" in said and "promote" not in said
    assert game.store.accounts["bob"].role == "player"
    index = bob.type("help")
    assert "promote" not in index and "demote" not in index and "Admin" not in index
    assert "'promote' needs the admin role." in bob.type("help promote")
    assert "promote" not in bob.protocol.session.command_words()


def test_an_admin_sees_and_uses_the_admin_commands():
    game = make_game()
    ann = _admin(game)
    # The role was changed behind the game's back (from the shell): the first use of an
    # admin command reads the stored role and runs it.
    bob = WirePlayer(game)
    bob.create("Bob")
    bob.read()
    said = ann.type("promote Bob builder")
    assert "Bob is now a builder (was a player)." in said
    assert "Ann made you a builder." in bob.read()
    assert game.world.online["bob"].command_sets == ("player", "builder")
    assert game.store.accounts["bob"].role == "builder"
    index = ann.type("help")
    assert "Admin:" in index and "promote <name> <role>" in index
    assert "Give a character a role" in ann.type("help promote")
    assert "promote" in ann.protocol.session.command_words()
    # Errors say what is wrong.
    assert "Bob is already a builder." in ann.type("promote bob builder")
    assert "There is no character called 'Nobody'." in ann.type("promote Nobody admin")
    assert "There is no role 'god'" in ann.type("promote Bob god")
    assert "Usage: promote <name> <role>" in ann.type("promote Bob")
    # Prefixes reach it for an admin.
    assert "Bob is now a player (was a builder)." in ann.type("demo Bob")
    assert "'promote' needs the admin role." in bob.type("promote Bob admin")


def test_an_offline_character_is_promoted_and_has_the_role_at_login():
    game = make_game()
    ann = _admin(game)
    cora = WirePlayer(game)
    cora.create("Cora")
    cora.type("quit")
    assert "Cora is now an admin (was a player)." in ann.type("promote cora admin")
    again = WirePlayer(game)
    again.read()
    again.type("Cora")
    again.type("secret1")
    assert game.world.online["cora"].command_sets == sets_for_role("admin")


def test_the_last_admin_cannot_demote_themselves_but_may_when_another_exists():
    game = make_game()
    ann = _admin(game)
    said = ann.type("demote Ann")
    assert "Ann is the last admin" in said and "promote someone else" in said
    assert game.store.accounts["ann"].role == "admin"
    bob = WirePlayer(game)
    bob.create("Bob")
    ann.type("promote Bob admin")
    assert "You are now a player (you were an admin)." in ann.type("demote ann")
    assert "'promote' needs the admin role." in ann.type("promote Bob player")
    assert game.world.online["ann"].command_sets == ("player",)


def test_every_role_change_is_logged_with_who_and_where(caplog_twisted):
    game = make_game()
    ann = _admin(game)
    bob = WirePlayer(game, peer="10.9.8.7")
    bob.create("Bob")
    ann.type("promote Bob builder")
    lines = [line for line in caplog_twisted if "role change" in line]
    assert len(lines) == 1
    assert "Bob player -> builder, by Ann (in game, telnet from 10." in lines[0]
    audited = [line for line in caplog_twisted if line.startswith("audit role")]
    assert len(audited) == 1
    assert "name=Bob address=10." in audited[0] and "transport=telnet by=Ann old=player " \
        "new=builder" in audited[0]


def test_a_builder_command_is_refused_to_a_player_by_every_path_and_granted_to_an_admin():
    from mud.commands import BUILDER
    from mud.commands.registry import _VIEWS
    from mud.engine.events import Message

    @BUILDER.register("test-dig", "tdig", family="building")
    def dig(ctx, args):
        """test-dig <direction>

        Make a room."""
        ctx.send(Message("Dug."))
    try:
        game = make_game()
        bob = WirePlayer(game)
        bob.create("Bob")
        bob.read()
        assert "'test-dig' needs the builder role." in bob.type("test-dig north")
        assert "'tdig' needs the builder role." in bob.type("tdig north")
        assert "Dug." not in bob.type("test-d north")
        assert "test-dig" not in bob.type("help")
        assert "test-dig" not in bob.protocol.session.command_words()
        ann = _admin(game)
        assert "Dug." in ann.type("test-dig north")
        assert "test-dig" in ann.type("help")
    finally:
        for word in ("test-dig", "tdig"):
            BUILDER.by_word.pop(word, None)
        BUILDER.commands.pop("test-dig", None)
        _VIEWS.clear()


@pytest.fixture
def caplog_twisted():
    from twisted.logger import formatEvent, globalLogPublisher
    lines: list[str] = []

    def observe(event):
        lines.append(formatEvent(event))
    globalLogPublisher.addObserver(observe)
    yield lines
    globalLogPublisher.removeObserver(observe)

