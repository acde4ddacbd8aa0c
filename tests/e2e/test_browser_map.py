"""The web client's map, Tab completion and area name, in a real headless Chromium against the
real twistd, at desktop (1280x800) and phone (390x844) width; plus JS-level checks of the
map's placing rules and stored data, and of completion, fed synthetic frames."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import DESKTOP, PHONE, axe_violations, register, watch_errors

SIZES = {"desktop": DESKTOP, "phone": PHONE}


def go(page, command: str, room: str) -> None:
    page.fill("#command", command)
    page.press("#command", "Enter")
    expect(page.locator("#room-name")).to_have_text(room)


def show_map(page) -> None:
    if page.get_attribute("#map-toggle", "aria-expanded") != "true":
        page.click("#map-toggle")
    expect(page.locator("#map-toggle")).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#map")).to_be_visible()


def centre(page, num: int) -> tuple[float, float]:
    box = page.locator(f"#map .map-room[data-num='{num}'] .map-box").bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def complete(page, typed: str, *keys: str) -> str:
    page.fill("#command", typed)
    for key in keys:
        page.press("#command", key)
    return page.input_value("#command")


@pytest.mark.parametrize("size", SIZES)
def test_map_completion_and_area_name(server, browser, tmp_path, size):
    page = browser.new_page(viewport=SIZES[size])
    errors = watch_errors(page)
    room_nums: dict[str, int] = {}
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: _note_room(
        payload, room_nums)))
    page.goto(f"http://127.0.0.1:{server.port('web')}/")
    page.fill("#name", "Tamsin")
    page.fill("#password", "secret1")
    page.click("#register-button")
    expect(page.locator("#room-name")).to_have_text("Village Square")
    # Item 12: the area's name, not its id.
    expect(page.locator("#room-area")).to_have_text("Emberfall Village")

    # A phone starts with the map folded away (the output needs the room); a desktop shows it.
    expected = "false" if size == "phone" else "true"
    expect(page.locator("#map-toggle")).to_have_attribute("aria-expanded", expected)
    show_map(page)

    go(page, "n", "High Street")
    go(page, "w", "Hale's Smithy")
    rooms = page.locator("#map .map-room")
    expect(rooms).to_have_count(3)
    # Linked: square-high street (n/s), high street-smithy (e/w), smithy-square (nw/se).
    expect(page.locator("#map .map-link")).to_have_count(3)
    current = page.locator("#map .map-room[data-here]")
    expect(current).to_have_count(1)
    square, street, smithy = (room_nums[n] for n in
                              ("village:square", "village:high_street", "village:smithy"))
    expect(current).to_have_attribute("data-num", str(smithy))
    expect(current.locator("title")).to_have_text("Hale's Smithy (you are here)")
    # Said in words too, not only by colour.
    expect(page.locator("#map-here")).to_contain_text("You are here: Hale's Smithy")
    expect(page.locator("#map-here")).to_contain_text("3 rooms mapped")
    expect(page.locator("#map")).to_have_attribute("aria-label",
                                                   re.compile("You are in Hale's Smithy"))
    # Laid out by the compass: the street north of the square, the smithy west of the street.
    sq, st, sm = centre(page, square), centre(page, street), centre(page, smithy)
    assert abs(st[0] - sq[0]) < 2 and st[1] < sq[1] - 10
    assert abs(sm[1] - st[1]) < 2 and sm[0] < st[0] - 10
    # Readable: nothing wider than the window, the map's rooms not specks.
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    box = page.locator(f"#map .map-room[data-num='{smithy}'] .map-box").bounding_box()
    assert box is not None and box["width"] >= 14
    expect(page.locator("#map")).to_be_in_viewport()
    # axe-core finds nothing to fix with the map open.
    assert axe_violations(page) == []
    shot = tmp_path / f"map-{size}.png"
    page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")

    # Item 14: Tab completes a command word, an exit and a name here; cycles; backs up.
    assert complete(page, "inv", "Tab") == "inventory"
    assert complete(page, "g", "Tab") == "get"
    page.press("#command", "Tab")
    assert page.input_value("#command") == "give"
    page.press("#command", "Shift+Tab")
    assert page.input_value("#command") == "get"
    page.press("#command", "Escape")
    assert page.input_value("#command") == "g"
    assert complete(page, "go so", "Tab") == "go southeast"
    assert complete(page, "e", "Tab") == "east"
    assert complete(page, "look dun", "Tab") == "look dunstan"
    assert complete(page, "get hor", "Tab") == "get horseshoe"
    expect(page.locator("#command")).to_be_focused()
    # Nothing to complete: Tab moves on as it always did (no keyboard trap), and so does
    # Tab after a word that is already whole.
    assert complete(page, "get horseshoe", "Tab") == "get horseshoe"
    expect(page.locator("#send-button")).to_be_focused()
    page.focus("#command")
    complete(page, "", "Tab")
    expect(page.locator("#send-button")).to_be_focused()
    page.focus("#command")
    page.press("#command", "Shift+Tab")
    expect(page.locator("#command")).not_to_be_focused()

    # Clicking a neighbouring room on the map walks there.
    page.locator(f"#map .map-room[data-num='{street}']").click()
    expect(page.locator("#room-name")).to_have_text("High Street")
    expect(page.locator("#map .map-room[data-here]")).to_have_attribute("data-num", str(street))
    go(page, "w", "Hale's Smithy")

    # Hide it; the choice and the map survive a reload (which resumes the session).
    page.click("#map-toggle")
    expect(page.locator("#map-toggle")).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#map")).to_be_hidden()
    page.reload()
    expect(page.locator("#room-name")).to_have_text("Hale's Smithy")
    expect(page.locator("#map-toggle")).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#map")).to_be_hidden()
    page.click("#map-toggle")
    expect(page.locator("#map")).to_be_visible()
    expect(page.locator("#map .map-room")).to_have_count(3)
    expect(page.locator("#map .map-room[data-here]")).to_have_attribute("data-num", str(smithy))
    expect(page.locator("#map-here")).to_contain_text("You are here: Hale's Smithy")
    page.screenshot(path=str(tmp_path / f"map-{size}-after-reload.png"))
    assert errors == []


def _note_room(payload, room_nums: dict[str, int]) -> None:
    try:
        frame = json.loads(payload)
    except (TypeError, ValueError):
        return
    if isinstance(frame, dict) and frame.get("type") == "room":
        room_nums[frame["id"]] = frame["num"]


# -- JS-level checks: synthetic frames, no login needed ------------------------------------------

def fresh_page(server, browser):
    page = browser.new_page(viewport=SIZES["desktop"])
    page.goto(f"http://127.0.0.1:{server.port('web')}/")
    expect(page.locator("#status")).to_have_attribute("data-state", "connected")
    # The game view is hidden until a login; the map and completion work all the same.
    page.evaluate("document.getElementById('game').hidden = false")
    return page


def feed(page, *frames: dict) -> None:
    # Through JSON.parse, as client.js reads frames: a "__proto__" key stays an own property.
    page.evaluate("""text => { for (const f of JSON.parse(text))
        document.dispatchEvent(new CustomEvent('mud:frame', { detail: f })); }""",
                  json.dumps(list(frames)))


def room(num: int, name: str, **exits: int) -> dict:
    return {"type": "room", "num": num, "name": name, "area": "a", "area_name": "Area",
            "exits": list(exits), "exit_nums": exits, "characters": [], "npcs": [],
            "items": []}


def cells(page) -> dict[int, tuple[float, float]]:
    """Each drawn room's centre, in grid cells (the SVG's units / 40)."""
    return {int(k): tuple(v) for k, v in page.evaluate("""() => Object.fromEntries(
        [...document.querySelectorAll('#map .map-room')].map(g => {
          const r = g.querySelector('.map-box');
          return [g.dataset.num, [(+r.getAttribute('x') + 12) / 40,
                                  (+r.getAttribute('y') + 12) / 40]]; }))""").items()}


def test_map_places_collisions_levels_and_named_exits(server, browser):
    page = fresh_page(server, browser)
    errors = watch_errors(page)
    feed(page, {"type": "hello", "world": "Testworld"}, {"type": "login_ok", "name": "Ida"})
    # A square of four rooms, each where the compass puts it...
    feed(page, room(1, "Hub", north=2, east=3, up=5, gate=6),
         room(2, "North", south=1),
         room(1, "Hub", north=2, east=3, up=5, gate=6),
         room(3, "East", west=1, north=4),
         room(4, "Crowded", south=3, west=2))
    placed = cells(page)
    assert placed[1] == (0, 0) and placed[2] == (0, -1) and placed[3] == (1, 0)
    assert placed[4] == (1, -1)
    # ...and a room whose compass cell is taken goes to the nearest free cell, not on top.
    feed(page, room(4, "Crowded", south=3, west=2, north=7), room(7, "Loop", south=4, west=2))
    feed(page, room(2, "North", south=1, north=8), room(8, "Clash", south=2))
    placed = cells(page)
    assert len(set(placed.values())) == len(placed), placed
    assert placed[8] == (0, -2) and placed[7] == (1, -2)
    feed(page, room(2, "North", south=1, northeast=9), room(9, "Taken", southwest=2))
    placed = cells(page)
    assert len(set(placed.values())) == len(placed), placed
    assert max(abs(placed[9][0] - 1), abs(placed[9][1] + 2)) == 1   # beside its wanted cell
    # Up is another level: drawn alone there, with a marker on the room below.
    feed(page, room(1, "Hub", north=2, east=3, up=5, gate=6))
    assert page.locator("#map [data-num='1'] .map-level").count() == 1
    feed(page, room(5, "Loft", down=1))
    assert list(cells(page)) == [5]
    expect(page.locator("#map-here")).to_contain_text("1 level up")
    expect(page.locator("#map-here")).to_contain_text("stairs lead down")
    # A named exit: its room beside the one it leads from, on the same level.
    feed(page, room(1, "Hub", north=2, east=3, up=5, gate=6), room(6, "Beyond", gate=1))
    placed = cells(page)
    assert max(abs(placed[6][0]), abs(placed[6][1])) == 1
    assert len(set(placed.values())) == len(placed)
    # Garbage in frames is ignored rather than thrown over.
    feed(page, {"type": "room", "num": "x"}, {"type": "room", "num": 10, "exit_nums": [1, 2]},
         {"type": "room", "num": 11, "exit_nums": {"north": "nowhere", "": 3}})
    expect(page.locator("#map .map-room[data-here]")).to_have_attribute("data-num", "11")
    assert errors == []


def test_stored_maps_are_per_character_bounded_and_survive_corruption(server, browser):
    page = fresh_page(server, browser)
    errors = watch_errors(page)
    key = "mud.map.v1:Testworld:ida"
    # Unreadable data of every kind: dropped, and a fresh map is kept instead.
    for junk in ["{not json", "42", '{"rooms": "no"}', '{"rooms": [null, 5, {"num": 1}]}',
                 json.dumps({"rooms": [{"num": 1, "x": 0, "y": 0, "z": 0, "name": 7},
                                       {"num": 2, "x": 0, "y": 0, "z": 0},
                                       {"num": 3, "x": 1e300, "y": 0, "z": 0}],
                             "here": 99})]:
        page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, junk])
        page.reload()
        expect(page.locator("#status")).to_have_attribute("data-state", "connected")
        page.evaluate("document.getElementById('game').hidden = false")
        feed(page, {"type": "hello", "world": "Testworld"}, {"type": "login_ok", "name": "Ida"})
        feed(page, room(40, "Fresh", east=41))
        kept = json.loads(page.evaluate("k => localStorage.getItem(k)", key))
        nums = sorted(r["num"] for r in kept["rooms"])
        assert 40 in nums and 3 not in nums and nums.count(1) <= 1 and 2 not in nums, junk
        assert kept["here"] == 40
    # Bounded: a long walk keeps only the most recent rooms.
    page.evaluate("""() => { for (let i = 1000; i < 1560; i += 1)
        document.dispatchEvent(new CustomEvent('mud:frame', { detail: {type: 'room', num: i,
          name: 'Corridor ' + i, exit_nums: {east: i + 1, west: i - 1}} })); }""")
    kept = json.loads(page.evaluate("k => localStorage.getItem(k)", key))
    nums = [r["num"] for r in kept["rooms"]]
    assert len(nums) == 500 and 1559 in nums and 1000 not in nums
    # Another character on this browser has a map of their own.
    feed(page, {"type": "login_ok", "name": "Bo"}, room(7, "Elsewhere"))
    assert page.locator("#map .map-room").count() == 1
    feed(page, {"type": "login_ok", "name": "Ida"})
    expect(page.locator("#map-here")).to_contain_text("500 rooms mapped")
    index = json.loads(page.evaluate("localStorage.getItem('mud.map.v1.index')"))
    assert index[:2] == [key, "mud.map.v1:Testworld:bo"]
    assert errors == []


def test_completion_candidates_from_frames(server, browser):
    page = fresh_page(server, browser)
    feed(page, {"type": "login_ok", "name": "Ida", "commands": ["get", "give", "go", "look"]},
         {"type": "room", "num": 1, "exits": ["north", "gate"], "exit_nums": {},
          "characters": ["Bram"], "npcs": ["Marta Wren"],
          "items": [{"name": "red apple", "count": 2, "label": "two red apples"},
                    "a brass lantern"]})
    page.focus("#command")
    assert complete(page, "g", "Tab") == "gate"            # exits first, then commands
    page.press("#command", "Tab")
    assert page.input_value("#command") == "get"
    page.press("#command", "Tab")
    page.press("#command", "Tab")
    page.press("#command", "Tab")
    assert page.input_value("#command") == "gate"           # round again
    assert complete(page, "tell b", "Tab") == "tell Bram"   # people keep their case
    assert complete(page, "look wr", "Tab") == "look wren"
    assert complete(page, "get 2.ap", "Tab") == "get 2.apple"
    assert complete(page, "get lan", "Tab") == "get lantern"
    assert complete(page, "look ga", "Tab") == "look gate"  # an exit later in the line
    assert complete(page, "go n", "Tab") == "go north"
    # The word under completion is the one before the cursor; the rest of the line stays.
    page.fill("#command", "get lan from chest")
    page.evaluate("() => document.getElementById('command').setSelectionRange(7, 7)")
    page.press("#command", "Tab")
    assert page.input_value("#command") == "get lantern from chest"
    expect(page.locator("#completion-status")).to_have_text("lantern")
    # Nothing matches: Tab is left to the browser.
    assert complete(page, "xyzzy", "Tab") == "xyzzy"
    expect(page.locator("#send-button")).to_be_focused()
    # Promoted while playing: the role frame brings the builder's words.
    assert complete(page, "di", "Tab") == "di"
    page.focus("#command")
    feed(page, {"type": "role", "commands": ["dig", "get", "look"],
                "text": "Rowan made you a builder."})
    assert complete(page, "di", "Tab") == "dig"


# Exit names the world loader allows (any word) that are also names of Object.prototype's
# properties: a lookup like OFFSETS[dir] finds a function there, not "no such direction".
ODD = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]


def injecting_page(server, browser, who: list[dict]):
    """A logged-in page whose game socket passes through a route, so the test can slip
    frames of its own in among the server's: the page reads them as it reads any frame.
    /api/who answers ``who``."""
    page = browser.new_page(viewport=SIZES["desktop"])
    page.route("**/api/who", lambda route: route.fulfill(json=who))
    sockets: list = []

    def route(ws):
        upstream = ws.connect_to_server()
        ws.on_message(lambda message: upstream.send(message))
        upstream.on_message(lambda message: ws.send(message))
        sockets.append(ws)
    page.route_web_socket(re.compile(r".*/ws$"), route)
    page.goto(f"http://127.0.0.1:{server.port('web')}/")
    register(page, "Ida")

    def push(*frames: dict) -> None:
        for frame in frames:
            sockets[-1].send(json.dumps(frame))
    return page, push


def test_exits_and_names_that_are_object_property_names_are_plain_words(server, browser):
    players = [{"name": n, "idle": 0, "via": "web", "linkdead": n == "valueOf"} for n in ODD]
    page, push = injecting_page(server, browser, players)
    errors = watch_errors(page)
    hub_exits = {name: 9002 + i for i, name in enumerate(ODD)} | {"north": 9020, "up": 9021}
    hub = room(9001, "Hub", **hub_exits) | {"characters": ["Proto", "__proto__"],
                                            "linkdead": ["__proto__"]}
    push(hub)
    for i, name in enumerate(ODD):
        push(room(9002 + i, name.title(), **{name: 9001}), hub)
    push({"type": "who", "players": players},
         {"type": "link", "name": "constructor", "linkdead": True},
         {"type": "arrive", "name": "toString"})
    expect(page.locator("#who li")).to_have_count(len(ODD))
    expect(page.locator("#who li.linkdead")).to_have_attribute("data-name", "valueOf")
    expect(page.locator("#map-here")).to_contain_text("You are here: Hub")
    key = page.evaluate("JSON.parse(localStorage.getItem('mud.map.v1.index'))[0]")

    def sane():
        # Drawn: the hub and the five rooms through the odd exits, each in a cell of its own
        # (the hub's neighbours), at finite places, in a view without NaN.
        expect(page.locator("#map .map-room[data-here]")).to_have_attribute("data-num", "9001")
        placed = cells(page)
        assert all(n in placed for n in range(9001, 9002 + len(ODD))), placed
        assert len(set(placed.values())) == len(placed), placed
        hx, hy = placed[9001]
        assert all(max(abs(placed[n][0] - hx), abs(placed[n][1] - hy)) == 1
                   for n in range(9002, 9002 + len(ODD))), placed
        view = page.get_attribute("#map", "viewBox")
        assert re.fullmatch(r"-?\d+(\.\d+)? -?\d+(\.\d+)? \d+(\.\d+)? \d+(\.\d+)?", view), view
        # The unseen room north gets its stub, the one up its marker; nothing else does.
        stubs = page.evaluate("""([x, y]) => [...document.querySelectorAll('#map .map-stub')]
            .map((l) => [+l.getAttribute('x1') - x, +l.getAttribute('y1') - y])
            .filter(([dx, dy]) => Math.abs(dx) <= 12 && Math.abs(dy) <= 12)""",
                              [hx * 40, hy * 40])
        assert stubs == [[0, -12]], stubs
        assert page.locator("#map [data-num='9001'] .map-level").count() == 1
        # Stored as it was sent: whole numbers for places, every exit kept by its own name.
        kept = json.loads(page.evaluate("k => localStorage.getItem(k)", key))
        for r in kept["rooms"]:
            assert all(isinstance(r[c], int) for c in "xyz"), r
        hub_kept = next(r for r in kept["rooms"] if r["num"] == 9001)
        assert hub_kept["exits"] == hub_exits
        expect(page.locator("#map-here")).to_contain_text("7 rooms mapped")   # and the square

    sane()
    # The room panel: a button per exit, and the people as their frames said.
    expect(page.locator("#exits button.exit")).to_have_count(len(hub_exits))
    expect(page.locator("#room-characters li")).to_have_text(
        ["Proto", "__proto__ (link-dead)", "constructor (link-dead)", "toString"])
    # Completion offers them as words like any other.
    assert complete(page, "cons", "Tab") == "constructor"
    assert complete(page, "go __pr", "Tab") == "go __proto__"
    assert complete(page, "look toS", "Tab") == "look toString"
    assert complete(page, "go hasO", "Tab") == "go hasOwnProperty"
    # Read back from storage after a reload (which resumes in the square), the map is whole.
    page.reload()
    expect(page.locator("#room-name")).to_have_text("Village Square")
    push(hub)
    expect(page.locator("#room-name")).to_have_text("Hub")
    sane()
    assert errors == []


def test_a_wide_map_shows_more_rooms_east_and_west(server, browser):
    page = fresh_page(server, browser)   # desktop: the map is a wide strip over the output
    errors = watch_errors(page)
    feed(page, {"type": "hello", "world": "Testworld"}, {"type": "login_ok", "name": "Ida"})
    # A road of nine rooms running east; the last one is where Ida stands.
    feed(page, *(room(100 + i, f"Road {i}", west=99 + i, east=101 + i) for i in range(9)))
    box = page.locator("#map").bounding_box()
    assert box is not None and box["width"] > 3 * box["height"]
    # Eight rooms west of her are in sight (a square map shows four each way).
    expect(page.locator("#map .map-room")).to_have_count(9)
    # Narrowed to a square, the map shows the four nearest again.
    page.evaluate("document.getElementById('map').style.width = '10rem'")
    expect(page.locator("#map .map-room")).to_have_count(5)
    assert errors == []
