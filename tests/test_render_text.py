"""Rendering events as text: ANSI vs plain, wrapping, lists, and each event's wording."""

from __future__ import annotations

import re

import pytest

from mud.engine import events as ev
from mud.render.text import ANSI, PLAIN, TextStyle, render

ESC = "\x1b"
_COLOUR = re.compile(r"\x1b\[[0-9;]*m")

LONG = ("Cobbles worn smooth by centuries of boots slope gently up toward the north gate, "
        "and a stone fountain murmurs at the heart of the square. Lamplight spills from the "
        "inn to the west, and market awnings crowd close on the east.")


def strip(text: str) -> str:
    return _COLOUR.sub("", text)


def room(**changes) -> ev.RoomView:
    fields = dict(room_id="village:square", area="village", name="Village Square",
                  description="A square.", exits=("north", "east", "up", "gate"),
                  characters=(), npcs=(), items=())
    fields.update(changes)
    return ev.RoomView(**fields)


SAMPLES = [
    room(characters=("Bob",), npcs=("a grey cat",), items=("a lantern",)),
    ev.ExitList((("north", "High Street"), ("gate", "Edge of the Wood"))),
    ev.Say("Ann", "hello", own=True),
    ev.Say("Ann", "hello"),
    ev.Tell("Ann", "Bob", "psst", own=True),
    ev.Tell("Ann", "Bob", "psst"),
    ev.Emote("Ann", "waves"),
    ev.ItemAction("Ann", "get", "a lantern", own=True),
    ev.WhoList((("Ann", 0, "telnet"), ("Bob", 300, "web"))),
    ev.Inventory(("a lantern",)),
    ev.Inventory(()),
    ev.Arrive("Ann", "arrives from the south"),
    ev.Depart("Ann", "leaves north"),
    ev.Examine("item", "a lantern", "A brass lantern."),
    ev.HelpText("say", "say <words>\n\nSay something."),
    ev.Error("You cannot go that way."),
    ev.Goodbye("Come back soon!", "quit"),
    ev.Message("Your password is changed."),
    ev.Prompt("Password: ", secret=True),
]
IDS = [f"{type(e).__name__}-{n}" for n, e in enumerate(SAMPLES)]


@pytest.mark.parametrize("event", SAMPLES, ids=IDS)
def test_plain_has_no_escape_bytes_and_matches_ansi_without_colour(event):
    plain = render(event, PLAIN)
    assert plain.strip()
    assert ESC not in plain
    assert not plain.endswith("\n")
    assert strip(render(event, ANSI)) == plain


@pytest.mark.parametrize("event", [
    room(), ev.Say("Ann", "hi"), ev.Tell("Ann", "Bob", "hi"), ev.Emote("Ann", "waves"),
    ev.Error("No."), ev.Goodbye("Bye.", "quit"), ev.Prompt("Name? "), ev.WhoList(()),
    ev.ExitList((("north", "There"),)),
], ids=lambda e: type(e).__name__)
def test_ansi_colours_and_resets(event):
    text = render(event, ANSI)
    assert ESC in text
    assert text.count("\x1b[0m") == len(_COLOUR.findall(text)) // 2


def test_plain_room_layout():
    text = render(room(characters=("Bob", "Cy"), npcs=("a grey cat",),
                       items=("a lantern", "an apple", "a key")), PLAIN)
    assert text.splitlines() == [
        "Village Square",
        "A square.",
        "[Exits: n e u gate]",
        "A grey cat is here.",
        "Bob and Cy are here.",
        "You see a lantern, an apple and a key here.",
    ]


def test_room_with_one_person_and_no_exits():
    text = render(room(exits=(), characters=("Bob",)), PLAIN)
    assert "[Exits: none]" in text
    assert "Bob is here." in text
    assert "You see" not in text


