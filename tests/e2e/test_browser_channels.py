"""The web client's channel tabs in a real headless Chromium (Debian's, driven by
Playwright) against the real twistd.

First the client alone against the wire shapes of docs/channels.md: the page's game socket
goes through a Playwright route that forwards everything both ways and can slip frames of
our own to the page (a `channels` list, `channel` lines, a `channel_history`), and records
what the page sends. Then the whole thing: two web players and a telnet player chat on
`ooc` and `newbie` through the server's channels; tabs filter, count unread lines, and a
line typed in a channel's tab reaches the telnet player. axe-core at both widths, and the
phone layout. Screenshots go to each test's tmp_path.
"""

from __future__ import annotations

import json
import re
import time

from playwright.sync_api import Page, expect

from tests.e2e.browser import DESKTOP, PHONE, axe_violations, command, register, watch_errors

LIST = {"type": "channels", "silent": True, "channels": [
    {"name": "ooc", "label": "OOC", "aliases": ["o"], "description": "Out of character chat.",
     "on": True, "speak": True},
    {"name": "newbie", "label": "Newbie", "aliases": ["nb"], "description": "Questions.",
     "on": True, "speak": True},
    {"name": "gossip", "label": "Gossip", "aliases": [], "description": "Off for now.",
     "on": False, "speak": True},
    {"name": "news", "label": "News", "aliases": [], "description": "Admins only speak.",
     "on": True, "speak": False},
]}


CHANNEL_FRAMES = {"channels", "channel", "channel_history"}


def line(channel: str, label: str, talker: str, text: str, own: bool = False) -> dict:
    return {"type": "channel", "channel": channel, "label": label, "talker": talker,
            "text": f"[{label}] {talker}: {text}", "own": own, "realm": ""}


def shot(page: Page, tmp_path, name: str) -> None:
    path = tmp_path / name
    page.screenshot(path=str(path))
    print("screenshot:", path)


def fed_page(browser, server, viewport, fake: set[str] = frozenset()):
    """A page whose game socket passes through a route: ``feed(frame)`` hands the page a
    frame as if the server sent it (the server's own channel frames are dropped); ``sent``
    is every frame the page sent. A command whose
    first word is in ``fake`` (our made-up channels, tells to nobody) is acknowledged by
    the route and kept from the server, whose answer would be "Huh?"."""
    page = browser.new_page(viewport=viewport)
    sockets: list = []
    sent: list[dict] = []

    def route(ws):
        upstream = ws.connect_to_server()

        def forward(message):
            frame = json.loads(message)
            sent.append(frame)
            words = str(frame.get("text", "")).split()
            if frame.get("type") == "command" and words and words[0] in fake:
                ws.send(json.dumps({"type": "ack", "id": frame.get("id")}))
                return
            upstream.send(message)
        ws.on_message(forward)
        def backward(message):
            # The server's own channels are kept out: the page sees only the frames fed.
            if json.loads(message).get("type") not in CHANNEL_FRAMES:
                ws.send(message)
        upstream.on_message(backward)
        sockets.append(ws)
    page.route_web_socket(re.compile(r".*/ws$"), route)
    page.goto(f"http://127.0.0.1:{server.port('web')}/")

    def feed(frame: dict) -> None:
        sockets[-1].send(json.dumps(frame))
    return page, feed, sent


def commands(sent: list[dict]) -> list[str]:
    return [str(f.get("text")) for f in sent if f.get("type") == "command"]


def until_sent(page: Page, sent: list[dict], text: str, timeout: float = 10.0) -> None:
    """Wait, pumping Playwright (its route runs only inside its own calls), until the page
    has sent the command ``text``."""
    deadline = time.monotonic() + timeout
    while text not in commands(sent):
        assert time.monotonic() < deadline, f"never sent {text!r}: {commands(sent)}"
        page.wait_for_timeout(50)


def tab(page: Page, label: str):
    return page.get_by_role("tab", name=re.compile(rf"^{label}\b"))


