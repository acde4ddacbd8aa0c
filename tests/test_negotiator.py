"""Telnet option negotiation, byte by byte, through the real telnet protocol on a
StringTransport: what is offered at connect, and what each answer changes."""

from __future__ import annotations

import re
import zlib

from twisted.internet.testing import StringTransport

from mud.listing import Listing
from mud.protocols.options.codes import (
    CHARSET,
    EOR,
    EOR_MARK,
    GA,
    GMCP,
    IAC,
    MCCP2,
    MSSP,
    NAWS,
    SB,
    SE,
    TTYPE,
)
from mud.protocols.options.negotiator import OFFER_WAIT, SIZE_WAIT, TTYPE_WAIT
from mud.protocols.telnet import TelnetFactory
from mud.render.wrapping import visible_width
from tests.support import WirePlayer, gmcp_messages, make_game, plain

WILL, WONT, DO, DONT = bytes([251]), bytes([252]), bytes([253]), bytes([254])
SGA = bytes([3])
_SUB = re.compile(rb"\xff\xfa(.)(.*?)\xff\xf0", re.S)


def subs(data: bytes, option: bytes) -> list[bytes]:
    return [body for opt, body in _SUB.findall(data) if opt == option]


def sb(option: bytes, payload: bytes) -> bytes:
    return IAC + SB + option + payload + IAC + SE


def test_everything_is_offered_at_connect_without_waiting():
    player = WirePlayer(make_game())
    data = player.read_bytes()
    for offer in (WILL + EOR, WILL + GMCP, WILL + MSSP, WILL + MCCP2, DO + NAWS, DO + TTYPE,
                  DO + CHARSET, WILL + bytes([3])):
        assert IAC + offer in data, offer
    assert "What name do you go by?" in plain(data)


def test_a_client_that_answers_nothing_gets_no_prompt_marks():
    player = WirePlayer(make_game())
    player.read_bytes()
    player.send_bytes(b"create Ann secret1\r\n")
    data = player.read_bytes()
    assert IAC + GA not in data and IAC + EOR_MARK not in data
    assert "Village Square" in plain(data)


def test_prompts_end_with_eor_or_with_ga_when_eor_is_refused():
    player = WirePlayer(make_game())
    player.send_bytes(IAC + DO + EOR)
    player.read_bytes()
    player.send_bytes(b"create Ann secret1\r\nlook\r\n")
    assert player.read_bytes().endswith(b"> \x1b[0m" + IAC + EOR_MARK)
    other = WirePlayer(player.game)
    other.send_bytes(IAC + DONT + EOR)
    other.read_bytes()
    other.send_bytes(b"create Bob secret1\r\n")
    data = other.read_bytes()
    assert data.endswith(b"> \x1b[0m" + IAC + GA) and IAC + EOR_MARK not in data


def test_repeated_requests_cause_no_repeated_answers():
    player = WirePlayer(make_game(), refuse_naws=False)
    player.read_bytes()
    player.send_bytes(IAC + DO + EOR + IAC + DO + EOR + IAC + DO + GMCP + IAC + DO + GMCP)
    data = player.read_bytes()
    assert IAC + WILL + EOR not in data and IAC + WILL + GMCP not in data
    player.send_bytes(IAC + WILL + NAWS + IAC + WILL + NAWS)
    assert IAC + DO + NAWS not in player.read_bytes()


def test_naws_wraps_to_the_window_and_follows_resizes():
    player = WirePlayer(make_game())
    player.send_bytes(IAC + WILL + NAWS + sb(NAWS, bytes([0, 40, 0, 24])))
    player.create("Ann")
    player.read()
    narrow = player.type("look")
    assert max(len(line) for line in narrow.splitlines()) < 40
    player.send_bytes(sb(NAWS, bytes([0, 200, 0, 50])))
    wide = player.type("look")
    assert max(len(line) for line in wide.splitlines()) > 80


