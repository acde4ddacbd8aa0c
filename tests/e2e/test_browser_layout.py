"""The web client's phone layout, its accessibility (axe-core), commands sent into a dead
link, and what a screen reader hears: real headless Chromium against the real twistd.

axe-core comes from the axe-playwright-python package (its bundled axe.min.js, installed by
`make test` with the test extras; see tests/e2e/browser.py). Screenshots go to each test's
tmp_path.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time

from playwright.sync_api import expect

from tests.e2e.browser import DESKTOP, PHONE, axe_violations, command, open_client, register
from tests.e2e.processes import Player

# Names for telnet players: none is an NPC's name or keyword.
NAMES = ["Abelard", "Brynja", "Caspian", "Delphine", "Evander", "Florian", "Gwendolyn",
         "Hyacinth", "Isidore", "Jessamy", "Leopold", "Maximilian", "Octavia", "Peregrine"]


def shot(page, tmp_path, name):
    path = tmp_path / name
    page.screenshot(path=str(path))
    print("screenshot:", path)


# What the room panel hides from the player: the panel, or anything visible in it, cut off
# (its content taller than its box, or an element outside the panel's visible box).
CLIPPED = """() => {
    const panel = document.getElementById('room-panel');
    const box = panel.getBoundingClientRect();
    const cut = [];
    if (panel.scrollHeight > panel.clientHeight + 1) cut.push('room-panel scrolls');
    for (const node of panel.querySelectorAll('*')) {
        const style = getComputedStyle(node);
        if (node.closest('[hidden]') || style.display === 'none') continue;
        const r = node.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (node.scrollHeight > node.clientHeight + 1 && style.overflow !== 'visible')
            cut.push(node.id || node.tagName + ' overflows');
        if (r.top < box.top - 1 || r.bottom > box.bottom + 1)
            cut.push((node.id || node.tagName + ':' + node.textContent.slice(0, 20))
                     + ' outside the panel');
    }
    return cut;
}"""


def height(page, selector):
    return page.locator(selector).evaluate("e => e.getBoundingClientRect().height")


def test_phone_layout_puts_the_output_first_folds_the_room_panel_and_clips_nothing(
        server, browser, tmp_path):
    errors: list[str] = []
    page = open_client(browser, server, PHONE, errors)
    register(page, "Pipa")
    toggle = page.locator("#room-toggle")
    # A phone starts folded: the room's name and exits, and the output takes most of it.
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#room-description")).to_be_hidden()
    expect(page.locator("#exits button.exit[data-exit=north]")).to_be_in_viewport()
    output = height(page, "#output")
    assert output >= 0.5 * PHONE["height"], f"output pane only {output:.0f} px tall"
    assert page.evaluate(CLIPPED) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, tmp_path, "phone-folded.png")

    # Opened: the whole description, the NPCs and the items, none of it cut off.
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#room-description")).to_be_visible()
    assert page.evaluate(CLIPPED) == []
    for row in ("#room-description", "#room-npcs-row", "#room-items-row"):
        expect(page.locator(row)).to_be_in_viewport(ratio=1)
    expect(page.locator("#room-npcs")).to_contain_text("Ash")
    expect(page.locator("#room-items")).to_contain_text("notice board")
    assert height(page, "#output") >= 150
    shot(page, tmp_path, "phone-open.png")

    # The choice is kept: after a reload the panel is still open; folded, it stays folded.
    page.reload()
    expect(page.locator("#room-name")).to_have_text("Village Square")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()
    page.reload()
    expect(page.locator("#room-name")).to_have_text("Village Square")
    expect(page.locator("#room-toggle")).to_have_attribute("aria-expanded", "false")
    # The keyboard works it too.
    page.locator("#room-toggle").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#room-toggle")).to_have_attribute("aria-expanded", "true")
    assert errors == []


def test_desktop_layout_shows_the_room_open_beside_the_output(server, browser, tmp_path):
    errors: list[str] = []
    page = open_client(browser, server, DESKTOP, errors)
    register(page, "Wynn")
    expect(page.locator("#room-toggle")).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#room-description")).to_contain_text("fountain")
    output = page.locator("#output").bounding_box()
    room = page.locator("#room-panel").bounding_box()
    mapped = page.locator("#map-panel").bounding_box()
    assert room["x"] >= output["x"] + output["width"]   # side by side, output on the left
    # The map (open on a desktop) sits over the output, as wide as it; the output is still
    # the biggest thing on the page.
    assert mapped["y"] + mapped["height"] <= output["y"] and mapped["x"] == output["x"]
    assert output["height"] >= 0.55 * DESKTOP["height"]
    assert output["width"] >= 0.6 * DESKTOP["width"]
    # Hidden, the map gives the output its height back.
    page.click("#map-toggle")
    assert height(page, "#output") >= 0.75 * DESKTOP["height"]
    shot(page, tmp_path, "desktop-map-hidden.png")
    page.click("#map-toggle")
    shot(page, tmp_path, "desktop.png")
    assert errors == []


# How many rows of the Online list are wholly in sight, nothing scrolled.
WHO_ROWS_SEEN = """() => {
    const panel = document.getElementById('who-panel');
    const box = panel.getBoundingClientRect();
    const top = box.top + panel.clientTop;
    const bottom = Math.min(top + panel.clientHeight, innerHeight);
    return [...document.querySelectorAll('#who li')].filter((li) => {
        const r = li.getBoundingClientRect();
        return r.top >= top - 0.5 && r.bottom <= bottom + 0.5;
    }).length;
}"""


def check_a_crowded_desktop(page, tmp_path):
    """1280x800, the map open, fifteen or more online and in the square: every panel has a
    usable height, and nothing is pushed below the window."""
    expect(page.locator("#map-toggle")).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#map")).to_be_in_viewport(ratio=1)
    assert page.locator("#who-panel").evaluate("e => e.scrollTop") == 0
    seen = page.evaluate(WHO_ROWS_SEEN)
    figures = {name: round(height(page, selector)) for name, selector in (
        ("room", "#room-panel"), ("map", "#map-panel"), ("output", "#output"),
        ("who", "#who-panel"), ("input", "#command-form"))}
    print(f"desktop, crowded: {figures}, {seen} rows of the Online list in sight")
    assert seen >= 8, f"only {seen} rows of the Online list in sight"
    assert figures["output"] >= 0.5 * DESKTOP["height"], figures
    assert figures["room"] >= 0.4 * DESKTOP["height"], figures
    for selector in ("#room-panel", "#map-panel", "#output", "#who-panel", "#command-form"):
        expect(page.locator(selector)).to_be_in_viewport(ratio=1)
    assert page.evaluate("(g => g.scrollHeight <= g.clientHeight)"
                         "(document.getElementById('game'))")
    shot(page, tmp_path, "desktop-crowded.png")


def test_axe_finds_no_violations_at_either_width_logged_out_or_in(server, browser, tmp_path):
    # Enough players that the phone's who panel scrolls (the region axe flagged), and that
    # a desktop's right column is crowded.
    telnets = []
    for name in NAMES:
        telnet = Player(server.port("telnet"))
        telnet.ask(f"create {name} secret1", "Village Square")
        telnets.append(telnet)
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = open_client(browser, server, viewport)
        assert axe_violations(page) == [], f"{label}, logged out"
        shot(page, tmp_path, f"axe-{label}-logged-out.png")
        register(page, f"Axe{label.capitalize()}")
        expect(page.locator("#who li")).to_have_count(len(NAMES) + 1 + (label == "desktop"))
        if label == "phone":
            who = page.locator("#who-panel")
            assert who.evaluate("e => e.scrollHeight > e.clientHeight"), "who does not scroll"
        else:
            check_a_crowded_desktop(page, tmp_path)
        assert axe_violations(page) == [], f"{label}, logged in"
        page.click("#room-toggle")
        page.click("#settings summary")
        expect(page.locator("#speech-mode")).to_be_visible()
        expect(page.locator("#settings-body")).to_be_in_viewport(ratio=1)
        assert axe_violations(page) == [], f"{label}, room panel toggled, settings open"
        shot(page, tmp_path, f"axe-{label}-logged-in.png")
        page.close()


def routed_page(browser, server, swallow):
    """A page whose game sockets pass through a route; while swallow["on"], what the page
    sends on its first socket is dropped (a link where nothing gets through any more). Only
    the first: the page may reconnect before the test sees its notice and turns swallowing
    off, and a swallowed resume on the new socket would leave the page waiting forever."""
    page = browser.new_page(viewport=PHONE)
    sockets: list = []
    delivered: list[dict] = []

    def route(ws):
        upstream = ws.connect_to_server()

        def forward(message):
            if swallow["on"] and ws is sockets[0]:
                return
            delivered.append(json.loads(message))
            upstream.send(message)
        ws.on_message(forward)
        upstream.on_message(lambda message: ws.send(message))
        sockets.append(ws)
    page.route_web_socket(re.compile(r".*/ws$"), route)
    page.goto(f"http://127.0.0.1:{server.port('web')}/")
    return page, sockets, delivered


def heard(page, telnet, text: str, timeout: float = 15.0) -> str:
    """Wait for the telnet player to read ``text`` while Playwright carries the routed
    page's frames: its sync API runs the route's callbacks only inside its own calls, so
    a plain wait on the telnet socket would hold the page's resend up until it timed out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return telnet.wait_for(text, timeout=0.2)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.wait_for_timeout(100)


