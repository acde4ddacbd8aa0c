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

from tests.e2e.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    command,
    open_client,
    register,
    watch_errors,
)
from tests.e2e.processes import Player

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
    the route and kept from the server, whose answer would be "Huh?"; so is a request for
    the history of a channel in ``fake``."""
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
            if frame.get("type") == "request" and frame.get("channel") in fake:
                return   # a made-up channel's history: the test feeds it
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


def requested(sent: list[dict]) -> list[str]:
    """The channels whose history the page asked for (``request`` frames)."""
    return [str(f.get("channel")) for f in sent
            if f.get("type") == "request" and f.get("what") == "channel_history"]


def until_sent(page: Page, sent: list[dict], text: str, timeout: float = 10.0) -> None:
    """Wait, pumping Playwright (its route runs only inside its own calls), until the page
    has sent the command ``text``."""
    deadline = time.monotonic() + timeout
    while text not in commands(sent):
        assert time.monotonic() < deadline, f"never sent {text!r}: {commands(sent)}"
        page.wait_for_timeout(50)


def tab(page: Page, label: str):
    """The tab ``label`` (on a phone, in sight only while the list is open)."""
    return page.get_by_role("tab", name=re.compile(rf"^{label}\b"), include_hidden=True)


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
    # A notice that comes with one's own line is shown in the tab one spoke from.
    feed(dict(line("ooc", "OOC", "Wynn", "hello from the tab", own=True),
              text="[OOC] You: hello from the tab"))
    feed({"type": "system", "text": "Only players on this realm heard you: the link to the "
                                    "other realms is down."})
    expect(page.locator("#output .line:visible").last).to_contain_text(
        "Only players on this realm heard you")
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

    # Choosing a tab with nothing on it asks for its history (a request frame, not the
    # command: that would end an afk), shown in that tab only (the All tab is what
    # happened, not a replay).
    deadline = time.monotonic() + 10
    while "news" not in requested(sent):
        assert time.monotonic() < deadline, f"never asked for news: {sent[-3:]}"
        page.wait_for_timeout(50)
    assert "news" not in commands(sent)
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
    expect(page.locator("[role=tab] .tab-label")).to_have_text(
        ["All", "Room", "Newbie", "News", "Tells"])
    expect(tab(page, "All")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#chat-target")).to_be_hidden()
    assert axe_violations(page) == []
    assert errors == []


def test_phone_opens_the_tabs_over_the_output_from_a_button_and_keeps_its_height(
        server, browser, tmp_path):
    errors: list[str] = []
    page, feed, sent = fed_page(browser, server, PHONE, {"chan7"})
    watch_errors(page, errors)
    register(page, "Pipa")
    expect(page.locator("#channels-toggle")).to_be_hidden()   # no channels yet
    before = page.locator("#output").bounding_box()["height"]
    many = {"type": "channels", "channels": [
        {"name": f"chan{n}", "label": f"Channel {n}", "aliases": [], "on": True, "speak": True}
        for n in range(8)]}
    feed(many)
    toggle = page.locator("#channels-toggle")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_text("All")
    # The tabs cost the output no height: the button sits in the map's row.
    expect(page.get_by_role("tablist")).to_be_hidden()
    output = page.locator("#output").bounding_box()["height"]
    assert output == before, (before, output)
    assert output >= 0.5 * PHONE["height"], f"output pane only {output:.0f} px tall"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The button opens the list over the output, the chosen tab focused; rows to tap.
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("tablist")).to_have_attribute("aria-orientation", "vertical")
    expect(tab(page, "All")).to_be_focused()
    for t in page.get_by_role("tab").all()[:4]:
        assert t.bounding_box()["height"] >= 36   # big enough to tap
    shot(page, tmp_path, "fed-phone-open.png")
    # The keyboard: End chooses the last, Escape shuts the list and goes back to the button.
    page.keyboard.press("End")
    expect(tab(page, "Tells")).to_have_attribute("aria-selected", "true")
    expect(tab(page, "Tells")).to_be_in_viewport()
    page.keyboard.press("Escape")
    expect(page.get_by_role("tablist")).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_text("Tells")

    # A line elsewhere: the button counts it.
    feed(line("chan7", "Channel 7", "Bram", "hi on seven"))
    expect(page.locator("#channels-unread")).to_have_text("1")
    expect(toggle).to_have_accessible_name("Channel tabs: Tells chosen, 1 unread")
    # A tap on a tab chooses it and shuts the list.
    toggle.click()
    tab(page, "Channel 7").click()
    expect(page.get_by_role("tablist")).to_be_hidden()
    expect(toggle).to_have_text("Channel 7")
    expect(page.locator("#channels-unread")).to_be_hidden()
    expect(page.locator("#output .line:visible")).to_have_text(["[Channel 7] Bram: hi on seven"])
    command(page, "hello seven")
    until_sent(page, sent, "chan7 hello seven")
    # A tap outside it shuts it too.
    toggle.click()
    expect(page.get_by_role("tablist")).to_be_visible()
    box = page.locator("#output").bounding_box()
    page.mouse.click(box["x"] + 10, box["y"] + box["height"] - 10)   # away from the list
    expect(page.get_by_role("tablist")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, tmp_path, "fed-phone.png")
    assert axe_violations(page) == []
    toggle.click()
    assert axe_violations(page) == [], "the list open"
    assert errors == []


# -- the whole thing: the server's channels -------------------------------------------------


def channel_lines(page: Page) -> list[str]:
    return page.locator("#output .line:visible").all_inner_texts()


def choose(page: Page, label: str) -> None:
    """Click the tab ``label``; on a phone, open the tabs from their button first."""
    toggle = page.locator("#channels-toggle")
    if toggle.is_visible():
        toggle.click()
    tab(page, label).click()


def test_two_web_players_and_a_telnet_player_chat_on_ooc_and_newbie(server, browser, tmp_path):
    errors: list[str] = []
    wynn = open_client(browser, server, DESKTOP, errors)
    register(wynn, "Wynn")
    nora = open_client(browser, server, PHONE, errors)
    register(nora, "Nora")
    bram = Player(server.port("telnet"))
    bram.ask("create Bram secret1", "Village Square")

    # The server's list makes the tabs: gossip is off until turned on, wiz is the admins'.
    for page in (wynn, nora):
        expect(page.locator("[role=tab] .tab-label")).to_have_text(
            ["All", "Room", "OOC", "Newbie", "Tells"])
        expect(tab(page, "All")).to_have_attribute("aria-selected", "true")

    # Bram talks on both channels from telnet; both web players hear it, All shows it all.
    bram.ask("ooc hello from telnet", "[OOC] You: hello from telnet")
    bram.ask("nb how do I fight?", "[Newbie] You: how do I fight?")
    for page in (wynn, nora):
        expect(page.locator("#output [data-type=channel]")).to_have_text(
            ["[OOC] Bram: hello from telnet", "[Newbie] Bram: how do I fight?"])
        expect(tab(page, "OOC")).to_have_attribute("aria-label", "OOC")   # seen in All

    # Wynn watches the room; Nora (a phone) the Newbie tab. What is said elsewhere counts.
    wynn.get_by_role("tab", name="Room").click()
    choose(nora, "Newbie")
    expect(nora.locator("#output .line:visible")).to_have_text(
        ["[Newbie] Bram: how do I fight?"])
    bram.ask("ooc anyone seen the smith?", "[OOC] You: anyone seen the smith?")
    bram.ask("say hello, square", "You say")
    expect(wynn.locator("#output .line:visible[data-type=say]").last).to_contain_text(
        'Bram says, "hello, square"')
    expect(tab(wynn, "OOC")).to_have_attribute("aria-label", "OOC, 1 unread")
    assert not [t for t in channel_lines(wynn) if t.startswith("[")]   # Room: no channels
    expect(tab(nora, "OOC")).to_have_attribute("aria-label", "OOC, 1 unread")
    expect(tab(nora, "Room")).to_have_attribute("aria-label", "Room, 1 unread")   # Bram's say
    assert channel_lines(nora) == ["[Newbie] Bram: how do I fight?"]

    # Nora answers from her Newbie tab, typing only her words: Bram and Wynn hear it on
    # newbie, where Wynn's tab counts it.
    command(nora, "type kill hare, then flee if it goes badly")
    bram.wait_for("[Newbie] Nora: type kill hare, then flee if it goes badly")
    expect(nora.locator("#output .line:visible").last).to_have_text(
        "[Newbie] You: type kill hare, then flee if it goes badly")
    expect(tab(wynn, "Newbie")).to_have_attribute("aria-label", "Newbie, 1 unread")
    expect(wynn.locator("#channel-tabs [data-channel=newbie] .unread")).to_have_text("1")

    # Wynn goes to OOC by the keyboard: the tab shows OOC's lines and nothing else, its
    # count goes; Wynn's words from there reach the telnet player on ooc.
    tab(wynn, "Room").focus()
    wynn.keyboard.press("ArrowRight")
    expect(tab(wynn, "OOC")).to_have_attribute("aria-selected", "true")
    expect(tab(wynn, "OOC")).to_have_attribute("aria-label", "OOC")
    expect(wynn.locator("#output .line:visible")).to_have_text(
        ["[OOC] Bram: hello from telnet", "[OOC] Bram: anyone seen the smith?"])
    wynn.locator("#command").focus()
    command(wynn, "the smith went north, Bram")
    bram.wait_for("[OOC] Wynn: the smith went north, Bram")
    expect(wynn.locator("#output .line:visible").last).to_have_text(
        "[OOC] You: the smith went north, Bram")
    expect(tab(nora, "OOC")).to_have_attribute("aria-label", "OOC, 2 unread")
    # "/" runs a command from a channel's tab: the room's answer is in Room, not here.
    command(wynn, "/look")
    expect(wynn.locator("#output [data-type=room]")).to_have_count(2)
    expect(wynn.locator("#output [data-type=room]").last).to_be_hidden()
    assert all(t.startswith("[OOC]") for t in channel_lines(wynn))

    # Tells: Bram tells Wynn; the Tells tab counts it and answers Bram from there.
    bram.ask("tell Wynn meet me at the fountain", "You tell Wynn")
    expect(tab(wynn, "Tells")).to_have_attribute("aria-label", "Tells, 1 unread")
    wynn.keyboard.press("Alt+PageDown")
    wynn.keyboard.press("Alt+PageDown")
    expect(tab(wynn, "Tells")).to_have_attribute("aria-selected", "true")
    expect(wynn.locator("#chat-target")).to_have_text("Bram")
    command(wynn, "on my way")
    bram.wait_for('Wynn tells you, "on my way"')
    expect(wynn.locator("#output .line:visible")).to_have_text(
        ['Bram tells you, "meet me at the fountain"', 'You tell Bram, "on my way"'])
    shot(wynn, tmp_path, "chat-desktop.png")

    # A newcomer's OOC tab fills with the channel's last lines, in that tab only.
    kip = open_client(browser, server, DESKTOP, errors)
    register(kip, "Kip")
    kip.get_by_role("tab", name="OOC").click()
    history = kip.locator("#output .line:visible[data-type=channel_history]")
    expect(history).to_contain_text("the smith went north, Bram")
    expect(history).to_contain_text("Bram (")
    kip.get_by_role("tab", name="All").click()
    expect(kip.locator("#output [data-type=channel_history]")).to_be_hidden()
    # A reload (the session resumed) keeps the tab chosen, and fills it again.
    kip.get_by_role("tab", name="OOC").click()
    kip.reload()
    expect(tab(kip, "OOC")).to_have_attribute("aria-selected", "true")
    expect(kip.locator("#output .line:visible[data-type=channel_history]")).to_contain_text(
        "the smith went north, Bram")

    # Turning a channel off takes its tab away (the server sends the list again).
    command(nora, "/channel off newbie")
    expect(nora.locator("[role=tab] .tab-label")).to_have_text(["All", "Room", "OOC", "Tells"])
    expect(tab(nora, "All")).to_have_attribute("aria-selected", "true")
    expect(nora.locator("#output .line:visible").last).to_contain_text("newbie")
    # ...and her words are commands again: "nb" is not a channel of hers to speak on.
    bram.ask("nb still there?", "[Newbie] You: still there?")
    expect(tab(wynn, "Newbie")).to_have_attribute("aria-label", "Newbie, 1 unread")
    assert "still there" not in nora.locator("#output").inner_text()
    # Its history may still be asked for; it comes back as the room's, with no tab.
    command(nora, "newbie")
    expect(nora.locator("#output .line:visible[data-type=channel_history]")).to_contain_text(
        "type kill hare")
    expect(nora.locator("[role=tab] .tab-label")).to_have_text(["All", "Room", "OOC", "Tells"])
    assert nora.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(nora, tmp_path, "chat-phone.png")

    assert axe_violations(wynn) == [], "desktop"
    assert axe_violations(nora) == [], "phone"
    assert errors == []