def test_long_text_wraps_to_the_width():
    style = TextStyle(colour=False, width=40)
    text = render(room(description=LONG), style)
    lines = text.splitlines()[1:-1]
    assert len(lines) >= 5
    assert all(len(line) <= 39 for line in lines), lines
    assert " ".join(lines) == LONG


def test_ansi_wrapping_never_exceeds_the_width():
    text = render(ev.Say("Ann", LONG), TextStyle(colour=True, width=50))
    lines = strip(text).splitlines()
    assert len(lines) > 2
    assert all(len(line) < 50 for line in lines)


def test_width_has_a_sane_minimum():
    text = render(ev.Message(LONG), TextStyle(colour=False, width=5))
    lines = text.splitlines()
    assert len(lines) > 5
    assert all(len(line) <= 19 for line in lines)


def test_prose_with_line_breaks_is_reflowed():
    text = render(ev.Message("one two three\nfour five six seven eight nine ten eleven twelve "
                             "thirteen fourteen fifteen sixteen seventeen"), PLAIN)
    assert text.startswith("one two three four five")


def test_short_lines_are_kept_as_written():
    verse = "Roses are red,\nviolets are blue,\n  this line is indented."
    assert render(ev.Message(verse), PLAIN) == verse


def test_paragraphs_stay_apart():
    text = render(ev.Examine("item", "a book", f"{LONG}\n\nThe end."), PLAIN)
    assert text.endswith("\n\nThe end.")


def test_bullet_lists_keep_each_item_on_its_own_line():
    description = (
        "A slab of grey planking under a little shingle roof, pocked with old nail holes. "
        "Several notices are pinned to it:\n\n"
        "  * By order of the Reeve: the Hollowhill mine is CLOSED.\n"
        "    Keep out. Nobody goes down there. -- A. Cobb, Reeve\n"
        "  * The north gate is shut at dusk. No exceptions. -- C. Pell\n"
        "  - Wanted: fresh emberleaf.\n"
        "  1. First numbered notice.\n"
        "  2) Second numbered notice.\n"
    )
    text = render(ev.Examine("item", "a notice board", description), TextStyle(False, 60))
    lines = text.splitlines()
    assert lines[0] == "A notice board"
    starts = [line for line in lines if re.match(r"^(\*|-|\d+[.)]) ", line)]
    assert starts == [
        "* By order of the Reeve: the Hollowhill mine is CLOSED.",
        "* The north gate is shut at dusk. No exceptions. -- C. Pell",
        "- Wanted: fresh emberleaf.",
        "1. First numbered notice.",
        "2) Second numbered notice.",
    ]
    # Continuation lines hang under the item's text, not under the bullet.
    after = lines[lines.index(starts[0]) + 1]
    assert after == "  Keep out. Nobody goes down there. -- A. Cobb, Reeve"
    assert all(len(line) <= 59 for line in lines)


def test_examine_capitalises_the_name():
    assert render(ev.Examine("npc", "a grey cat", "  Purrs.  "), PLAIN) == "A grey cat\nPurrs."


def test_exit_list():
    text = render(ev.ExitList((("north", "High Street"), ("gate", "Edge"))), PLAIN)
    assert text.splitlines() == ["Ways out:", "  north      - High Street", "  gate       - Edge"]
    assert render(ev.ExitList(()), PLAIN) == "There is no obvious way out."