def test_commands_typed_into_a_dead_link_are_sent_again_once_or_reported(server, browser):
    swallow = {"on": False}
    page, sockets, delivered = routed_page(browser, server, swallow)
    register(page, "Pipa")
    telnet = Player(server.port("telnet"))
    telnet.ask("create Bram secret1", "Pipa is here.")

    swallow["on"] = True   # from now on nothing the page sends reaches the server
    command(page, "say into the void")
    command(page, "password secret1 another1")
    expect(page.locator("#output [data-type=command]").last).to_have_text("password ********")
    # No ack comes: the page gives the link up, reconnects and resumes by itself.
    expect(page.locator("#output [data-type=client]").filter(
        has_text="No answer from the server")).to_have_count(1, timeout=15000)
    swallow["on"] = False
    expect(page.locator("#status")).to_have_attribute("data-state", "connected", timeout=15000)
    heard(page, telnet, 'Pipa says, "into the void"')
    notices = page.locator("#output [data-type=client]")
    expect(notices.filter(has_text="sent again")).to_contain_text("say into the void")
    expect(notices.filter(has_text="Not delivered")).to_contain_text("password ********")
    assert "another1" not in page.locator("#output").inner_text()
    # Sent once more, with its first id, and only once; the password was not sent again.
    says = [f for f in delivered if f.get("text") == "say into the void"]
    assert len(says) == 1 and isinstance(says[0]["id"], int)
    assert not [f for f in delivered if str(f.get("text", "")).startswith("password")]
    assert len(sockets) == 2
    # The say was heard once.
    command(page, "say done")
    told = heard(page, telnet, 'Pipa says, "done"')   # all Bram was sent, from the start
    assert told.count('Pipa says, "into the void"') == 1


