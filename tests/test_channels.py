"""Channels on one daemon: definitions and their errors, speaking, history, the list,
on/off (saved), roles checked as lines go out, the rate and length limits, and what a
telnet, GMCP and web client is sent."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from twisted.internet.task import Clock

from mud.render.json_events import render_json
from mud.systems.channels import configure
from mud.systems.channels import events as ev
from mud.systems.channels.definitions import check, check_config
from mud.systems.channels.hub import BURST, MAX_TEXT, channels_of
from mud.world_loader import load_world
from mud.world_schema import Context, Report
from mud.world_yaml import WorldError, read_yaml
from tests.support import (
    TINY,
    Probe,
    WirePlayer,
    admin_player,
    gmcp_messages,
    join,
    joined_player,
    make_game,
)


def _check(text: str, tmp_path: Path):
    path = tmp_path / "world.yaml"
    path.write_text(text, encoding="utf-8")
    report = Report()
    with report.collecting():
        found = check(Context(path, report), read_yaml(path, tmp_path), 1)
    return found, report.errors


def test_a_channel_needs_only_its_name_and_takes_every_field(tmp_path):
    found, errors = _check(
        "ooc:\nhelp:\n  label: Helpers\n  aliases: [hp, Assist]\n  description: Ask  away\n"
        "  speak: builder\n  listen: player\n  default: off\n  history: 0\n", tmp_path)
    assert errors == []
    ooc, helpers = found
    assert (ooc.name, ooc.label, ooc.aliases, ooc.default, ooc.history, ooc.speak) == \
        ("ooc", "OOC", (), True, 20, "player")
    assert (helpers.label, helpers.aliases, helpers.description, helpers.speak,
            helpers.default, helpers.history) == \
        ("Helpers", ("hp", "assist"), "Ask away", "builder", False, 0)


@pytest.mark.parametrize(("text", "words"), [
    ("ooc: {speak: god}", "'speak' must be one of player, builder, admin"),
    ("ooc: {history: 500}", "'history' must be a whole number of lines from 0 to 100"),
    ("ooc: {history: -1}", "from 0 to 100"),
    ("ooc: {colour: red}", "unknown key 'colour'"),
    ("ooc: {default: maybe}", "'default' must be true or false"),
    ("ooc: {label: " + "L" * 17 + "}", "'label' is 16 characters at most"),
    ("ooc: {aliases: oo}", "'aliases' must be a list of words"),
    ("ooc: {aliases: [a, bb, cc, dd, ee, ff]}", "an alias must be a word of 2 to 12"),
    ("ooc: {aliases: [bb, cc, dd, ee, ff]}", "'aliases' lists 5 words; 4 at most"),
    ("o o c: {}", "a channel's name must be a word of 2 to 12 letters"),
    ("chat9: {}", "a channel's name must be a word"),
    ("ooc: {aliases: [chat]}\nchat: {}", "the word 'chat' already names channel 'ooc'"),
    ("ooc: [1, 2]", "must be a mapping of its fields"),
    ("- ooc", "'channels' must be a mapping of channel names"),
    ("\n".join(f"c{'x' * n}: {{}}" for n in range(1, 22)), "defines 21 channels; 20 at most"),
])
def test_a_bad_channel_is_an_error_naming_the_file_and_line(text, words, tmp_path):
    _, errors = _check(text, tmp_path)
    assert any(words in e for e in errors), errors
    assert all(e.startswith("world.yaml:") for e in errors), errors


def _world_with(tmp_path: Path, channels: str) -> Path:
    root = tmp_path / "tiny"
    shutil.copytree(TINY, root)
    with (root / "world.yaml").open("a", encoding="utf-8") as handle:
        handle.write("channels:\n" + channels)
    return root


@pytest.mark.parametrize(("channels", "words"), [
    ("  look: {}\n", "channel 'look': 'look' is already the command 'look'"),
    ("  ooc: {aliases: [north]}\n", "'north' is already the command 'north'"),
    ("  ooc: {aliases: [ne]}\n", "'ne' is already the command"),
    ("  ope: {}\n", "'ope' would hide the start of the command 'open'"),
    ("  ooc: {listen: wizard}\n", "'listen' must be one of player, builder, admin"),
])
def test_a_world_whose_channel_hides_a_command_does_not_load(channels, words, tmp_path):
    with pytest.raises(WorldError) as caught:
        load_world(_world_with(tmp_path, channels), Clock())
    # The line is the channel's own (line 8 is 'channels:').
    assert any(words in e and "world.yaml:9: " in e for e in caught.value.errors), \
        caught.value.errors


def test_the_config_adds_and_replaces_channels_by_name(tmp_path):
    game = make_game()
    extra = check_config({"ooc": {"label": "Chat", "history": 3},
                          "trade": {"aliases": ["tr"]}}, "mud.yaml")
    configure(game.world, extra)
    hub = channels_of(game.world)
    assert list(hub.defined) == ["ooc", "newbie", "gossip", "wiz", "trade"]
    assert hub.defined["ooc"].label == "Chat" and hub.defined["ooc"].history == 3
    assert game.world.words["tr"].name == "trade"
    with pytest.raises(ValueError) as bad:
        check_config({"x1": {}}, "mud.yaml")
    assert str(bad.value).startswith("mud.yaml: 'channels': a channel's name must be a word")
    with pytest.raises(ValueError, match="'say' is already the command 'say'"):
        configure(game.world, check_config({"say": {}}, "mud.yaml"))


def test_speaking_reaches_every_listener_once_with_one_shared_event():
    game = make_game()
    wynn, nora, kip = (joined_player(game, n) for n in ("Wynn", "Nora", "Kip"))
    nora.read(), wynn.read()
    out = wynn.type("ooc   hello \x1b[31mthere")
    assert "[OOC] You: hello there" in out
    assert "[OOC] Wynn: hello there" in nora.read()
    assert "[OOC] Wynn: hello there" in kip.read()
    # Both hear one event: rendered once per style, not once per listener.
    probe_a, probe_b = Probe(), Probe()
    world = game.world
    ann, bea = join(world, "Tamsin"), join(world, "Rowan")
    ann.link, bea.link = probe_a, probe_b
    wynn.type("nb where is the smithy?")
    (a,), (b,) = probe_a.take(), probe_b.take()
    assert a is b and isinstance(a, ev.ChannelMessage) and a.channel == "newbie"


def test_a_channel_alone_shows_its_history_with_how_long_ago():
    game = make_game()
    clock = game.world.clock
    wynn, nora = joined_player(game, "Wynn"), joined_player(game, "Nora")
    assert "Nothing has been said on OOC lately" in wynn.type("ooc")
    wynn.type("ooc first")
    clock.advance(125)
    nora.type("ooc second")
    out = wynn.type("ooc")
    assert "[OOC] the last 2 lines:" in out
    assert "Wynn (2m ago): first" in out and "Nora (just now): second" in out
    hub = channels_of(game.world)
    for n in range(hub.defined["ooc"].history + 5):
        clock.advance(10)
        nora.type(f"ooc line {n}")
    lines = hub.recent(hub.defined["ooc"]).lines
    assert len(lines) == 20 and lines[-1][1] == "line 24"


def test_channels_lists_what_you_may_use_and_on_off_is_saved():
    game = make_game()
    wynn, nora = joined_player(game, "Wynn"), joined_player(game, "Nora")
    listing = wynn.type("channels")
    assert "ooc      on" in listing and "gossip   off" in listing
    assert "wiz" not in listing
    assert "You no longer hear OOC" in wynn.type("channel off ooc")
    nora.type("ooc anyone?")
    assert "anyone?" not in wynn.read()
    assert "turned off" in wynn.type("ooc me too")
    assert "You now hear Gossip" in wynn.type("channel gos on")
    assert "already" in wynn.type("channel on gossip")
    record = game.world.record(game.world.online["wynn"])
    assert json.loads(record.state)["channels"]["value"] == {"ooc": False, "gossip": True}
    assert "There is no channel called 'wiz'" in wynn.type("channel on wiz")
    assert "Type channel on <name>" in wynn.type("channel ooc")
    # Back again after logging out and in: the choices held.
    wynn.type("quit")
    back = WirePlayer(game)
    back.read()
    back.type("connect Wynn secret1")
    nora.type("channel on gossip")
    nora.type("ooc back?")
    nora.type("gos rumour")
    heard = back.read()
    assert "back?" not in heard and "[Gossip] Nora: rumour" in heard


def test_wiz_is_for_admins_and_a_demoted_admin_stops_hearing_it_at_once():
    game = make_game()
    ada, cleo = admin_player(game, "Ada"), admin_player(game, "Cleo")
    wynn = joined_player(game, "Wynn")
    assert "Only admins may use Wiz" in wynn.type("wiz hello")
    assert "Only admins may use Wiz" in wynn.type("wiz")
    assert "[Wiz] You: hi" in ada.type("wiz hi")
    assert "hi" not in wynn.read()
    # Promoted while playing (admin_player grants the role after logging in): she joins
    # the admins' channels at her next channel command (or login), and hears them then.
    assert "hi" not in cleo.read()
    assert "wiz" in cleo.type("channels")
    ada.type("wiz hi again")
    assert "[Wiz] Ada: hi again" in cleo.read()
    # Another promoted admin's body taken over by a new connection (the refresh hook)
    # hears wiz from then on too.
    bea = admin_player(game, "Bea")
    from mud.engine import hooks
    character = game.world.online["bea"]
    game.world.hooks.emit(hooks.REFRESH, who=character, room=character.room)
    bea.read()
    ada.type("wiz welcome Bea")
    assert "[Wiz] Ada: welcome Bea" in bea.read()
    # Demoted while playing: the very next wiz line passes her by.
    from mud.commands.registry import sets_for_role
    game.world.online["cleo"].command_sets = sets_for_role("player")
    ada.type("wiz secret plans")
    assert "secret plans" not in cleo.read()
    assert "wiz" not in cleo.type("channels")


def test_limits_length_rate_and_the_sanitiser():
    game = make_game()
    wynn, nora = joined_player(game, "Wynn"), joined_player(game, "Nora")
    nora.read()
    assert f"{MAX_TEXT} at most" in wynn.type("ooc " + "x" * (MAX_TEXT + 1))
    for n in range(BURST):
        assert f"You: n{n}" in wynn.type(f"ooc n{n}")
    refused = wynn.type("ooc one too many")
    assert "talking on channels too fast: wait 2 seconds" in refused
    assert "one too many" not in nora.read()
    game.world.clock.advance(2)
    assert "You: again" in wynn.type("ooc again")
    # Control characters and escapes never reach another player.
    wynn.type("ooc \x07bell\x1b]0;title\x07 and \u202eflip")
    got = nora.read()
    assert "\x07" not in got and "\u202e" not in got and "\x1b" not in got


def test_gmcp_comm_channel_text_list_and_players_on_request():
    game = make_game()
    wynn = joined_player(game, "Wynn")
    nora = gmcp_player(game, "Nora")
    wynn.type("ooc hello")
    messages = dict(gmcp_messages(nora.read_bytes()))
    assert messages["Comm.Channel.Text"] == {"channel": "ooc", "talker": "Wynn",
                                             "text": "[OOC] Wynn: hello"}
    from mud.protocols.options.codes import GMCP, IAC, SB, SE
    nora.send_bytes(IAC + SB + GMCP + b"Comm.Channel.Players" + IAC + SE)
    players = dict(gmcp_messages(nora.read_bytes()))["Comm.Channel.Players"]
    assert {"name": "Wynn", "channels": ["ooc", "newbie"]} in players
    game.world.clock.advance(5)
    nora.send_bytes(IAC + SB + GMCP + b"Comm.Channel.List" + IAC + SE)
    listed = dict(gmcp_messages(nora.read_bytes()))["Comm.Channel.List"]
    assert listed[0] == {"name": "ooc", "caption": "OOC", "command": "ooc"}
    assert [c["name"] for c in listed] == ["ooc", "newbie", "gossip"]


def gmcp_player(game, name):
    """A telnet player whose client asked for Comm.Channel, in the game as ``name``."""
    from mud.protocols.options.codes import GMCP, IAC, SB, SE
    player = WirePlayer(game)
    player.send_bytes(IAC + bytes([253]) + GMCP)   # DO GMCP
    player.send_bytes(IAC + SB + GMCP + b'Core.Supports.Set ["Comm.Channel 1"]' + IAC + SE)
    player.read_bytes()
    player.send_bytes(f"create {name} secret1\r\n".encode())
    list_at_login = dict(gmcp_messages(player.read_bytes()))
    assert [c["name"] for c in list_at_login["Comm.Channel.List"]] == \
        ["ooc", "newbie", "gossip"]
    return player


def test_json_frames_for_a_line_the_history_and_the_list():
    line = json.loads(render_json(ev.ChannelMessage("ooc", "OOC", "Ann", "hello",
                                                    realm="north")))
    assert line == {"type": "channel", "channel": "ooc", "label": "OOC", "talker": "Ann",
                    "message": "hello", "own": False, "realm": "north",
                    "text": "[OOC] Ann@north: hello"}
    history = json.loads(render_json(ev.ChannelHistory("ooc", "OOC",
                                                       (("Ann", "hi", "", 61),), 20)))
    assert history["lines"] == [{"talker": "Ann", "text": "hi", "realm": "", "ago": 61}]
    state = json.loads(render_json(ev.ChannelsState(
        (("ooc", "OOC", ("o",), "Talk", True, True),))))
    assert state == {"type": "channels", "silent": True, "text": "",
                     "channels": [{"name": "ooc", "label": "OOC", "aliases": ["o"],
                                   "description": "Talk", "on": True, "speak": True}]}


def test_a_world_without_channels_sends_no_state_and_knows_no_words():
    game = make_game(TINY)
    wynn = join(game.world, "Wynn", state=True)
    assert not [e for e in wynn.link.events if isinstance(e, ev.ChannelsState)]
    assert game.world.words == {}


def test_the_config_files_channels_setting_is_checked_at_start_up(tmp_path):
    from mud.config import load_settings
    from mud.errors import StartupError
    from mud.tap import build_service

    config = tmp_path / "mud.yaml"
    config.write_text("channels:\n  trade:\n    aliases: [tr]\n", encoding="utf-8")
    settings = load_settings(str(config), {"MUD_CHANNELS": "ignored"})
    assert [c.name for c in settings.channels] == ["trade"]
    assert load_settings(None, {"MUD_CHANNELS": "trade"}).channels == ()
    config.write_text("channels:\n  ooc: {history: lots}\n", encoding="utf-8")
    with pytest.raises(StartupError, match="'history' must be a whole number"):
        load_settings(str(config), {})
    config.write_text("channels:\n  look: {}\n", encoding="utf-8")
    with pytest.raises(StartupError) as clash:
        build_service(load_settings(str(config), {}).with_values(
            {"data": str(tmp_path / "data")}, "test"), reactor=Clock())
    assert "channel 'look': 'look' is already the command 'look'" in str(clash.value)


def test_a_player_promoted_in_the_game_hears_the_admins_channel_at_once():
    game = make_game()
    ada = admin_player(game, "Ada")
    kip = joined_player(game, "Kip")
    ada.type("wiz before")
    assert "before" not in kip.read()
    ada.type("promote Kip admin")
    kip.read()
    # No command of Kip's own in between: the promotion itself lets him in.
    ada.type("wiz after the promotion")
    assert "[Wiz] Ada: after the promotion" in kip.read()
    assert "is now a player" in ada.type("demote Kip")
    kip.read()
    ada.type("wiz after the demotion")
    assert "after the demotion" not in kip.read()


def test_quitting_does_not_buy_a_fresh_burst_of_channel_lines():
    """Issue 14 review R1-3: the rate limit outlives a quit and a new login, until the
    speaker's bucket would be full again; then it is forgotten (bounded memory)."""
    game = make_game()
    wynn, nora = joined_player(game, "Wynn"), joined_player(game, "Nora")
    for n in range(BURST):
        wynn.type(f"ooc n{n}")
    assert "too fast" in wynn.type("ooc one too many")
    wynn.type("quit")
    again = WirePlayer(game)
    again.type("connect Wynn secret1")
    nora.read()
    assert "too fast" in again.type("ooc fresh burst?")
    assert "fresh burst?" not in nora.read()
    hub = channels_of(game.world)
    again.type("quit")
    # Once the bucket would be full again, it is forgotten at the next line said.
    game.world.clock.advance(BURST / hub.rate)
    nora.type("ooc anyone?")
    assert "wynn" not in hub._buckets and "wynn" not in hub._left
    assert not hub._leaving