def cycle_ttype(player: WirePlayer, *answers: str) -> list[bytes]:
    """Answer each SEND with the next name; returns every SEND the server made."""
    player.send_bytes(IAC + WILL + TTYPE)
    sends = subs(player.read_bytes(), TTYPE)
    for answer in answers:
        player.send_bytes(sb(TTYPE, b"\x00" + answer.encode()))
        sends += subs(player.read_bytes(), TTYPE)
    return sends


def test_ttype_cycles_to_mtts_and_picks_256_colours_and_utf8():
    player = WirePlayer(make_game())
    assert cycle_ttype(player, "MUDLET", "ANSI-256COLOR", "MTTS 13") == [b"\x01"] * 3
    player.create("Ann")
    player.read_bytes()
    player.send_bytes(b"look\r\n")
    assert b"\x1b[38;5;51mVillage Square" in player.read_bytes()


def test_a_repeated_terminal_type_ends_the_cycle():
    player = WirePlayer(make_game())
    assert len(cycle_ttype(player, "XTERM", "XTERM")) == 2
    player.send_bytes(sb(TTYPE, b"\x00XTERM"))  # an unasked answer changes nothing
    assert subs(player.read_bytes(), TTYPE) == []


def test_mtts_screen_reader_gets_plain_words_and_no_art():
    game = make_game()
    player = WirePlayer(game)
    cycle_ttype(player, "TINTIN++", "VT100", "MTTS 69")  # ANSI + UTF-8 + screen reader
    player.create("Ann")
    player.read_bytes()
    player.send_bytes(b"look\r\n")
    data = player.read_bytes()
    assert b"\x1b[" not in data and b"[Exits:" not in data
    assert "Exits: north, south, east, west, northeast and northwest." in plain(data)
    again = WirePlayer(game)
    cycle_ttype(again, "X", "Y", "MTTS 69")
    again.read_bytes()
    again.protocol.session.login.greet()
    banner = plain(again.read_bytes())
    assert "E M B E R F A L L" not in banner and "Welcome to Emberfall." in banner


def test_charset_offers_utf8_and_a_refusal_gets_ascii_safe_text():
    game = make_game()
    player = WirePlayer(game)
    player.send_bytes(IAC + WILL + CHARSET)
    assert subs(player.read_bytes(), CHARSET) == [b"\x01;UTF-8"]
    player.send_bytes(sb(CHARSET, b"\x03"))  # REJECTED
    player.create("Ann")
    bob = WirePlayer(game)
    bob.create("Bob")
    player.read_bytes()
    bob.type("say caf\u00e9 \u2014 \u201cyes\u201d")
    heard = player.read_bytes()
    assert heard.isascii() and b'cafe -- "yes"' in heard
    other = WirePlayer(game)
    other.send_bytes(IAC + WILL + CHARSET + sb(CHARSET, b"\x02UTF-8"))
    other.create("Kip")
    other.read_bytes()
    bob.type("say caf\u00e9")
    assert "caf\u00e9".encode() in other.read_bytes()


def test_a_client_charset_request_is_answered():
    player = WirePlayer(make_game())
    player.send_bytes(IAC + WILL + CHARSET)
    player.read_bytes()
    player.send_bytes(sb(CHARSET, b"\x01;ISO-8859-1;UTF-8"))
    assert subs(player.read_bytes(), CHARSET) == [b"\x02UTF-8"]


def test_mccp2_starts_after_ttype_and_the_stream_decompresses():
    player = WirePlayer(make_game())
    player.send_bytes(IAC + DO + MCCP2)
    assert subs(player.read_bytes(), MCCP2) == []  # not before the terminal type is known
    player.send_bytes(IAC + WONT + TTYPE)
    data = player.read_bytes()
    start = data.index(sb(MCCP2, b"")) + 5
    stream = zlib.decompressobj()
    text = stream.decompress(data[start:])
    player.send_bytes(b"create Ann secret1\r\n")
    text += stream.decompress(player.read_bytes())
    assert "Village Square" in plain(text)
    # The client turns compression off mid-stream: the stream ends, plain bytes follow.
    player.send_bytes(IAC + DONT + MCCP2)
    data = player.read_bytes()
    stream.decompress(data)
    assert stream.eof
    assert stream.unused_data.startswith(IAC + WONT + MCCP2)
    player.send_bytes(b"look\r\n")
    assert "Village Square" in plain(player.read_bytes())


