"""Player commands: the registry's parsing and lookup, and every command family."""

from __future__ import annotations

import pytest

from mud.commands import COMMANDS, CommandTable, Context
from mud.commands.info import TOPICS
from mud.engine import actions
from mud.engine import events as ev
from mud.engine.model import Character


class Hooks:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def quit(self) -> None:
        self.calls.append(("quit",))

    def change_password(self, old: str, new: str) -> None:
        self.calls.append(("password", old, new))

    def set_colour(self, preference: str) -> None:
        self.calls.append(("colour", preference))


class Player:
    """A character in the tiny world that types commands; it is its own link."""

    def __init__(self, world, name: str, room_id: str = "home:hall") -> None:
        self.events: list = []
        self.character = Character(name, world.rooms[room_id])
        self.character.link = self
        world.enter(self.character)
        self.hooks = Hooks()
        self.ctx = Context(world, self.character, self.hooks)

    def send(self, event) -> None:
        # State for clients' displays (vitals, equipment) is not what these tests read.
        if not event.silent:
            self.events.append(event)

    def take(self) -> list:
        events, self.events = self.events, []
        return events

    def type(self, line: str) -> list:
        COMMANDS.dispatch(self.ctx, line)
        return self.take()

    def one(self, line: str):
        events = self.type(line)
        assert len(events) == 1, events
        return events[0]

    def error(self, line: str) -> str:
        event = self.one(line)
        assert isinstance(event, ev.Error), event
        return event.text

    @property
    def room(self) -> str:
        return self.character.room.id

    @property
    def carrying(self) -> list[str]:
        return [i.id for i in self.character.inventory]




@pytest.fixture
def ann(world):
    return Player(world, "Ann")


@pytest.fixture
def bob(world):
    return Player(world, "Bob")


APPLE1, APPLE2 = "home:hall/home:apple#1", "home:hall/home:apple#2"


# -- registry --------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "expected"), [
    ("say hi there", ("say", "hi there")), ("  SAY   hi there  ", ("say", "hi there")),
    ("'hi", ("'", "hi")), ("' hi", ("'", "hi")), (":waves", (":", "waves")),
    ("look", ("look", "")),
])
def test_split(line, expected):
    assert COMMANDS.split(line) == expected


@pytest.mark.parametrize(("word", "name"), [
    ("say", "say"), ("'", "say"), (":", "emote"), ("l", "look"), ("x", "look"),
    ("i", "inventory"), ("inv", "inventory"), ("take", "get"), ("?", "help"),
    ("n", "north"), ("sw", "southwest"), ("walk", "go"),
    ("inve", "inventory"), ("pass", "password"), ("ex", "exits"), ("LOOK", "look"),
])
def test_lookup_by_name_alias_or_unique_prefix(word, name):
    assert COMMANDS.lookup(word).name == name


@pytest.mark.parametrize("word", ["g", "nor", "zzz", "southx"])
def test_lookup_ambiguous_or_unknown_prefix_is_none(word):
    assert COMMANDS.lookup(word) is None


def test_registering_a_word_twice_is_an_error():
    table = CommandTable()

    @table.register("wave", "w", family="talk")
    def wave(ctx, args):
        """wave

        Wave."""

    assert table.lookup("w").help == "wave\n\nWave."
    assert table.lookup("w").summary == "wave"
    with pytest.raises(ValueError, match="'w' registered twice"):
        table.register("walk", "w", family="movement")(wave)


def test_every_command_has_help_with_a_usage_line():
    for cmd in COMMANDS.commands.values():
        assert cmd.help, cmd.name
        assert cmd.summary.split()[0] == cmd.name, cmd.name


def test_blank_lines_do_nothing_but_any_command_counts_as_activity(ann, clock):
    clock.advance(5)
    assert ann.type("   ") == []
    assert ann.character.last_active == 0
    ann.type("nonsense")
    assert ann.character.last_active == 5


def test_apostrophe_and_colon_prefixes(ann, bob):
    said = ann.one("'hello all")
    assert isinstance(said, ev.Say)
    assert said.text == "hello all"
    bob.take()
    emote = bob.one(":grins")
    assert isinstance(emote, ev.Emote)
    assert emote.text == "grins"


