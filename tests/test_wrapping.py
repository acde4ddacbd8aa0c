"""Wrapping on visible width: colour codes take no room, wide characters two columns,
combining marks none; colour survives a line break without bleeding."""

from __future__ import annotations

import re

import pytest

from mud.render.wrapping import (
    RESET,
    fit,
    recolour,
    reflow,
    unwrap,
    visible_width,
    wrap_line,
)

RED = "\x1b[38;2;255;95;95m"
BOLD = "\x1b[1m"
_SGR = re.compile(r"\x1b\[[0-9;]*m")
PROSE = ("The lamps of Emberfall burn late. North of the gate the old forest whispers, and "
         "under the hills the abandoned silver mine keeps its dead and its secrets.")


def seen(text: str) -> str:
    return _SGR.sub("", text)


@pytest.mark.parametrize(("text", "width"), [
    ("", 0),
    ("hello", 5),
    (f"{RED}hello{RESET}", 5),
    ("\x1b[1;36mVillage Square\x1b[0m", 14),
    ("日本語", 6),                      # wide: two columns each
    ("\uff21\uff22\uff23", 6),          # fullwidth Latin A B C
    ("e\u0301te\u0301", 3),            # combining acute accents take no column
    ("a\u200bb", 2),                   # zero-width space
    ("café", 4),
    (f"{RED}日本{RESET} ok", 7),
])
def test_visible_width(text, width):
    assert visible_width(text) == width


def test_colour_codes_do_not_count_towards_the_width():
    line = RED + "word " * 20 + RESET   # 99 visible columns, 123 characters
    lines = wrap_line(line, 79)
    assert len(lines) == 2
    # The first line is filled to the window, not cut short by the escape's length.
    assert visible_width(lines[0]) >= 75
    assert all(visible_width(line) <= 79 for line in lines)


def test_a_short_coloured_line_is_not_broken():
    line = f'{RED}Kai tells you, "psst"{RESET}'   # 21 visible, 44 characters
    assert fit(line, 39) == line
    assert wrap_line(line, 21) == [line]


def test_colour_is_reopened_after_a_break_and_reset_at_each_line_end():
    lines = wrap_line(f"{RED}{PROSE}{RESET}", 30)
    assert len(lines) > 3
    for line in lines:
        assert line.startswith(RED), line
        assert line.endswith(RESET), line
        assert visible_width(line) <= 30
    assert " ".join(seen(line) for line in lines) == PROSE


def test_colour_in_the_middle_of_a_line_carries_only_where_it_is_open():
    line = f"plain words here {BOLD}bold words that run on{RESET} and plain again at the end"
    lines = wrap_line(line, 24)
    assert lines == [
        f"plain words here {BOLD}bold{RESET}",
        f"{BOLD}words that run on{RESET} and",
        "plain again at the end",
    ]


def test_recolour_carries_colour_across_existing_line_breaks():
    assert recolour([f"{RED}one", "two", f"three{RESET}", "four"]) == [
        f"{RED}one{RESET}", f"{RED}two{RESET}", f"{RED}three{RESET}", "four"]


def test_fit_closes_colour_left_open_across_lines():
    out = fit(f"{RED}one\ntwo{RESET}", 80)
    assert out == f"{RED}one{RESET}\n{RED}two{RESET}"


def test_wide_characters_wrap_at_half_as_many_characters():
    text = " ".join(["日本語"] * 10)   # each word 6 columns
    lines = fit(text, 20).splitlines()
    assert all(visible_width(line) <= 20 for line in lines), lines
    assert lines[0] == "日本語 日本語 日本語"   # 20 columns: a fourth would be 27


def test_combining_marks_do_not_push_a_line_over():
    word = "e\u0301" * 5   # five columns, ten characters
    text = " ".join([word] * 4)   # 23 columns
    assert fit(text, 23) == text


def test_indented_lines_hang_under_their_text_and_list_items_under_the_marker():
    row = "  Cora (link-dead), Ann (link-dead), Finn, Gale and Hob"
    lines = fit(row, 30).splitlines()
    assert lines[0].startswith("  Cora")
    assert all(line.startswith("    ") for line in lines[1:]), lines
    item = "- Wanted: fresh emberleaf, a lantern and some rope for the mine"
    lines = fit(item, 30).splitlines()
    assert all(line.startswith("  ") and line[2] != " " for line in lines[1:]), lines


def test_a_word_wider_than_the_window_is_left_whole():
    url = "https://example.org/" + "x" * 60
    assert fit(f"see {url} now", 40).splitlines() == ["see", url, "now"]


def test_the_fast_path_returns_the_same_object():
    text = "You say, \"hello\""
    assert fit(text, 79) is text
    assert reflow(text, 79) is text


def test_reflow_refills_prose_and_keeps_verse_art_and_lists():
    text = ("Cobbles worn smooth by centuries of boots slope up toward the\n"
            "north gate, and a fountain murmurs.\n\n"
            "Roses are red,\nviolets are blue.\n\n"
            "    /\\_/\\\n   ( o.o )\n\n"
            "Notices:\n  * one thing\n  * another thing")
    out = reflow(text, 79)
    assert out.split("\n\n") == [
        "Cobbles worn smooth by centuries of boots slope up toward the north gate, and a\n"
        "fountain murmurs.",
        "Roses are red,\nviolets are blue.",
        "    /\\_/\\\n   ( o.o )",
        "Notices:\n* one thing\n* another thing",
    ]


def test_verse_lines_too_long_for_a_narrow_window_wrap_one_by_one():
    verse = "The lamps burn late above the mine,\nand nobody walks the hill road."
    lines = reflow(verse, 20).splitlines()
    assert lines[0] == "The lamps burn late"
    assert all(visible_width(line) <= 20 for line in lines)
    # Each verse line starts at the margin; its continuations hang by two.
    assert [line for line in lines if not line.startswith(" ")] == [
        "The lamps burn late", "and nobody walks the"]


def test_sentences_mode_keeps_a_break_after_a_full_stop_and_joins_the_rest():
    help_text = ("colour [auto|off]\n\n"
                 "Choose how text is coloured: off for none, on for\n"
                 "the 16 basic colours. Your choice is saved.\n"
                 "Example: colour 256")
    out = reflow(help_text, 120, sentences=True)
    assert out == ("colour [auto|off]\n\nChoose how text is coloured: off for none, on for "
                   "the 16 basic colours. Your choice is saved.\nExample: colour 256")


def test_unwrap_puts_each_prose_paragraph_on_one_line_and_keeps_art():
    welcome = ("\n    E M B E R F A L L\n    a hill town\n\n"
               "The lamps of Emberfall burn late. North of the gate the old forest\n"
               "whispers, and under the hills the abandoned silver mine keeps its\n"
               "dead and its secrets.")
    assert unwrap(welcome) == ("\n    E M B E R F A L L\n    a hill town\n\n" + PROSE)


def test_every_line_fits_at_every_width():
    text = (f"{RED}{PROSE}{RESET}\n  an indented {BOLD}row{RESET} with several words in it\n"
            + " ".join(["日本語"] * 12))
    for width in range(20, 100, 7):
        for line in fit(text, width).splitlines():
            assert visible_width(line) <= width, (width, line)
