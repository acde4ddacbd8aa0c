"""The web client's Tells tab, Online panel and history requests in a real headless
Chromium (Debian's, driven by Playwright) against the real twistd.

- The Tells tab's target holds while a line is being typed: a stranger's tell landing
  then does not take the line (the review's R1-11).
- A reload with a channel's tab chosen asks for its lines with a `request` frame, which
  leaves the player away (afk): a teller is still told so.
- The Online panel shows who is away (afk) and, on a server linked to other realms, their
  players under their realm's name; a player of another realm with one's own name is not
  shown as oneself (R1-10). The list of other realms comes through a Playwright route on
  /api/who (two realms need Redis: tests/e2e/test_realms.py runs those).
- One's own channel line is not read back by a screen reader (a11y.js).
Screenshots go to each test's tmp_path.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

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
from tests.e2e.test_browser_channels import LIST, commands, fed_page, line, shot, tab, until_sent


def tell(sender: str, to: str, text: str) -> dict:
    return {"type": "tell", "from": sender, "to": to, "message": text, "own": False,
            "realm": "", "text": f'{sender} tells you, "{text}"'}


def test_the_tells_target_holds_while_a_line_is_typed(server, browser, tmp_path):
    errors: list[str] = []
    page, feed, sent = fed_page(browser, server, DESKTOP, {"tell"})
    watch_errors(page, errors)
    register(page, "Wynn")
    feed(LIST)
    feed(tell("Bram", "Wynn", "meet me at the fountain"))
    tab(page, "Tells").click()
    target = page.locator("#chat-target")
    expect(target).to_have_text("Bram")

    # Wynn starts answering Bram; a stranger's tell lands meanwhile: the line stays Bram's.
    page.fill("#command", "on my way")
    feed(tell("Kip", "Wynn", "hey you, got a minute?"))
    expect(page.locator("#output .line:visible").last).to_contain_text("Kip tells you")
    expect(target).to_have_text("Bram")
    expect(page.locator("#command")).to_have_attribute("aria-label", re.compile("Message to Bram"))
    page.press("#command", "Enter")
    until_sent(page, sent, "tell Bram on my way")
    assert "tell Kip on my way" not in commands(sent)
    # Sent: the next line is for whoever told last.
    expect(target).to_have_text("Kip")

    # Emptying the line lets go of the name; typing again holds the newest one.
    page.fill("#command", "just a")
    feed(tell("Nora", "Wynn", "me too"))
    expect(page.locator("#output .line:visible").last).to_contain_text("me too")
    expect(target).to_have_text("Kip")
    page.fill("#command", "")
    expect(target).to_have_text("Nora")
    page.fill("#command", "yes, Nora")
    feed(tell("Bram", "Wynn", "where are you?"))
    expect(page.locator("#output .line:visible").last).to_contain_text("where are you?")
    expect(target).to_have_text("Nora")
    page.press("#command", "Enter")
    until_sent(page, sent, "tell Nora yes, Nora")

    # A line brought back with the up arrow (no typing) holds its name as well.
    page.press("#command", "ArrowUp")
    expect(page.locator("#command")).to_have_value("yes, Nora")
    expect(target).to_have_text("Bram")
    feed(tell("Kip", "Wynn", "hello again"))
    expect(page.locator("#output .line:visible").last).to_contain_text("hello again")
    expect(target).to_have_text("Bram")
    page.press("#command", "Enter")
    until_sent(page, sent, "tell Bram yes, Nora")
    shot(page, tmp_path, "tells.png")
    assert axe_violations(page) == []
    assert errors == []


def test_a_reload_asks_for_the_tabs_lines_and_leaves_the_player_away(server, browser):
    errors: list[str] = []
    bram = Player(server.port("telnet"))
    bram.ask("create Bram secret1", "Village Square")
    bram.ask("ooc the smith went north", "[OOC] You: the smith went north")
    kip = open_client(browser, server, DESKTOP, errors)
    register(kip, "Kip")
    kip.get_by_role("tab", name="OOC").click()
    history = kip.locator("#output .line:visible[data-type=channel_history]")
    expect(history).to_contain_text("the smith went north")
    command(kip, "/afk back after supper")
    expect(kip.locator("#output .line").last).to_contain_text("You are marked away (afk)")

    kip.reload()
    expect(tab(kip, "OOC")).to_have_attribute("aria-selected", "true")
    expect(history).to_contain_text("the smith went north")
    # Still away: the history came by a request, not by the command "ooc".
    out = bram.ask("tell kip are you there?", "They will see your tell")
    assert "Kip is away (afk): back after supper." in " ".join(out.split())
    assert errors == []


def test_the_online_panel_shows_afk_and_other_realms(server, browser, tmp_path):
    errors: list[str] = []
    bram = Player(server.port("telnet"))
    bram.ask("create Bram secret1", "Village Square")
    page = open_client(browser, server, DESKTOP, errors)
    register(page, "Wynn")
    # A local player away: the panel marks him, his message as its tooltip.
    bram.ask("afk fishing", "You are marked away (afk): fishing.")
    who = page.locator("#who")
    command(page, "who")   # the who command's list is the panel's too
    expect(who.locator("li[data-name=Bram] .who-afk")).to_have_text("afk")
    expect(who.locator("li[data-name=Bram] .who-afk")).to_have_attribute("title", "fishing")
    expect(who.locator("li[data-name=Wynn] .who-afk")).to_have_count(0)

    # A server linked to two other realms: /api/who as it answers then.
    remote = [
        {"name": "Bram", "idle": 0, "via": "telnet", "linkdead": False, "afk": "fishing"},
        {"name": "Wynn", "idle": 0, "via": "web", "linkdead": False},
        {"name": "Nora", "idle": None, "via": "web", "linkdead": False, "realm": "north",
         "afk": ""},
        {"name": "Wynn", "idle": None, "via": "telnet", "linkdead": False, "realm": "north"},
        {"name": "Pipa", "idle": None, "via": "telnet", "linkdead": False, "realm": "south"},
        {"name": "Rowan", "idle": None, "via": "web", "linkdead": True, "realm": "south"},
    ]
    page.route(re.compile(r".*/api/who$"), lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(remote)))
    # Someone leaving the room has the panel ask /api/who again.
    bram.ask("north", "High Street")
    expect(who.locator("li.who-realm")).to_have_text(["In realm north", "In realm south"])
    expect(who.locator("li")).to_have_text(
        [re.compile(r"^Bram.*afk$"), re.compile(r"^Wynn"), "In realm north",
         re.compile(r"^Nora.*afk$"), re.compile(r"^Wynn"), "In realm south",
         re.compile(r"^Pipa"), re.compile(r"^Rowan@south.*link-dead")])
    # Only this realm's Wynn is the player himself.
    expect(who.locator("li.me")).to_have_count(1)
    expect(who.locator("li.me")).not_to_have_attribute("data-realm", re.compile("."))
    expect(who.locator("li[data-realm=north][data-name=Wynn]")).not_to_have_class(
        re.compile(r"\bme\b"))
    expect(who.locator("li[data-name=Nora] .who-afk")).not_to_have_attribute("title",
                                                                            re.compile("."))
    expect(page.locator("#who-count")).to_have_text("(5)")
    shot(page, tmp_path, "who-desktop.png")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, tmp_path, "who-phone.png")
    assert axe_violations(page) == []
    assert errors == []


def test_ones_own_channel_line_is_not_read_back(server, browser):
    page, feed, _ = fed_page(browser, server, DESKTOP, {"ooc"})
    register(page, "Wynn")
    feed(LIST)
    announcer = page.locator("#announcer")
    feed(line("ooc", "OOC", "Wynn", "my own words", own=True))
    feed(line("ooc", "OOC", "Bram", "his words"))
    expect(announcer).to_contain_text("[OOC] Bram: his words")
    assert "my own words" not in announcer.inner_text()
