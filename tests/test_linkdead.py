"""Link-dead players (issue 10, items 4 and 5) without sockets: names stay names and the
status travels in a field of its own, in GMCP, in the presence callbacks and feed, and in
``/api/who``'s list. (Real sockets: tests/e2e/test_linkdead.py.)"""

from __future__ import annotations

import json

from mud.engine.model import NOBODY
from mud.protocols.presence import PresenceFactory, who_online
from tests.support import WirePlayer, make_game, plain
from tests.test_negotiator import DO, GMCP, IAC, gmcp_messages, sb


def _players(game, *names):
    players = []
    for name in names:
        player = WirePlayer(game)
        player.create(name)
        players.append(player)
    for player in players:
        player.read()
    return players


def test_gmcp_room_players_keeps_the_bare_name_and_says_link_dead_apart():
    game = make_game()
    ann = WirePlayer(game)
    ann.send_bytes(IAC + DO + GMCP)
    ann.send_bytes(sb(GMCP, b'Core.Supports.Set ["Room 1"]'))
    ann.create("Ann")
    _bob, cora = _players(game, "Bob", "Cora")
    cora.drop()
    ann.read_bytes()
    ann.send_bytes(b"look\r\n")
    players = dict(gmcp_messages(ann.read_bytes()))["Room.Players"]
    assert players == [{"name": "Bob", "fullname": "Bob", "linkdead": False},
                       {"name": "Cora", "fullname": "Cora", "linkdead": True}]


def test_the_game_tells_presence_when_a_body_goes_link_dead_and_when_it_is_taken_back():
    game = make_game()
    told = []
    game.presence.append(lambda what, name, via: told.append((what, name, via)))
    (bob,) = _players(game, "Bob")
    assert told == [("join", "Bob", "telnet")]
    bob.drop()
    assert told[-1] == ("linkdead", "Bob", "telnet")
    again = WirePlayer(game)
    again.type("connect Bob secret1")
    assert told[-1] == ("relinked", "Bob", "telnet")
    # A takeover of a live connection by the same kind of connection changes nothing seen.
    third = WirePlayer(game)
    third.type("connect Bob secret1")
    assert len(told) == 3
    third.drop()
    game.world.clock.advance(game.linkdead)
    assert told[-2:] == [("linkdead", "Bob", "telnet"), ("leave", "Bob", "telnet")]


class _Listener:
    def __init__(self):
        self.frames = []

    def send_frame(self, data):
        self.frames.append(data)

    def bodies(self):
        # Server frames are unmasked text frames under 126 bytes here: a 2-byte header.
        return [json.loads(frame[2:]) for frame in self.frames]


def test_presence_feed_frames_and_who_list_carry_link_dead():
    game = make_game()
    factory = PresenceFactory(game)
    listener = _Listener()
    factory.listeners.add(listener)
    _ann, bob = _players(game, "Ann", "Bob")
    bob.drop()
    assert who_online(game) == [{"name": "Ann", "idle": 0, "via": "telnet", "linkdead": False},
                                {"name": "Bob", "idle": 0, "via": "telnet", "linkdead": True}]
    WirePlayer(game).type("connect Bob secret1")
    assert who_online(game)[1]["linkdead"] is False
    assert listener.bodies() == [
        {"type": "join", "name": "Ann", "via": "telnet"},
        {"type": "join", "name": "Bob", "via": "telnet"},
        {"type": "linkdead", "name": "Bob"},
        {"type": "relinked", "name": "Bob", "via": "telnet"},
    ]
    assert game.world.online["bob"].link is not NOBODY


def test_the_room_is_told_when_someone_goes_link_dead_and_when_they_are_back():
    game = make_game()
    ann = WirePlayer(game)
    ann.send_bytes(IAC + DO + GMCP)
    ann.send_bytes(sb(GMCP, b'Core.Supports.Set ["Room 1"]'))
    ann.create("Ann")
    (cora,) = _players(game, "Cora")
    ann.read_bytes()
    cora.drop()
    data = ann.read_bytes()
    assert "Cora has lost the connection" in plain(data)
    assert dict(gmcp_messages(data))["Room.AddPlayer"] == \
        {"name": "Cora", "fullname": "Cora", "linkdead": True}
    again = WirePlayer(game)
    again.type("connect Cora secret1")
    data = ann.read_bytes()
    assert "Cora stirs, awake again." in plain(data)
    assert dict(gmcp_messages(data))["Room.AddPlayer"] == \
        {"name": "Cora", "fullname": "Cora", "linkdead": False}
    # A takeover of a live connection is not a return from link-death: the room hears nothing.
    third = WirePlayer(game)
    third.type("connect Cora secret1")
    assert "stirs" not in plain(ann.read_bytes())


def test_json_says_who_changed_status():
    from mud.engine.events import LinkChange
    from mud.render.json_events import render_json
    body = json.loads(render_json(LinkChange("Cora", True)))
    assert body == {"type": "link", "name": "Cora", "linkdead": True,
                    "text": "Cora has lost the connection and stands very still."}


def test_an_npc_walking_in_or_out_is_not_a_player_to_gmcp_or_json():
    from mud.engine.events import Arrive, Depart
    from mud.protocols.options.gmcp import for_event
    from mud.render.json_events import render_json
    assert for_event(Arrive("Ash", "arrives from the west", npc=True)) == []
    assert for_event(Depart("Ash", "leaves west", npc=True)) == []
    assert [p for p, _ in for_event(Arrive("Cora", "arrives from the west"))] == \
        ["Room.AddPlayer"]
    assert json.loads(render_json(Arrive("Ash", "arrives from the west", npc=True)))["npc"]
    assert not json.loads(render_json(Depart("Cora", "leaves west")))["npc"]