def test_mccp2_starts_anyway_when_ttype_is_never_answered():
    game = make_game()
    player = WirePlayer(game)
    player.send_bytes(IAC + DO + MCCP2)
    player.read_bytes()
    game.world.clock.advance(TTYPE_WAIT)
    assert sb(MCCP2, b"") in player.read_bytes()


def test_gmcp_sends_only_what_was_asked_for_from_the_game_events():
    game = make_game()
    ann = WirePlayer(game)
    ann.send_bytes(IAC + DO + GMCP)
    ann.send_bytes(sb(GMCP, b'Core.Hello {"client":"Mudlet","version":"4.17"}'))
    ann.send_bytes(sb(GMCP, b'core.supports.set ["room 1", "Char 1", "Comm.Channel 1"]'))
    ann.read_bytes()
    ann.send_bytes(b"create Ann secret1\r\n")
    messages = dict(gmcp_messages(ann.read_bytes()))
    assert messages["Char.Name"] == {"name": "Ann", "fullname": "Ann"}
    # Char.Vitals and Char.Status are the game's (the combat system's), not the telnet side's.
    assert messages["Char.Vitals"]["hp"] == messages["Char.Vitals"]["maxhp"] > 0
    assert messages["Char.Status"]["name"] == "Ann"
    info = messages["Room.Info"]
    square = game.world.rooms["village:square"]
    assert info["num"] == square.num and info["name"] == "Village Square"
    assert info["area"] == "Emberfall Village" and info["environment"] == "town"
    assert info["exits"]["n"] == game.world.rooms["village:high_street"].num
    assert set(info["exits"]) == {"n", "s", "e", "w", "ne", "nw"}
    assert ann.protocol.options.client == "Mudlet"
    bob = WirePlayer(game)
    bob.create("Bob")
    arrived = gmcp_messages(ann.read_bytes())
    assert ("Room.AddPlayer", {"name": "Bob", "fullname": "Bob"}) in arrived
    bob.type("say hello there")
    said = dict(gmcp_messages(ann.read_bytes()))["Comm.Channel.Text"]
    assert said == {"channel": "say", "talker": "Bob", "text": 'Bob says, "hello there"'}
    ann.send_bytes(sb(GMCP, b'Core.Supports.Remove ["Comm.Channel"]'))
    bob.type("say again")
    assert gmcp_messages(ann.read_bytes()) == []
    bob.type("n")
    assert ("Room.RemovePlayer", "Bob") in gmcp_messages(ann.read_bytes())


def test_gmcp_garbage_and_unknown_packages_are_ignored():
    player = WirePlayer(make_game())
    player.send_bytes(IAC + DO + GMCP)
    player.send_bytes(sb(GMCP, b"Core.Supports.Set [not json") + sb(GMCP, b"\xff\xfe\xfd"))
    player.send_bytes(sb(GMCP, b'Core.Supports.Set {"a": 1}') + sb(GMCP, b"Core.Ping"))
    data = player.read_bytes()
    assert gmcp_messages(data) == [("Core.Ping", None)]
    player.create("Ann")
    assert player.protocol is not None and gmcp_messages(player.read_bytes()) == []


def listing_player(game):
    listing = Listing(game, {"CONTACT": "admin@example.org", "GENRE": "Horror"}, 1_700_000_000,
                      lambda what: [4000])
    wire = StringTransport()
    telnet = TelnetFactory(game, listing=listing).buildProtocol(None)
    telnet.makeConnection(wire)
    telnet.dataReceived(IAC + WONT + NAWS)  # no window size: greet at once
    return telnet, wire


def mssp_table(body: bytes) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    for part in re.split(rb"\x01", body)[1:]:
        name, *values = part.split(b"\x02")
        table[name.decode()] = [v.decode() for v in values]
    return table


