"""Bans without sockets: parsing, expiry on the injected clock, CIDR matching (IPv4 and
IPv6), the store's schema 5 -> 6 migration, and the ban/unban/bans commands with their
enforcement at connect and login. (Real sockets: tests/e2e/test_bans.py.)"""

from __future__ import annotations

import sqlite3

import pytest
from twisted.internet import task

from mud.bans import Ban, BanError, BanList, parse_duration, parse_target
from mud.persistence.store import SCHEMA_VERSION, Store
from tests.support import WirePlayer, admin_player, joined_player, make_game, old_database


def test_durations():
    assert parse_duration("30m") == 1800
    assert parse_duration("2h") == 7200
    assert parse_duration("7D") == 7 * 86400
    assert parse_duration("forever") is None
    for bad in ("", "0m", "5", "m", "3y", "-2h", "1.5h", "99999999d"):
        with pytest.raises(BanError):
            parse_duration(bad)


def test_targets():
    assert parse_target("Bram") == ("name", "bram")
    assert parse_target("203.0.113.5") == ("address", "203.0.113.5")
    assert parse_target("203.0.113.77/24") == ("network", "203.0.113.0/24")
    assert parse_target("2001:DB8::1") == ("address", "2001:db8::1")
    assert parse_target("2001:db8::/32") == ("network", "2001:db8::/32")
    assert parse_target("10.0.0.1/32") == ("address", "10.0.0.1")
    for bad in ("300.1.1.1", "10.0.0.0/33", "2001:zz::", "b@d", "1bram"):
        with pytest.raises(BanError):
            parse_target(bad)


def test_bans_expire_on_the_clock_and_networks_match_by_version():
    clock = task.Clock()
    bans = BanList(clock.seconds)
    bans.add(Ban("name", "bram", 60.0, "spam", "Ada", 0.0))
    bans.add(Ban("network", "203.0.113.0/24", None, "bots", "Ada", 0.0))
    bans.add(Ban("network", "2001:db8::/32", None, "bots6", "Ada", 0.0))
    assert bans.for_name("Bram").reason == "spam"
    assert bans.for_address("203.0.113.200").reason == "bots"
    assert bans.for_address("::ffff:203.0.113.9").reason == "bots"
    assert bans.for_address("2001:db8:5::1").reason == "bots6"
    assert bans.for_address("203.0.114.1") is None
    assert bans.for_address("2001:db9::1") is None
    assert bans.for_address("") is None and bans.for_address("unix") is None
    clock.advance(60)
    assert bans.for_name("bram") is None
    assert len(bans) == 2
    assert BanList.covers("network", "2001:db8::/32", "2001:db8:1:2::/64")
    assert not BanList.covers("address", "10.0.0.1", "10.0.0.2")


def test_a_schema_5_database_gains_the_bans_table_and_keeps_its_rows(tmp_path):
    from twisted.internet import reactor  # noqa: F401  (the pool needs the reactor module)
    path = str(tmp_path / "data")
    old_database(path, 5)
    store = Store(path)
    store.prepare()
    assert store.ban_rows == []
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 6
        assert db.execute("SELECT key, role, token_generation FROM accounts").fetchall() \
            == [("ann", "admin", 2)]
        db.execute("INSERT INTO bans VALUES ('name', 'bram', NULL, 'spam', 'Ann', 5.0)")
    again = Store(path)
    again.prepare()
    assert again.ban_rows == [("name", "bram", None, "spam", "Ann", 5.0)]


def test_banning_a_name_kicks_saves_refuses_login_and_register_until_unbanned(audit_lines):
    game = make_game()
    ada = admin_player(game)
    bob = joined_player(game, "Bob", peer="10.9.9.9")
    saves = len(game.store.saves)
    seen = ada.type("ban bob 2h spamming the square")
    assert "Bob is banned until" in seen and "spamming the square" in seen
    assert "You have been banned by Ada" in bob.read() and bob.closed
    assert "bob" not in game.world.online
    assert any(s.character("bob") is not None for s in game.store.saves[saves:])
    assert ("name", "bob") in game.store.bans
    assert any(line["event"] == "ban" and line["target"] == "bob" for line in audit_lines)
    again = WirePlayer(game)
    again.read()
    seen = again.type("connect Bob secret1")
    assert "Bob is banned until" in seen and "spamming the square" in seen
    assert "bob" not in game.world.online
    assert audit_lines[-1]["event"] == "login_refused" and audit_lines[-1]["name"] == "Bob"
    assert "Bob is no longer banned." in ada.type("unban Bob")
    assert ("name", "bob") not in game.store.bans
    assert "is not banned" in ada.type("unban Bob")


def test_a_name_ban_without_an_account_blocks_registration():
    game = make_game()
    ada = admin_player(game)
    seen = ada.type("ban Zed forever impersonation")
    assert "Zed is banned forever: impersonation" in seen
    assert "No character is called Zed yet" in seen
    new = WirePlayer(game)
    new.read()
    assert "Zed is banned forever: impersonation" in new.type("create Zed secret-pw")
    assert "zed" not in game.store.accounts


def test_ban_expires_on_the_clock():
    game = make_game()
    ada = admin_player(game)
    ada.type("ban Cyra 30m flooding")
    game.world.clock.advance(1801)
    new = WirePlayer(game)
    new.read()
    new.type("create Cyra secret-pw")
    assert "cyra" in game.world.online
    assert "Nobody is banned." in ada.type("bans")


def test_an_address_ban_kicks_and_refuses_new_connections(audit_lines):
    game = make_game()
    ada = admin_player(game, peer="10.1.1.1")
    bob = joined_player(game, "Bob", peer="203.0.113.7")
    waiting = WirePlayer(game, peer="203.0.113.8")
    seen = ada.type("ban 203.0.113.0/24 7d botnet")
    assert "203.0.113.0/24 is banned until" in seen
    assert bob.closed and waiting.closed and "bob" not in game.world.online
    fresh = WirePlayer(game, peer="203.0.113.99")
    told = fresh.read()
    assert "Your address is banned until" in told and "botnet" in told and fresh.closed
    last = audit_lines[-1]
    assert last["event"] == "connect_refused" and last["address"] == "203.0.113.99"
    listing = ada.type("bans")
    assert "203.0.113.0/24 (network)" in listing and "by Ada" in listing
    assert "botnet" in listing
    ada.type("unban 203.0.113.0/24")
    assert not WirePlayer(game, peer="203.0.113.99").closed


def test_bad_ban_input_is_refused_clearly():
    game = make_game()
    ada = admin_player(game, peer="10.1.1.1")
    assert "Type: ban" in ada.type("ban bob 2h")
    assert "not a duration" in ada.type("ban bob 2years spam")
    assert "not a network" in ada.type("ban 10.0.0.0/40 2h spam")
    assert "cannot ban yourself" in ada.type("ban ada 2h spam")
    assert "your own connection" in ada.type("ban 10.0.0.0/8 2h spam")
    assert "your own connection" in ada.type("ban 10.1.1.1 2h spam")
    assert "too long" in ada.type("ban bob 2h " + "x" * 201)
    assert game.store.bans == {}
    bob = joined_player(game, "Bob")
    assert "needs" in bob.type("ban ada 2h spam").lower() or \
        "admin" in bob.type("ban ada 2h spam")
    assert game.store.bans == {}
