"""Roles: gating by role, help and completion filtered, promote/demote in game, the shell tool."""

from __future__ import annotations

import json
from dataclasses import replace

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


def test_every_role_change_is_logged_with_who_and_where(log_lines):
    game = make_game()
    ann = _admin(game)
    bob = WirePlayer(game, peer="10.9.8.7")
    bob.create("Bob")
    ann.type("promote Bob builder")
    lines = [line for line in log_lines if "role change" in line]
    assert len(lines) == 1
    assert "Bob player -> builder, by Ann (in game, telnet from 10." in lines[0]
    audited = [line for line in log_lines if line.startswith("audit role")]
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





# -- a role changed from the shell while its character plays (the store changes behind the
# game's back, as mud-role does beside a running server) -----------------------------------


def _shell_sets(game, name, role):
    """What ``mud-role`` does to a running server's store: the role changes, the game is
    not told."""
    key = name.lower()
    game.store.accounts[key] = replace(game.store.accounts[key], role=role)


def _spy(player):
    """The events sent to ``player``'s character, kept as well as sent."""
    session = player.protocol.session
    seen = []
    sending = session.send

    def send(event):
        seen.append(event)
        sending(event)
    session.send = send
    return seen


def _count_reads(game):
    reads = []
    reading = game.store.get_account

    def get_account(key):
        reads.append(key)
        return reading(key)
    game.store.get_account = get_account
    return reads


def test_a_builder_demoted_from_the_shell_loses_rname_at_the_next_command(tmp_path):
    from mud.render.json_events import render_json
    from mud.roles import RoleChanged
    from tests.support import builder_player, building_game

    game = building_game(tmp_path)
    bram = builder_player(game)
    square = game.world.rooms["village:square"]
    assert "This room is now called Old Square." in bram.type("rname Old Square")
    seen = _spy(bram)
    _shell_sets(game, "Bram", "player")
    said = bram.type("rname Hacked")
    assert "You are now a player." in said and "'rname' needs the builder role." in said
    assert square.name == "Old Square"
    assert game.world.sources.get("village", "room", "square")["name"] == "Old Square"
    assert game.world.online["bram"].command_sets == ("player",)
    told = [e for e in seen if isinstance(e, RoleChanged)]
    assert len(told) == 1 and told[0].text == "You are now a player."
    frame = json.loads(render_json(told[0]))
    assert frame["type"] == "role" and "rname" not in frame["commands"]
    assert "say" in frame["commands"]
    # The sets are gone: every builder's word is refused, help no longer lists them, and
    # the player's own save (which the builder's hid) saves the character.
    assert "'save area' needs the builder role." in bram.type("save area")
    assert "'dig' needs the builder role." in bram.type("dig up attic")
    assert "rname" not in bram.type("help")
    assert "Your character is saved." in bram.type("save")
    assert game.world.sources.changed_areas() == ["village"]   # only the first rname


def test_a_demotion_reached_by_a_prefix_names_the_command_and_plain_save_still_saves(tmp_path):
    from tests.support import builder_player, building_game

    game = building_game(tmp_path)
    bram = builder_player(game)
    _shell_sets(game, "Bram", "player")
    said = bram.type("rnam Hacked")
    assert "'rname' needs the builder role." in said
    assert game.world.rooms["village:square"].name != "Hacked"
    bram2 = builder_player(game, "Cora")
    _shell_sets(game, "Cora", "player")
    # A builder's plain save is the builder set's command: the role is read, and the
    # player's save (same word) runs instead of a refusal.
    said = bram2.type("save")
    assert "You are now a player." in said and "Your character is saved." in said


def test_a_demotion_while_a_multi_line_rdesc_is_typed_stops_the_description(tmp_path):
    from tests.support import builder_player, building_game

    game = building_game(tmp_path)
    bram = builder_player(game)
    square = game.world.rooms["village:square"]
    before = square.description
    assert "a line with only . ends it" in bram.type("rdesc")
    bram.type("Someone scrawled HACKED on every wall.")
    _shell_sets(game, "Bram", "player")
    said = bram.type(".")
    assert "You are now a player." in said and "'rdesc' needs the builder role." in said
    assert square.description == before
    assert game.world.sources.changed_areas() == []
    # The reader let go: the next line is a command again.
    assert "Village Square" in bram.type("look")


