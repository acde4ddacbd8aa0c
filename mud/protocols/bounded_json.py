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


class TooDeep(ValueError):
    """The text nests arrays and objects deeper than the bound (it was not decoded)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"JSON nested deeper than {limit} levels")
        self.limit = limit


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


def loads(text: str, limit: int = MAX_DEPTH) -> Any:
    """``json.loads(text)``, refusing text nested deeper than ``limit`` with TooDeep.

    Raises ValueError (TooDeep is one) for anything that is not acceptable JSON."""
    if too_deep(text, limit):
        raise TooDeep(limit)
    return json.loads(text)
