"""Line wrapping measured on what a player sees, not on characters.

Text for line-based clients carries ANSI colour codes and may hold East Asian wide
characters or combining marks, so its length in characters is not its width on screen.
Here every width is *visible* width: escape sequences count no columns, wide and fullwidth
characters (``unicodedata.east_asian_width`` W or F) two, combining marks and other
zero-width characters none.

- ``visible_width(text)``: the columns ``text`` takes on a terminal.
- ``fit(text, width)``: every line at most ``width`` columns. Over-wide lines break at
  spaces, continuation lines hanging under an indented line's text or a list item's
  marker; a single word wider than the window stays whole (the terminal wraps it, and a
  URL stays one piece). Colour is reset at the end of each line and re-opened at the start
  of the next, so a wrapped coloured line stays coloured and colour never bleeds.
- ``reflow(text, width)``: prose paragraphs refilled to the width; list items, verse,
  signs and art kept line by line (each still fitted). ``sentences=True`` also keeps a
  line break that follows the end of a sentence (help text written one sentence a line).
- ``unwrap(text)``: reflow for clients that wrap by themselves (browsers): each prose
  paragraph on one line, art and verse kept as written.

Rendering is a hot path, so text that is ASCII and already short returns untouched
before any scanning.
"""

from __future__ import annotations

import functools
import re
import unicodedata

RESET = "\x1b[0m"
# Any CSI sequence (colour is SGR, ending in "m"); the renderers emit no other escapes.
ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_SGR = re.compile(r"\x1b\[([0-9;:]*)m")
LIST_ITEM = re.compile(r"^\s*(?:[*-]|\d+[.)])\s+")
_WORD = re.compile(r"( *)([^ ]+)")
# A paragraph of two or more lines all this short (0.7 of an 80-column line) is verse or
# a sign and keeps its line breaks; longer lines are prose, refilled to the window.
SHORT_LINE = 55
UNLIMITED = 1_000_000
_SENTENCE_END = (".", "!", "?", ":", ".)", '."', "!\"", "?\"")

_WIDTHS: dict[str, int] = {}


def _char_width(ch: str) -> int:
    width = _WIDTHS.get(ch)
    if width is None:
        if ch < " " or unicodedata.combining(ch) or \
                unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            width = 0  # controls, combining marks, zero-width joiners and spaces
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            width = 2
        else:
            width = 1
        if len(_WIDTHS) < 65536:  # bounded: players choose the characters
            _WIDTHS[ch] = width
    return width


def visible_width(text: str) -> int:
    """Columns ``text`` (one line) takes on a terminal: escapes 0, wide characters 2."""
    if text.isascii():
        return len(ESCAPE.sub("", text)) if "\x1b" in text else len(text)
    if "\x1b" in text:
        text = ESCAPE.sub("", text)
    return sum(map(_char_width, text))


def _seen(line: str) -> str:
    """The line without escape sequences (what the classification looks at)."""
    return ESCAPE.sub("", line) if "\x1b" in line else line


def hang_for(line: str) -> int:
    """The hanging indent for a line's continuation lines: under a list item's text,
    two columns in from an indented line, none for a line that starts at the margin."""
    seen = _seen(line)
    marker = LIST_ITEM.match(seen)
    if marker:
        return visible_width(marker.group(0))
    indent = len(seen) - len(seen.lstrip(" "))
    return indent + 2 if indent else 0


