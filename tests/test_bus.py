"""The world's bus (mud/engine/bus.py): topics, subscribers, a link, and what it lets in."""

from __future__ import annotations

from typing import Any

import pytest

from mud.engine.bus import Bus, realm_name_ok
from tests.support import joined_player, make_game


class Link:
    def __init__(self, up: bool = True) -> None:
        self.up = up
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    def publish(self, topic: str, realm: str, data: dict[str, Any]) -> bool:
        if not self.up:
            return False
        self.sent.append((topic, realm, data))
        return True


def test_a_lone_bus_sends_nowhere_and_says_it_went() -> None:
    bus = Bus()
    assert bus.publish("channel", {"x": 1}) and not bus.clustered and not bus.up


def test_published_messages_go_by_the_link_and_a_down_link_drops_them() -> None:
    bus = Bus("north")
    bus.link = link = Link()
    assert bus.publish("tell", {"to": "bram"}) and link.sent == [("tell", "north",
                                                                  {"to": "bram"})]
    link.up = False
    assert not bus.publish("tell", {"to": "bram"})
    assert (bus.published, bus.dropped) == (1, 1)


def test_subscribers_hear_other_realms_not_their_own_and_a_broken_one_is_reported() -> None:
    bus = Bus("north")
    heard: list[tuple[dict[str, Any], str]] = []
    reports: list[str] = []
    bus.report = lambda owner, what, exc: reports.append(what)
    bus.subscribe("channel", lambda data, realm: 1 / 0)
    bus.subscribe("channel", lambda data, realm: heard.append((data, realm)))
    bus.deliver("channel", "north", {"own": True})
    bus.deliver("channel", "south", {"text": "hi"})
    assert heard == [({"text": "hi"}, "south")] and len(reports) == 1


@pytest.mark.parametrize("realm", ["", "South", "ev\x1b[2Jil", "north pole", "x" * 25, None,
                                   "n\u00f6rth"])
def test_a_message_naming_no_realm_name_is_refused_before_any_subscriber(realm: Any) -> None:
    bus = Bus("north")
    heard: list[str] = []
    bus.subscribe("tell", lambda data, r: heard.append(r))
    bus.deliver("tell", realm, {"op": "tell"})
    assert heard == [] and bus.rejected == 1 and not realm_name_ok(realm)


def test_a_realm_name_with_escapes_never_reaches_a_players_screen() -> None:
    # The reviewer's case: a message whose envelope names "evil\x1b[2J\x07" as its realm.
    game = make_game()
    from mud.cluster import realms
    realms.attach(game)
    game.world.bus.realm = "north"
    game.world.bus.link = Link()
    nora = joined_player(game, "Nora")
    game.world.bus.deliver("tell", "evil\x1b[2J\x07", {"op": "tell", "realm": "north",
                                                     "to": "nora", "from": "Kip",
                                                     "text": "hi"})
    game.world.bus.deliver("admin", "evil\x1b[2J\x07", {"op": "announce", "text": "hi",
                                                      "by": "Ada"})
    out = nora.read()
    assert "\x1b" not in out and "hi" not in out
