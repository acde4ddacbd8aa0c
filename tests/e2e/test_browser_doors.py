"""Doors in a real Chromium against the real twistd: the room panel's exit button for the
inn's closed trapdoor carries a marker and the label "trapdoor (closed door)", and loses
both once the player opens it."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.browser import DESKTOP, command, open_client, register


def test_a_closed_door_shows_on_its_exit_button(server, browser, tmp_path):
    errors: list[str] = []
    page = open_client(browser, server, DESKTOP, errors)
    register(page, "Wynn")
    command(page, "w")
    expect(page.locator("#room-name")).to_have_text("The Ember and Anvil")
    trapdoor = page.locator('#exits button.exit[data-exit="trapdoor"]')
    expect(trapdoor).to_have_attribute("aria-label", "trapdoor (closed door)")
    expect(trapdoor).to_have_class("exit closed")
    expect(page.locator('#exits button.exit[data-exit="east"]')).not_to_have_attribute(
        "aria-label", "east (closed door)")
    page.screenshot(path=str(tmp_path / "closed-trapdoor.png"))
    print("screenshot:", tmp_path / "closed-trapdoor.png")
    trapdoor.click()
    expect(page.locator("#output")).to_contain_text("The trapdoor is closed.")
    command(page, "open trapdoor")
    expect(page.locator("#output")).to_contain_text("You open the trapdoor.")
    command(page, "look")
    expect(trapdoor).to_have_text("trapdoor")
    expect(trapdoor).not_to_have_attribute("aria-label", "trapdoor (closed door)")
    trapdoor.click()
    expect(page.locator("#room-name")).to_have_text("The Inn Cellar")
    assert errors == []
