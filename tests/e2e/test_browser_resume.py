"""A web player who comes back (the link drops and the page resumes, or the tab reloads) is
greeted as returning, not as a stranger: no "Log in or create a character" in the game's log
once the game has started (issue 10, item 10). Real twistd, Debian's headless Chromium."""

from __future__ import annotations

import re

from playwright.sync_api import expect

STRANGER = "Log in or create a character"


def _log(page) -> list[str]:
    return page.locator("#output .line").all_inner_texts()


def _after_the_game_started(lines: list[str]) -> list[str]:
    started = next(i for i, line in enumerate(lines) if "You are Pip." in line)
    return lines[started:]


def test_a_resumed_player_is_welcomed_back_not_greeted_as_a_stranger(server, browser,
                                                                    tmp_path):
    page = browser.new_page()
    routes: list = []

    def route(ws):
        # Every game socket goes through here, so the test can cut one as a network would.
        upstream = ws.connect_to_server()
        ws.on_message(lambda message: upstream.send(message))
        upstream.on_message(lambda message: ws.send(message))
        routes.append((ws, upstream))
    page.route_web_socket(re.compile(r".*/ws$"), route)

    page.goto(f"http://127.0.0.1:{server.port('web')}/")
    page.fill("#name", "Pip")
    page.fill("#password", "secret1")
    page.click("#register-button")
    expect(page.locator("#room-name")).to_have_text("Village Square")
    page.fill("#command", "east")
    page.press("#command", "Enter")
    expect(page.locator("#room-name")).to_have_text("Market Row")

    # The link drops; the page reconnects by itself and resumes with its token.
    page_side, upstream = routes[-1]
    upstream.close()
    page_side.close(code=4000, reason="network went away")
    expect(page.locator("#status")).to_have_attribute("data-state", "reconnecting")
    expect(page.locator("#status")).to_have_attribute("data-state", "connected", timeout=15000)
    expect(page.locator("#output [data-type=login_ok]").last).to_have_text("Welcome back, Pip.")
    page.fill("#command", "look")
    page.press("#command", "Enter")
    expect(page.locator("#output [data-type=room]").last).to_contain_text("Market Row")
    assert len(routes) == 2
    # Refusals still reach the log of a resumed player (only hello's greeting is left out).
    page.fill("#command", "up")
    page.press("#command", "Enter")
    expect(page.locator("#output [data-type=error]").last).to_contain_text("You cannot go 'up'")
    resumed = _after_the_game_started(_log(page))
    assert not [line for line in resumed if STRANGER in line], resumed
    page.screenshot(path=str(tmp_path / "resumed.png"))

    # A reload resumes too (the token is in the tab's sessionStorage): a fresh log that
    # starts with the welcome back, never the stranger's greeting.
    page.reload()
    expect(page.locator("#output [data-type=login_ok]")).to_have_text("Welcome back, Pip.")
    expect(page.locator("#room-name")).to_have_text("Market Row")
    page.fill("#command", "look")
    page.press("#command", "Enter")
    expect(page.locator("#output [data-type=room]").last).to_contain_text("Market Row")
    reloaded = _log(page)
    assert not [line for line in reloaded if STRANGER in line], reloaded
    page.screenshot(path=str(tmp_path / "reloaded.png"))
    print(f"screenshots in {tmp_path}")