def test_a_command_that_arrived_late_on_the_dead_socket_runs_once(server, browser, tmp_path):
    page = browser.new_page(viewport=PHONE)
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(f"http://127.0.0.1:{server.port('web')}/")
    register(page, "Pipa")
    telnet = Player(server.port("telnet"))
    telnet.ask("create Bram secret1", "Pipa is here.")
    # The server stops reading (and answering): the link is half-open from the page's side.
    os.kill(server.proc.pid, signal.SIGSTOP)
    try:
        command(page, "say only once")
        expect(page.locator("#output [data-type=client]").filter(
            has_text="No answer from the server")).to_have_count(1, timeout=15000)
    finally:
        os.kill(server.proc.pid, signal.SIGCONT)
    # The server now reads the say on the old socket, and then the page's resend on the new
    # one, with the same id: it is acknowledged and not run again.
    expect(page.locator("#output [data-type=client]").filter(has_text="sent again")) \
        .to_contain_text("say only once", timeout=20000)
    telnet.wait_for('Pipa says, "only once"')
    command(page, "say after")
    heard = telnet.wait_for('Pipa says, "after"')   # all Bram was sent, from the start
    assert heard.count('Pipa says, "only once"') == 1
    assert len([url for url in sockets if url.endswith("/ws")]) >= 2


def announced(page):
    return page.locator("#announcer").text_content()


def test_screen_reader_hears_others_not_its_own_echo_in_short_bursts_and_can_reread(
        server, browser, tmp_path):
    page = open_client(browser, server, DESKTOP)
    register(page, "Lark")
    telnet = Player(server.port("telnet"))
    telnet.ask("create Bram secret1", "Lark is here.")
    # The output pane is not read as it fills; #announcer is.
    expect(page.locator("#output")).to_have_attribute("aria-live", "off")
    expect(page.locator("#announcer")).to_have_attribute("aria-live", "polite")

    command(page, "say hello all")
    expect(page.locator("#output [data-type=say]").last).to_have_text('You say, "hello all"')
    telnet.ask("say good morning", "You say")
    expect(page.locator("#announcer")).to_contain_text('Bram says, "good morning"')
    assert "hello all" not in announced(page)

    # Shorter: the name of a room walked into, and three lines of a long burst.
    page.click("#settings summary")
    page.select_option("#speech-mode", "short")
    command(page, "n")
    expect(page.locator("#room-name")).to_have_text("High Street")
    expect(page.locator("#announcer p").last).to_have_text(re.compile(r"^High Street"))
    description = page.locator("#room-description").inner_text()
    assert description[:30] not in announced(page)
    command(page, "help")
    expect(page.locator("#announcer p").last).to_contain_text("more lines")
    last = page.locator("#announcer p").last.text_content().split("\n")
    assert len(last) == 4 and last[-1].startswith("(")

    # Off: nothing is read by itself, but Alt+R reads the last message again, in full.
    page.select_option("#speech-mode", "off")
    before = page.locator("#announcer p").count()
    telnet.ask("tell Lark psst, over here", "You tell")
    expect(page.locator("#output [data-type=tell]").last).to_contain_text("psst")
    page.wait_for_timeout(500)
    assert page.locator("#announcer p").count() == before
    page.focus("#command")
    page.keyboard.press("Alt+r")
    expect(page.locator("#announcer p").last).to_have_text(
        re.compile(r"Bram tells you.*psst, over here"))
    # The setting is kept.
    page.reload()
    expect(page.locator("#room-name")).to_have_text("High Street")
    expect(page.locator("#speech-mode")).to_have_value("off")
    shot(page, tmp_path, "desktop-settings.png")