def test_unique_prefix_runs_the_command(ann):
    assert isinstance(ann.one("inve"), ev.Inventory)
    assert isinstance(ann.one("ex"), ev.ExitList)


def test_unknown_command_with_suggestion(ann):
    assert ann.error("lok") == (
        "Unknown command 'lok'. Did you mean 'look'? Type 'help' for a list of commands.")


def test_a_prefix_of_several_commands_names_them(ann):
    # 'p' ran password before put existed; now it is either, and the player is told so.
    assert ann.error("p") == ("'p' could be password, prompt, put: type more of the command "
                              "you mean.")
    assert ann.error("g").startswith("'g' could be get, give, go")
    assert "Put what in what?" in ann.error("pu")


def test_unknown_command_without_suggestion_and_cut_short(ann):
    text = ann.error("q" * 40 + "z")
    assert text.startswith("Unknown command '" + "q" * 30 + "...'.")
    assert "Did you mean" not in text
    assert ann.error("xyzzy") == "Unknown command 'xyzzy'. Type 'help' for a list of commands."


REFUSALS = [
    ("home:hall", "west",
     "You cannot go 'west' from here. Type 'exits' to see the ways out."),
    ("home:hall", "d", "You cannot go 'down' from here."),
    ("home:hall", "gate", "Unknown command 'gate'."),
    ("yard:garden", "gate please", "Unknown command 'gate'."),
    ("home:hall", "go", "Go where? Name an exit"),
    ("home:hall", "go gate", "You cannot go 'gate' from here."),
    ("home:hall", "say", "Say what?"),
    ("home:hall", "'", "Say what?"),
    ("home:hall", "emote", "Emote what?"),
    ("home:hall", "tell", "Tell whom what?"),
    ("home:hall", "tell zed hi", "Nobody called 'zed' is online."),
    ("home:hall", "tell ann hi", "Talking to yourself? Try 'say' instead."),
    ("home:hall", "get", "Which item? Name it"),
    ("home:hall", "get pear", "You see no 'pear' here."),
    ("home:hall", "get table", "You cannot take an oak table: it is fixed in place."),
    ("home:kitchen", "get all",
     "You cannot take a black iron stove: it is fixed in place."),
    ("home:hall", "drop apple", "You are not carrying anything."),
    ("home:hall", "give", "Give what to whom?"),
    ("home:hall", "give apple", "Give what to whom?"),
    ("home:hall", "give apple to", "Give what to whom?"),
    ("home:hall", "give apple to zed", "There is nobody called 'zed' here to give it to."),
    ("home:hall", "give apple to ann", "There is nobody called 'ann' here"),
    ("home:hall", "give apple to bob", "You are not carrying anything."),
    ("home:kitchen", "give apple to cat", "You are not carrying anything."),
    ("home:hall", "look at dragon", "You see no 'dragon' here."),
    ("home:hall", "help nonsense",
     "There is no help on 'nonsense'. Type 'help' for the list of commands."),
    ("home:hall", "password", "Type: password <old password> <new password>"),
    ("home:hall", "password onlyone", "Type: password <old password> <new password>"),
    ("home:hall", "password a b c", "Type: password <old password> <new password>"),
]


@pytest.mark.parametrize(("room", "line", "start"), REFUSALS)
def test_refusals_become_error_events_and_change_nothing(world, bob, room, line, start):
    ann = Player(world, "Ann", room)
    bob.take()
    assert ann.error(line).startswith(start)
    assert ann.room == room
    assert ann.carrying == []
    assert ann.hooks.calls == []
    assert bob.events == []


def test_named_exit_typed_bare(world):
    gardener = Player(world, "Gardener", "yard:garden")
    view = gardener.one("gate")
    assert isinstance(view, ev.RoomView)
    assert gardener.room == "yard:shed"
    gardener.type("GA")
    assert gardener.room == "yard:garden"
    gardener.type("go gate")
    assert gardener.room == "yard:shed"


# -- movement --------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "room"), [
    ("north", "home:kitchen"), ("n", "home:kitchen"), ("N", "home:kitchen"),
    ("go north", "home:kitchen"), ("walk n", "home:kitchen"), ("u", "home:loft"),
    ("up", "home:loft"), ("e", "yard:garden"), ("go east", "yard:garden"),
])
def test_moving(ann, line, room):
    view = ann.one(line)
    assert isinstance(view, ev.RoomView)
    assert view.id == room
    assert ann.room == room