def test_mssp_over_telnet_counts_players_not_crawlers():
    game = make_game()
    WirePlayer(game).create("Ann")
    crawler, wire = listing_player(game)
    wire.clear()
    crawler.dataReceived(IAC + DO + MSSP)
    (body,) = subs(wire.value(), MSSP)
    table = mssp_table(body)
    assert table["NAME"] == ["Emberfall"] and table["PLAYERS"] == ["1"]
    assert table["UPTIME"] == ["1700000000"] and table["PORT"] == ["4000"]
    assert table["CONTACT"] == ["admin@example.org"] and table["GENRE"] == ["Horror"]
    assert table["ROOMS"] == [str(len(game.world.rooms))]


def test_mssp_request_in_plain_text_at_the_login_prompt():
    game = make_game()
    crawler, wire = listing_player(game)
    wire.clear()
    crawler.dataReceived(b"MSSP-REQUEST\r\n")
    text = plain(wire.value())
    assert text.startswith("MSSP-REPLY-START\n") and "MSSP-REPLY-END" in text
    assert "NAME\tEmberfall\n" in text and "PLAYERS\t0\n" in text
    assert "ann" not in game.world.online and not wire.disconnecting


def test_random_subnegotiations_for_every_option_never_break_the_connection():
    import random
    rng = random.Random(5)
    game = make_game()
    player = WirePlayer(game)
    player.send_bytes(IAC + WILL + NAWS + IAC + WILL + TTYPE + IAC + WILL + CHARSET +
                      IAC + DO + GMCP + IAC + DO + EOR)
    specials = [b"\x00MTTS \xc2\xb2", b'Core.Supports.Set ["Room \xc2\xb2"]', b"\x01[TTABLE]",
                b"\x02", b"Core.Hello []", b"Core.Supports.Add 5", b"\x00" + b"9" * 60]
    for i in range(3000):
        option = rng.choice([NAWS, TTYPE, CHARSET, GMCP, MSSP, MCCP2, bytes([rng.randrange(256)])])
        payload = specials[i] if i < len(specials) else bytes(
            rng.randrange(256) for _ in range(rng.randrange(12)))
        player.send_bytes(sb(option, payload.replace(IAC, IAC + IAC)))
    player.read_bytes()
    assert not player.closed
    assert "Village Square" in player.create("Ann")


# -- the greeting waits for the window size -------------------------------------------------------

def naws(width: int, height: int = 24) -> bytes:
    return IAC + WILL + NAWS + IAC + SB + NAWS + width.to_bytes(2, "big") + \
        height.to_bytes(2, "big") + IAC + SE


def test_the_greeting_waits_for_the_window_size_and_fits_it():
    player = WirePlayer(make_game(), refuse_naws=False)
    assert "Emberfall" not in player.read()      # only negotiation so far
    player.send_bytes(naws(40))
    text = player.read()
    assert "Emberfall" in text and "name" in text.lower()
    lines = text.split("\n")
    assert max(visible_width(line) for line in lines) <= 39, lines
    # At the default 80 the banner is laid out wider: the size really was used.
    wide = plain(WirePlayer(make_game()).read_bytes())
    assert max(visible_width(line) for line in wide.split("\n")) > 40


def test_a_client_that_never_answers_is_greeted_after_the_wait():
    game = make_game()
    player = WirePlayer(game, refuse_naws=False)
    game.world.clock.advance(SIZE_WAIT * 0.9)
    assert "Emberfall" not in player.read()
    game.world.clock.advance(SIZE_WAIT * 0.2)
    assert "Emberfall" in player.read()
    game.world.clock.advance(SIZE_WAIT * 10)
    player.send_bytes(naws(100))                # a later resize greets no one twice
    assert "Emberfall" not in player.read()


def test_a_line_typed_before_the_size_is_answered_after_the_greeting():
    game = make_game()
    player = WirePlayer(game, refuse_naws=False)
    player.read()
    text = player.type("create Ann secret1")
    assert text.index("Emberfall") < text.index("Welcome to Emberfall, Ann")
    game.world.clock.advance(SIZE_WAIT * 2)
    assert "name" not in player.read().lower()   # no second greeting mid-game


