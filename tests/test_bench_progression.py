"""The progression simulation (bench/progression.py) runs on the bundled world and its
scripted player reaches level 2: the engine's own numbers say so, not only its prompt."""

from __future__ import annotations

from bench.progression import Player
from mud.systems.combat.vitals import vitals_of


def test_a_scripted_new_player_reaches_level_2_on_the_scheduler():
    player = Player(seed=1)
    result = player.play(goal=2, limit=30 * 60.0)
    character = player.world.online["tamsin"]
    view = vitals_of(player.world, character)
    assert view is not None and view.level >= 2
    assert view.xp >= 100
    # It got there by fighting, in game time that passed on the clock.
    assert sum(result.kills.values()) >= 1
    assert 0 < result.level_at[2] <= result.ended == player.clock.seconds()
    assert result.commands > 10
    # Its first purchase was Dunstan's cudgel, with the starting coins, and it is wielded.
    assert result.bought[0][0] == "cudgel"
    assert "cudgel" in view.weapon
