"""Link-dead players over real sockets (issue 10, items 4 and 5): a telnet player's socket
dies while another player is connected, and every view says the same thing. ``who`` over
telnet counts only the connected and lists the link-dead apart, ``/api/who`` over HTTP marks
them, a ``/presence`` listener is told when the body goes link-dead and when its player is
back, and GMCP ``Room.Players`` keeps the bare name with the status in a field of its own
(read by a telnet client with GMCP on over TCP, and by TinTin++ when it is installed)."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from twisted.internet import reactor
from twisted.internet.defer import inlineCallbacks
from twisted.internet.utils import getProcessOutputAndValue
from twisted.trial.unittest import SkipTest
from twisted.web.client import Agent, readBody

from mud.engine.model import NOBODY
from tests.e2e.client import connect
from tests.e2e.server import ServerTestCase, eventually
from tests.e2e.test_mud_clients import _ESC, TINTIN, environment
from tests.e2e.wsclient import connect_web
from tests.support import gmcp_messages

IAC, DO, SB, SE, GMCP = b"\xff", b"\xfd", b"\xfa", b"\xf0", b"\xc9"


class LinkDeadTests(ServerTestCase):
    @inlineCallbacks
    def who_api(self):
        response = yield Agent(reactor).request(
            b"GET", f"http://127.0.0.1:{self.web_port}/api/who".encode())
        self.assertEqual(response.code, 200)
        return {p["name"]: p for p in json.loads((yield readBody(response)))}

    @inlineCallbacks
    def test_a_dropped_telnet_player_is_link_dead_in_who_api_and_presence_then_back(self):
        service = self.start()
        presence = yield connect_web(self.web_port, "/presence")
        yield presence.wait("snapshot")
        ann = yield connect(self.telnet_port)
        yield ann.ask("create Ann secret1", "Village Square")
        cora = yield connect(self.telnet_port)
        yield cora.ask("create Cora secret1", "Village Square")
        yield presence.wait("join", name="Cora", via="telnet")

        cora.transport.abortConnection()  # the socket dies; the body stays, link-dead
        yield cora.closed
        yield ann.wait_for("Cora has lost the connection")
        dead = yield presence.wait("linkdead", name="Cora")
        self.assertEqual(dead, {"type": "linkdead", "name": "Cora"})
        self.assertIs(service.game.world.online["cora"].link, NOBODY)

        ann.send("who")
        text = yield ann.wait_for("Link-dead: Cora")
        who = text[text.rindex("Players online"):]
        self.assertTrue(who.startswith("Players online: 1\n"), who)
        rows = who.splitlines()[1:who.splitlines().index("Link-dead: Cora")]
        self.assertEqual([row.split()[0] for row in rows], ["Ann"])
        self.assertLessEqual(max(len(line) for line in who.splitlines()[:-1]), 40)
        ann.send("look")
        yield ann.wait_for("Cora (link-dead) is here.")

        listed = yield self.who_api()
        self.assertEqual((listed["Cora"]["linkdead"], listed["Cora"]["via"]), (True, "telnet"))
        self.assertIs(listed["Ann"]["linkdead"], False)
        late = yield connect_web(self.web_port, "/presence")
        snapshot = yield late.wait("snapshot")
        self.assertEqual(snapshot["players"],
                         [{"name": "Ann", "via": "telnet", "linkdead": False},
                          {"name": "Cora", "via": "telnet", "linkdead": True}])

        back = yield connect(self.telnet_port)
        yield back.ask("connect Cora secret1", "take over your body")
        relinked = yield presence.wait("relinked", name="Cora")
        self.assertEqual(relinked["via"], "telnet")
        self.assertEqual((yield late.wait("relinked", name="Cora"))["via"], "telnet")
        listed = yield self.who_api()
        self.assertIs(listed["Cora"]["linkdead"], False)
        ann.send("who")
        yield ann.wait_for("Players online: 2")
        # No second join or leave was sent for Cora: the list never showed her twice or gone.
        kinds = [(f["type"], f.get("name")) for f in presence.frames]
        self.assertEqual(kinds.count(("join", "Cora")), 1)
        self.assertNotIn(("leave", "Cora"), kinds)
        for player in (ann, back):
            player.transport.loseConnection()
        presence.sendClose()
        late.sendClose()
        yield presence.closed
        yield late.closed

    @inlineCallbacks
    def test_gmcp_room_players_has_the_bare_name_and_a_linkdead_field(self):
        self.start()
        ann = yield connect(self.telnet_port)
        ann.transport.write(IAC + DO + GMCP + IAC + SB + GMCP + b'Core.Supports.Set ["Room 1"]'
                            + IAC + SE)
        yield ann.ask("create Ann secret1", "Village Square")
        cora = yield connect(self.telnet_port)
        yield cora.ask("create Cora secret1", "Village Square")
        cora.transport.abortConnection()
        yield ann.wait_for("Cora has lost the connection")
        seen = len(ann.received)
        ann.send("look")
        yield ann.wait_for("Cora (link-dead) is here.")
        players = [data for package, data in gmcp_messages(ann.received[seen:])
                   if package == "Room.Players"]
        self.assertEqual(players, [[{"name": "Cora", "fullname": "Cora", "linkdead": True}]])
        # The room's list changes status as it happens, without a new look.
        added = [data for package, data in gmcp_messages(ann.received[:seen])
                 if package == "Room.AddPlayer"]
        self.assertEqual(added[-1], {"name": "Cora", "fullname": "Cora", "linkdead": True})
        seen = len(ann.received)
        back = yield connect(self.telnet_port)
        yield back.ask("connect Cora secret1", "take over your body")
        yield ann.wait_for("Cora stirs, awake again.")
        added = [data for package, data in gmcp_messages(ann.received[seen:])
                 if package == "Room.AddPlayer"]
        self.assertEqual(added, [{"name": "Cora", "fullname": "Cora", "linkdead": False}])
        for player in (ann, back):
            player.transport.loseConnection()
            yield player.closed

    @inlineCallbacks
    def test_tintin_reads_room_players_with_the_link_dead_status_apart(self):
        if not os.path.exists(TINTIN):
            raise SkipTest("TinTin++ is not installed (make test installs tintin++)")
        service = self.start()
        cora = yield connect(self.telnet_port)
        yield cora.ask("create Cora secret1", "Village Square")
        cora.transport.abortConnection()
        yield eventually(lambda: service.game.world.online["cora"].link is NOBODY)
        script = Path(self.mktemp()).resolve()
        script.write_text(
            "#event {IAC WILL GMCP} {#send {\\xFF\\xFD\\xC9\\};"
            "#send {\\xFF\\xFA\\xC9Core.Supports.Set [\"Room 1\"]\\xFF\\xF0\\}}\n"
            "#event {IAC SB GMCP} {#showme {GMCP <%0> <%1>}}\n"
            "#event {SESSION CONNECTED} {#delay {1} {create Tinny secret1}; #delay {2} {quit}}\n"
            "#event {SESSION DISCONNECTED} {#end}\n"
            f"#session mud 127.0.0.1 {self.telnet_port}\n")
        out, _err, code = yield getProcessOutputAndValue(
            "/bin/sh", ["-c", f'exec timeout 30 "{TINTIN}" -H -G "{script}" </dev/null'],
            env=environment(), path=str(script.parent))
        text = _ESC.sub("", out.decode("utf-8", errors="replace"))
        self.assertEqual(code, 0, text[-2000:])
        self.assertIn("GMCP <Room.Players> <{1}{{name}{Cora}{fullname}{Cora}{linkdead}{true}}>",
                      text)


# -- the web client's Online panel, in Chromium against the real twistd ---------------------
# (Playwright is imported in the tests, so the tests above run without it installed.)

def test_the_online_panel_shows_link_dead_players_apart_from_who_and_from_api_who(
        server, browser, tmp_path):
    from playwright.sync_api import expect

    from tests.e2e.browser import DESKTOP, command, open_client, register
    from tests.e2e.processes import Player
    page = open_client(browser, server, DESKTOP)
    register(page, "Wynn")
    cora = Player(server.port("telnet"))
    cora.ask("create Cora secret1", "Wynn is here.")
    expect(page.locator("#who li[data-name=Cora]")).to_be_visible()
    cora.sock.close()  # her connection dies: the body stays, link-dead
    expect(page.locator("#output")).to_contain_text("Cora has lost the connection")

    def shows_cora_link_dead(source):
        dead = page.locator("#who li.linkdead")
        expect(dead).to_have_count(1)
        expect(dead).to_have_attribute("data-name", "Cora")
        expect(dead).to_contain_text("(link-dead)")
        expect(page.locator("#who li").last).to_have_attribute("data-name", "Cora")
        expect(page.locator("#who-count")).to_have_text("(1)")
        page.screenshot(path=str(tmp_path / f"linkdead-{source}.png"))
        page.locator("#who-panel").screenshot(path=str(tmp_path / f"who-{source}.png"))

    command(page, "who")  # the `who` event
    shows_cora_link_dead("who")
    command(page, "look")
    expect(page.locator("#room-characters")).to_have_text("Cora (link-dead)")
    page.reload()  # resumes; the panel is filled from /api/who alone
    expect(page.locator("#room-name")).to_have_text("Village Square")
    shows_cora_link_dead("api-who")

    back = Player(server.port("telnet"))
    back.ask("connect Cora secret1", "take over your body")
    command(page, "who")
    expect(page.locator("#who li.linkdead")).to_have_count(0)
    expect(page.locator("#who-count")).to_have_text("(2)")
    print(f"screenshots in {tmp_path}")


def test_the_room_panel_and_online_panel_follow_link_frames_without_a_look(server, browser,
                                                                           tmp_path):
    """The `link` frame alone changes Cora's status in the room panel and the Online panel:
    the web player types nothing between her link dying and her coming back (nor when she
    arrives or leaves: `arrive` and `depart` keep the room's people up to date too)."""
    from playwright.sync_api import expect

    from tests.e2e.browser import DESKTOP, open_client, register
    from tests.e2e.processes import Player
    errors: list[str] = []
    page = open_client(browser, server, DESKTOP, errors)
    register(page, "Wynn")
    cora = Player(server.port("telnet"))
    cora.ask("create Cora secret1", "Wynn is here.")
    people = page.locator("#room-characters li")
    expect(people).to_have_text(["Cora"])
    expect(page.locator("#who li[data-name=Cora]")).not_to_have_class("linkdead")
    rooms_before = page.locator("#output [data-type=room]").count()

    cora.sock.shutdown(socket.SHUT_RDWR)  # her connection dies: the body stays, link-dead
    cora.sock.close()
    expect(page.locator("#output [data-type=link]")).to_have_text(
        "Cora has lost the connection and stands very still.")
    expect(people).to_have_text(["Cora (link-dead)"])
    expect(page.locator("#who li.linkdead")).to_have_attribute("data-name", "Cora")
    expect(page.locator("#who-count")).to_have_text("(1)")
    page.screenshot(path=str(tmp_path / "link-dead-without-a-look.png"))

    back = Player(server.port("telnet"))
    back.ask("connect Cora secret1", "take over your body")
    expect(page.locator("#output [data-type=link]").last).to_have_text(
        "Cora stirs, awake again.")
    expect(people).to_have_text(["Cora"])
    expect(page.locator("#who li.linkdead")).to_have_count(0)
    expect(page.locator("#who-count")).to_have_text("(2)")
    # No room frame came in between: the panel changed on the link frames alone.
    assert page.locator("#output [data-type=room]").count() == rooms_before
    assert page.locator("#output [data-type=command]").count() == 0
    page.screenshot(path=str(tmp_path / "link-back-without-a-look.png"))
    # And when she leaves the game, she leaves the list.
    back.ask("quit", "Farewell")
    expect(page.locator("#output [data-type=depart]").last).to_contain_text("Cora")
    expect(page.locator("#room-characters-row")).to_be_hidden()
    assert page.locator("#output [data-type=room]").count() == rooms_before
    print(f"screenshots in {tmp_path}")
    assert errors == []
