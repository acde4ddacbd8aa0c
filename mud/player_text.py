"""The one sanitiser for text players send: what may reach other players' screens.

Every line a player types (telnet or web; speech, emotes, tells, anything a command stores)
passes through ``clean`` in ``Session.line_received`` before the engine sees it. Other
players read that text on terminals, which obey control characters, and in browsers,
which obey bidirectional-text controls, so ``clean`` removes:

- escape sequences, whole (not just their ESC, which would leave ``[31m`` behind):
  * CSI, ``ESC [`` or U+009B, its parameter and intermediate bytes and its final byte
    (colours, cursor moves, clear screen, ``ESC[6n`` device-status requests). If the final
    byte is missing, the introducer and the parameter bytes that came go;
  * string commands, ``ESC ]`` or U+009D (OSC: window titles, OSC 8 links), ``ESC P`` or
    U+0090 (DCS), ``ESC X`` or U+0098 (SOS), ``ESC ^`` or U+009E (PM), ``ESC _`` or
    U+009F (APC): from the introducer to the terminator (BEL, ``ESC \\`` or U+009C) when the
    terminator comes within ``MAX_STRING_COMMAND`` characters. Otherwise only the
    introducer goes and what follows is kept as ordinary text, so a stray ``ESC ]`` never
    swallows the rest of a long line;
  * any other ``ESC``, with the intermediate bytes (0x20-0x2F) and the final byte
    (0x30-0x7E) that follow it (``ESC c`` reset, ``ESC ( B``, ``ESC 7``...);
- every other C0 control (NUL to US), DEL and C1 control (U+0080 to U+009F): tab becomes
  a space, the rest is removed;
- bidirectional controls that reorder what others see: embeddings and overrides
  (U+202A to U+202E), isolates (U+2066 to U+2069) and the marks U+200E, U+200F, U+061C;
- lone UTF-16 surrogates (U+D800 to U+DFFF). JSON may write one (``"\\ud800"``, or half of an
  emoji a browser cut in two); it is half a character that nothing can show and that no
  UTF-8 encoder takes, so once stored it broke every telnet screen, JSON frame and area
  file it reached. It is dropped, not replaced with U+FFFD: like a control character it
  carries nothing a player meant to show, and a U+FFFD kept in a room name or a
  description would sit in the area's files for good.

Everything else is kept, joiners and emoji included. ``edit=True`` (telnet) also applies
backspace and DEL as line editing, after escape sequences are gone (so an arrow key's
``ESC [ D`` does not leave letters for a backspace to eat). Most lines hold nothing to
remove, and ``str.isprintable`` (one pass in C) sends them straight back.
"""

from __future__ import annotations

import re

# Longest body of an OSC/DCS/SOS/PM/APC string that is dropped whole with its terminator.
MAX_STRING_COMMAND = 256

_CSI = r"(?:\x1b\[|\x9b)[0-?]*+[ -/]*+[@-~]?"
_STRING_COMMAND = (r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])"
                   rf"(?:[^\x07\x1b\x9c]{{0,{MAX_STRING_COMMAND}}}+(?:\x07|\x1b\\|\x9c))?")
_OTHER_ESCAPE = r"\x1b[ -/]*+[0-~]?"
_SEQUENCES = f"{_CSI}|{_STRING_COMMAND}|{_OTHER_ESCAPE}"
# Tab is not here: it becomes a space before this runs.
_SINGLE = (r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
           r"\ud800-\udfff]")

_ESCAPES = re.compile(_SEQUENCES)
_UNSAFE = re.compile(f"{_SEQUENCES}|{_SINGLE}")


def clean(text: str, edit: bool = False) -> str:
    """``text`` with escape sequences, control characters and bidi controls removed
    (see the module docstring); with ``edit``, backspace and DEL delete what came before."""
    if text.isprintable():
        # No Cc, Cf or Cs character at all (and no separators but the space): nothing to
        # drop.
        return text
    if edit and ("\b" in text or "\x7f" in text):
        text = _apply_backspaces(_ESCAPES.sub("", text))
    if "\t" in text:
        text = text.replace("\t", " ")
    return _UNSAFE.sub("", text)


def _apply_backspaces(text: str) -> str:
    kept: list[str] = []
    for ch in text:
        if ch == "\b" or ch == "\x7f":
            if kept:
                kept.pop()
        else:
            kept.append(ch)
    return "".join(kept)
