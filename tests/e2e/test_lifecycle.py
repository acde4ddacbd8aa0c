"""The admin's shutdown and reboot over real sockets (issue 12).

In process (trial): a countdown reaches a telnet and a web player, as text and as the
``shutdown`` JSON frame, and ``shutdown cancel`` tells them both. With a real twistd: a
telnet player sees the countdown, is told the character is saved, and the process exits 75
after ``reboot`` (what docs/emberfall.service restarts on) and 0 after ``shutdown``; the
character's room was saved either way.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from twisted.internet.defer import inlineCallbacks

from mud.process import REBOOT
from tests.e2e.client import connect
from tests.e2e.processes import log_in, saved_room, telnet_server
from tests.e2e.server import ServerTestCase
from tests.e2e.wsclient import connect_web
from tests.support import grant_role


class CountdownTests(ServerTestCase):
    timeout = 60

    @inlineCallbacks
    def test_a_countdown_and_its_cancel_reach_telnet_and_web_players(self):
        service = self.start()
        ada = yield connect(self.telnet_port)
        yield ada.ask("create Ada secret1", "Village Square")
        yield grant_role(service.game, "ada", "admin")
        web = yield connect_web(self.web_port)
        yield web.wait("hello")
        web.send(type="register", name="Wynn", password="secret1")
        yield web.wait("room")
        ada.send("shutdown 12 new areas")
        frame = yield web.wait("shutdown", seconds=12)
        self.assertEqual((frame["reason"], frame["reboot"], frame["by"], frame["cancelled"]),
                         ("new areas", False, "Ada", False))
        self.assertIn("The server shuts down in 12s (new areas).", frame["text"])
        yield ada.wait_for("shuts down in 12s")
        # The 10-second mark, on the reactor's clock.
        yield web.wait("shutdown", seconds=10)
        yield ada.wait_for("shuts down in 10s")
        ada.send("shutdown cancel")
        frame = yield web.wait("shutdown", cancelled=True)
        self.assertIn("Ada cancelled the shutdown", frame["text"])
        yield ada.wait_for("Ada cancelled the shutdown")
        self.assertIsNone(service.game.countdown)
        web.sendClose()
        yield web.closed
        ada.transport.loseConnection()


def _promote(data: Path, name: str) -> None:
    done = subprocess.run([sys.executable, "-m", "mud.role_tool", "promote", name, "--data",
                           str(data)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("command", "status", "says", "goodbye"),
                         [("reboot", REBOOT, "restarts", "reconnect in a moment"),
                          ("shutdown", 0, "shuts down", "come back soon")])
def test_a_real_twistd_counts_down_saves_and_exits_with_its_status(tmp_path: Path, servers,
                                                                   command, status, says,
                                                                   goodbye):
    data = tmp_path / "var"
    server = telnet_server(tmp_path, servers, data=data)
    rowan = log_in(server, "create Rowan secret1", "Village Square")
    rowan.ask("east", "Market")
    _promote(data, "Rowan")
    rowan.ask(f"{command} 2 testing", f"The server {says} in 2s (testing).")
    rowan.wait_for(f"The server {says} in 1s")
    rowan.wait_for("Your character is saved")
    rowan.wait_for(goodbye)
    assert server.finish() == status, server.output()
    assert saved_room(data, "rowan") == "village:market"
    log = server.output()
    assert f"Rowan asked for a {command} in 2 s (testing)" in log
    assert f"audit {command} name=Rowan" in log
