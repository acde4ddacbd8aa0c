"""The telnet line protocol on a StringTransport: line endings, UTF-8, limits, echo, output."""

from __future__ import annotations

from twisted.conch.telnet import DO, DONT, ECHO, IAC, NOP, SGA, WILL, WONT
from twisted.internet.testing import StringTransport

from mud.engine.events import Say
from mud.protocols.telnet import TelnetFactory, clean_line
from tests.support import WirePlayer, make_game, plain


def logged_in(game, name="Ann"):
    player = WirePlayer(game)
    player.create(name)
    player.read()
    return player


def test_offers_sga_at_connect_and_greets_with_name_prompt():
    player = WirePlayer(make_game())
    raw = player.wire.value()
    assert IAC + WILL + SGA in raw
    text = player.read()
    assert "E M B E R F A L L" in text
    assert text.rstrip().endswith("What name do you go by?")


def test_every_line_ending_works():
    game = make_game()
    player = logged_in(game)
    for ending in (b"\r\n", b"\n", b"\r", b"\r\x00"):
        player.send_bytes(b"say ending" + ending)
        assert 'You say, "ending"' in player.read(), ending
    # A CR at the end of one packet and its LF at the start of the next make one line.
    player.send_bytes(b"say split\r")
    player.send_bytes(b"\nsay second\n")
    out = player.read()
    assert out.count('You say, "split"') == 1
    assert 'You say, "second"' in out
    assert "Unknown command" not in out


def test_several_lines_in_one_packet_and_one_line_over_many_packets():
    player = logged_in(make_game())
    player.send_bytes(b"say one\r\nsay two\r\nsa")
    player.send_bytes(b"y thr")
    player.send_bytes(b"ee\r\n")
    out = player.read()
    assert out.index('"one"') < out.index('"two"') < out.index('"three"')


def test_reads_of_one_whole_line_split_as_the_general_path_does():
    # A read holding one whole line goes a short way (MudTelnetProtocol.dataReceived); a
    # stray CR inside it, a pending partial line, a lone LF after a CR, an empty read and an
    # over-long line must come out as the regex loop makes them.
    player = logged_in(make_game())
    lines: list[str] = []
    player.protocol.session.line_received = lines.append
    limit = player.protocol.max_line
    for read in (b"one\r\n", b"two\n", b"\n", b"thr", b"ee\r\n", b"a\rb\n", b"c\r",
                 b"\n", b"d\r", b"e\n", b"", b"\r\n", b"x" * (limit + 1) + b"\r\n",
                 b"f\r\x00g\n", b"\r", b"\x00h\r\n"):
        player.send_bytes(read)
    assert lines == ["one", "two", "", "three", "a", "b", "c", "d", "e", "", "f", "g", "", "h"]
    assert "too long" in player.read()


def test_utf8_in_and_out_and_invalid_bytes_replaced():
    game = make_game()
    ann, bob = logged_in(game, "Ann"), logged_in(game, "Bob")
    ann.read()
    bob.send_bytes("say héllo wörld ✓\r\n".encode())
    assert 'Bob says, "héllo wörld ✓"' in ann.read()
    bob.send_bytes(b"say bad \xc3\x28 bytes\r\n")
    heard = ann.read()
    assert "Bob says" in heard and "bytes" in heard
    assert "\ufffd" in heard


def test_controls_removed_and_backspace_applied():
    # Whole escape sequences go, not just their ESC (which left "[31m" behind).
    assert clean_line(b"say hi\x07\x1b[31m there") == "say hi there"
    assert clean_line(b"lookx\x08") == "look"
    assert clean_line(b"lookx\x7f") == "look"
    assert clean_line(b"a\tb") == "a b"
    # An arrow key in character mode is dropped whole before backspace edits the line.
    assert clean_line(b"lookx\x1b[D\x08") == "look"
    assert clean_line("say \u009b31mred \u202eevil".encode()) == "say red evil"


def test_a_telnet_players_colour_codes_reach_others_as_their_text_only():
    game = make_game()
    ann, bob = logged_in(game, "Ann"), logged_in(game, "Bob")
    ann.read()
    bob.send_bytes(b"say \x1b[31mRED\x1b[0m\r\n")
    heard = plain(ann.read_bytes())
    assert 'Bob says, "RED"' in heard
    assert "[31m" not in heard and "[0m" not in heard