def test_an_admin_demoted_from_the_shell_cannot_kick_and_a_builder_keeps_building(tmp_path):
    from tests.support import admin_player, building_game, joined_player

    game = building_game(tmp_path)
    ada = admin_player(game)
    bob = joined_player(game, "Bob")
    _shell_sets(game, "Ada", "builder")
    said = ada.type("kick Bob")
    assert "You are now a builder." in said and "'kick' needs the admin role." in said
    assert not bob.closed and "bob" in game.world.online
    assert game.world.online["ada"].command_sets == ("player", "builder")
    # Still a builder: building works, with no second notice.
    said = ada.type("rname Ada's Square")
    assert "This room is now called Ada's Square." in said and "You are now" not in said


def test_a_promotion_from_the_shell_still_works_at_once(tmp_path):
    from tests.support import building_game, joined_player

    game = building_game(tmp_path)
    nora = joined_player(game, "Nora")
    _shell_sets(game, "Nora", "builder")
    said = nora.type("rname The Nora Square")
    assert "You are now a builder." in said and "This room is now called The Nora Square." \
        in said
    assert game.world.online["nora"].command_sets == ("player", "builder")
    _shell_sets(game, "Nora", "admin")
    said = nora.type("rname Square Again")
    assert "You are now an admin." in said and "This room is now called Square Again." in said


def test_a_players_own_commands_never_read_the_store_and_a_builders_do(tmp_path):
    from tests.support import builder_player, building_game, joined_player

    game = building_game(tmp_path)
    bram = builder_player(game)
    nora = joined_player(game, "Nora")
    reads = _count_reads(game)
    nora.type("say hello")
    nora.type("look")
    bram.type("say hello")
    bram.type("north")
    assert reads == []
    bram.type("goto village:square")
    assert reads == ["bram"]
    # An edit reads it again just before it lands (it may have been typed over many lines).
    bram.type("rname Square")
    assert reads == ["bram", "bram", "bram"]


def test_a_store_that_fails_or_hangs_leaves_the_role_the_character_has(tmp_path):
    # A failing or stuck store must not lock an admin out of shutdown, or freeze a
    # builder's session: the role read gives way to the sets the character has.
    from twisted.internet.defer import Deferred, fail

    from mud import roles
    from mud.persistence.store import StoreUnavailable
    from tests.support import builder_player, building_game

    game = building_game(tmp_path)
    bram = builder_player(game)
    game.store.get_account = lambda key: fail(StoreUnavailable("memory: disk I/O error"))
    assert "This room is now called Failing Square." in bram.type("rname Failing Square")
    assert game.world.online["bram"].command_sets == ("player", "builder")
    # A read that never answers: the command waits ROLE_READ_WAIT seconds, then runs.
    game.store.get_account = lambda key: Deferred()
    said = bram.type("rname Stuck Square")
    assert "This room is now called" not in said
    # Read at dispatch, and again as the edit lands (edits.propose): each waits in turn.
    game.world.clock.advance(roles.ROLE_READ_WAIT)
    game.world.clock.advance(roles.ROLE_READ_WAIT)
    assert "This room is now called Stuck Square." in bram.read()
    # And the session takes input again (it waited on the read, not for good).
    assert "still here" in bram.type("say still here")


def test_a_demoted_builders_abbreviated_save_runs_the_players_own_save(tmp_path):
    from dataclasses import replace

    from tests.support import builder_player, building_game
    game = building_game(tmp_path)
    bram = builder_player(game)
    game.store.accounts["bram"] = replace(game.store.accounts["bram"], role="player")
    said = bram.type("sav")
    assert "You are now a player." in said and "Your character is saved." in said
    assert "needs the builder role" not in said
