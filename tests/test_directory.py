"""The realms directory over the bus: two games (realms north and south) joined by an
in-test link that carries each message as JSON to the other's bus, as a broker would."""

from __future__ import annotations

import json
from typing import Any

from twisted.internet import task

from mud.cluster.directory import BEAT, MISSED_BEATS
from mud.cluster.realms import attach, detach
from mud.engine import actions, tells
from mud.engine.tells import REMOTE_PRESENCE
from mud.protocols.presence import who_online
from tests.support import MemoryStore, WirePlayer, admin_player, joined_player, make_game


class Pipe:
    """One realm's link: publishes to the other realms' buses (JSON in between), or
    refuses while ``up`` is False. ``sent`` keeps what it published; ``lose`` drops
    messages without saying so (as pub/sub does while a subscriber reconnects)."""

    def __init__(self, bus: Any) -> None:
        self.bus = bus
        self.peers: list[Pipe] = []
        self.up = True
        self.lose = False
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def publish(self, topic: str, realm: str, data: dict[str, Any]) -> bool:
        if not self.up:
            return False
        wire = json.dumps(data)
        self.sent.append((topic, json.loads(wire)))
        if not self.lose:
            for peer in self.peers:
                if peer.up:
                    peer.bus.deliver(topic, realm, json.loads(wire))
        return True

    def set_up(self, up: bool) -> None:
        self.up = up
        self.bus.changed(up)


def realms(*names: str, store: Any = None) -> tuple[task.Clock, list[Any], list[Pipe]]:
    """Games named ``names`` joined by Pipes; each with a store of its own, or all on
    ``store`` (as realms sharing one PostgreSQL)."""
    clock = task.Clock()
    games = [make_game(clock=clock, store=store) for _ in names]
    pipes = [Pipe(g.world.bus) for g in games]
    for game, pipe, name in zip(games, pipes, names, strict=True):
        pipe.peers = [p for p in pipes if p is not pipe]
        game.world.bus.realm = name
        game.world.bus.link = pipe
        game.world.bus.report = _raise
    for game in games:
        attach(game)
    return clock, games, pipes


def _raise(owner: str, what: str, exc: BaseException) -> None:
    raise AssertionError(f"{owner}: {what}") from exc


def flat(text: str) -> str:
    return " ".join(text.split())


def test_who_lists_every_realm_with_its_realm():
    _, (north, south), _ = realms("north", "south")
    wynn, nora = joined_player(north, "Wynn"), joined_player(south, "Nora")
    kip = joined_player(south, "Kip")
    lines = wynn.type("who").splitlines()
    assert lines[0] == "Players online: 3"
    assert lines[2] == "In realm south:"
    assert [line.split()[0] for line in lines[3:5]] == ["Kip", "Nora"]
    assert who_online(north)[1:] == [
        {"name": "Kip", "idle": None, "via": "telnet", "linkdead": False, "realm": "south"},
        {"name": "Nora", "idle": None, "via": "telnet", "linkdead": False, "realm": "south"}]
    kip.type("quit")
    assert "Kip" not in wynn.type("who")
    assert "Wynn" in nora.type("who")


def test_a_realm_that_joins_later_learns_who_is_where():
    clock = task.Clock()
    north, south = make_game(clock=clock), make_game(clock=clock)
    a, b = Pipe(north.world.bus), Pipe(south.world.bus)
    a.peers, b.peers = [b], [a]
    north.world.bus.realm, south.world.bus.realm = "north", "south"
    north.world.bus.link = a
    attach(north)
    joined_player(north, "Wynn")
    # South comes up later: its hello is answered with north's list.
    south.world.bus.link = b
    attach(south)
    assert [p["name"] for p in who_online(south)] == ["Wynn"]
    nora = joined_player(south, "Nora")
    assert "Wynn" in nora.type("who")


def test_tell_reaches_another_realm_by_name_or_name_at_realm_and_reply_answers():
    _, (north, south), _ = realms("north", "south")
    wynn, nora = joined_player(north, "Wynn"), joined_player(south, "Nora")
    assert 'You tell Nora@south, "hello"' in wynn.type("tell nora hello")
    assert 'Wynn@north tells you, "hello"' in nora.read()
    assert 'You tell Nora@south, "again"' in wynn.type("tell Nora@South again")
    assert 'Wynn@north tells you, "again"' in nora.read()
    assert 'You tell Wynn@north, "hi back"' in nora.type("reply hi back")
    assert 'Nora@south tells you, "hi back"' in wynn.read()