def test_too_long_line_is_refused_and_buffer_stays_bounded():
    game = make_game()
    player = logged_in(game)
    limit = player.protocol.max_line
    # No newline at all: the partial buffer must not grow past the limit.
    for _ in range(50):
        player.send_bytes(b"x" * 1000)
        assert len(player.protocol._partial) <= limit
    player.send_bytes(b"\r\n")
    assert "too long" in player.read()
    # The connection is fine afterwards.
    assert 'You say, "ok"' in player.type("say ok")


def test_a_long_line_in_one_packet_is_refused():
    player = logged_in(make_game())
    out = player.type("say " + "y" * 5000)
    assert "too long" in out and "You say" not in out


def test_password_prompt_hides_input_with_will_echo_then_wont_echo():
    game = make_game()
    player = WirePlayer(game)
    player.read_bytes()
    player.send_bytes(b"Cora\r\n")
    player.send_bytes(b"yes\r\n")
    raw = player.read_bytes()
    assert raw.endswith(IAC + WILL + ECHO)
    player.send_bytes(IAC + DO + ECHO)  # the client agrees to let us echo
    player.send_bytes(b"secret1\r\n")
    raw = player.read_bytes()
    # Still hidden for the second password prompt: no WONT ECHO in between.
    assert IAC + WONT + ECHO not in raw
    assert raw.startswith(b"\r\n")  # the newline the client did not echo
    assert b"Type the password again" in raw
    player.send_bytes(b"secret1\r\n")
    raw = player.read_bytes()
    assert raw.index(IAC + WONT + ECHO) < raw.index(b"Welcome to Emberfall, Cora!")
    player.send_bytes(IAC + DONT + ECHO)
    assert 'You say, "hi"' in player.type("say hi")


def test_silent_client_that_never_answers_negotiation_can_log_in():
    game = make_game()
    player = WirePlayer(game)
    player.type("Dora")
    player.type("y")
    player.type("secret1")
    out = player.type("secret1")
    assert "Welcome to Emberfall, Dora!" in out
    assert "Village Square" in out
    assert 'You say, "made it"' in player.type("say made it")
    # And logs in again the classic way later.
    player.type("quit")
    again = WirePlayer(game)
    again.type("Dora")
    assert "Village Square" in again.type("secret1")


def test_unknown_iac_command_does_not_drop_the_connection():
    player = logged_in(make_game())
    player.send_bytes(IAC + b"\xec" + b"say still here\r\n")
    assert 'You say, "still here"' in player.read()
    assert not player.closed


def test_iac_iac_is_a_literal_byte_and_stays_inside_the_line():
    player = logged_in(make_game())
    player.send_bytes(b"say a" + IAC + IAC + b"b\r\n")
    out = player.read()
    assert "You say" in out and "\ufffd" in out


def test_overlong_subnegotiation_drops_the_peer():
    player = logged_in(make_game())
    player.send_bytes(IAC + b"\xfa\x18" + b"A" * 5000)
    assert player.closed


def test_prompt_after_each_command_and_ansi_colour():
    player = logged_in(make_game())
    player.send_bytes(b"look\r\n")
    data = player.read_bytes()
    assert b"\x1b[1;36mVillage Square\x1b[0m" in data
    assert data.endswith(b"\x1b[1m> \x1b[0m")
    assert b"\r\n" in data and b"\n\n" not in data.replace(b"\r\n", b"")


def test_event_from_someone_else_starts_on_a_fresh_line_after_a_prompt():
    game = make_game()
    ann, bob = logged_in(game, "Ann"), logged_in(game, "Bob")
    ann.type("look")  # ends at a prompt
    bob.type("say hello")
    data = ann.read_bytes()
    assert data.startswith(b"\r\n")


def test_one_rendering_per_style_is_shared_by_every_listener():
    game = make_game()
    players = [logged_in(game, name) for name in ("Ann", "Bob", "Cid", "Dee")]
    for p in players:
        p.read()
    event = Say("Eve", "shared")
    for p in players:
        p.protocol.send(event)
    assert event.wire is not None and len(event.wire) == 1
    (cached,) = event.wire.values()
    assert b'Eve says, "shared"' in cached
    for p in players:
        assert p.read_bytes().endswith(cached)