def test_a_connection_gone_before_the_size_leaves_no_timer():
    game = make_game()
    player = WirePlayer(game, refuse_naws=False)
    pending = [c for c in game.world.clock.getDelayedCalls()
               if getattr(c.func, "__name__", "") == "size_settled"]
    assert len(pending) == 1
    player.drop()
    assert not pending[0].active()
    assert player.read() == ""


def test_a_silent_event_prints_nothing_but_its_gmcp_still_goes(monkeypatch):
    from mud.engine import events as ev
    from mud.protocols.options import gmcp

    class Gauge(ev.Event):
        __slots__ = ()
        kind = "gauge"
        silent = True
    monkeypatch.setitem(gmcp.MESSAGES, Gauge, lambda e: [("Char.Gauge", {"hp": 3})])
    game = make_game()
    ann = WirePlayer(game)
    ann.send_bytes(IAC + DO + GMCP)
    ann.send_bytes(sb(GMCP, b'Core.Supports.Set ["Char 1"]'))
    ann.create("Ann")
    ann.read_bytes()
    game.world.online["ann"].send(Gauge())
    data = ann.read_bytes()
    assert gmcp_messages(data) == [("Char.Gauge", {"hp": 3})]
    assert plain(data) == ""


def test_turning_char_on_after_login_asks_the_game_for_the_state_again():
    from mud.engine import hooks
    game = make_game()
    heard = []
    game.world.hooks.on(hooks.REFRESH, lambda who, room: heard.append((who.name, room.id)))
    ann = WirePlayer(game)
    ann.send_bytes(IAC + DO + GMCP)
    ann.create("Ann")
    ann.read_bytes()
    assert heard == []
    ann.send_bytes(sb(GMCP, b'Core.Supports.Add ["Char 1"]'))
    assert dict(gmcp_messages(ann.read_bytes()))["Char.Name"]["name"] == "Ann"
    assert heard == [("Ann", "village:square")]


def test_adding_a_char_package_later_or_asking_for_items_refreshes_the_state():
    from mud.engine import hooks
    game = make_game()
    heard = []
    game.world.hooks.on(hooks.REFRESH, lambda who, room: heard.append(who.name))
    ann = WirePlayer(game)
    ann.send_bytes(IAC + DO + GMCP)
    ann.send_bytes(sb(GMCP, b'Core.Supports.Set ["Char.Vitals 1"]'))
    ann.create("Ann")
    ann.read_bytes()
    ann.send_bytes(sb(GMCP, b'Core.Supports.Add ["Char.Vitals 1"]'))
    assert heard == []  # nothing new asked for
    ann.send_bytes(sb(GMCP, b'Core.Supports.Add ["Char.Items 1"]'))
    assert heard == ["Ann"]
    game.world.clock.advance(1)
    ann.send_bytes(sb(GMCP, b"Char.Items.Inv"))
    assert heard == ["Ann", "Ann"]


def test_a_flood_of_state_requests_is_answered_once_a_second():
    from mud.engine import hooks
    game = make_game()
    heard = []
    game.world.hooks.on(hooks.REFRESH, lambda who, room: heard.append(who.name))
    ann = WirePlayer(game)
    ann.send_bytes(IAC + DO + GMCP)
    ann.send_bytes(sb(GMCP, b'Core.Supports.Set ["Char 1"]'))
    ann.create("Ann")
    ann.read_bytes()
    ann.send_bytes(sb(GMCP, b"Char.Items.Inv") * 5000)
    assert heard == ["Ann"]          # the first at once
    sent = len(ann.read_bytes())
    game.world.clock.advance(0.5)
    ann.send_bytes(sb(GMCP, b"Char.Items.Inv") * 5000)
    game.world.clock.advance(0.5)
    assert heard == ["Ann", "Ann"]   # the rest once, when the second is up
    assert len(ann.read_bytes()) <= sent
    # A request pending when the connection goes is never answered.
    ann.send_bytes(sb(GMCP, b"Char.Items.Inv"))
    ann.drop()
    game.world.clock.advance(5)
    assert heard == ["Ann", "Ann"]


# -- offers nobody answers: given up, and their state forgotten (issue 15, memory) ----------


