"""Lone UTF-16 surrogates without sockets. JSON's ``"\\ud800"`` decodes to half a character
that no UTF-8 encoder takes: the sanitiser drops it, web frames and GMCP drop it when they
are decoded, the admin API refuses a body holding one (400) and always answers, and an
area save that cannot write one file still writes the others. (Real sockets:
tests/e2e/test_surrogates.py.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from twisted.internet.task import Clock

from mud.player_text import clean
from mud.protocols import admin_api, bounded_json
from mud.protocols.options import gmcp
from mud.protocols.websocket import GameWebSocket
from mud.systems.building.saving import AreaSaver
from mud.world_loader import load_world
from tests.support import joined_player, make_game, run_now, world_copy
from tests.test_admin_api import Api, token_for

LONE = "\ud800"


# -- the sanitiser ---------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("a\ud800b", "ab"),
    ("Sur\udfffrogate", "Surrogate"),
    ("\udc00\ud800", ""),                     # two halves the wrong way round: both go
    ("say hi \ud800 there", "say hi  there"),
    ("\U0001f600 and caf\u00e9", "\U0001f600 and caf\u00e9"),  # whole characters stay
    ("a\ud800\x1b[31mb", "ab"),               # with other unsafe text too
])
def test_clean_drops_lone_surrogates_and_keeps_whole_characters(raw: str, expected: str):
    assert clean(raw) == expected
    assert clean(raw, edit=True) == expected
    clean(raw).encode("utf-8")  # what the telnet encoder does: no UnicodeEncodeError


# -- decoding JSON from clients ----------------------------------------------------------------

def test_loads_drops_lone_surrogates_from_every_string_keys_included():
    text = '{"type": "command", "text": "a\\ud800b", "l": ["\\udfff", {"k\\ud800": "v"}]}'
    assert bounded_json.loads(text) == {"type": "command", "text": "ab",
                                        "l": ["", {"k": "v"}]}


def test_an_escaped_pair_is_one_character_and_plain_text_is_untouched():
    assert bounded_json.loads('"\\ud83d\\ude00"') == "\U0001f600"
    assert bounded_json.loads('"\\uD83D\\uDE00 ok"', surrogates="refuse") == "\U0001f600 ok"
    # A backslash written as \\ then "ud800" is ordinary text, not an escape.
    assert bounded_json.loads('"\\\\ud800"', surrogates="refuse") == "\\ud800"
    assert bounded_json.loads('{"a": [1, 2.5, true, null]}') == {"a": [1, 2.5, True, None]}


def test_refusing_lone_surrogates_is_a_value_error_naming_them():
    for text in ('"\\ud800"', '{"t": "x\\uDC00"}', '["a", ["\\ud83d"]]', '{"\\ud800": 1}'):
        with pytest.raises(bounded_json.LoneSurrogate) as refused:
            bounded_json.loads(text, surrogates="refuse")
        assert isinstance(refused.value, ValueError) and "surrogate" in str(refused.value)


def test_a_web_frame_and_a_gmcp_message_lose_the_lone_surrogate():
    frame = GameWebSocket._parse(b'{"type": "command", "text": "say hi \\ud800 there"}', False)
    assert frame["text"] == "say hi  there"
    json.dumps(frame, ensure_ascii=False).encode("utf-8")
    assert gmcp.parse(b'Core.Supports.Set ["Char\\ud800 1"]') == \
        ("Core.Supports.Set", ["Char 1"])


# -- the admin API -----------------------------------------------------------------------------

@pytest.fixture
def world():
    clock = Clock()
    clock.advance(1000)
    game = make_game(clock=clock)
    return game, Api(game, clock)


@pytest.mark.parametrize("online", [False, True])
@pytest.mark.parametrize(("path", "raw"), [
    ("/api/admin/announce", b'{"text": "a\\ud800b"}'),
    ("/api/admin/ban", b'{"target": "x\\udfffy", "duration": "1d", "reason": "spam"}'),
    ("/api/admin/kick", b'{"name": "Bob", "reason": "\\ud800"}'),
])
def test_a_body_with_a_lone_surrogate_is_a_clear_400(world, online, path, raw):
    game, api = world
    token = token_for(game)
    bob = joined_player(game, "Bob") if online else None
    status, _, body = api.call("POST", path, token=token, raw=raw)
    assert (status, body["error"]) == (400, "bad_text"), body
    assert "surrogate" in body["message"] and "Traceback" not in body["message"]
    if bob is not None:
        # Nothing reached the player, who is still there and still kicked by nobody.
        assert "Announcement" not in bob.read()
        assert "bob" in game.world.online


def test_an_answer_that_cannot_be_encoded_is_still_an_answer(world, monkeypatch):
    game, api = world
    token = token_for(game)
    monkeypatch.setitem(admin_api.ROUTES, "who", (b"GET", lambda *args: {"x": LONE}))
    status, headers, body = api.call("GET", "/api/admin/who", token=token)
    assert (status, body["error"]) == (500, "internal")
    assert headers["content-type"].startswith("application/json")


# -- saving an area ----------------------------------------------------------------------------

def test_a_file_that_cannot_be_written_does_not_cost_the_others_their_edits(tmp_path: Path):
    world_dir = world_copy(tmp_path)
    game = make_game(world_dir)
    sources = game.world.sources
    # A new item's name holds a lone surrogate (as before the sanitiser dropped them): the
    # writer cannot write items.yaml, the area's first file. A room changed too, in
    # rooms.yaml, written after it: that edit is saved all the same.
    sources.put("woods", "item", "lantern2", {"name": f"a lan{LONE}tern",
                                              "description": "Tin.\n"})
    edge = dict(sources.get("woods", "room", "edge"))
    edge["name"] = "The Wood's Edge"
    sources.put("woods", "room", "edge", edge)
    items_before = (world_dir / "woods" / "items.yaml").read_bytes()
    outcomes: list[Any] = []
    AreaSaver(sources, run_now).save("woods").addBoth(outcomes.append)
    (outcome,) = outcomes
    assert outcome.files == [("woods/rooms.yaml", 1)]
    assert outcome.error.startswith("woods/items.yaml")
    assert outcome.summary().startswith("Could not save woods (rooms.yaml (1 entry "
                                        "changed) saved): woods/items.yaml")
    assert (world_dir / "woods" / "items.yaml").read_bytes() == items_before
    # The item stays changed for the next save; the room does not.
    assert sources.changed_areas() == ["woods"]
    assert [shot.rel for shot in sources.snapshot("woods")] == ["woods/items.yaml"]
    assert load_world(world_dir, Clock()).rooms["woods:edge"].name == "The Wood's Edge"


def test_output_never_fails_on_a_lone_surrogate_that_got_past_the_input_paths():
    # Insurance: every input path drops them, but a future one that did not must not
    # stop a room's output (a telnet look, a JSON frame, a GMCP message).
    from mud.engine import events as ev
    from mud.protocols import telnet
    from mud.protocols.options import gmcp
    from mud.render.json_events import frame, render_json
    from mud.render.text import TextStyle, render

    text = render(ev.Message("Sur\ud800rogate"), TextStyle(colour=False, width=80))
    assert telnet.encode(text) == b"Sur?rogate"
    assert b"Sur?rogate" in render_json(ev.Message("Sur\ud800rogate"))
    assert b"Sur?rogate" in frame("system", text="Sur\ud800rogate")
    assert b"Sur?rogate" in gmcp.message("Comm.Channel.Text", {"text": "Sur\ud800rogate"})