def test_a_long_channel_line_wraps_indented_so_it_cannot_fake_another_line():
    """R1-5: the wrapped tail of a channel line hangs under the talker's name."""
    game = make_game()
    kip, wynn = joined_player(game, "Kip"), joined_player(game, "Wynn")
    kip.read()
    pad = "x" * (79 - len("[OOC] Wynn: "))
    wynn.type(f"ooc {pad} [Announcement from Ada] The game stops in 1 minute: type save")
    lines = [line for line in kip.read().split("\n") if line.strip()]
    assert lines[0].endswith(pad)
    assert lines[1] == "      [Announcement from Ada] The game stops in 1 minute: type save"
    from mud.render.text import PLAIN, render, text_style
    event = ev.ChannelMessage("newbie", "Newbie", "Ann", " ".join(["word"] * 40))
    for style in (PLAIN, text_style(colour=16, width=40)):
        shown = render(event, style).split("\n")
        assert len(shown) > 1 and all(line.startswith(" " * 9) for line in shown[1:])


def test_gmcp_channel_text_is_the_whole_line_unwrapped():
    """R1-6: Comm.Channel.Text's text is the line as said, not cut at 80 columns."""
    game = make_game()
    wynn = joined_player(game, "Wynn")
    nora = gmcp_player(game, "Nora")
    words = " ".join(["chatter"] * 30)
    wynn.type(f"ooc {words}")
    messages = dict(gmcp_messages(nora.read_bytes()))
    assert messages["Comm.Channel.Text"]["text"] == f"[OOC] Wynn: {words}"