def test_tell_to_an_afk_player_elsewhere_is_answered_once_from_that_realm():
    _, (north, south), _ = realms("north", "south")
    wynn, nora = joined_player(north, "Wynn"), joined_player(south, "Nora")
    nora.type("afk at the forge")
    out = flat(wynn.type("tell nora there?"))
    assert "Nora@south is away (afk): at the forge. They will see your tell" in out
    assert "is away" not in wynn.type("tell nora there??")
    # Shown in who across realms, and gone with the spell.
    row = next(r for r in wynn.type("who").splitlines() if r.startswith("  Nora"))
    assert row.endswith("afk")
    nora.type("look")
    row = next(r for r in wynn.type("who").splitlines() if r.startswith("  Nora"))
    assert not row.endswith("afk")


def test_the_receiving_realm_answers_when_the_player_is_gone():
    _, (north, south), pipes = realms("north", "south")
    wynn, nora = joined_player(north, "Wynn"), joined_player(south, "Nora")
    # North does not hear Nora leave (a lost message): its directory still lists her.
    pipes[1].lose = True
    nora.type("quit")
    pipes[1].lose = False
    out = flat(wynn.type("tell nora still there?"))
    assert "Nobody called 'nora' is in realm south any more: your tell was not delivered." \
        in out
    # The answer mended north's directory.
    assert "Nora" not in wynn.type("who")
    assert "Nobody called 'nora' is online" in wynn.type("tell nora hm")


def test_unknown_realm_or_player_and_two_realms_with_one_name_are_refused_in_words():
    _, (north, south, east), _ = realms("north", "south", "east")
    wynn = joined_player(north, "Wynn")
    joined_player(south, "Kip")
    joined_player(east, "Kip")
    assert "There is no realm called 'west' (realms: east, south)" in \
        flat(wynn.type("tell kip@west hi"))
    assert "Nobody called 'bram' is online in realm south" in flat(wynn.type("tell bram@south x"))
    out = flat(wynn.type("tell kip hi"))
    assert "More than one player called 'kip' is online, in realms east, south: say which, " \
        "for example: tell kip@east hello" in out
    assert 'You tell Kip@east, "hi"' in wynn.type("tell kip@east hi")


def test_a_link_down_refuses_tells_elsewhere_and_who_says_so_then_all_is_learnt_again():
    _, (north, south), pipes = realms("north", "south")
    wynn, nora = joined_player(north, "Wynn"), joined_player(south, "Nora")
    pipes[0].set_up(False)
    out = flat(wynn.type("tell nora hi"))
    assert "Nobody called 'nora' is in this realm, and the other realms cannot be reached " \
        "just now" in out
    assert "is online" not in out
    joined_player(north, "Kip")
    assert 'You tell Kip, "hi"' in wynn.type("tell kip hi")   # this realm's players still
    assert "The other realms cannot be reached just now" in flat(wynn.type("tell nora@south hi"))
    who = flat(wynn.type("who"))
    assert "Nora" not in who and "The other realms cannot be reached just now" in who
    joined_player(south, "Pipa")         # north hears nothing of it
    pipes[0].set_up(True)                # north's hello: south answers with its list
    who = wynn.type("who")
    assert "Nora" in who and "Pipa" in who
    assert "Wynn" in nora.type("who")


def test_beats_carry_no_player_list_and_a_silent_realm_is_forgotten_after_three():
    clock, (north, south), pipes = realms("north", "south")
    wynn = joined_player(north, "Wynn")
    joined_player(south, "Nora")
    pipes[1].up = False                  # south goes silent without a word
    for _ in range(MISSED_BEATS):
        clock.advance(BEAT)
    assert "Nora" in wynn.type("who")    # three beats missed, not yet more
    clock.advance(BEAT + 1)
    assert "Nora" not in wynn.type("who")
    beats = [d for t, d in pipes[0].sent if d.get("op") == "beat"]
    assert beats and all(set(d) == {"op", "count"} for d in beats)
    assert beats[-1]["count"] == 1


