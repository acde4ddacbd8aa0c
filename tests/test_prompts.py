"""A player's own prompt: fields systems fill in, the prompt command, saved with the rest."""

from __future__ import annotations

import pytest

from mud.engine import prompts
from tests.support import joined_player, make_game


@pytest.fixture
def fields(monkeypatch):
    """Two fields of a pretend system, taken away after the test."""
    monkeypatch.setattr(prompts, "FIELDS", dict(prompts.FIELDS))
    health = {"n": 17}
    prompts.register_field("q", lambda world, who: str(health["n"]), "your pretend health")
    prompts.register_field("z", lambda world, who: 1 / 0, "a broken field")
    return health


def test_fields_are_filled_and_unknown_ones_stay_as_typed(fields):
    class Someone:
        key = "ann"
        state = {prompts.STATE_NAME: "<%qhp %% %w %z> "}
    reports = []

    class World:
        class hooks:
            report = staticmethod(lambda owner, what, exc: reports.append((owner, what)))
    seen = prompts.prompt_for(World, Someone)
    assert seen.text == "<17hp % %w ?> "
    assert reports == [("ann", "prompt field %z")]
    # The same text is the same event, so its rendering is reused.
    assert prompts.prompt_for(World, Someone) is seen
    fields["n"] = 3
    assert prompts.prompt_for(World, Someone).text == "<3hp % %w ?> "


def test_no_format_is_the_shared_default():
    class Someone:
        state: dict = {}
    assert prompts.prompt_for(None, Someone) is prompts.DEFAULT
    assert prompts.DEFAULT.text == "> "


def test_a_field_is_one_letter_and_registered_once(fields):
    with pytest.raises(ValueError, match="one letter"):
        prompts.register_field("hp", lambda w, c: "", "two letters")
    with pytest.raises(ValueError, match="twice"):
        prompts.register_field("q", lambda w, c: "", "again")


def test_the_prompt_command_sets_shows_and_clears_it_over_the_wire(fields):
    game = make_game()
    ann = joined_player(game, "Ann")
    said = ann.type("prompt <%qhp>")
    assert "Your prompt is set. It reads now: <17hp>" in said
    assert said.rstrip("\n").endswith("<17hp> ")
    fields["n"] = 5
    assert ann.type("look").endswith("<5hp> ")
    shown = ann.type("prompt")
    assert "Your prompt is: <%qhp>" in shown and "%q your pretend health" in shown
    assert ann.type("prompt default").endswith("> ")
    assert game.world.online["ann"].state[prompts.STATE_NAME] == ""


def test_a_prompt_too_long_is_refused_and_the_old_one_kept(fields):
    game = make_game()
    ann = joined_player(game, "Ann")
    ann.type("prompt [%q]")
    said = ann.type("prompt " + "x" * (prompts.MAX_FORMAT + 1))
    assert "too long" in said and said.endswith("[17] ")


def test_the_prompt_is_saved_with_the_character(fields):
    game = make_game()
    ann = joined_player(game, "Ann")
    ann.type("prompt <%qhp>")
    ann.type("quit")
    again = joined_player_again(game, "Ann")
    assert again.endswith("<17hp> ") or "<17hp> " in again


def joined_player_again(game, name):
    from tests.support import WirePlayer
    player = WirePlayer(game)
    player.read()
    player.type(name)
    said = player.type("secret1")
    return said + player.type("look")