def test_the_config_may_not_take_a_world_channels_word_nor_pass_the_bound(tmp_path):
    """R1-7: a config channel taking a world channel's name or alias is refused in words
    unless it replaces that channel by name; the channels in all are bounded."""
    game = make_game()
    with pytest.raises(ValueError) as taken:
        configure(game.world, check_config({"chat": {"aliases": ["ooc"]},
                                            "nb": {}}, "mud.yaml"))
    assert str(taken.value).split("\n") == [
        "the config file's channels: channel 'chat': 'ooc' is already a word of the "
        "world's channel 'ooc': pick another word, or name the channel ooc to replace "
        "the world's",
        "the config file's channels: channel 'nb': 'nb' is already a word of the world's "
        "channel 'newbie': pick another word, or name the channel newbie to replace the "
        "world's"]
    hub = channels_of(game.world)
    assert "chat" not in hub.defined and game.world.words["ooc"].name == "ooc"
    # Replacing newbie by name frees its alias for the new channel.
    configure(game.world, check_config({"newbie": {"aliases": ["new"]},
                                        "chat": {"aliases": ["nb"]}}, "mud.yaml"))
    assert game.world.words["nb"].name == "chat" and game.world.words["new"].name == "newbie"
    many = {"c" + chr(97 + i // 26) + chr(97 + i % 26): {} for i in range(17)}
    with pytest.raises(ValueError, match="there would be 21 channels; 20 at most"):
        configure(game.world, check_config(many, "mud.yaml"))
    # Sixteen new ones and the world's four: twenty, allowed.
    del many["caq"]
    configure(game.world, check_config(many, "mud.yaml"))
    assert len(hub.defined) == 20


def test_a_demotion_in_the_game_takes_the_admin_off_wiz_for_hearing_and_speaking():
    """R1-1: the refresh hook roles.apply_role emits takes a demoted admin off the
    admins' channels at once: off the listeners, no line heard, none said, and the
    client's list (web tabs, Comm.Channel.List) loses wiz."""
    game = make_game()
    ada, cleo = admin_player(game, "Ada"), admin_player(game, "Cleo")
    cleo.type("channels")
    hub = channels_of(game.world)
    character = game.world.online["cleo"]
    assert character in hub.listeners["wiz"]
    probe = Probe()
    real = character.link
    character.link = probe
    ada.type("demote Cleo")
    states = [e for e in probe.take() if isinstance(e, ev.ChannelsState)]
    character.link = real
    assert states and "wiz" not in [row[0] for row in states[-1].channels]
    assert character not in hub.listeners["wiz"]
    ada.type("wiz after the demotion")
    assert "after the demotion" not in cleo.read()
    assert "Only admins may use Wiz" in cleo.type("wiz may I still?")
    assert "may I still" not in ada.read()