@pytest.mark.parametrize(("event", "expected"), [
    (ev.Say("Ann", "hello", own=True), 'You say, "hello"'),
    (ev.Say("Ann", "hello"), 'Ann says, "hello"'),
    (ev.Tell("Ann", "Bob", "psst", own=True), 'You tell Bob, "psst"'),
    (ev.Tell("Ann", "Bob", "psst"), 'Ann tells you, "psst"'),
    (ev.Emote("Ann", "waves"), "Ann waves."),
    (ev.Emote("Ann", "shouts!"), "Ann shouts!"),
    (ev.Emote("Ann", 'says "hi"'), 'Ann says "hi"'),
    (ev.ItemAction("Ann", "get", "a lantern", own=True), "You pick up a lantern."),
    (ev.ItemAction("Ann", "get", "a lantern"), "Ann picks up a lantern."),
    (ev.ItemAction("Ann", "drop", "a lantern", own=True), "You drop a lantern."),
    (ev.ItemAction("Ann", "drop", "a lantern"), "Ann drops a lantern."),
    (ev.ItemAction("Ann", "give", "a lantern", "Bob", own=True), "You give a lantern to Bob."),
    (ev.ItemAction("Ann", "give", "a lantern", "you"), "Ann gives a lantern to you."),
    (ev.ItemAction("Ann", "give", "a lantern", "Bob"), "Ann gives a lantern to Bob."),
    (ev.Arrive("Ann", "arrives from below"), "Ann arrives from below."),
    (ev.Depart("Ann", "has left the game"), "Ann has left the game."),
    (ev.Inventory(()), "You are carrying nothing."),
    (ev.Inventory(("a lantern", "an apple")), "You are carrying:\n  a lantern\n  an apple"),
    (ev.HelpText("", "line one\n\nline two"), "line one\n\nline two"),
    (ev.Error("No such thing."), "No such thing."),
    (ev.Goodbye("Bye.", "quit"), "Bye."),
    (ev.Message("Saved."), "Saved."),
    (ev.Prompt("Password: ", secret=True), "Password: "),
], ids=lambda v: v if isinstance(v, str) else type(v).__name__)
def test_wording(event, expected):
    assert render(event, PLAIN) == expected


def test_who_list():
    text = render(ev.WhoList((("Ann", 59, "telnet"), ("Bob", 185, "web"))), PLAIN)
    lines = text.splitlines()
    assert lines[0] == "Players online: 2"
    assert lines[1] == "  " + "Ann".ljust(20) + " telnet"
    assert lines[2] == "  " + "Bob".ljust(20) + " web  idle 3m"


def test_one_rendering_per_style_is_stable():
    event = ev.Say("Ann", "hello")
    assert render(event, PLAIN) == render(event, TextStyle(colour=False, width=80))
    assert render(event, ANSI) != render(event, PLAIN)


def test_unknown_event_types_fall_back_to_their_text():
    class Notice(ev.Message):
        __slots__ = ()

    class Blank(ev.Event):
        __slots__ = ()

    assert render(Notice("Look out."), PLAIN) == "Look out."
    assert render(Blank(), ANSI) == ""


def test_room_marks_link_dead_people_in_the_sentence():
    view = ev.RoomView("a:b", "a", "Hall", "Big.", (), ("Cora", "Finn"), (), (),
                       linkdead=("Cora",))
    assert render(view, PLAIN).splitlines()[-1] == "Cora (link-dead) and Finn are here."


def test_who_counts_only_connected_players_and_lists_link_dead_ones_apart():
    event = ev.WhoList((("Ann", 0, "telnet"), ("Bob", 185, "web"), ("Cora", 400, "telnet"),
                        ("Dan", 0, "web")), linkdead=("Cora", "Dan"))
    lines = render(event, PLAIN).splitlines()
    assert lines[0] == "Players online: 2"
    assert [line.split()[0] for line in lines[1:3]] == ["Ann", "Bob"]
    assert lines[3] == "Link-dead: Cora, Dan"
    assert len(lines) == 4


def test_who_rows_fit_forty_columns_however_long_the_name_or_the_idle_time():
    for idle, shown in ((59 * 60, "idle 59m"), (23 * 3600, "idle 23h"), (40 * 86400, "idle 40d")):
        text = render(ev.WhoList((("A" * 20, idle, "telnet"),)), TextStyle(colour=False,
                                                                           width=40))
        row = text.splitlines()[1]
        assert row.endswith(shown) and len(row) <= 39, row


# -- every command's output fits the window -------------------------------------------------

