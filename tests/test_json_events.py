"""Events as JSON frames: a type, a plain text rendering, structured fields, encoded once."""

from __future__ import annotations

import json

from mud.engine import events as ev
from mud.render.json_events import error_frame, frame, render_json


def decoded(event):
    return json.loads(render_json(event))


def test_every_event_has_type_and_plain_text():
    samples = [
        ev.Message("hi"), ev.Error("no"), ev.Say("Ann", "yo"), ev.Emote("Ann", "waves"),
        ev.Tell("Ann", "Bob", "psst"), ev.Arrive("Ann", "arrives"), ev.Depart("Ann", "leaves"),
        ev.ItemAction("Ann", "get", "a lamp"), ev.WhoList((("Ann", 3, "web"),)),
        ev.Inventory(("a lamp",)), ev.Examine("item", "a lamp", "Brass."),
        ev.ExitList((("north", "Street"),)), ev.HelpText("say", "say <words>"),
        ev.Goodbye("bye", "quit"),
        ev.RoomView("a:b", "a", "Hall", "Big.", ("north",), ("Bob",), ("a cat",), ("a lamp",)),
    ]
    for event in samples:
        body = decoded(event)
        assert body["type"] == event.kind
        assert isinstance(body["text"], str) and body["text"]
        assert "\x1b" not in body["text"]


def test_structured_fields():
    say = decoded(ev.Say("Ann", "<b>hi</b>", own=False))
    assert say == {"type": "say", "from": "Ann", "message": "<b>hi</b>", "own": False,
                   "text": 'Ann says, "<b>hi</b>"'}
    room = decoded(ev.RoomView("a:b", "a", "Hall", "Big.", ("north", "gate"), ("Bob",), (),
                               ("a lamp",)))
    assert room["exits"] == ["north", "gate"] and room["characters"] == ["Bob"]
    assert room["items"] == [{"name": "a lamp", "count": 1, "label": "a lamp"}]
    assert room["id"] == "a:b"
    who = decoded(ev.WhoList((("Ann", 3, "web"), ("Bob", 0, "telnet"))))
    assert who["players"] == [{"name": "Ann", "idle": 3, "via": "web", "linkdead": False},
                              {"name": "Bob", "idle": 0, "via": "telnet", "linkdead": False}]
    refused = decoded(ev.Error("You cannot."))
    assert (refused["type"], refused["code"], refused["message"]) == ("error", "refused",
                                                                     "You cannot.")


def test_encoded_once_and_shared():
    event = ev.Say("Ann", "hello")
    first = render_json(event)
    assert render_json(event) is first


def test_unicode_is_sent_as_utf8_not_escapes():
    data = render_json(ev.Say("Zoë", "ça va ✓"))
    assert "ça va ✓".encode() in data


def test_protocol_frames():
    assert json.loads(frame("pong")) == {"type": "pong"}
    assert json.loads(error_frame("bad_json", "nope")) == {
        "type": "error", "code": "bad_json", "message": "nope", "text": "nope"}


def test_text_for_browsers_is_not_hard_wrapped():
    description = "word " * 60
    room = json.loads(render_json(ev.RoomView("a:b", "a", "Hall", description, (), (), (), ())))
    assert description.strip() in room["text"]


def test_link_dead_status_is_a_field_of_its_own():
    room = decoded(ev.RoomView("a:b", "a", "Hall", "Big.", (), ("Bob", "Cora"), (), (),
                               linkdead=("Cora",)))
    assert room["characters"] == ["Bob", "Cora"]
    assert room["linkdead"] == ["Cora"]
    assert room["text"].endswith("Bob and Cora (link-dead) are here.")
    who = decoded(ev.WhoList((("Ann", 3, "web"), ("Cora", 90, "telnet")), linkdead=("Cora",)))
    assert who["players"] == [{"name": "Ann", "idle": 3, "via": "web", "linkdead": False},
                              {"name": "Cora", "idle": 90, "via": "telnet", "linkdead": True}]


def test_a_silent_event_is_marked_so_pages_do_not_print_it():
    class Gauge(ev.Event):
        __slots__ = ("hp",)
        kind = "gauge"
        silent = True

        def __init__(self, hp: int) -> None:
            super().__init__()
            self.hp = hp
    body = json.loads(render_json(Gauge(3)))
    assert body["type"] == "gauge" and body["silent"] is True
    assert "silent" not in json.loads(render_json(ev.Message("hello")))


def test_an_examine_carries_its_details():
    body = json.loads(render_json(ev.Examine("character", "Bob", "Tall.", ("He wields a sword.",))))
    assert body["details"] == ["He wields a sword."]
    assert body["text"].endswith("Tall.\nHe wields a sword.")
