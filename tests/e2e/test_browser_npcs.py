"""NPCs that walk, in a real Chromium against the real twistd: the web room panel lists Ash
the cat under NPCs as it wanders in and out, never among the players "Here", and the Online
list is not fetched for it. (The world is the bundled one with its intervals cut to a second.)"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import DESKTOP, open_client, register, start_server
from tests.support import BUNDLED_WORLD


@pytest.fixture
def quick_server(tmp_path: Path):
    world = tmp_path / "world"
    shutil.copytree(BUNDLED_WORLD, world)
    npcs = world / "village" / "npcs.yaml"
    text, count = re.subn(r"interval: \d+", "interval: 1", npcs.read_text(encoding="utf-8"))
    assert count >= 3, "the bundled world lost its behaviours"
    npcs.write_text(text, encoding="utf-8")
    server = start_server(tmp_path, "--world", str(world))
    yield server
    server.stop()


def test_a_wandering_cat_is_listed_with_the_npcs_not_the_players(quick_server, browser,
                                                                 tmp_path):
    errors: list[str] = []
    page = open_client(browser, quick_server, DESKTOP, errors)
    register(page, "Wynn")
    npcs = page.locator("#room-npcs")
    # Ash comes and goes between the square and the inn: seen leaving, then arriving,
    # each time without a new look (no room frame in between is needed).
    expect(page.locator("#output")).to_contain_text("Ash leaves west.", timeout=15_000)
    expect(npcs).not_to_contain_text("Ash")
    expect(page.locator("#output")).to_contain_text("Ash arrives from the west.",
                                                    timeout=15_000)
    expect(npcs).to_contain_text("Ash")
    expect(page.locator("#room-characters-row")).to_be_hidden()   # no player is here
    page.screenshot(path=str(tmp_path / "cat-with-the-npcs.png"))
    print("screenshot:", tmp_path / "cat-with-the-npcs.png")
    assert errors == []
