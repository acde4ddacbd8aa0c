"""reply and afk on one daemon: the engine's rules and the commands over the telnet wire."""

from __future__ import annotations

from mud.engine import actions, tells
from mud.engine.events import Message, Tell, WhoList
from mud.render.json_events import who_players
from mud.render.text import PLAIN, TextStyle, render
from tests.support import joined_player, make_game


def _texts(events):
    return [e.text for e in events if isinstance(e, Message)]


def test_reply_answers_the_last_teller():
    game = make_game()
    wynn, nora, kip = (joined_player(game, n) for n in ("Wynn", "Nora", "Kip"))
    assert "Nobody has told you anything to reply to yet" in wynn.type("reply hello")
    nora.type("tell wynn first")
    kip.type("tell wynn second")
    wynn.read()
    assert 'You tell Kip, "thanks"' in wynn.type("reply thanks")
    assert 'Wynn tells you, "thanks"' in kip.read()
    assert "thanks" not in nora.read()


def test_reply_needs_words_and_says_so():
    game = make_game()
    wynn, nora = joined_player(game, "Wynn"), joined_player(game, "Nora")
    nora.type("tell wynn hi")
    assert "Reply what?" in wynn.type("reply")


def test_reply_to_a_teller_who_left_says_nobody_is_online():
    game = make_game()
    wynn, nora = joined_player(game, "Wynn"), joined_player(game, "Nora")
    nora.type("tell wynn hi")
    nora.type("quit")
    assert "Nobody called 'Nora' is online" in wynn.type("reply you there?")


def test_afk_answers_each_teller_once_and_the_next_command_ends_it():
    game = make_game()
    wynn, nora, kip = (joined_player(game, n) for n in ("Wynn", "Nora", "Kip"))
    assert "You are marked away (afk): back after supper." in wynn.type("afk back after supper")
    first = nora.type("tell wynn are you there?")
    assert 'You tell Wynn, "are you there?"' in first
    assert "Wynn is away (afk): back after supper. They will see your tell" in \
        " ".join(first.split())
    # Once per teller in a spell away; another teller is answered too.
    assert "is away" not in nora.type("tell wynn hello?")
    assert "Wynn is away (afk)" in kip.type("tell wynn hi")
    # Another afk keeps the spell (a new message, the same tellers answered).
    heard = wynn.type("afk gone fishing")
    assert 'Nora tells you, "are you there?"' in heard and "You are back" not in heard
    assert "is away" not in nora.type("tell wynn still?")
    said = " ".join(wynn.type("look").split())
    assert 'Nora tells you, "still?"' in said
    assert "You are back: no longer marked away. 4 tells came while you were away" in said
    assert "is away" not in nora.type("tell wynn welcome back")
    # A new spell answers again.
    wynn.type("afk")
    assert "Wynn is away (afk) and will see your tell when they are back." in \
        " ".join(nora.type("tell wynn now?").split())


def test_afk_shows_in_who_for_text_and_json():
    game = make_game()
    wynn, nora = joined_player(game, "Wynn"), joined_player(game, "Nora")
    wynn.type("afk lunch")
    rows = nora.type("who").splitlines()
    assert any(r.startswith("  Wynn") and r.endswith("afk") for r in rows), rows
    assert not any(r.startswith("  Nora") and r.endswith("afk") for r in rows), rows
    players = who_players(actions.who_list(game.world))
    assert {p["name"]: p.get("afk") for p in players} == {"Nora": None, "Wynn": "lunch"}
    wynn.type("say back")
    assert "afk" not in nora.type("who")


def test_afk_is_forgotten_when_the_player_leaves():
    game = make_game()
    wynn = joined_player(game, "Wynn")
    wynn.type("afk")
    wynn.type("quit")
    part = tells.of(game.world)
    assert part.away == {} and not game.world.waiting


def test_afk_survives_a_reconnect_which_is_no_command():
    game = make_game()
    wynn, nora = joined_player(game, "Wynn"), joined_player(game, "Nora")
    wynn.type("afk dinner")
    wynn.drop()
    again = joined_player.__globals__["WirePlayer"](game)
    again.read()
    again.type("connect Wynn secret1")
    assert "Wynn is away (afk): dinner." in nora.type("tell wynn hi")


def test_afk_message_is_bounded():
    game = make_game()
    wynn = joined_player(game, "Wynn")
    assert "too long" in wynn.type("afk " + "x" * (tells.MAX_AWAY + 1))
    assert tells.of(game.world).away == {}


def test_tellers_remembered_in_a_spell_are_bounded():
    game = make_game()
    wynn = joined_player(game, "Wynn")
    actions.afk(game.world, game.world.online["wynn"], "")
    part = tells.of(game.world)
    for n in range(tells.MAX_ANSWERED + 50):
        assert part.hear(game.world.online["wynn"], f"P{n}", "north", "hi") == ""
    assert len(part.away["wynn"].answered) == tells.MAX_ANSWERED
    wynn.read()


