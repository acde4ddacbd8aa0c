"""The web client's vitals bars and equipment panel in a real headless Chromium (Debian's,
driven by Playwright) against the real twistd, over its real WebSocket.

The world is a copy of the bundled one with a practice sword and a sparring master (a
creature that cannot miss and will not die soon) on the South Overlook, two rooms from
the square: a player logs in and sees the bars with the server's own numbers (its
`score`), picks the sword up and wields it (the equipment panel shows it, from the
server's silent frame, whose words never reach the log), fights, and sees the health bar
fall to what the server said. Then the same at phone width, and axe-core at both widths.
Screenshots go to each test's tmp_path.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    command,
    open_client,
    register,
    start_server,
    watch_errors,
)
from tests.support import BUNDLED_WORLD

SWORD = """
practice_sword:
  name: a practice sword
  keywords: [sword, practice]
  description: >
    A blunt-edged sword of the kind the gate guards train with.
  equip: {slot: wield, damage: 1d6}
"""
MASTER = """
sparring:
  name: a sparring master
  keywords: [sparring, master]
  description: >
    A wiry old soldier in a padded coat, who spars with anyone for the fun of it.
  combat: {level: 1, hp: 900, damage: "DAMAGE", hitroll: 100, xp: 1}
"""


def serve_a_fight(tmp_path: Path, damage: int):
    """The bundled world with the sword and a master who hits for ``damage`` on the
    overlook, served by a real twistd."""
    world = tmp_path / "world"
    shutil.copytree(BUNDLED_WORLD, world)
    # A currency whose plural is no simple -s or -ies: the panel must show the server's.
    meta = world / "world.yaml"
    text, count = re.subn(r"\n  currency: coin\n", "\n  currency: silver penny\n",
                          meta.read_text(encoding="utf-8"))
    assert count == 1, "the bundled world's currency changed"
    meta.write_text(text, encoding="utf-8")
    village = world / "village"
    with open(village / "items.yaml", "a", encoding="utf-8") as items:
        items.write(SWORD)
    with open(village / "npcs.yaml", "a", encoding="utf-8") as npcs:
        npcs.write(MASTER.replace("DAMAGE", str(damage)))
    rooms = village / "rooms.yaml"
    text, count = re.subn(r"(\noverlook:\n(?:  .*\n|\n)*?)  items: \[whistle\]\n",
                          r"\1  items: [whistle, practice_sword]\n  npcs: [sparring]\n",
                          rooms.read_text(encoding="utf-8"))
    assert count == 1, "the bundled world's overlook changed"
    rooms.write_text(text, encoding="utf-8")
    return start_server(tmp_path, "--world", str(world))


@pytest.fixture
def fight_server(tmp_path: Path):
    server = serve_a_fight(tmp_path, 3)
    yield server
    server.stop()


@pytest.fixture
def deadly_server(tmp_path: Path):
    server = serve_a_fight(tmp_path, 8)
    yield server
    server.stop()


def shot(page: Page, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    page.screenshot(path=str(path))
    print("screenshot:", path)


def watched_client(browser, server, viewport, errors: list[str]) -> tuple[Page, list[dict]]:
    """A page on the web client, connected, and every JSON frame its game sockets receive
    (appended as they come)."""
    page = browser.new_page(viewport=viewport)
    watch_errors(page, errors)
    frames: list[dict] = []

    def watch(ws):
        if ws.url.endswith("/ws"):
            ws.on("framereceived", lambda payload: frames.append(json.loads(payload)))
    page.on("websocket", watch)
    page.goto(f"http://127.0.0.1:{server.port('web')}/")
    expect(page.locator("#status")).to_have_attribute("data-state", "connected")
    return page, frames


def last(frames: list[dict], kind: str) -> dict:
    found = [f for f in frames if f.get("type") == kind]
    assert found, f"no {kind} frame came"
    return found[-1]


def meter(page: Page, vital: str) -> tuple[int, int]:
    """What the bar for ``vital`` tells a screen reader: (now, max)."""
    bar = page.locator(f"#{vital}-meter")
    return int(bar.get_attribute("aria-valuenow")), int(bar.get_attribute("aria-valuemax"))


def score(page: Page) -> dict[str, tuple[int, int]]:
    """The server's own numbers, from the `score` command's sheet in the output."""
    sheets = page.locator("#output [data-type=score]")
    before = sheets.count()
    command(page, "score")
    expect(sheets).to_have_count(before + 1)
    text = sheets.last.inner_text()
    return {name: (int(now), int(most)) for name, now, most in
            re.findall(r"(Health|Mana|Movement): (\d+)/(\d+)", text)}


def test_bars_show_the_servers_numbers_the_panel_a_wielded_sword_and_health_falls_in_a_fight(
        fight_server, browser, tmp_path):
    errors: list[str] = []
    page, frames = watched_client(browser, fight_server, DESKTOP, errors)
    # Nothing before the server says: the login screen shows no bars, no panel.
    expect(page.locator("#vitals-panel")).to_be_hidden()
    register(page, "Vala")

    # The bars, with the numbers the server has (its score sheet says the same).
    expect(page.locator("#vitals-panel")).to_be_visible()
    sheet = score(page)
    for vital, name in (("hp", "Health"), ("mp", "Mana"), ("mv", "Movement")):
        now, most = sheet[name]
        assert most > 0 and meter(page, vital) == (now, most), vital
        expect(page.locator(f"#{vital}-meter")).to_have_attribute(
            "aria-valuetext", f"{now} of {most}")
        expect(page.locator(f"#{vital}-meter .vital-value")).to_have_text(f"{now}/{most}")
    vitals = last(frames, "vitals")
    assert vitals.get("silent") is True
    expect(page.locator("#xp-meter .vital-level")).to_have_text(str(vitals["level"]))
    assert vitals["gold"] != 1
    expect(page.locator("#gold")).to_have_text(f"{vitals['gold']} silver pence")
    assert last(frames, "status")["currency_plural"] == "silver pence"
    # Not read out as it changes: no live region on or around the bars.
    assert page.locator("#vitals-panel [aria-live], #vitals-panel[aria-live]").count() == 0

    # The equipment panel, from the silent frame at login: nothing worn yet, and that
    # frame's words are not in the log.
    panel = page.locator("#equipment-panel")
    expect(panel).to_be_visible()
    expect(page.locator("#equipment-none")).to_be_visible()
    silent_eq = last(frames, "equipment")
    assert silent_eq.get("silent") is True and silent_eq["text"]
    expect(page.locator("#output [data-type=equipment]")).to_have_count(0)

    # Walk to the overlook, take the sword and wield it: the panel shows it.
    command(page, "s")
    expect(page.locator("#room-name")).to_have_text("Well Lane")
    command(page, "s")
    expect(page.locator("#room-name")).to_have_text("South Overlook")
    command(page, "get sword")
    expect(page.locator("#output")).to_contain_text("practice sword")
    command(page, "wield sword")
    wielded = page.locator("#equipment .equipment-row[data-slot=wield]")
    expect(wielded).to_contain_text("a practice sword")
    expect(page.locator("#equipment-count")).to_have_text("(1)")
    expect(page.locator("#equipment-none")).to_be_hidden()
    # A frame that is not silent (the `eq` command's answer) is printed, and agrees.
    command(page, "eq")
    expect(page.locator("#output [data-type=equipment]")).to_have_count(1)
    expect(page.locator("#output [data-type=equipment]")).to_contain_text("a practice sword")
    expect(wielded).to_contain_text("a practice sword")

    # A fight: the master hits back (it cannot miss but on a 1), and the health bar falls
    # to what the server's latest vitals frame says.
    full, most = meter(page, "hp")
    command(page, "kill master")
    expect(page.locator("#output [data-type=combat][data-role=victim]").first).to_be_visible(
        timeout=15_000)
    bar = page.locator("#hp-meter")
    page.wait_for_function(
        "full => Number(document.getElementById('hp-meter').getAttribute('aria-valuenow')) < full",
        arg=full, timeout=15_000)
    now, _ = meter(page, "hp")
    hurt = [f for f in frames if f.get("type") == "vitals" and f["hp"] < full]
    assert hurt and now in {f["hp"] for f in hurt}
    expect(bar.locator(".vital-value")).to_contain_text(f"/{most}")
    width = bar.locator(".meter-fill").evaluate("e => e.style.width")
    assert float(width.rstrip("%")) < 100
    # Blows at the player and the player's own are told apart (client.css colours them).
    victim = page.locator("#output [data-type=combat][data-role=victim]").first
    assert victim.evaluate("e => getComputedStyle(e).color") != \
        page.locator("#output [data-type=room]").last.evaluate("e => getComputedStyle(e).color")
    shot(page, tmp_path, "vitals-desktop-fight.png")
    flee(page, "South Overlook")
    assert errors == []


def flee(page: Page, room: str, tries: int = 12) -> None:
    """Flee the fight in ``room`` as a player does: again after each "cannot get away"
    (a flee fails 1 time in 4 by design), until the room changes; at most ``tries``."""
    stuck = page.locator("#output [data-type=combat][data-action=stuck]")
    for _ in range(tries):
        before = stuck.count()
        command(page, "flee")
        page.wait_for_function(
            """([room, before]) =>
                document.getElementById('room-name').textContent.trim() !== room ||
                document.querySelectorAll(
                    '#output [data-type=combat][data-action=stuck]').length > before""",
            arg=[room, before], timeout=15_000)
        if page.locator("#room-name").inner_text().strip() != room:
            return
    raise AssertionError(f"still in {room} after {tries} tries to flee")


def test_phone_keeps_the_bars_in_sight_the_output_tall_and_axe_finds_nothing(
        fight_server, browser, tmp_path):
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        errors: list[str] = []
        page = open_client(browser, fight_server, viewport, errors)
        register(page, f"Tam{label}")
        expect(page.locator("#vitals-panel")).to_be_visible()
        expect(page.locator("#equipment-panel")).to_be_visible()
        for vital in ("hp", "mp", "mv", "xp"):
            expect(page.locator(f"#{vital}-meter")).to_be_in_viewport(ratio=1)
        expect(page.locator("#gold")).to_be_in_viewport(ratio=1)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        output = page.locator("#output").bounding_box()["height"]
        assert output >= 0.5 * viewport["height"], f"{label}: output only {output:.0f} px"
        assert axe_violations(page) == [], label
        toggle = page.locator("#equipment-toggle")
        if label == "phone":
            # Folded at first on a phone: its button beside the map's; open, the list
            # lies over the output, whole, and Escape shuts it again.
            expect(toggle).to_have_attribute("aria-expanded", "false")
            expect(toggle).to_be_in_viewport(ratio=1)
            toggle.click()
            expect(page.locator("#equipment-body")).to_be_in_viewport(ratio=1)
            expect(page.locator("#equipment-none")).to_be_visible()
            assert axe_violations(page) == [], "phone, equipment open"
            shot(page, tmp_path, "vitals-phone-equipment.png")
            page.keyboard.press("Escape")
            expect(toggle).to_have_attribute("aria-expanded", "false")
            expect(page.locator("#equipment-body")).to_be_hidden()
        else:
            expect(toggle).to_have_attribute("aria-expanded", "true")
            expect(page.locator("#equipment-body")).to_be_visible()
        shot(page, tmp_path, f"vitals-{label}.png")
        assert errors == []
        page.close()


def test_low_health_is_announced_once_and_after_a_death_the_bars_show_the_recall(
        deadly_server, browser, tmp_path):
    errors: list[str] = []
    page, frames = watched_client(browser, deadly_server, DESKTOP, errors)
    register(page, "Odo")
    full, most = meter(page, "hp")
    assert full == most == 20, "a new character's health changed: retune the master"
    command(page, "s")
    expect(page.locator("#room-name")).to_have_text("Well Lane")
    command(page, "s")
    expect(page.locator("#room-name")).to_have_text("South Overlook")
    # Blows of 8: 20, 12, then 4 (a fifth of full, low), then dead.
    command(page, "kill master")
    bar = page.locator("#hp-meter")
    expect(bar).to_have_attribute("data-state", "low", timeout=20_000)
    expect(bar).to_have_attribute("aria-valuenow", "4")
    expect(page.locator("#announcer")).to_contain_text("Health low: 4 of 20.")
    shot(page, tmp_path, "vitals-low.png")
    # Killed: back at the recall point with the health the server gives back, read from
    # its last vitals frame; the warning was said once.
    expect(page.locator("#output [data-type=combat][data-action=kill]")).to_contain_text(
        "You have been killed", timeout=20_000)
    expect(page.locator("#room-name")).not_to_have_text("South Overlook")
    after = last(frames, "vitals")
    expect(bar).to_have_attribute("aria-valuenow", str(after["hp"]))
    expect(bar.locator(".vital-value")).to_have_text(f"{after['hp']}/{after['maxhp']}")
    assert after["hp"] > 4 and bar.get_attribute("data-state") != "low"
    assert page.locator("#announcer").inner_text().count("Health low") == 1
    shot(page, tmp_path, "vitals-recalled.png")
    assert errors == []