LONG_WORDS = "the lamps of Emberfall burn late and the old forest whispers beyond the gate"
# Typical arguments per command; a command without an entry gets LONG_WORDS.
TYPICAL = {
    "look": ["fountain", "notice board", "Bob", "Cora", "north", "ash", "nothing here"],
    "go": ["north", "nowhere"], "get": ["all", "lantern"], "drop": ["all", "lantern"],
    "give": ["lantern to Bob", "rope to Nobody"], "tell": [f"Bob {LONG_WORDS}", "Bob psst"],
    "say": [LONG_WORDS], "emote": [LONG_WORDS], "colour": ["256", "bogus"],
    "prompt": ["<%h %% %q " + LONG_WORDS, "", "default"],
    "password": ["wrong secret2"], "quit": [],
    "promote": ["Bob builder", "Bob admin", "Nobody admin", f"Bob {LONG_WORDS}", "Ann admin"],
    "demote": ["Bob", "Bob", "Ann", LONG_WORDS],
    "users": [""], "revoke": ["Bob", "Nobody", LONG_WORDS],
    "kick": ["Nobody", f"Cora {LONG_WORDS}", LONG_WORDS],
    # The bare word starts a 60 s countdown: each list ends it, so nothing stops or stays
    # pending (checked at the end of the test).
    "shutdown": ["300 new areas", "cancel", f"300 {LONG_WORDS}", "cancel", "-5", "cancel"],
    "reboot": ["120 a new release", "abort", "soon", "cancel"], "stats": [""],
    # The network ban stays, so ``bans`` (run after ``unban``) lists something.
    "ban": [f"Nobody 2h {LONG_WORDS}", f"192.0.2.0/24 7d {LONG_WORDS}", "Bob soon spam",
            "Ann 2h spam", "10.0.0.0/40 2h spam"],
    "unban": ["Nobody", "Zed", LONG_WORDS], "bans": [""],
    "dig": ["sideways x", "north", "up attic The Attic Under the Eaves", "up attic"],
    "link": ["east village:market", "west nowhere", LONG_WORDS],
    "unlink": ["west", "nowhere"], "rname": ["The Square", LONG_WORDS],
    "rexit": [f"north description {LONG_WORDS}", "north door {name: [", "nowhere desc x"],
    "goto": ["village:inn", "village:square", "nowhere"],
    "where": ["village:cat", "cat", "Bob", "square", "nothing"],
    "reload": ["area village", "area moon", "area village force"],
    "wear": ["all", "lantern", "", LONG_WORDS], "wield": ["lantern", "", LONG_WORDS],
    "hold": ["lantern", ""], "remove": ["all", "lantern", "", LONG_WORDS],
    "equipment": [""], "score": ["", LONG_WORDS],
    # Shops: refused in the square (no shopkeeper), in words that fit.
    "list": ["", "dunstan", LONG_WORDS], "buy": ["2 bread", "3", f"bread from {LONG_WORDS}"],
    "sell": ["lantern", f"lantern to {LONG_WORDS}"], "value": ["lantern", "0 lantern"],
    # Fights: refused in the square (a place of peace; Bob is a player), in words that fit.
    "kill": ["ash", "Bob", "nobody", LONG_WORDS], "flee": [], "consider": ["ash", "Bob", "x"],
    "wimpy": ["5", "999", "off", LONG_WORDS], "recall": [],
    # Resting and mending: sit down, get up; mend a player who is whole, or a stranger.
    "rest": ["", ""], "stand": ["", ""], "mend": ["", "Bob", "ash", LONG_WORDS],
    # Channels: the list, on and off, and each channel's words (spoken, then its history:
    # CHANNEL_LINES below).
    "channels": [""], "channel": ["off gossip", "on gossip", "on nowhere", LONG_WORDS],
}
# Typed for each of the world's channel words (ooc, nb...): spoken on, then its history.
CHANNEL_LINES = [LONG_WORDS, ""]
# Lines typed as they are right after a command's bare word (rdesc reads the lines after;
# recall goes to the chapel, and southwest comes back to the square).
FOLLOW = {"rdesc": ["A stone room.", "", LONG_WORDS, "."], "recall": ["southwest"]}


