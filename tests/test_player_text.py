"""The player-text sanitiser: whole escape sequences, C0/C1 controls and bidi controls go."""

from __future__ import annotations

import pytest

from mud.engine.events import Say
from mud.player_text import MAX_STRING_COMMAND, clean
from tests.support import WirePlayer, make_game

UNSAFE = ("\x1b", "\x07", "\x08", "\x7f", "\x00", "\r", "\n", *map(chr, range(0x80, 0xA0)),
          "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
          "\u2069", "\u200e", "\u200f", "\u061c")


@pytest.mark.parametrize(("raw", "expected"), [
    ("say hello there", "say hello there"),
    ("\x1b[31mRED\x1b[0m", "RED"),                       # SGR colour, whole
    ("a\x1b[2Jb", "ab"),                                 # clear screen
    ("a\x1b[6nb", "ab"),                                 # device status request
    ("a\x1b[?1049hb", "ab"),                             # private mode
    ("a\x1b[1;31;42mb", "ab"),
    ("a\x1b]0;title\x07b", "ab"),                        # OSC to BEL
    ("a\x1b]0;title\x1b\\b", "ab"),                      # OSC to ST
    ("x\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\y", "xclicky"),  # OSC 8 link
    ("a\x1bPq#0;2;0;0;0\x1b\\b", "ab"),                  # DCS (sixel)
    ("a\x1b_apc\x1b\\b\x1b^pm\x07c\x1bXsos\x9cd", "abcd"),
    ("a\x9b31mb", "ab"),                                 # 8-bit CSI
    ("a\x9d0;title\x9cb", "ab"),                         # 8-bit OSC to 8-bit ST
    ("a\x9d0;title\x07b", "ab"),
    ("a\x1bcb", "ab"),                                   # ESC c: reset
    ("a\x1b(Bb", "ab"),                                  # charset designation
    ("a\x1b7b\x1b8c", "abc"),
    ("bell\x07", "bell"),
    ("a\tb", "a b"),
    ("a\x00b\x1fc\x7fd", "abcd"),
    ("a\x85b\x9fc", "abc"),                              # C1 controls (NEL, APC)
    ("\u202eevil\u202c", "evil"),
    ("a\u2066b\u2069c\u200ed\u200fe\u061cf", "abcdef"),
])
def test_clean(raw, expected):
    assert clean(raw) == expected


def test_unterminated_sequences_are_bounded():
    # A CSI with no final byte: the introducer and its parameter bytes go, the rest stays.
    assert clean("say \x1b[31") == "say "
    assert clean("say \x1b") == "say "
    # A string command with no terminator in reach: only its introducer goes, so a stray
    # ESC ] never eats the rest of a long line; the text after it is plain and harmless.
    long_tail = "x" * (MAX_STRING_COMMAND + 50)
    assert clean("say \x1b]" + long_tail) == "say " + long_tail
    assert clean("say \x1b]0;short") == "say 0;short"
    # One in reach is dropped whole, one just past it is not.
    assert clean("a\x1b]" + "t" * MAX_STRING_COMMAND + "\x07b") == "ab"
    assert clean("a\x1b]" + "t" * (MAX_STRING_COMMAND + 1) + "\x07b") == \
        "a" + "t" * (MAX_STRING_COMMAND + 1) + "b"
    # An ESC inside a string command ends it without a terminator: both handled on their own.
    assert clean("a\x1b]0;t\x1b[31mb") == "a0;tb"


def test_what_is_kept():
    for text in ("héllo wörld ✓", "日本語", "emoji 👩\u200d👩\u200d👧", "nbsp\u00a0here",
                 "zero\u200bwidth", "\ufffd", "a [31m b", "[0m"):
        assert clean(text) == text


def test_nothing_unsafe_survives_random_mixtures():
    import random
    rng = random.Random(9)
    alphabet = [*UNSAFE, "[", "]", ";", "m", "a", "1", "\\", " ", "é", "\t"]
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40)))
        out = clean(text)
        assert not any(ch in out for ch in UNSAFE), (text, out)
        assert clean(out) == out, text  # idempotent


def test_backspace_editing_only_with_edit():
    assert clean("lookx\b", edit=True) == "look"
    assert clean("lookx\x7f", edit=True) == "look"
    assert clean("\b\bok", edit=True) == "ok"
    assert clean("lookx\x1b[D\b", edit=True) == "look"
    # Without editing (web), backspaces are dropped like other controls.
    assert clean("lookx\b") == "lookx"


def test_every_line_a_session_takes_is_cleaned_before_the_engine():
    game = make_game()
    ann, bob = WirePlayer(game), WirePlayer(game)
    ann.create("Ann")
    bob.create("Bob")
    heard: list[Say] = []
    ann_character = game.world.online["ann"]
    real_send = ann_character.link.send
    ann_character.link.send = lambda event: (heard.append(event), real_send(event))[1]
    # As the web transport does: straight into the session, no telnet decoding.
    bob.protocol.session.line_received("say \x1b[2J\x1b]0;t\x07hi\u202e\x9b6n\x07")
    says = [e for e in heard if isinstance(e, Say)]
    assert [s.text for s in says] == ["hi"]
