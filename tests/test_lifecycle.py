"""shutdown, reboot and stats (mud/systems/admin/lifecycle.py) on a task.Clock."""

from __future__ import annotations

import json

from twisted.internet import task

from mud.process import REBOOT
from mud.render import json_events
from mud.systems.admin.lifecycle import MAX_SECONDS, ShutdownNotice, Stats, figures
from tests.support import WirePlayer, grant_role, make_game


class FakeService:
    """Stands in for MudService: records the exit status a stop was asked with."""

    def __init__(self, clock):
        self.started = clock.seconds()
        self.last_save = None
        self.asked: list[int] = []

    def request_stop(self, status: int = 0) -> bool:
        self.asked.append(status)
        return True


def _setup():
    clock = task.Clock()
    game = make_game(clock=clock)
    game.service = FakeService(clock)
    ada = WirePlayer(game)
    ada.create("Ada")
    grant_role(game, "Ada", "admin")
    bob = WirePlayer(game)
    bob.create("Bob")
    ada.read(), bob.read()
    return clock, game, ada, bob


def test_a_countdown_warns_at_the_start_and_each_mark_then_stops_with_status_0(audit_lines):
    clock, game, ada, bob = _setup()
    ada.type("shutdown 65 new areas")
    assert "[The server shuts down in 1m05s (new areas).]" in bob.read()
    assert audit_lines[-1]["event"] == "shutdown" and audit_lines[-1]["name"] == "Ada"
    warned = []
    for _ in range(65):
        clock.advance(1)
        seen = bob.read()
        if "shuts down in" in seen:
            warned.append(seen.split("shuts down in ")[1].split(" ")[0])
    assert warned == ["1m00s", "30s", "10s", "5s", "4s", "3s", "2s", "1s"]
    assert game.service.asked == [0]
    assert game.countdown is None


def test_reboot_asks_for_the_reboot_status_and_says_it_comes_back():
    clock, game, ada, bob = _setup()
    ada.type("reboot 3")
    seen = bob.read()
    assert "restarts in 3s" in seen and "back shortly" in seen
    clock.advance(3)
    assert game.service.asked == [REBOOT]


def test_cancel_stops_the_countdown_and_tells_players(audit_lines):
    clock, game, ada, bob = _setup()
    ada.type("reboot 30")
    bob.read()
    ada.type("shutdown abort")
    assert "cancelled the reboot" in bob.read()
    assert audit_lines[-1]["event"] == "cancel"
    clock.advance(60)
    assert game.service.asked == [] and "restarts" not in bob.read()
    assert "No shutdown or reboot is pending" in ada.type("shutdown cancel")


def test_bad_seconds_and_a_second_request_are_refused():
    clock, game, ada, bob = _setup()
    assert "from 0 to" in ada.type("shutdown -5")
    assert "from 0 to" in ada.type(f"shutdown {MAX_SECONDS + 1}")
    assert "not a number of seconds" in ada.type("shutdown soon")
    assert "shuts down" not in bob.read()
    ada.type("shutdown 100")
    assert "already pending" in ada.type("reboot 5")
    clock.advance(10)
    assert game.service.asked == []
    clock.advance(90)
    assert game.service.asked == [0]


def test_a_player_cannot_shut_down():
    clock, game, _ada, bob = _setup()
    bob.type("shutdown now")
    clock.advance(1)
    assert game.service.asked == [] and getattr(game, "countdown", None) is None


def test_the_shutdown_frame_and_the_stats_frame():
    frame = json.loads(json_events.render_json(ShutdownNotice(30, "x", True, "Ada")))
    assert {k: v for k, v in frame.items() if k != "text"} == {
        "type": "shutdown", "seconds": 30, "reason": "x", "reboot": True, "by": "Ada",
        "cancelled": False}
    assert "restarts in 30s" in frame["text"]
    clock, game, ada, bob = _setup()
    bob.drop()
    clock.advance(42)
    f = figures(game)
    assert f["players"] == 2 and f["linkdead"] == 1 and f["uptime"] == 42
    assert f["connections"] == {"telnet": 1} and f["rooms"] == len(game.world.rooms)
    assert f["peak_rss_mib"] > 1
    stats = json.loads(json_events.render_json(Stats(f)))
    assert stats["type"] == "stats" and stats["npcs"] == len(game.world.npcs)
    seen = ada.type("stats")
    assert "2 in game, 1 link-dead" in seen and "Uptime:" in seen


def test_the_systemd_unit_restarts_on_the_reboot_status_and_the_docs_say_so():
    from pathlib import Path
    docs = Path(__file__).resolve().parent.parent / "docs"
    unit = (docs / "emberfall.service").read_text()
    assert f"RestartForceExitStatus={REBOOT}" in unit
    assert "Restart=on-abnormal" in unit and "--nodaemon" in unit
    operations = (docs / "operations.md").read_text()
    assert f"**{REBOOT}**" in operations and f"({MAX_SECONDS} s)" in operations