def pending(player: WirePlayer) -> dict[bytes, str]:
    """Each option the transport still keeps state for, as 'us/him' with * if negotiating."""
    return {option: f"{state.us}/{state.him}"
            for option, state in player.telnet.options.items()}


def waiting_deferreds(player: WirePlayer) -> int:
    return sum(side.onResult is not None for state in player.telnet.options.values()
               for side in (state.us, state.him))


def test_offers_a_silent_client_never_answers_are_given_up_and_forgotten():
    game = make_game()
    player = WirePlayer(game)
    assert waiting_deferreds(player) >= 7  # SGA, EOR, GMCP, MSSP, MCCP2, TTYPE, CHARSET
    game.world.clock.advance(OFFER_WAIT * 0.9)
    assert waiting_deferreds(player) >= 7  # not before the wait is over
    game.world.clock.advance(OFFER_WAIT * 0.2)
    assert waiting_deferreds(player) == 0
    # NAWS was refused (WirePlayer says WONT): off, so forgotten with the rest.
    assert pending(player) == {}
    # Still no prompt marks for a client that never spoke telnet, and play goes on.
    player.read_bytes()
    player.send_bytes(b"create Ann secret1\r\n")
    data = player.read_bytes()
    assert IAC + GA not in data and IAC + EOR_MARK not in data
    assert "Village Square" in plain(data)


def given_up(refuse_naws: bool = False) -> WirePlayer:
    """A player whose client has answered nothing for longer than OFFER_WAIT."""
    game = make_game()
    player = WirePlayer(game, refuse_naws=refuse_naws)
    game.world.clock.advance(OFFER_WAIT + 1)
    assert pending(player) == {}
    player.read_bytes()
    return player


# A late answer is the answer to our offer, as a timely one is: no second WILL/DO in reply
# (our offer is already on the wire), and the offer's follow-ups still go.

def test_a_late_answer_after_giving_up_is_still_honoured():
    player = given_up()
    player.send_bytes(IAC + DO + EOR + IAC + DO + GMCP + IAC + DO + SGA)
    assert player.read_bytes() == b""  # no second WILL EOR / GMCP / SGA
    player.send_bytes(IAC + WILL + NAWS + sb(NAWS, b"\x00\x64\x00\x28"))
    assert player.read_bytes() == b""  # no second DO NAWS
    assert player.protocol.options.width == 100
    assert player.protocol.options.gmcp is not None
    assert pending(player) == {EOR: "yes/no", GMCP: "yes/no", SGA: "yes/no", NAWS: "no/yes"}
    player.send_bytes(b"create Ann secret1\r\n")
    assert IAC + EOR_MARK in player.read_bytes()  # prompts marked, as EOR is on now


def test_a_late_will_charset_gets_the_utf8_request_and_utf8_is_negotiated():
    player = given_up()
    player.send_bytes(IAC + WILL + CHARSET)
    data = player.read_bytes()
    assert IAC + DO + CHARSET not in data
    assert subs(data, CHARSET) == [b"\x01;UTF-8"]
    player.send_bytes(sb(CHARSET, b"\x02UTF-8"))  # ACCEPTED
    assert player.protocol.options.utf8 is True


def test_a_late_will_ttype_gets_asked_the_terminal_type_and_it_counts():
    player = given_up()
    player.send_bytes(IAC + WILL + TTYPE)
    data = player.read_bytes()
    assert IAC + DO + TTYPE not in data
    assert subs(data, TTYPE) == [b"\x01"]  # SB TTYPE SEND
    for answer in (b"MUDLET", b"ANSI-256COLOR"):
        player.send_bytes(sb(TTYPE, b"\x00" + answer))
        assert subs(player.read_bytes(), TTYPE) == [b"\x01"]  # the cycle goes on
    player.send_bytes(sb(TTYPE, b"\x00MTTS 13"))
    assert player.protocol.options.client == "MUDLET"
    player.create("Ann")
    player.read_bytes()
    player.send_bytes(b"look\r\n")
    assert b"\x1b[38;5;51mVillage Square" in player.read_bytes()  # 256 colours, as told