def test_others_see_you_come_and_go(world, ann, bob):
    cook = Player(world, "Cook", "home:kitchen")
    ann.type("n")
    assert [e.phrase for e in bob.take()] == ["leaves north"]
    assert [(type(e), e.phrase) for e in cook.take()] == [(ev.Arrive, "arrives from the south")]


def test_exits_command(ann):
    event = ann.one("exits")
    assert event.exits == (("north", "The Kitchen"), ("east", "The Garden"), ("up", "The Loft"))


# -- talk ------------------------------------------------------------------------------------

def test_say_and_emote(ann, bob):
    mine = ann.one("say Well met!")
    assert (mine.text, mine.own) == ("Well met!", True)
    assert [(e.speaker, e.own) for e in bob.take()] == [("Ann", False)]
    ann.type("emote waves cheerfully")
    assert [e.text for e in bob.take()] == ["waves cheerfully"]


def test_tell(world, ann):
    far = Player(world, "Far", "yard:shed")
    sent = ann.one("tell far meet me at the inn")
    assert isinstance(sent, ev.Tell)
    assert (sent.recipient, sent.text, sent.own) == ("Far", "meet me at the inn", True)
    assert [(e.sender, e.text) for e in far.take()] == [("Ann", "meet me at the inn")]


def test_who(world, ann, bob):
    event = ann.one("who")
    assert isinstance(event, ev.WhoList)
    assert [p[0] for p in event.players] == ["Ann", "Bob"]


# -- items -----------------------------------------------------------------------------------

def test_get_and_take(ann):
    event = ann.one("get apple")
    assert isinstance(event, ev.ItemAction)
    assert ann.carrying == [APPLE1]
    ann.type("take apple")
    assert ann.carrying == [APPLE1, APPLE2]


def test_get_numbered(ann):
    ann.type("get 2.apple")
    assert ann.carrying == [APPLE2]
    assert [i.id for i in ann.character.room.items] == [APPLE1, "home:hall/home:table#1"]


def test_get_all(world, ann):
    events = ann.type("get all")
    assert [e.verb for e in events] == ["get", "get"]
    assert ann.carrying == [APPLE1, APPLE2]
    assert [i.name for i in world.rooms["home:hall"].items] == ["an oak table"]


def test_drop_and_drop_all(world, ann):
    ann.type("get all")
    ann.type("go up")
    assert ann.one("drop apple").verb == "drop"
    assert ann.carrying == [APPLE2]
    ann.type("drop all")
    assert ann.carrying == []
    assert [i.id for i in world.rooms["home:loft"].items] == [APPLE1, APPLE2]


def test_inventory_aliases(ann):
    ann.type("get apple")
    for line in ("inventory", "i", "inv"):
        assert [g.label for g in ann.one(line).items] == ["a red apple"]


def test_give_item_to_name(ann, bob):
    ann.type("get all")
    bob.take()
    event = ann.one("give 2.apple to Bob")
    assert (event.verb, event.target, event.own) == ("give", "Bob", True)
    assert bob.carrying == [APPLE2]
    assert ann.carrying == [APPLE1]
    assert [(e.target, e.own) for e in bob.take()] == [("you", False)]


def test_give_with_a_multi_word_item(ann, bob):
    ann.type("get apple")
    ann.type("give red apple TO bob")
    assert bob.carrying == [APPLE1]


# -- info ------------------------------------------------------------------------------------

@pytest.mark.parametrize("line", ["look", "l", "LOOK"])
def test_look(ann, line):
    view = ann.one(line)
    assert isinstance(view, ev.RoomView)
    assert view.id == "home:hall"


@pytest.mark.parametrize(("line", "what", "name"), [
    ("look apple", "item", "a red apple"),
    ("look at table", "item", "an oak table"),
    ("examine apple", "item", "a red apple"),
    ("x bob", "character", "Bob"),
    ("look at bob", "character", "Bob"),
    ("look north", "exit", "north"),
    ("l up", "exit", "up"),
    ("look me", "character", "Ann"),
    ("look at me", "character", "Ann"),
])
def test_look_at(ann, bob, line, what, name):
    event = ann.one(line)
    assert isinstance(event, ev.Examine)
    assert (event.what, event.name) == (what, name)


