"""The game WebSocket's ``request`` frame (a channel's recent lines asked for by the web
client itself, after a reload): answered like the channel's word typed alone, but it is
no command: afk stays, the idle time stays, and each channel is answered at most once a
second per connection."""

from __future__ import annotations

from twisted.internet.task import Clock

from mud.engine import tells
from mud.protocols.websocket import REQUEST_GAP, GameWebSocketFactory
from tests.support import WirePlayer, make_game
from tests.test_websocket import (  # noqa: F401  (the fixture keeps Autobahn off the reactor)
    _autobahn_timers_on_a_test_clock,
    open_protocol,
    registered,
    send_json,
    server_frames,
)


def _chatty_game():
    clock = Clock()
    game = make_game(clock=clock)
    wynn = WirePlayer(game)
    wynn.create("Wynn")
    wynn.type("ooc the smith went north")
    return game, clock, wynn


def test_a_history_request_answers_without_ending_afk_or_counting_as_activity():
    game, clock, _ = _chatty_game()
    factory = GameWebSocketFactory(game)
    protocol, transport = registered(factory, "Nora")
    send_json(protocol, type="command", text="afk back after supper")
    server_frames(transport)
    nora = game.world.online["nora"]
    clock.advance(30)
    send_json(protocol, type="request", what="channel_history", channel="OOC")
    frames = server_frames(transport)
    assert [f["type"] for f in frames] == ["channel_history"]
    assert frames[0]["channel"] == "ooc"
    assert [(line["talker"], line["text"]) for line in frames[0]["lines"]] == \
        [("Wynn", "the smith went north")]
    # Still away, and still idle since the afk command.
    assert tells.of(game.world).message_of(nora) == "back after supper"
    assert clock.seconds() - nora.last_active == 30
    # An alias is a channel's word too.
    send_json(protocol, type="request", what="channel_history", channel="nb")
    assert [f["type"] for f in server_frames(transport)] == ["channel_history"]
    assert tells.of(game.world).message_of(nora) == "back after supper"


def test_each_channel_is_answered_at_most_once_a_second():
    game, clock, _ = _chatty_game()
    protocol, transport = registered(GameWebSocketFactory(game), "Nora")
    for _ in range(50):
        send_json(protocol, type="request", what="channel_history", channel="ooc")
    assert [f["type"] for f in server_frames(transport)] == ["channel_history"]
    # Another channel is not held up by the first.
    send_json(protocol, type="request", what="channel_history", channel="newbie")
    assert [f["channel"] for f in server_frames(transport)] == ["newbie"]
    clock.advance(REQUEST_GAP)
    # The 49 asked for sooner: answered once, when the gap was over.
    assert [f["channel"] for f in server_frames(transport)] == ["ooc"]
    clock.advance(10 * REQUEST_GAP)
    assert server_frames(transport) == []


def test_bad_requests_get_an_error_frame_and_the_connection_lives():
    game, _, _ = _chatty_game()
    factory = GameWebSocketFactory(game)
    early, early_wire = open_protocol(factory)
    server_frames(early_wire)
    send_json(early, type="request", what="channel_history", channel="ooc")
    assert server_frames(early_wire)[0]["code"] == "not_logged_in"

    protocol, transport = registered(factory, "Nora")
    send_json(protocol, type="request", what="look")
    assert server_frames(transport)[0]["code"] == "bad_field"
    send_json(protocol, type="request", what="channel_history", channel=7)
    assert server_frames(transport)[0]["code"] == "bad_field"
    send_json(protocol, type="request", what="channel_history", channel="x" * 41)
    assert server_frames(transport)[0]["code"] == "bad_field"
    # A word that is no channel, and the admins' channel a player does not hear: the
    # game's own refusals, as typing them would give.
    send_json(protocol, type="request", what="channel_history", channel="look")
    frames = server_frames(transport)
    assert [f["type"] for f in frames] == ["error"]
    assert "no channel called 'look'" in frames[0]["message"]
    send_json(protocol, type="request", what="channel_history", channel="wiz")
    frames = server_frames(transport)
    assert [f["type"] for f in frames] == ["error"]
    assert frames[0]["message"].startswith("Only admins")
    # Still connected and playing.
    send_json(protocol, type="command", text="say still here")
    assert [f["type"] for f in server_frames(transport)] == ["say"]