def test_a_late_do_mccp2_starts_the_stream_without_a_second_will():
    player = given_up()
    player.send_bytes(IAC + DO + MCCP2)
    data = player.read_bytes()
    head, marker, stream = data.partition(sb(MCCP2, b""))
    assert marker and IAC + WILL + MCCP2 not in head
    inflate = zlib.decompressobj()
    inner = inflate.decompress(stream)
    assert IAC + WILL + MCCP2 not in inner
    player.send_bytes(b"create Ann secret1\r\n")
    assert "Village Square" in plain(inner + inflate.decompress(player.read_bytes()))


def test_a_late_ttype_nobody_answers_still_lets_mccp2_start_after_the_wait():
    player = given_up()
    player.send_bytes(IAC + WILL + TTYPE + IAC + DO + MCCP2)
    assert subs(player.read_bytes(), MCCP2) == []  # waiting for the terminal type
    player.game.world.clock.advance(TTYPE_WAIT)
    assert sb(MCCP2, b"") in player.read_bytes()
    calls = player.game.world.clock.getDelayedCalls()
    assert all("_ttype_settled" not in repr(call) for call in calls)  # no timer left behind


def test_a_late_refusal_does_what_a_timely_one_does():
    player = given_up()
    player.send_bytes(IAC + DONT + EOR + IAC + WONT + TTYPE)
    assert player.read_bytes() == b""
    player.send_bytes(b"create Ann secret1\r\n")
    assert player.read_bytes().endswith(IAC + GA)  # EOR refused: prompts end with GA


def test_only_the_late_answer_brings_its_option_state_back():
    player = given_up()
    player.send_bytes(IAC + WILL + TTYPE)
    assert pending(player) == {TTYPE: "no/yes"}
    assert waiting_deferreds(player) == 0
    # Answered now: a second WILL is a repeat, ignored; WILL of what we never offered is
    # a fresh request, refused.
    player.read_bytes()
    player.send_bytes(IAC + WILL + TTYPE + IAC + WILL + bytes([99]))
    assert player.read_bytes() == IAC + DONT + bytes([99])


def test_mccp2_asked_for_again_after_dont_starts_after_our_will():
    # A fresh request (not an answer): Twisted enables before replying WILL; the start
    # marker and the stream must still come after that WILL, not before it.
    player = WirePlayer(make_game())
    player.send_bytes(IAC + DO + MCCP2 + IAC + WONT + TTYPE)
    player.read_bytes()
    player.send_bytes(IAC + DONT + MCCP2)
    player.read_bytes()
    player.send_bytes(IAC + DO + MCCP2)
    data = player.read_bytes()
    assert data.startswith(IAC + WILL + MCCP2 + sb(MCCP2, b""))
    zlib.decompressobj().decompress(data[len(IAC + WILL + MCCP2 + sb(MCCP2, b"")):])


def test_answered_options_are_kept_and_only_the_unanswered_dropped():
    game = make_game()
    player = WirePlayer(game)
    player.send_bytes(IAC + DO + EOR + IAC + DO + GMCP)
    game.world.clock.advance(OFFER_WAIT + 1)
    assert pending(player) == {EOR: "yes/no", GMCP: "yes/no"}
    assert waiting_deferreds(player) == 0
    player.read_bytes()
    player.send_bytes(b"create Ann secret1\r\n")
    assert IAC + EOR_MARK in player.read_bytes()


def test_the_password_prompts_echo_offer_is_not_given_up():
    # Settling it would offer WILL ECHO again at the next password prompt.
    game = make_game()
    player = WirePlayer(game)
    player.type("Ann")
    assert "password" in player.type("yes").lower()  # a new name: the prompt hides input
    game.world.clock.advance(OFFER_WAIT + 1)
    assert pending(player) == {bytes([1]): "no*/no"}


def test_a_connection_closed_before_the_wait_leaves_no_timer():
    game = make_game()
    player = WirePlayer(game)
    player.drop()
    assert not [call for call in game.world.clock.getDelayedCalls()
                if "_give_up" in repr(call)]