def visible_lines(page: Page) -> list[str]:
    return page.locator("#output .line:visible").all_inner_texts()


def test_tabs_follow_the_wire_shapes_filter_count_and_speak(server, browser, tmp_path):
    errors: list[str] = []
    page, feed, sent = fed_page(browser, server, DESKTOP, {"ooc", "news", "tell"})
    watch_errors(page, errors)
    register(page, "Wynn")
    # No channel named yet: no strip, the layout as it was.
    expect(page.locator("#channel-tabs")).to_be_hidden()

    feed(LIST)
    strip = page.get_by_role("tablist", name="Channels")
    expect(strip).to_be_visible()
    # All, Room, the channels that are on in the server's order, Tells; gossip is off.
    expect(page.get_by_role("tab")).to_have_text(["All", "Room", "OOC", "Newbie", "News",
                                                  "Tells"])
    expect(tab(page, "All")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#output-panel")).to_have_attribute("role", "tabpanel")

    # Lines on two channels, and a say in the room: All shows them all, the tabs count.
    feed(line("ooc", "OOC", "Bram", "anyone up for a game?"))
    feed(line("newbie", "Newbie", "Kip", "how do I wield a sword?"))
    feed(line("ooc", "OOC", "Nora", "<b>me</b>"))
    command(page, "say hello room")
    expect(page.locator("#output [data-type=say]").last).to_contain_text("hello room")
    expect(page.locator("#output [data-type=channel]")).to_have_count(3)
    assert page.locator("#output b").count() == 0   # a talker's words are text, never markup
    expect(tab(page, "OOC")).to_have_accessible_name("OOC")   # All shows them: none unread

    page.click("#channel-tabs [role=tab]:has-text('Room')")
    expect(tab(page, "Room")).to_have_attribute("aria-selected", "true")
    assert not [t for t in visible_lines(page) if t.startswith("[")]
    assert any("hello room" in t for t in visible_lines(page))
    feed(line("ooc", "OOC", "Bram", "one"))
    feed(line("ooc", "OOC", "Bram", "two"))
    feed(line("newbie", "Newbie", "Kip", "three"))
    feed(line("ooc", "OOC", "Wynn", "my own", own=True))   # one's own words: not unread
    expect(tab(page, "OOC")).to_have_accessible_name("OOC, 2 unread")
    expect(tab(page, "Newbie")).to_have_accessible_name("Newbie, 1 unread")
    expect(page.locator("#channel-tabs [data-channel=ooc] .unread")).to_have_text("2")

    # The keyboard: arrow keys move along the tabs and choose (automatic activation).
    tab(page, "Room").focus()
    page.keyboard.press("ArrowRight")
    expect(tab(page, "OOC")).to_be_focused()
    expect(tab(page, "OOC")).to_have_attribute("aria-selected", "true")
    expect(tab(page, "OOC")).to_have_accessible_name("OOC")   # read now
    expect(page.locator("#output-panel")).to_have_attribute(
        "aria-labelledby", tab(page, "OOC").get_attribute("id"))
    shown = visible_lines(page)
    assert shown and all(t.startswith("[OOC]") for t in shown), shown
    assert len(shown) == 5
    # Only the chosen tab is in the Tab order.
    assert page.locator("#channel-tabs [role=tab][tabindex='0']").count() == 1

    # Typing in the OOC tab speaks on it; "/" runs a command as typed.
    expect(page.locator("#chat-target")).to_have_text("OOC")
    command(page, "hello from the tab")
    until_sent(page, sent, "ooc hello from the tab")
    command(page, "/look")
    until_sent(page, sent, "look")
    expect(page.locator("#command")).to_have_attribute("aria-label", re.compile("Message to OOC"))
    # The up arrow brings back what was typed, not what was sent.
    page.press("#command", "ArrowUp")
    page.press("#command", "ArrowUp")
    expect(page.locator("#command")).to_have_value("hello from the tab")
    page.fill("#command", "")

    # A listen-only channel's tab filters but does not speak.
    page.keyboard.press("Alt+PageDown")
    page.keyboard.press("Alt+PageDown")
    expect(tab(page, "News")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#chat-target")).to_be_hidden()
    expect(page.locator("#command")).to_have_attribute("placeholder", re.compile("cannot speak"))

    # Choosing a tab with nothing on it asks quietly for its history, shown in that tab
    # only (the All tab is what happened, not a replay).
    until_sent(page, sent, "news")
    expect(page.locator("#output [data-type=command]").filter(has_text=re.compile("^news$"))) \
        .to_have_count(0)
    feed({"type": "channel_history", "channel": "news", "label": "News",
          "text": "[News] Ada: the gate opens at dawn (5 minutes ago)",
          "lines": [{"talker": "Ada", "text": "the gate opens at dawn", "realm": "", "ago": 300}]})
    expect(page.locator("#output .line:visible")).to_have_text(
        ["[News] Ada: the gate opens at dawn (5 minutes ago)"])
    page.keyboard.press("Home")   # nothing: the focus is not in the strip
    tab(page, "News").focus()
    page.keyboard.press("Home")
    expect(tab(page, "All")).to_have_attribute("aria-selected", "true")
    assert "the gate opens at dawn" not in page.locator("#output").inner_text()

    # Tells: the Tells tab talks to whoever told you last.
    feed({"type": "tell", "from": "Bram", "to": "Wynn", "message": "psst", "own": False,
          "text": "Bram tells you, \"psst\""})
    expect(tab(page, "Tells")).to_have_accessible_name("Tells")   # seen in All
    page.keyboard.press("End")
    expect(tab(page, "Tells")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#chat-target")).to_have_text("Bram")
    command(page, "back at you")
    until_sent(page, sent, "tell Bram back at you")
    shot(page, tmp_path, "fed-desktop.png")

    # Turned off: its tab goes, and a chosen tab that goes leaves the All tab chosen.
    tab(page, "OOC").click()
    off = dict(LIST, channels=[dict(c, on=False) if c["name"] == "ooc" else c
                               for c in LIST["channels"]])
    feed(off)
    expect(page.get_by_role("tab")).to_have_text(["All", "Room", "Newbie", "News", "Tells"])
    expect(tab(page, "All")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#chat-target")).to_be_hidden()
    assert axe_violations(page) == []
    assert errors == []


def test_phone_width_tabs_scroll_sideways_and_leave_the_output_its_height(server, browser,
                                                                         tmp_path):
    errors: list[str] = []
    page, feed, sent = fed_page(browser, server, PHONE, {"chan7"})
    watch_errors(page, errors)
    register(page, "Pipa")
    many = {"type": "channels", "channels": [
        {"name": f"chan{n}", "label": f"Channel {n}", "aliases": [], "on": True, "speak": True}
        for n in range(8)]}
    feed(many)
    expect(page.get_by_role("tab")).to_have_count(11)
    strip = page.locator("#channel-tabs")
    # The strip scrolls sideways; the page does not.
    assert strip.evaluate("e => e.scrollWidth > e.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    output = page.locator("#output").bounding_box()["height"]
    assert output >= 0.45 * PHONE["height"], f"output pane only {output:.0f} px tall"
    for t in page.get_by_role("tab").all()[:3]:
        assert t.bounding_box()["height"] >= 32   # big enough to tap
    # The last tab, scrolled to by the keyboard, is in sight and chosen.
    page.get_by_role("tab").first.focus()
    page.keyboard.press("End")
    expect(tab(page, "Tells")).to_be_in_viewport(ratio=0.95)
    page.get_by_role("tab", name="Channel 7").click()
    feed(line("chan7", "Channel 7", "Bram", "hi on seven"))
    expect(page.locator("#output .line:visible")).to_have_text(["[Channel 7] Bram: hi on seven"])
    command(page, "hello seven")
    until_sent(page, sent, "chan7 hello seven")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, tmp_path, "fed-phone.png")
    assert axe_violations(page) == []
    assert errors == []