def test_a_dropped_connection_leaves_a_link_dead_body_until_the_timeout():
    game = make_game()
    ann, bob = logged_in(game, "Ann"), logged_in(game, "Bob")
    bob.type("n")
    ann.read()
    bob.drop()
    assert "Bob has lost the connection" not in ann.read()  # Bob is north, not here
    assert "Bob (link-dead) is here." in ann.type("n")
    who = ann.type("who")
    assert "Players online: 1" in who and "Link-dead: Bob" in who
    assert game.store.characters["bob"].room == "village:high_street"
    game.world.clock.advance(game.linkdead - 1)
    assert "bob" in game.world.online
    game.world.clock.advance(1)
    assert "Bob has left the game." in ann.read()
    assert "bob" not in game.world.online


def test_logging_back_in_takes_over_the_link_dead_body():
    game = make_game()
    ann, bob = logged_in(game, "Ann"), logged_in(game, "Bob")
    ann.read()
    bob.drop()
    assert "Bob has lost the connection" in ann.read()
    again = WirePlayer(game)
    out = again.type("connect Bob secret1")
    assert "take over your body" in out
    game.world.clock.advance(game.linkdead * 2)  # the timer was cancelled
    assert "bob" in game.world.online
    assert "Bob (link-dead)" not in ann.type("look")


def test_iac_nop_every_ping_interval_and_none_after_the_connection_ends():
    game = make_game()
    game.world.scheduler.stop()  # no NPC behaviours: only the pings may reach the wire
    player = logged_in(game)
    player.read_bytes()
    interval = player.protocol.keepalive.interval
    game.world.clock.advance(interval - 0.5)
    assert player.read_bytes() == b""
    game.world.clock.advance(0.5)
    assert player.read_bytes() == IAC + NOP
    game.world.clock.pump([interval] * 3)
    assert player.read_bytes() == (IAC + NOP) * 3
    wheel = player.protocol.heartbeats
    assert wheel.size == 1
    player.drop()
    game.world.clock.advance(interval * 3)
    assert player.read_bytes() == b""
    assert wheel.size == 0


def test_one_factorys_connections_share_one_heartbeat_wheel():
    game = make_game()
    game.world.scheduler.stop()
    factory = TelnetFactory(game)
    wires, protocols = [], []
    for _ in range(3):
        wire, telnet = StringTransport(), factory.buildProtocol(None)
        telnet.makeConnection(wire)
        wires.append(wire)
        protocols.append(telnet.protocol)
    assert all(p.heartbeats is factory.heartbeats for p in protocols)
    assert factory.heartbeats.size == 3
    for wire in wires:
        wire.clear()
    game.world.clock.pump([1.0] * int(factory.keepalive.interval))
    assert all(wire.value().count(IAC + NOP) == 1 for wire in wires)


def test_no_heartbeat_when_keepalive_is_off():
    game = make_game()
    wire = StringTransport()
    telnet = TelnetFactory(game, keepalive=None).buildProtocol(None)
    telnet.makeConnection(wire)
    wire.clear()
    game.world.clock.advance(3600)
    assert IAC + NOP not in wire.value()


def test_colour_command_changes_the_rendering_and_is_saved():
    game = make_game()
    ann = logged_in(game)
    raw = ann.read_bytes
    ann.send_bytes(b"look\r\n")
    assert b"\x1b[1;36m" in raw()  # 16 colours by default
    ann.send_bytes(b"colour 256\r\n")
    raw()
    ann.send_bytes(b"look\r\n")
    assert b"\x1b[38;5;51m" in raw()
    ann.send_bytes(b"colour off\r\n")
    raw()
    ann.send_bytes(b"look\r\n")
    assert b"\x1b[" not in raw()
    ann.type("quit")
    assert game.store.characters["ann"].colour == "off"
    again = WirePlayer(game)
    again.read_bytes()
    again.send_bytes(b"connect Ann secret1\r\n")
    assert b"\x1b[" not in again.read_bytes()