def test_a_realm_that_missed_a_join_asks_for_the_list_at_the_next_beat():
    clock, (north, south), pipes = realms("north", "south")
    wynn = joined_player(north, "Wynn")
    pipes[1].lose = True
    joined_player(south, "Nora")
    pipes[1].lose = False
    assert "Nora" not in wynn.type("who")
    clock.advance(BEAT + 1)
    asks = [d for t, d in pipes[0].sent if d.get("op") == "ask"]
    assert asks == [{"op": "ask", "realm": "south"}]
    assert "Nora" in wynn.type("who")


def test_link_dead_and_back_are_seen_elsewhere():
    _, (north, south), _ = realms("north", "south")
    wynn = joined_player(north, "Wynn")
    nora = joined_player(south, "Nora")
    nora.drop()
    assert "Link-dead: Nora@south" in flat(wynn.type("who"))
    again = WirePlayer(south)
    again.read()
    again.type("connect Nora secret1")
    assert "Link-dead" not in wynn.type("who")


def test_presence_observers_hear_other_realms_players():
    _, (north, south), _ = realms("north", "south")
    heard: list[tuple[str, str, str]] = []
    north.world.parts[REMOTE_PRESENCE].append(lambda what, realm, name, fields:
                                              heard.append((what, realm, name)))
    nora = joined_player(south, "Nora")
    nora.type("afk")
    nora.type("look")
    nora.type("quit")
    assert heard == [("join", "south", "Nora"), ("afk", "south", "Nora"),
                     ("back", "south", "Nora"), ("leave", "south", "Nora")]


def test_a_clean_stop_says_bye_and_is_forgotten_at_once():
    _, (north, south), _ = realms("north", "south")
    wynn = joined_player(north, "Wynn")
    joined_player(south, "Nora")
    detach(south)
    assert "Nora" not in wynn.type("who")


def test_messages_of_the_wrong_shape_are_ignored():
    _, (north, _), _ = realms("north", "south")
    bus = north.world.bus
    for topic, data in [("presence", {"op": 3}), ("presence", {"op": "hello", "players": 7}),
                        ("presence", {"op": "hello", "players": [{"name": 5}, "x", None]}),
                        ("presence", {"op": "join", "player": {"name": "\x1b[31mEvil"}}),
                        ("presence", {"op": "afk", "name": ["x"]}),
                        ("tell", {"op": "tell", "realm": "north", "to": "wynn"}),
                        ("tell", {"op": "tell", "realm": "north", "to": "w" * 99,
                                  "from": "X", "text": "x"}),
                        ("admin", {"op": "kick", "realm": "north", "name": 1, "by": "X"}),
                        ("admin", {"op": "revoke", "name": "wynn", "by": "X",
                                   "generation": "9"}),
                        ("admin", {"op": "announce", "by": "X", "text": ["x"]})]:
        bus.deliver(topic, "south", data)
    # The escape sequence is cleaned from the one well-formed name.
    assert [p["name"] for p in who_online(north)] == ["Evil"]


def test_announce_reaches_every_realm():
    _, (north, south), _ = realms("north", "south")
    ada = admin_player(north, "Ada")
    nora = joined_player(south, "Nora")
    ada.type("announce The gates close at dusk.")
    assert "[Announcement from Ada@north] The gates close at dusk." in nora.read()


def test_kick_reaches_the_realm_holding_the_player_and_it_answers():
    _, (north, south), _ = realms("north", "south")
    ada = admin_player(north, "Ada")
    nora = joined_player(south, "Nora")
    out = flat(ada.type("kick nora shouting"))
    assert "Nora is in realm south: that realm is asked to kick them." in out
    assert "Realm south: Nora is kicked (shouting)." in out
    assert "You have been disconnected by Ada@north: shouting" in flat(nora.read())
    assert nora.closed and "nora" not in south.world.online
    assert "Nobody called 'Nora' is in the game" in flat(ada.type("kick Nora"))
    assert "Nobody called 'bram' is in the game in realm 'south'" in \
        flat(ada.type("kick bram@south"))


