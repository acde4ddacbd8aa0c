"""Channels across realms: two worlds joined by a pipe in the test (what a Redis link
does, without Redis): lines cross with their realm, land in history, respect roles; a
link that is down keeps lines local and tells the speaker once per outage; what another
realm sends is checked like player input."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from mud.render.json_events import render_json
from mud.systems.channels import events as ev
from mud.systems.channels.hub import DOWN_NOTICE, MAX_TEXT, channels_of
from tests.support import ROOT, Probe, admin_player, join, joined_player, make_game


class Pipe:
    """A link shared by every realm's bus: what one publishes, the others are handed (as
    JSON, as a broker would carry it); ``up`` False: nothing goes, publish says so."""

    def __init__(self) -> None:
        self.up = True
        self.buses: list[Any] = []
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    def publish(self, topic: str, realm: str, data: dict[str, Any]) -> bool:
        if not self.up:
            return False
        self.sent.append((topic, realm, data))
        for bus in self.buses:
            bus.deliver(topic, realm, json.loads(json.dumps(data)))
        return True

    def set(self, up: bool) -> None:
        self.up = up
        for bus in self.buses:
            bus.changed(up)


def realms(*names: str):
    pipe = Pipe()
    games = []
    for name in names:
        game = make_game()
        game.world.bus.realm = name
        game.world.bus.link = pipe
        pipe.buses.append(game.world.bus)
        games.append(game)
    return pipe, games


def test_a_line_crosses_to_the_other_realm_with_its_realm_and_into_its_history():
    pipe, (north, south) = realms("north", "south")
    wynn, kip = joined_player(north, "Wynn"), joined_player(north, "Kip")
    nora = joined_player(south, "Nora")
    kip.read(), nora.read()
    assert "[OOC] You: hello south" in wynn.type("ooc hello south")
    assert "[OOC] Wynn: hello south" in kip.read()
    assert "[OOC] Wynn@north: hello south" in nora.read()
    assert pipe.sent == [("channel", "north", {"channel": "ooc", "talker": "Wynn",
                                               "text": "hello south"})]
    # Nora answers: north hears her once, with her realm; nobody hears their own twice.
    nora.type("ooc hi north")
    assert wynn.read().count("hi north") == 1
    assert "[OOC] Nora@south: hi north" in kip.read()
    history = wynn.type("ooc")
    assert "Wynn (just now): hello south" in history
    assert "Nora@south (just now): hi north" in history
    south_hub = channels_of(south.world)
    (line,) = south_hub.recent(south_hub.defined["ooc"]).lines[:1]
    assert line[:3] == ("Wynn", "hello south", "north")


def test_a_web_client_gets_the_realm_in_the_channel_frame():
    _, (north, south) = realms("north", "south")
    wynn = joined_player(north, "Wynn")
    probe = Probe()
    join(south.world, "Nora").link = probe
    wynn.type("nb where is the smithy?")
    (event,) = probe.take()
    frame = json.loads(render_json(event))
    assert (frame["type"], frame["channel"], frame["talker"], frame["realm"],
            frame["message"], frame["own"]) == \
        ("channel", "newbie", "Wynn", "north", "where is the smithy?", False)


def test_while_the_link_is_down_lines_stay_local_and_the_speaker_is_told_once():
    pipe, (north, south) = realms("north", "south")
    wynn, kip = joined_player(north, "Wynn"), joined_player(north, "Kip")
    nora = joined_player(south, "Nora")
    kip.read(), nora.read()
    pipe.set(False)
    first = wynn.type("ooc anyone there?")
    assert "[OOC] You: anyone there?" in first and DOWN_NOTICE in first
    north.world.clock.advance(10)
    second = wynn.type("ooc hello?")
    assert "[OOC] You: hello?" in second and DOWN_NOTICE not in second
    assert "anyone there?" in kip.read()
    assert "anyone" not in nora.read()
    assert north.world.bus.dropped == 2
    # Back up: lines cross again; a new outage tells the speaker once more.
    pipe.set(True)
    north.world.clock.advance(10)
    assert DOWN_NOTICE not in wynn.type("ooc back")
    assert "Wynn@north: back" in nora.read()
    pipe.set(False)
    north.world.clock.advance(10)
    assert DOWN_NOTICE in wynn.type("ooc gone again")
    # A lone daemon (no link at all) never says so.
    lone = make_game()
    ann = joined_player(lone, "Ann")
    assert DOWN_NOTICE not in ann.type("ooc alone")


def test_admins_channels_cross_to_admins_only():
    _, (north, south) = realms("north", "south")
    ada = admin_player(north, "Ada")
    cleo = admin_player(south, "Cleo")
    cleo.type("channels")   # promoted after her login: joins wiz at a channel command
    nora = joined_player(south, "Nora")
    ada.type("wiz realm check")
    assert "[Wiz] Ada@north: realm check" in cleo.read()
    assert "realm check" not in nora.read()


def test_what_another_realm_sends_is_checked_like_player_input():
    _, (north,) = realms("north")
    bus = north.world.bus
    probe = Probe()
    join(north.world, "Nora").link = probe
    for bad in ({"channel": "nosuch", "talker": "Eve", "text": "x"},
                {"channel": "ooc", "talker": 3, "text": "x"},
                {"channel": "ooc", "talker": "Eve"},
                {"channel": "ooc", "talker": "Eve", "text": "   "},
                {"channel": "ooc", "talker": "\x1b[2J", "text": "x"},
                ["not", "a", "dict"]):
        bus.deliver("channel", "south", bad)  # type: ignore[arg-type]
    assert probe.take() == []
    bus.deliver("channel", "south", {"channel": "ooc", "talker": "Eve\x07",
                                     "text": "\x1b[31mred\x1b[0m \u202e" + "y" * 900})
    (event,) = probe.take()
    assert (event.talker, event.realm) == ("Eve", "south")
    assert event.text.startswith("red y") and len(event.text) == MAX_TEXT
    assert "\x1b" not in event.text and "\u202e" not in event.text
    # Our own lines echoed back by the broker are not delivered twice.
    bus.deliver("channel", "north", {"channel": "ooc", "talker": "Wynn", "text": "echo"})
    assert probe.take() == []
    assert isinstance(event, ev.ChannelMessage)


def test_the_channel_fanout_bench_runs_and_counts_what_went_out():
    # A process of its own, as the bench is run: its web listeners' Autobahn timers are
    # on the reactor, and would be left on this test process's (a dirty reactor for the
    # trial tests that follow).
    out = subprocess.run([sys.executable, "-m", "bench.channel_fanout", "--listeners", "12",
                          "--lines", "3"], capture_output=True, text=True, check=True,
                         cwd=ROOT, timeout=120).stdout
    rows = [line for line in out.splitlines() if "us per recipient" in line]
    assert len(rows) == 4 and "from another realm" in rows[1] and "json" in rows[3]