def test_look_at_npc_and_named_exit(world):
    cook = Player(world, "Cook", "home:kitchen")
    assert cook.one("look mouser").what == "npc"
    gardener = Player(world, "Gardener", "yard:garden")
    event = gardener.one("look gate")
    assert (event.what, event.description) == ("exit", "A wooden gate, hanging from one hinge.")


def test_help_index(ann):
    event = ann.one("help")
    assert isinstance(event, ev.HelpText)
    assert event.topic == ""
    for name in ("say", "give", "look", "quit", "password", "start"):
        assert name in event.topics
    for usage in ("give <item> to <name>", "say <words>", "exits"):
        assert f"  {usage}" in event.text
    # Directions are summed up on one line rather than listed one by one.
    assert "north (n)" not in event.text
    assert "n s e w u d ne nw se sw" in event.text


def test_help_on_a_command(ann):
    event = ann.one("help give")
    assert event.topic == "give"
    assert event.text.startswith("give <item> to <name>")
    assert "Example: give lantern to Bram" in event.text


@pytest.mark.parametrize(("line", "topic"), [
    ("? say", "say"), ("help '", "say"), ("help i", "inventory"), ("help n", "north"),
    ("help GIVE", "give"), ("help inve", "inventory"), ("help qui", "quit"),
])
def test_help_by_alias_or_prefix(ann, line, topic):
    assert ann.one(line).topic == topic


@pytest.mark.parametrize("line", ["help look", "help x", "help examine", "help l", "? x"])
def test_help_on_look_lists_its_aliases(ann, line):
    event = ann.one(line)
    assert event.topic == "look"
    assert event.text.startswith("look [thing]")
    assert event.text.endswith("Also: l, examine, x")


def test_every_alias_shows_in_its_help_and_in_the_index(ann):
    index = ann.one("help").text
    for cmd in COMMANDS.commands.values():
        entry = ann.one(f"help {cmd.name}").text
        for alias in cmd.aliases:
            shown = [w for w in cmd.alias_words if w.startswith(alias)]
            assert shown, (cmd.name, alias)
            assert f"Also: {', '.join(cmd.alias_words)}" in entry, cmd.name
        if cmd.aliases and cmd.family != "movement":
            assert f"  {cmd.summary} ({', '.join(cmd.alias_words)})" in index, cmd.name
    assert "say <words> ('<words>)" in index and "help [topic] (?)" in index


def test_every_help_entry_keeps_its_usage_line_apart(ann):
    # The usage line is read at a glance; prose run into it (a docstring without the blank
    # line after its first line) is refilled onto it by the renderer.
    from mud.render.text import PLAIN, render
    for cmd in COMMANDS.commands.values():
        assert cmd.help.split("\n")[1:2] in ([""], []), cmd.name
        first = render(ann.one(f"help {cmd.name}"), PLAIN).split("\n")[0]
        assert first == cmd.summary, cmd.name


def test_help_on_a_topic(ann):
    event = ann.one("help start")
    assert (event.topic, event.text) == ("start", TOPICS["start"])


# -- account ---------------------------------------------------------------------------------

def test_quit_calls_the_hook(ann):
    assert ann.type("quit") == []
    assert ann.hooks.calls == [("quit",)]


@pytest.mark.parametrize("line", ["q", "qu", "qui", "QUI", "qu now"])
def test_a_prefix_of_quit_does_not_quit_and_says_to_type_it_in_full(ann, line):
    message = ann.error(line)
    assert message.startswith("Type 'quit' in full")
    assert ann.hooks.calls == []
    assert COMMANDS.lookup(line.split()[0]) is None
    assert ann.type("QUIT") == [] and ann.hooks.calls == [("quit",)]