def _window(width: int) -> bytes:
    from tests.test_negotiator import IAC, NAWS, WILL, sb
    return IAC + WILL + NAWS + sb(NAWS, bytes([0, width, 0, 24]))


def _over_wide(text: str, width: int) -> list[str]:
    """Lines wider than the window (less its last column) that have a space to break at."""
    from mud.render.wrapping import visible_width
    return [line for line in text.splitlines()
            if visible_width(line) > width - 1 and " " in line.strip()]


@pytest.mark.parametrize("colour", ["truecolor", "on", "off"])
@pytest.mark.parametrize("width", [40, 80, 120])
def test_every_command_fits_the_window(width, colour, tmp_path):
    import shutil
    from dataclasses import replace

    from mud.commands.info import TOPICS
    from mud.commands.registry import COMMANDS, for_character, sets_for_role
    from tests.support import BUNDLED_WORLD, WirePlayer, make_game

    # A copy of the world: builders' commands run too, and a save writes its files.
    shutil.copytree(BUNDLED_WORLD, tmp_path / "world")
    game = make_game(tmp_path / "world")
    game.command_rate, game.command_burst = 1e12, 10**12   # a script types fast
    ann, bob, cora = WirePlayer(game), WirePlayer(game), WirePlayer(game)
    ann.send_bytes(_window(width))
    for player, name in ((ann, "Ann"), (bob, "Bob"), (cora, "Cora")):
        player.create(name)
    cora.drop()   # a link-dead body in the room
    # Ann is an admin, so the builder's and admin's commands run too, not just a player's.
    game.world.online["ann"].command_sets = sets_for_role("admin")
    game.store.accounts["ann"] = replace(game.store.accounts["ann"], role="admin")
    every = for_character(game.world.online["ann"]).commands
    assert set(COMMANDS.commands) < set(every)
    seen = ann.type(f"colour {colour}")
    lines = ["look", "who", "inventory", "help", "exits", "unknownthing " + LONG_WORDS]
    lines += [f"help {name}" for name in (*every, *TOPICS, "nosuchtopic")]
    for name in every:
        if name in ("quit",):
            continue
        lines.append(name)
        lines += FOLLOW.get(name, [])
        lines += [f"{name} {args}" for args in TYPICAL.get(name, [LONG_WORDS])]
        lines.append("look")
    lines += [f"{word} {args}".strip() for word in sorted(game.world.words)
              for args in CHANNEL_LINES]
    # A client's own Enter ends the prompt's line: each answer starts on a line of its own.
    for line in lines:
        seen += "\n" + ann.type(line)
        seen += "\n" + ann.type("go south") if "go north" in line else ""
    bob.type(f"tell Ann {LONG_WORDS}")
    bob.type(f"say {LONG_WORDS}")
    seen += ann.read() + "\n" + ann.type("quit")
    assert "Your character is saved" in seen
    assert _over_wide(seen, width) == []
    assert getattr(game, "countdown", None) is None   # no shutdown left pending


def test_a_truecolor_error_breaks_near_the_window_edge_not_at_61_columns():
    from mud.render.text import TRUECOLOR, text_style
    from mud.render.wrapping import visible_width
    text = render(ev.Error("Unknown command 'abcdefghijklmnopqrstuvwxyzabcd...'. Did you mean "
                           "'look'? Type 'help' for a list of commands."), text_style(TRUECOLOR))
    lines = text.splitlines()
    assert len(lines) == 2
    assert 70 <= visible_width(lines[0]) <= 79, lines
    # Each line carries its own colour and reset: a wrapped error stays red and never bleeds.
    assert all(line.startswith("\x1b[38;2;") and line.endswith("\x1b[0m") for line in lines)


