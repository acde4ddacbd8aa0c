"""Two realms, the whole way: two real twistd daemons (north and south), one private
redis-server carrying what crosses between them, one private PostgreSQL database holding
the accounts they share. A telnet player in north and a web player in south (the real
browser client in headless Chromium) chat on ooc, exchange tells and see each other in
who; a character made in north logs in to south once it has left north, and never while it
is in the game there; Redis killed and started again mid-chat, both daemons going on and
coming back without a restart.
"""

from __future__ import annotations

import re
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import DESKTOP, command, open_client, register
from tests.e2e.processes import Player, Server, until
from tests.postgres_service import pg_url, postgres_cluster  # noqa: F401
from tests.redis_service import RedisServer


def realm(tmp_path: Path, name: str, redis: RedisServer, store: str) -> Server:
    """A daemon for realm ``name``; the database URL through the environment, as the
    README advises for a URL with a password."""
    return Server(["mud", "--realm", name, "--redis", redis.url,
                   "--telnet", "tcp:0:interface=127.0.0.1", "--web", "tcp:0:interface=127.0.0.1",
                   "--data", str(tmp_path / name), "--registrations-per-hour", "60"],
                  tmp_path, env={"MUD_STORE": store})


@pytest.fixture
def redis(tmp_path: Path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def realms(tmp_path: Path, redis: RedisServer, pg_url: str):  # noqa: F811
    north = realm(tmp_path, "north", redis, pg_url)
    # South starts once north has made the schema: two daemons starting together is the
    # store's own test; this one is about what crosses.
    north.port("telnet")
    south = realm(tmp_path, "south", redis, pg_url)
    south.port("telnet")
    yield north, south
    for server in (north, south):
        server.stop()


def linked(server: Server) -> bool:
    """Whether the daemon's /metrics says its link to the other realms is up."""
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port('metrics')}/metrics",
                                timeout=5) as answer:
        text = answer.read().decode()
    return re.search(r"^mud_bus_up 1(\.0)?$", text, re.M) is not None


def both_linked(north: Server, south: Server) -> None:
    until(lambda: linked(north) and linked(south), timeout=20, what="both realms linked")


def in_who(player: Player, where: str, name: str) -> bool:
    """Whether ``player``'s who lists ``name`` under the realm ``where``."""
    player.ask("who", "Players online")
    try:
        player.wait_for(f"In realm {where}:", timeout=2)
        seen = player.wait_for(name, timeout=2)
    except AssertionError:
        return False
    return re.search(rf"In realm {where}:\s*{name}\b", seen) is not None


def test_a_telnet_player_in_north_and_a_web_player_in_south_chat_tell_and_share_accounts(
        realms, browser) -> None:
    north, south = realms
    both_linked(north, south)
    bram = Player(north.port("telnet"))
    bram.ask("create Bram secret1", "Village Square")
    page = open_client(browser, south, DESKTOP)
    register(page, "Wynn")
    output = page.locator("#output")
    # Each sees the other in who, with the realm.
    until(lambda: in_who(bram, "south", "Wynn"), timeout=15, what="Wynn in north's who")
    command(page, "who")
    expect(output).to_contain_text(re.compile(r"In realm north:\s*Bram"), timeout=10_000)
    # ooc from north reaches the browser in south, and back.
    bram.ask("ooc well met from the north", "well met from the north")
    expect(output).to_contain_text("well met from the north", timeout=10_000)
    command(page, "ooc and hello from the south")
    bram.wait_for("and hello from the south")
    # A tell across realms, and the reply.
    command(page, "tell bram psst, over here")
    bram.wait_for("psst, over here")
    bram.ask("reply on my way", "on my way")
    expect(output).to_contain_text("on my way", timeout=10_000)
    # One body per account: Bram is in north, so south refuses him in words.
    twin = Player(south.port("telnet"))
    twin.ask("connect Bram secret1", "Bram is in the game in realm north just now")
    # Made in north, he plays in south once he has left north (the account is shared).
    bram.ask("quit", "saved")
    deadline = time.monotonic() + 15
    while True:
        twin.sock.sendall(b"connect Bram secret1\r\n")
        seen = twin.wait_for("\n", timeout=10)
        try:
            twin.wait_for("Village Square", timeout=2)
            break
        except AssertionError:
            if time.monotonic() > deadline:
                raise AssertionError(f"Bram never logged in to south: {seen[-400:]}") from None
    command(page, "who")
    expect(output).to_contain_text("Bram", timeout=10_000)
    twin.ask("say back in the south", "back in the south")
    expect(output).to_contain_text("back in the south", timeout=10_000)


def test_redis_killed_and_started_again_mid_chat_both_daemons_go_on_and_recover(
        realms, redis: RedisServer) -> None:
    north, south = realms
    both_linked(north, south)
    kip = Player(north.port("telnet"))
    kip.ask("create Kip secret1", "Village Square")
    nora = Player(north.port("telnet"))
    nora.ask("create Nora secret1", "Village Square")
    rowan = Player(south.port("telnet"))
    rowan.ask("create Rowan secret1", "Village Square")
    kip.ask("ooc before the storm", "before the storm")
    rowan.wait_for("before the storm")
    redis.kill()
    until(lambda: not linked(north) and not linked(south), timeout=30,
          what="both daemons noticing Redis gone")
    # Local play and local channels go on; the speaker is told the other realms missed it.
    kip.ask("ooc anyone out there", "link to the other realms is down")
    nora.wait_for("anyone out there")
    kip.ask("look", "Village Square")
    rowan.ask("say still here in the south", "still here in the south")
    redis.start()
    both_linked(north, south)
    # Both came back by themselves: lines cross again, each way.
    kip.ask("ooc after the storm", "after the storm")
    rowan.wait_for("after the storm", timeout=15)
    rowan.ask("ooc the south hears you", "the south hears you")
    kip.wait_for("the south hears you", timeout=15)
    for server in (north, south):
        log = server.output()
        assert "Traceback" not in log
        # One line as the link went, one as it came back: the admin sees what happened.
        assert len(re.findall(r"Redis link to \S+ lost", log)) == 1, log[-3000:]
        assert re.search(r"Redis link to \S+ is back after", log), log[-3000:]
    assert "In realm south:" in kip.ask("who", "Players online") + kip.wait_for("Rowan")