def _break(line: str, width: int, hang: int) -> list[str]:
    """One line as lines of at most ``width`` visible columns, broken at spaces."""
    hang = min(hang, width // 2)
    pad = " " * hang
    lines: list[str] = []
    cur, used = "", 0
    plain = line.isascii()
    for gap, word in _WORD.findall(line):
        size = len(word) if plain and "\x1b" not in word else visible_width(word)
        if not lines and not cur:  # the first word keeps the line's own indent
            cur, used = gap + word, len(gap) + size
        elif used + len(gap) + size <= width:
            cur += gap + word
            used += len(gap) + size
        elif size == 0:  # a bare colour code: stays with the text before it
            cur += word
        else:
            lines.append(cur)
            cur, used = pad + word, hang + size
    lines.append(cur)
    return lines


def _active(line: str, codes: list[str]) -> list[str]:
    """The SGR codes in force after ``line``, starting from ``codes``."""
    for match in _SGR.finditer(line):
        params = match.group(1)
        if params in ("", "0"):
            codes = []
        elif params.startswith("0;"):
            codes = [match.group(0)]
        else:
            codes = [*codes[-7:], match.group(0)]
    return codes


def recolour(lines: list[str]) -> list[str]:
    """Close the colour at the end of every line it is still open on, and open it again
    at the start of the next line, so each line stands alone."""
    out: list[str] = []
    codes: list[str] = []
    for line in lines:
        opened = "".join(codes)
        if "\x1b" in line:
            codes = _active(line, codes)
        if opened:
            line = opened + line
        if codes:
            line += RESET
        out.append(line)
    return out


def wrap_line(line: str, width: int, hang: int | None = None) -> list[str]:
    """``line`` broken into lines of at most ``width`` visible columns (``hang``: the
    continuation indent; by default from the line itself, see ``hang_for``)."""
    if visible_width(line) <= width:
        return [line]
    lines = _break(line, width, hang_for(line) if hang is None else hang)
    return recolour(lines) if "\x1b" in line else lines


def fit(text: str, width: int) -> str:
    """``text`` with every line at most ``width`` visible columns."""
    if text.isascii():  # the fast paths: nothing too wide, no colour crossing a line
        if "\n" not in text:
            if len(text) <= width or visible_width(text) <= width:
                return text
        elif len(text) <= width and "\x1b" not in text:
            return text
    out: list[str] = []
    for line in text.split("\n"):
        if (len(line) <= width and line.isascii()) or visible_width(line) <= width:
            out.append(line)
        else:
            out.extend(_break(line, width, hang_for(line)))
    # Colour can only stay open past a line that holds a code and does not end reset.
    if "\x1b" in text and any("\x1b" in line and not line.endswith(RESET)
                              for line in out[:-1]):
        out = recolour(out)
    return "\n".join(out)


def _is_set(seen: list[str], sentences: bool) -> bool:
    """Whether a paragraph's line breaks are the author's (verse, a sign, art, a table)
    rather than where an editor happened to wrap prose."""
    if all(line[:1] == " " for line in seen):
        return True  # an indented block: art, a table
    if len(seen) < 2:
        return False
    if any(line[:1] == " " for line in seen[1:]):
        return True
    return not sentences and all(visible_width(line) <= SHORT_LINE for line in seen)


def _ends_sentence(line: str) -> bool:
    return line.endswith(_SENTENCE_END)


def _fill(block: list[str], width: int) -> str:
    """Lines of one prose block or list item joined and refilled to ``width``."""
    text = block[0].strip() if len(block) == 1 else " ".join(
        part for line in block for part in [line.strip()] if part)
    if block and LIST_ITEM.match(_seen(block[0])):
        marker = LIST_ITEM.match(_seen(text))
        hang = visible_width(marker.group(0)) if marker else 0
    else:
        hang = 0
    return "\n".join(wrap_line(text, width, hang))


def _paragraph(para: str, width: int, sentences: bool) -> str:
    lines = [line.rstrip() for line in para.split("\n")]
    lead = 0
    while lead < len(lines) - 1 and not lines[lead]:
        lead += 1  # blank lines before the paragraph stay as they are
    head, lines = lines[:lead], lines[lead:]
    seen = [_seen(line) for line in lines]
    listed = any(LIST_ITEM.match(line) for line in seen)
    if not listed and _is_set(seen, sentences):
        body = [part for line in lines for part in wrap_line(line, width, hang_for(line) or 2)]
        return "\n".join(head + body)
    blocks: list[list[str]] = []
    for line, plain in zip(lines, seen, strict=True):
        starts = not blocks or (listed and LIST_ITEM.match(plain)) or \
            (sentences and _ends_sentence(_seen(blocks[-1][-1])))
        if starts:
            blocks.append([line])
        else:
            blocks[-1].append(line)
    return "\n".join(head + [_fill(block, width) for block in blocks])


def reflow(text: str, width: int, *, sentences: bool = False) -> str:
    """Prose refilled to ``width`` columns, paragraphs (blank lines) kept apart; lists,
    verse and art keep their lines. Every line of the result fits (see ``fit``)."""
    if "\n" not in text:  # one line (speech, most messages): the fast paths
        if text.isascii() and (len(text) <= width or visible_width(text) <= width):
            return text
        seen = _seen(text)
        if seen[:1] != " " and not LIST_ITEM.match(seen):
            return "\n".join(wrap_line(text.rstrip(), width, 0))
    paras = [_paragraph(para, width, sentences) for para in text.split("\n\n")]
    return fit("\n\n".join(paras), width)


@functools.lru_cache(maxsize=16)  # called with the world's own texts (the welcome banner)
def unwrap(text: str) -> str:
    """``text`` for a client that wraps by itself: each prose paragraph on one line;
    lists, verse and art as written."""
    return reflow(text, UNLIMITED)
