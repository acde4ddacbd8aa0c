"""Command sets: granted per character, dispatched, listed by help; Deferred handlers."""

from __future__ import annotations

from twisted.internet.defer import Deferred

from mud.commands import COMMANDS, SETS, command_set, for_character
from mud.engine.actions import Refusal
from mud.engine.events import Message
from tests.support import WirePlayer, make_game


def _builder_set():
    builder = command_set("test-builder")
    if "quarry" not in builder.commands:
        @builder.register("quarry", family="building")
        def quarry(ctx, args):
            """quarry <direction>

            Make a new room that way."""
            ctx.send(Message("Quarried."))
    return builder


def test_the_player_set_is_todays_commands_and_everyone_has_it():
    assert SETS["player"] is COMMANDS
    game = make_game()
    ann = WirePlayer(game)
    ann.create("Ann")
    character = game.world.online["ann"]
    assert character.command_sets == ("player",)
    assert for_character(character) is COMMANDS


def test_a_granted_set_adds_its_commands_to_dispatch_help_and_completion():
    _builder_set()
    game = make_game()
    ann, bob = WirePlayer(game), WirePlayer(game)
    ann.create("Ann")
    bob.create("Bob")
    ann.read()
    assert "Unknown command 'quarry'" in ann.type("quarry north")
    assert "quarry" not in ann.type("help")
    assert "quarry" not in ann.protocol.session.command_words()
    game.world.online["ann"].command_sets = ("player", "test-builder")
    assert "Quarried." in ann.type("quarry north")
    index = ann.type("help")
    assert "Building:\n  quarry <direction>" in index and "say <words>" in index
    assert "Make a new room that way." in ann.type("help quarry")
    assert "quarry" in ann.protocol.session.command_words()
    # Bob was granted nothing more.
    assert "Unknown command 'quarry'" in bob.type("quarry north")


def test_a_handler_may_return_a_deferred_and_the_session_waits_for_it():
    game = make_game()
    ann = WirePlayer(game)
    ann.create("Ann")
    pending: list[Deferred] = []
    slow = command_set("test-slow")
    if "ponder" not in slow.commands:
        @slow.register("ponder", family="talk")
        def ponder(ctx, args):
            """ponder

            Think slowly."""
            d: Deferred = Deferred()
            pending.append(d)
            return d
    game.world.online["ann"].command_sets = ("player", "test-slow")
    ann.read()
    ann.type("ponder")
    # Input waits while the command's work is out: no prompt, and 'say' not run yet.
    assert ann.type("say done") == ""
    pending.pop().callback(None)
    assert 'You say, "done"' in ann.read()
    ann.type("ponder")
    pending.pop().errback(Refusal("Your thoughts wander off."))
    assert "Your thoughts wander off." in ann.read()
