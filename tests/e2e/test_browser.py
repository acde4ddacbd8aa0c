"""The web client in a real headless Chromium (Debian's, driven by Playwright) against the real
twistd: register, see the room, click an exit, see a telnet player's say; nothing a player
types can inject HTML; usable at phone width."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect

from tests.e2e.browser import start_server, watch_errors
from tests.e2e.processes import Player


def test_register_walk_and_hear_a_telnet_player(server, browser, tmp_path):
    page = browser.new_page()
    errors = watch_errors(page)
    page.goto(f"http://127.0.0.1:{server.port('web')}/")
    expect(page.locator("#status")).to_have_attribute("data-state", "connected")

    page.fill("#name", "Wynn")
    page.fill("#password", "abc")
    page.click("#register-button")
    expect(page.locator("#login-error")).to_contain_text("at least 6")
    page.fill("#password", "secret1")
    page.click("#register-button")
    expect(page.locator("#room-name")).to_have_text("Village Square")
    expect(page.locator("#room-description")).to_contain_text("fountain")
    expect(page.locator("#who")).to_contain_text("Wynn")

    # A telnet player joins the square and speaks, trying to inject markup.
    telnet = Player(server.port("telnet"))
    telnet.ask("create Bram secret1", "Wynn is here.")
    expect(page.locator("#output [data-type=arrive]").last).to_contain_text("Bram")
    expect(page.locator("#who")).to_contain_text("Bram")  # without waiting for a poll
    telnet.ask("say hello <img src=x onerror=alert(1)><b>web</b>", "You say")
    said = page.locator("#output [data-type=say]").last
    expect(said).to_contain_text('Bram says, "hello <img src=x onerror=alert(1)><b>web</b>"')
    assert page.locator("#output img, #output b, #output script").count() == 0

    # Typing a command works and keeps focus; clicking an exit walks.
    page.fill("#command", "say hi from the web")
    page.press("#command", "Enter")
    telnet.wait_for('Wynn says, "hi from the web"')
    expect(page.locator("#command")).to_be_focused()
    page.click("#exits button.exit[data-exit=north]")
    expect(page.locator("#room-name")).to_have_text("High Street")
    telnet.wait_for("Wynn leaves north.")
    expect(page.locator("#command")).to_be_focused()

    # History: up arrow brings back the last command typed.
    page.press("#command", "ArrowUp")
    expect(page.locator("#command")).to_have_value("say hi from the web")
    page.screenshot(path=str(tmp_path / "desktop.png"))
    assert errors == []


def test_phone_width_and_reconnect_with_resume(server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 360, "height": 740})
    # Every game socket goes through a route we can cut, like a flaky network would.
    routes: list = []
    sent: list[str] = []

    def route(ws):
        upstream = ws.connect_to_server()

        def forward(message):
            sent.append(json.loads(message).get("type", "?"))
            upstream.send(message)
        ws.on_message(forward)
        upstream.on_message(lambda message: ws.send(message))
        routes.append((ws, upstream))
    page.route_web_socket(re.compile(r".*/ws$"), route)

    page.goto(f"http://127.0.0.1:{server.port('web')}/")
    page.fill("#name", "Pip")
    page.fill("#password", "secret1")
    page.click("#register-button")
    expect(page.locator("#room-name")).to_have_text("Village Square")
    # Nothing wider than the screen: no sideways scrolling at phone width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.locator("#command").is_visible()
    expect(page.locator("#exits button.exit[data-exit=north]")).to_be_in_viewport()
    page.screenshot(path=str(tmp_path / "phone.png"))
    page.fill("#command", "n")
    page.press("#command", "Enter")
    expect(page.locator("#room-name")).to_have_text("High Street")

    page_side, upstream = routes[-1]
    upstream.close()
    page_side.close(code=4000, reason="network went away")
    expect(page.locator("#status")).to_have_attribute("data-state", "reconnecting")
    expect(page.locator("#status")).to_have_attribute("data-state", "connected", timeout=15000)
    assert len(routes) == 2
    assert sent.count("resume") == 1 and "login" not in sent
    # Resumed where it stood, without a password.
    page.fill("#command", "look")
    page.press("#command", "Enter")
    expect(page.locator("#output [data-type=room]").last).to_contain_text("High Street")
    telnet = Player(server.port("telnet"))
    telnet.ask("create Tam secret1", "Village Square")
    telnet.ask("who", "Pip")


def test_an_idle_player_is_let_go_and_the_page_waits_for_the_reconnect_button(browser,
                                                                             tmp_path):
    server = start_server(tmp_path, "--idle-timeout", "2")
    try:
        page = browser.new_page()
        sockets: list[str] = []
        page.on("websocket", lambda ws: sockets.append(ws.url))
        page.goto(f"http://127.0.0.1:{server.port('web')}/")
        page.fill("#name", "Dozy")
        page.fill("#password", "secret1")
        page.click("#register-button")
        expect(page.locator("#room-name")).to_have_text("Village Square")
        expect(page.locator("#output [data-type=goodbye]").last).to_contain_text(
            "idle for 2 seconds", timeout=8000)
        expect(page.locator("#status")).to_have_attribute("data-state", "disconnected")
        # It does not come straight back by itself (that would defeat the timeout)...
        page.wait_for_timeout(3000)
        assert len([url for url in sockets if url.endswith("/ws")]) == 1
        # ...but the Reconnect button resumes the saved character without a password.
        page.click("#reconnect")
        expect(page.locator("#status")).to_have_attribute("data-state", "connected")
        expect(page.locator("#output [data-type=room]").last).to_contain_text("Village Square")
    finally:
        server.stop()
