"""JSON from clients (WebSocket frames, GMCP messages), with a bound on how deeply it nests.

Python's json module recurses once per nested array or object, so a few KiB of brackets
(``[[[[...``) reach the interpreter's recursion limit and raise RecursionError: a traceback
in the log and, for telnet, a dropped connection. Nothing a client sends the server nests
more than a few levels, so anything deeper than ``MAX_DEPTH`` is refused before the decoder
sees it.

The check costs two ``str.count`` calls for ordinary messages. Only text holding more
opening brackets than the bound is examined, at C speed: strings are cut out (brackets in
them do not nest anything), the brackets left are reduced by removing innermost pairs once
per level allowed, and whatever pair survives that was nested deeper than the bound.

Lone UTF-16 surrogates: ``"\\ud800"`` is valid JSON, and the decoder gives a str holding
U+D800, half a character that no UTF-8 encoder takes (an escaped pair such as
``"\\ud83d\\ude00"`` is one whole character and fine). Left in, one breaks every screen,
frame and file the text reaches. ``loads`` drops them from every string, keys included
(``surrogates="drop"``: what a browser sends when it cuts an emoji in two is the rest of
the message), or refuses the text with LoneSurrogate (``"refuse"``: the admin API). Only
text holding a surrogate-range ``\\u`` escape is examined (raw UTF-8 cannot encode a
surrogate: the bytes' decoding refuses it first), so ordinary messages cost one ``in``.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32

# A JSON string (possessive, so a long or unterminated string never backtracks).
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
# Arrays and objects nest alike; mixing their brackets up is the decoder's error to report.
_ONE_KIND = str.maketrans("{}", "[]")
# A \u escape of a surrogate (either half; pairs too, which decode whole: they only make
# the decoded strings be looked at).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class TooDeep(ValueError):
    """The text nests arrays and objects deeper than the bound (it was not decoded)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nested deeper than {limit} levels")
        self.limit = limit


class LoneSurrogate(ValueError):
    """A string in the text holds a lone UTF-16 surrogate (``surrogates="refuse"``)."""

    def __init__(self) -> None:
        super().__init__("a string holds a lone UTF-16 surrogate (half of a character, "
                         "such as \\ud800), which is not text")


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether decoding ``text`` would open more than ``limit`` arrays/objects inside one
    another (for valid JSON: whether it nests deeper than ``limit``)."""
    if text.count("[") + text.count("{") <= limit:
        return False  # cannot nest deeper than it has brackets
    shape = _NOT_BRACKET.sub("", _STRING.sub("", text)).translate(_ONE_KIND)
    for _ in range(limit):
        inner_gone = shape.replace("[]", "")
        if len(inner_gone) == len(shape):
            break
        shape = inner_gone
    # Left now: pairs nested deeper than the bound, or brackets that never close. Those
    # make the text invalid, yet the decoder would still recurse into each unclosed one.
    return "[]" in shape or shape.count("[") > limit


def loads(text: str, limit: int = MAX_DEPTH, surrogates: str = "drop") -> Any:
    """``json.loads(text)``, refusing text nested deeper than ``limit`` with TooDeep, and
    dropping lone surrogates from its strings (``surrogates="drop"``) or refusing them
    with LoneSurrogate (``"refuse"``).

    Raises ValueError (TooDeep and LoneSurrogate are ones) for anything that is not
    acceptable JSON."""
    if too_deep(text, limit):
        raise TooDeep(limit)
    value = json.loads(text)
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        value = _without_lone_surrogates(value, surrogates == "refuse")
    return value


def _without_lone_surrogates(value: Any, refuse: bool) -> Any:
    # Recursion is bounded: the text nests no deeper than the limit checked above.
    if isinstance(value, str):
        if _LONE_SURROGATE.search(value) is None:
            return value
        if refuse:
            raise LoneSurrogate()
        return _LONE_SURROGATE.sub("", value)
    if isinstance(value, list):
        return [_without_lone_surrogates(item, refuse) for item in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(key, refuse): _without_lone_surrogates(item, refuse)
                for key, item in value.items()}
    return value