def test_a_whole_word_command_answers_to_its_name_and_aliases_only():
    table = CommandTable()
    ran: list[str] = []

    @table.register("shutdown", "halt", family="account", whole_word=True)
    def shutdown(ctx, args):
        """shutdown"""
        ran.append("shutdown")

    @table.register("shout", family="talk")
    def shout(ctx, args):
        """shout"""
        ran.append("shout")

    assert table.lookup("shutdown").name == "shutdown"
    assert table.lookup("halt").name == "shutdown"
    assert table.lookup("shutd") is None
    # "sh" is a prefix of both: never taken for shout, since it may be shutdown cut short
    # (as "q" is quit cut short, not the quest list); "sho" is shout's alone.
    assert table.lookup("sh") is None
    assert table.unknown_message("sh").startswith("Type 'shutdown' in full")
    assert table.lookup("sho").name == "shout"
    assert table.cut_short("shutd").name == "shutdown"
    assert table.unknown_message("shutd").startswith("Type 'shutdown' in full")


def test_password_calls_the_hook(ann):
    assert ann.type("password old-secret new-secret") == []
    assert ann.hooks.calls == [("password", "old-secret", "new-secret")]


def test_a_hook_refusal_becomes_an_error(ann):
    def refuse(old, new):
        raise actions.Refusal("That is not your current password.")

    ann.hooks.change_password = refuse
    assert ann.error("password wrong newpass") == "That is not your current password."


def test_describe_command_and_its_help(ann, bob):
    assert ann.one("describe A scarred old miner.").text.endswith("A scarred old miner.")
    assert bob.one("look ann").description == "A scarred old miner."
    assert "Others who look at you see" in ann.one("describe").text
    assert ann.one("describe clear").text == "Your description is cleared."
    assert f"{actions.MAX_DESCRIPTION} characters" in ann.one("help describe").text
    assert "too long" in ann.error("describe " + "z" * 500)


def test_colour_shows_sets_and_refuses_with_the_choices(ann):
    assert "Colour is auto" in ann.one("colour").text
    assert ann.one("colour 256").text == "Colour is now 256."
    assert ann.one("color OFF").text == "Colour is now off."
    assert ann.one("colour none").text == "Colour is now off."
    assert ann.hooks.calls == [("colour", "256"), ("colour", "off"), ("colour", "off")]
    assert "auto, off, on, 256 or truecolor" in ann.error("colour rainbow")
    assert len(ann.hooks.calls) == 3
    ann.character.via = "web"
    assert "web client keeps its own colours" in ann.one("colour on").text


def test_completion_words_are_every_command_and_its_whole_word_aliases():
    words = COMMANDS.completion_words()
    assert set(COMMANDS.commands) <= set(words)
    assert "take" in words and "examine" in words       # whole-word aliases
    assert "x" not in words and "'" not in words and "ne" not in words


def test_save_writes_the_character_now_and_says_when_it_failed():
    from tests.support import joined_player, make_game
    game = make_game()
    nora = joined_player(game, "Nora")
    nora.type("north")
    assert "Your character is saved." in nora.type("save")
    assert game.store.characters["nora"].room == "village:high_street"
    nora.type("south")
    game.store.fail_saves = 1
    out = nora.type("save")
    assert "Saving failed for now" in out and "Your character is saved." not in out
    assert game.store.characters["nora"].room == "village:high_street"
    assert "Your character is saved." in nora.type("save")
    assert game.store.characters["nora"].room == "village:square"


def test_a_player_typing_save_area_is_told_it_needs_the_builder_role():
    from tests.support import joined_player, make_game
    game = make_game()
    nora = joined_player(game, "Nora")
    out = nora.type("save area")
    assert "'save area' needs the builder role." in out
    assert "Your character is saved." not in out


def test_save_area_after_a_promotion_from_the_shell_saves_the_area():
    from dataclasses import replace

    from tests.support import joined_player, make_game
    game = make_game()
    nora = joined_player(game, "Nora")
    game.store.accounts["nora"] = replace(game.store.accounts["nora"], role="builder")
    assert "Nothing to save in village." in nora.type("save area")
    assert "builder" in game.world.online["nora"].command_sets


def test_help_on_a_group_lists_its_commands_the_character_may_use(tmp_path):
    from tests.support import builder_player, building_game, joined_player
    game = building_game(tmp_path)
    bram, nora = builder_player(game), joined_player(game, "Nora")
    group = bram.type("help building")
    assert "Building (help <command> for more):" in group
    assert "  dig <direction> <new room id> [name]" in group and "  where <id or name>" in group
    assert "There is no help on 'building'" in nora.type("help building")
    moving = nora.type("help moving")
    assert "  open <door|direction>" in moving and "dig" not in moving