def test_revoke_reaches_a_realm_with_a_store_of_its_own_but_not_a_shared_one():
    _, (north, south), _ = realms("north", "south")
    ada = admin_player(north, "Ada")
    for game in (north, south):
        joined_player(game, "Nora").type("quit")
    before = south.store.accounts["nora"].token_generation
    ada.type("revoke nora")
    assert south.store.accounts["nora"].token_generation == before + 1
    # Shared: south's store already holds north's generation, and is left alone.
    south.store.accounts["nora"] = north.store.accounts["nora"]
    generation = north.store.accounts["nora"].token_generation
    south.store.revoke_tokens = lambda key: (_ for _ in ()).throw(AssertionError(key))
    ada.type("revoke nora")
    assert north.store.accounts["nora"].token_generation == generation + 1


def test_a_lone_server_names_no_realm_and_refuses_name_at_realm():
    game = make_game()
    wynn = joined_player(game, "Wynn")
    joined_player(game, "Nora")
    assert "this server runs alone" in flat(wynn.type("tell nora@south hi"))
    assert 'You tell Nora, "hi"' in wynn.type("tell nora@ hi")
    assert actions.who_list(game.world).others == ()


def test_news_after_a_bye_does_not_bring_the_realm_back():
    _, (north, south), _ = realms("north", "south")
    wynn = joined_player(north, "Wynn")
    nora = joined_player(south, "Nora")
    detach(south)
    nora.type("quit")                    # its leave comes after the bye
    assert "south" not in north.world.parts["directory"].realms
    assert "There is no realm called 'south' (realms: none just now)" in \
        flat(wynn.type("tell nora@south hi"))


def test_a_realm_unknown_to_both_sides_is_learnt_from_beats():
    clock, (north, south), _ = realms("north", "south")
    joined_player(south, "Nora")
    wynn = joined_player(north, "Wynn")
    # Each forgets the other without a word (their hellos lost).
    for game in (north, south):
        directory = game.world.parts["directory"]
        for key in list(directory.realms):
            directory._forget(key)
    clock.advance(BEAT + 1)
    assert "Nora" in wynn.type("who")
    assert [p["name"] for p in who_online(south)] == ["Nora", "Wynn"]


def test_a_ban_and_its_lifting_reach_every_realm_and_disconnect_who_it_holds_there():
    _, (north, south), pipes = realms("north", "south")
    ada = admin_player(north, "Ada")
    bram = joined_player(south, "Bram")
    out = flat(ada.type("ban bram 7d spamming every realm"))
    assert "Bram is banned" in out and "cannot be reached" not in out
    # South stored it, put it in force and disconnected Bram, told by whom.
    assert ("name", "bram") in {row[:2] for row in south.store.ban_rows}
    assert bram.closed and "banned by Ada@north" in flat(bram.read())
    back = WirePlayer(south)
    back.read()
    assert "banned" in flat(back.type("connect Bram secret1"))
    assert "bram" not in south.world.online
    ada.type("unban bram")
    assert ("name", "bram") not in {row[:2] for row in south.store.ban_rows}
    again = WirePlayer(south)
    again.read()
    again.type("connect Bram secret1")
    assert "bram" in south.world.online
    # A ban while the link is down holds here, and the admin is told the rest missed it.
    for pipe in pipes:
        pipe.set_up(False)
    assert "other realms cannot be reached" in flat(ada.type("ban kip 1h flooding"))


def test_a_ban_from_another_realm_of_the_wrong_shape_is_ignored():
    _, (_, south), _ = realms("north", "south")
    for bad in ({"op": "ban", "kind": "name", "target": "bram", "until": None,
                 "reason": "x", "by": "Ada"},                           # no created
                {"op": "ban", "kind": "name", "target": "Bram!", "until": None,
                 "reason": "x", "by": "Ada", "created": 1.0},           # not a name
                {"op": "ban", "kind": "network", "target": "bram", "until": None,
                 "reason": "x", "by": "Ada", "created": 1.0},           # kind and target
                {"op": "ban", "kind": "name", "target": "bram", "until": "soon",
                 "reason": "x", "by": "Ada", "created": 1.0}):
        south.world.bus.deliver("admin", "north", bad)
    assert list(south.store.ban_rows) == []