def test_a_short_coloured_tell_stays_on_one_line_at_forty_columns():
    from mud.render.text import TRUECOLOR, text_style
    text = render(ev.Tell("Kai", "Bob", "psst"), text_style(TRUECOLOR, 40))
    assert strip(text) == 'Kai tells you, "psst"'


def test_wide_characters_count_two_columns():
    from mud.render.wrapping import visible_width
    text = render(ev.Say("Kai", "日本語のテキスト " * 6), TextStyle(colour=False, width=40))
    lines = text.splitlines()
    assert len(lines) >= 3
    assert all(visible_width(line) <= 39 for line in lines), lines


def test_help_keeps_usage_and_example_lines_and_wraps_prose_with_them():
    from mud.commands.registry import COMMANDS
    text = render(ev.HelpText("give", COMMANDS.lookup("give").help),
                  TextStyle(colour=False, width=40))
    lines = text.splitlines()
    assert lines[0].startswith("give <item> to <name>")
    assert "Example: give lantern to Bob" in lines or "Example: give lantern to Bram" in lines
    assert all(len(line) <= 39 for line in lines), lines
    # A docstring's soft line breaks are not the player's line breaks: prose is refilled.
    wide = render(ev.HelpText("colour", COMMANDS.lookup("colour").help), TextStyle(False, 999))
    assert len(wide.split("\n\n")[1].splitlines()) == 1


def test_the_help_index_fits_forty_columns_and_keeps_its_layout():
    from tests.support import WirePlayer, make_game
    game = make_game()
    ann = WirePlayer(game)
    ann.send_bytes(_window(40))
    ann.create("Ann")
    index = ann.type("help")
    lines = index.splitlines()
    assert lines[0] == "Commands (help <command> for more):"
    assert "  n s e w u d ne nw se sw" in lines
    assert all(len(line) <= 39 for line in lines), [x for x in lines if len(x) > 39]


def test_the_welcome_banner_is_refilled_to_the_window_and_keeps_its_art():
    from tests.support import make_game
    welcome = make_game().world.welcome
    for width in (40, 80, 120):
        text = render(ev.Banner(welcome, "Welcome."), TextStyle(colour=False, width=width))
        lines = text.splitlines()
        assert "    E M B E R F A L L" in lines
        assert all(len(line) <= width - 1 for line in lines), (width, lines)
    wide = render(ev.Banner(welcome, "Welcome."), TextStyle(colour=False, width=120))
    assert "The lamps of Emberfall burn late. North of the gate the old forest whispers, and" \
        in wide


def test_web_clients_get_paragraphs_unwrapped():
    import json

    from mud.render.json_events import render_json
    from tests.support import make_game
    welcome = make_game().world.welcome
    text = json.loads(render_json(ev.Banner(welcome, "Welcome.")))["text"]
    paragraphs = text.strip("\n").split("\n\n")
    assert paragraphs[0].splitlines() == ["    E M B E R F A L L",
                                          "    a hill town at the edge of the Thornwood"]
    assert len(paragraphs[1].splitlines()) == 1   # prose: one line for the browser to wrap
    description = "A long room description written\nacross several lines of the YAML file " \
                  "by a builder who wraps by hand at seventy columns."
    frame = json.loads(render_json(room(description=description)))
    assert frame["text"].splitlines()[1] == " ".join(description.split())


def test_ascii_clients_get_lines_that_fit_after_spelling_out_typography():
    # "\u2026" becomes "..." for a client that refused UTF-8: the line is measured after that.
    from mud.render.text import text_style
    text = render(ev.Say("Kai", "well\u2026 " * 12), text_style(0, 40, ascii=True))
    assert text.isascii() and "well..." in text
    assert all(len(line) <= 39 for line in text.splitlines()), text.splitlines()