def test_a_tell_from_another_realm_is_named_with_it():
    assert render(Tell("Bram", "Wynn", "hi", realm="north"), PLAIN) == \
        'Bram@north tells you, "hi"'
    assert render(Tell("Wynn", "Bram", "hi", own=True, realm="north"), PLAIN) == \
        'You tell Bram@north, "hi"'


def test_who_lists_other_realms_by_realm_with_link_dead_and_afk():
    event = WhoList((("Wynn", 0, "telnet"),), away={"Wynn": ""},
                    others=(("Kip", "web", "north", False, None),
                            ("Rowan", "telnet", "north", True, None),
                            ("Bea", "telnet", "south", False, "tea")))
    lines = render(event, PLAIN).splitlines()
    assert lines[0] == "Players online: 3"
    assert lines[1].startswith("  Wynn") and lines[1].endswith("afk")
    assert lines[2] == "In realm north:"
    assert lines[3] == "  " + "Kip".ljust(20) + " web"
    assert lines[4] == "In realm south:"
    assert lines[5].startswith("  Bea") and lines[5].endswith("afk")
    assert lines[6] == "Link-dead: Rowan@north"
    players = who_players(event)
    assert players[1] == {"name": "Kip", "idle": None, "via": "web", "linkdead": False,
                          "realm": "north"}
    assert players[3]["afk"] == "tea" and players[0]["afk"] == ""


def test_who_says_when_the_other_realms_cannot_be_reached():
    text = render(WhoList((("Wynn", 0, "telnet"),), cut_off=True), PLAIN)
    said = " ".join(text.split())
    assert said.endswith("The other realms cannot be reached just now: only this realm's "
                         "players are listed.")


def test_afk_rows_fit_forty_columns():
    event = WhoList((("A" * 20, 40 * 86400, "telnet"),), away={"A" * 20: "x"})
    for line in render(event, TextStyle(colour=False, width=40)).splitlines():
        assert len(line) <= 39, line


def test_presence_feeds_hear_afk_and_back():
    import json

    from mud.protocols.presence import PresenceFactory

    game = make_game()
    factory = PresenceFactory(game)
    frames: list[bytes] = []

    class Listener:
        def send_frame(self, data: bytes) -> None:
            frames.append(data)
    factory.listeners.add(Listener())  # type: ignore[arg-type]
    wynn = joined_player(game, "Wynn")
    wynn.type("afk tea")
    wynn.type("look")
    bodies = [json.loads(f[f.index(b"{"):]) for f in frames]
    assert bodies[1:] == [{"type": "afk", "name": "Wynn", "afk": "tea"},
                          {"type": "back", "name": "Wynn"}]


def _presence_bodies(game):
    """A /presence listener on ``game``: the list of bodies it is sent."""
    import json

    from mud.protocols.presence import PresenceFactory

    factory = PresenceFactory(game)
    bodies: list[dict] = []

    class Listener:
        def send_frame(self, data: bytes) -> None:
            bodies.append(json.loads(data[data.index(b"{"):]))
    factory.listeners.add(Listener())  # type: ignore[arg-type]
    return bodies


def test_afk_is_rate_limited_per_player_so_presence_is_not_flooded():
    game = make_game()
    bodies = _presence_bodies(game)
    wynn = joined_player(game, "Wynn")
    refused = ""
    for i in range(50):
        out = wynn.type(f"afk away {i}")
        if "too often" in out:
            refused = out
        wynn.type("look")  # each command marks back: afk, back, afk, back...
    changes = [b for b in bodies if b["type"] in ("afk", "back")]
    assert len(changes) == 2 * tells.AFK_BURST
    assert f"wait {int(tells.AFK_EVERY)} s" in " ".join(refused.split())
    # Time gives one use back; a quit and a login do not.
    wynn.type("quit")
    wynn = _login(game, "Wynn")
    assert "too often" in wynn.type("afk again")
    game.world.clock.advance(tells.AFK_EVERY)
    assert "You are marked away (afk): again." in wynn.type("afk again")
    assert "too often" in wynn.type("afk and again")


def test_afk_again_with_the_same_message_tells_nobody():
    game = make_game()
    bodies = _presence_bodies(game)
    wynn = joined_player(game, "Wynn")
    wynn.type("afk tea")
    wynn.type("afk tea")
    assert [b["type"] for b in bodies[1:]] == ["afk"]


def test_afk_limits_kept_after_quitting_are_forgotten_once_full_again():
    game = make_game()
    part = tells.of(game.world)
    for name in ("Wynn", "Nora"):
        player = joined_player(game, name)
        player.type("afk x")
        player.type("quit")
    assert set(part.afk_uses) == {"wynn", "nora"}
    game.world.clock.advance(tells.AFK_BURST * tells.AFK_EVERY + 1)
    kip = joined_player(game, "Kip")
    kip.type("afk y")
    assert set(part.afk_uses) == {"kip"}


def _login(game, name):
    from tests.support import WirePlayer

    player = WirePlayer(game)
    player.read()
    player.type(f"connect {name} secret1")
    player.read()
    return player