def test_a_demotion_in_one_realm_reaches_the_admin_in_another_at_once():
    # One store shared by both realms: Ada in north demotes Cleo, who plays in south.
    _, (north, south), _ = realms("north", "south", store=MemoryStore())
    ada, cleo = admin_player(north, "Ada"), admin_player(south, "Cleo")
    ada.type("channels")
    cleo.type("channels")
    ada.type("wiz hello")
    assert "Ada@north: hello" in cleo.read()
    assert "Cleo is now a player (was an admin)." in flat(ada.type("demote Cleo"))
    assert "Ada@north made you a player." in flat(cleo.read())
    assert "admin" not in south.world.online["cleo"].command_sets
    ada.type("wiz secret plans")
    assert "secret plans" not in cleo.read()
    assert "[Wiz]" not in cleo.type("wiz still here")
    # And back: a promotion reaches her the same way.
    ada.type("promote Cleo admin")
    assert "Ada@north made you an admin." in flat(cleo.read())
    ada.type("wiz welcome back")
    assert "welcome back" in cleo.read()


def test_a_role_change_leaves_a_realm_with_a_store_of_its_own_as_its_store_says():
    # Separate stores: north's Cleo is not south's; south goes by its own store's role.
    _, (north, south), _ = realms("north", "south")
    ada = admin_player(north, "Ada")
    joined_player(north, "Cleo").type("quit")
    cleo = admin_player(south, "Cleo")
    assert "Cleo is now an admin" in flat(ada.type("promote Cleo admin"))
    ada.type("demote Cleo")
    assert "made you" not in cleo.read()
    assert "admin" in south.world.online["cleo"].command_sets


def test_a_role_change_with_the_link_down_tells_the_admin_the_others_were_not_told():
    _, (north, south), pipes = realms("north", "south", store=MemoryStore())
    ada, bram = admin_player(north, "Ada"), joined_player(south, "Bram")
    pipes[0].set_up(False)
    out = flat(ada.type("promote Bram builder"))
    assert "Bram is now a builder" in out
    assert "The other realms could not be told" in out
    assert "builder" not in south.world.online["bram"].command_sets
    assert "made you" not in bram.read()


def test_a_role_message_of_the_wrong_shape_or_for_nobody_here_is_ignored():
    _, (_, south), _ = realms("north", "south", store=MemoryStore())
    bram = joined_player(south, "Bram")
    sets = south.world.online["bram"].command_sets
    bus = south.world.bus
    for data in ({"op": "role", "name": "Bram", "role": "god", "by": "Ada"},
                 {"op": "role", "name": 7, "role": "admin", "by": "Ada"},
                 {"op": "role", "name": "Bram", "role": "admin"},
                 {"op": "role", "name": "Nobody", "role": "admin", "by": "Ada"},
                 # The store says player: a realm's word alone grants nothing.
                 {"op": "role", "name": "Bram", "role": "admin", "by": "Ada"}):
        bus.deliver("admin", "north", data)
    assert south.world.online["bram"].command_sets == sets
    assert "made you" not in bram.read()


def test_afk_over_and_over_cannot_flood_the_other_realms():
    _, (north, south), pipes = realms("north", "south")
    wynn, nora = joined_player(north, "Wynn"), joined_player(south, "Nora")
    before = len(pipes[0].sent)
    for i in range(50):
        wynn.type(f"afk away {i}")
        wynn.type("look")
    wynn.type(f"afk away {50}")
    sent = [d for t, d in pipes[0].sent[before:] if t == "presence"]
    assert len(sent) == 2 * tells.AFK_BURST
    # The others hold what the player's last accepted command left: back.
    assert [p[4] for p in south.world.parts["directory"].players()] == [None]
    assert "afk" not in nora.type("who")


def test_long_names_from_other_realms_are_ignored_and_long_vias_shown_as_unknown():
    _, (north, _), _ = realms("north", "south")
    bus = north.world.bus
    players = [{"name": "N" * 41, "via": "telnet"}, {"name": "M" * 40, "via": "x" * 21},
               {"name": "Kip", "via": "web", "afk": "a" * 200}]
    bus.deliver("presence", "east", {"op": "hello", "players": players})
    listed = north.world.parts["directory"].players()
    assert [(p[0], p[1], len(p[4] or "")) for p in listed] == [
        ("Kip", "web", tells.MAX_AWAY), ("M" * 40, "?", 0)]
