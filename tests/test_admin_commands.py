"""Admin commands (mud/systems/admin) without sockets: announce, kick, users, revoke, and
their audit lines. The admin set is granted to the character directly (roles grant it in
play). (Real sockets: tests/e2e/test_admin_commands.py.)"""

from __future__ import annotations

import json

from mud.engine.model import NOBODY
from mud.render import json_events
from mud.systems.admin import MAX_ANNOUNCE, Announcement, UserList
from tests.support import WirePlayer, admin_player, joined_player, make_game


def test_a_player_without_the_admin_set_cannot_announce():
    game = make_game()
    bob = joined_player(game, "Bob")
    seen = bob.type("announce hello all")
    assert "Announcement" not in seen


def test_announce_reaches_every_player_in_a_style_of_its_own(audit_lines):
    game = make_game()
    ada = admin_player(game)
    bob = joined_player(game, "Bob")
    ada.type("announce   The server   restarts at noon.\x1b[31m")
    seen = bob.read()
    assert "[Announcement from Ada] The server restarts at noon." in seen
    assert "\x1b[31m" not in seen
    assert audit_lines[-1]["event"] == "announce" and audit_lines[-1]["name"] == "Ada"


def test_announce_refuses_nothing_and_too_much():
    game = make_game()
    ada = admin_player(game)
    bob = joined_player(game, "Bob")
    assert "Announce what?" in ada.type("announce")
    assert "too long" in ada.type("announce " + "x" * (MAX_ANNOUNCE + 1))
    assert "Announcement" not in bob.read()


def test_the_announce_frame_has_its_own_type_and_fields():
    frame = json.loads(json_events.render_json(Announcement("Hello", "Ada")))
    assert frame["type"] == "announce"
    assert frame["message"] == "Hello" and frame["by"] == "Ada"


def test_kick_tells_the_player_why_disconnects_and_saves(audit_lines):
    game = make_game()
    ada = admin_player(game)
    bob = joined_player(game, "Bob", peer="10.9.9.9")
    saves_before = len(game.store.saves)
    seen = ada.type("kick bob spamming the square")
    assert "Bob is kicked (spamming the square)." in seen
    told = bob.read()
    assert "You have been disconnected by Ada: spamming the square" in told
    assert bob.closed and "bob" not in game.world.online
    assert any(snap.character("bob") is not None for snap in game.store.saves[saves_before:])
    assert audit_lines[-1] == {"event": "kick", "name": "Bob", "address": "10.9.9.9",
                         "transport": "telnet", "by": "Ada",
                         "reason": "spamming the square"}


def test_kick_takes_a_link_dead_body_out_and_refuses_nobody_and_oneself():
    game = make_game()
    ada = admin_player(game)
    cora = joined_player(game, "Cora")
    cora.drop()
    assert game.world.online["cora"].link is NOBODY
    assert "Cora is kicked." in ada.type("kick Cora")
    assert "cora" not in game.world.online
    assert "Nobody called 'Zed'" in ada.type("kick Zed")
    assert "Kick whom?" in ada.type("kick")
    assert "cannot kick yourself" in ada.type("kick ada")


def test_users_lists_each_connection_with_transport_client_time_and_address():
    game = make_game()
    ada = admin_player(game, peer="10.5.5.5")
    joined_player(game, "Bob", peer="10.6.6.6")
    WirePlayer(game, peer="10.7.7.7")   # still at the login screen
    game.world.clock.advance(125)
    seen = ada.type("users")
    assert "Connections: 3" in seen
    rows = [line for line in seen.splitlines() if line.startswith("  ")]
    assert any("Ada" in r and "telnet" in r and "10.5.5.5" in r and "2m05s" in r
               for r in rows), rows
    assert any("Bob" in r and "10.6.6.6" in r for r in rows)
    assert any("(logging in)" in r and "10.7.7.7" in r for r in rows)


def test_users_names_the_telnet_client_and_the_browser():
    event = UserList((("Ada", "telnet", "MUDLET", "10.0.0.1", 5.0),
                      ("Bob", "web", "browser", "10.0.0.2", 3700.0)))
    fields = json_events.FIELDS[UserList](event)
    assert fields["users"][1] == {"name": "Bob", "transport": "web", "client": "browser",
                                  "address": "10.0.0.2", "seconds": 3700}
    from mud.render.text import TextStyle, render
    text = render(event, TextStyle())
    assert "telnet (MUDLET)" in text and "web (browser)" in text and "1h01m" in text


def test_revoke_ends_the_resume_tokens_and_is_audited(audit_lines):
    from mud.tokens import ResumeTokens, TokenSigner
    game = make_game()
    clock = game.world.clock
    game.tokens = ResumeTokens(TokenSigner(b"k" * 32), game.store, clock.seconds)
    ada = admin_player(game)
    joined_player(game, "Bob")
    token = game.tokens.issue("bob", game.store.accounts["bob"].token_generation,
                              clock.seconds())
    redeemed = []
    game.tokens.redeem(token).addCallback(redeemed.append)
    assert redeemed[-1] is not None
    seen = ada.type("revoke Bob")
    assert "Bob's resume tokens are revoked" in seen
    game.tokens.redeem(token).addCallback(redeemed.append)
    assert redeemed[-1] is None
    assert audit_lines[-1]["event"] == "revoke" and audit_lines[-1]["by"] == "Ada"
    assert "no character called 'Nobody'" in ada.type("revoke Nobody")
    assert "Revoke whose" in ada.type("revoke")


def test_users_puts_the_address_on_a_line_of_its_own_in_a_narrow_window():
    from mud.render.text import TextStyle, render
    event = UserList((("Ada", "telnet", "MUDLET", "10.0.0.1", 5.0),))
    wide = render(event, TextStyle(colour=False, width=80)).splitlines()
    narrow = render(event, TextStyle(colour=False, width=40)).splitlines()
    assert len(wide) == 2 and "10.0.0.1" in wide[1]
    assert narrow[1:] == ["  Ada telnet (MUDLET) 5s", "    from 10.0.0.1"]


def test_users_names_a_telnet_client_that_said_who_it_is():
    from tests.test_negotiator import DO, GMCP, IAC, sb
    game = make_game()
    ada = admin_player(game)
    mudlet = WirePlayer(game, peer="10.8.8.8")
    mudlet.send_bytes(IAC + DO + GMCP)
    mudlet.send_bytes(sb(GMCP, b'Core.Hello {"client":"Mudlet","version":"4.17"}'))
    mudlet.create("Bob")
    ada.read()
    rows = [line for line in ada.type("users").splitlines() if "Bob" in line]
    assert rows and "telnet (Mudlet)" in rows[0] and "10.8.8.8" in rows[0]
