"""World entries as YAML text in the style of the bundled world files.

``render_pair(key, value, indent)`` gives the lines of one ``key: value`` pair: block
mappings in the order given, short lists of scalars in flow style (``[a, b]``), a text
ending in a line break (a description) as a folded ``>`` block wrapped at WIDTH columns,
a long one-line text as ``>-``, text with line breaks inside as a literal ``|`` block, and
strings YAML would read as something else (``yes``, ``1.0``, ``null``, ``""``, ``:x``)
quoted. Each rendered pair is parsed back and compared with the value, types included
(``same``); a style that would change the value falls back to quoting every string, and a
pair that still differs raises ``RenderError`` rather than reach a world file.

Pure functions, no I/O: mud/world_writer.py calls them from a worker thread.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from mud.world_yaml import FAST_LOADER

_resolver = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"

# Columns a folded text is wrapped to, and the longest line given a flow list.
WIDTH = 76
# Characters a plain (unquoted) scalar may not start with: YAML indicators.
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW_CHARS = set(",[]{}")


class RenderError(ValueError):
    """An entry that no style renders back to itself (a bug, or a value YAML cannot hold)."""


def plain(value: Any) -> Any:
    """``value`` as plain dicts, lists and scalars (the loader's Map and Seq are dict and
    list subclasses carrying line marks; tuples become lists)."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return str(value)
    raise RenderError(f"a {type(value).__name__} cannot be written to a world file")


def same(a: Any, b: Any) -> bool:
    """Equal as YAML values, types included (Python's True == 1 == 1.0 is not enough);
    the order of a mapping's keys does not count (the writer keeps the file's)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return len(a) == len(b) and all(k in b and same(v, b[k]) for k, v in a.items()) \
            and all(same(x, y) for x, y in zip(sorted(a, key=repr), sorted(b, key=repr),
                                               strict=True))
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _plain_ok(text: str, flow: bool) -> bool:
    """Whether ``text`` may be written unquoted and read back as this same string."""
    if not text or text != text.strip() or not text.isprintable() or text[0] in _INDICATORS:
        return False
    if ": " in text or " #" in text or text.endswith(":") or "\t" in text:
        return False
    if flow and not _FLOW_CHARS.isdisjoint(text):
        return False
    return bool(_resolver.resolve(yaml.ScalarNode, text, (True, False)) == _STR)


def _quoted(text: str) -> str:
    if text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    if text.isprintable() and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    # Control characters and line breaks: YAML's own double-quoted escapes, on one line.
    dumped = yaml.dump(text, Dumper=yaml.SafeDumper, default_style='"', width=math.inf,
                       allow_unicode=True)
    return str(dumped).rstrip("\n").removesuffix("\n...").rstrip("\n")


def scalar(value: Any, flow: bool = False, quote: bool = False) -> str:
    """One scalar on one line."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        # YAML 1.1 reads an exponent without a dot as text: 1e+20 must be 1.0e+20.
        return text.replace("e", ".0e") if "e" in text and "." not in text else text
    if not quote and _plain_ok(value, flow):
        return str(value)
    return _quoted(value)


def _foldable(text: str) -> bool:
    body = text[:-1] if text.endswith("\n") else text
    return bool(body) and body == body.strip() and "  " not in body and \
        body.isprintable() and "\n" not in body and "\t" not in body


def _fold(text: str, indent: int) -> list[str]:
    """The lines of a folded block for one-line ``text``, words wrapped at WIDTH."""
    pad, lines, line = " " * indent, [], ""
    for word in text.split(" "):
        if line and indent + len(line) + 1 + len(word) > WIDTH:
            lines.append(pad + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(pad + line)
    return lines


def _literal(text: str, indent: int) -> tuple[str, list[str]] | None:
    # Kept trailing blank lines (|+) would be at the mercy of the blank lines around an
    # entry: such a text is quoted instead.
    if text.endswith("\n\n") or not all(ch.isprintable() or ch in "\n\t" for ch in text):
        return None
    chomp = "" if text.endswith("\n") else "-"
    body = text[:-1] if text.endswith("\n") else text
    lines = body.split("\n")
    # A first line starting with a space (or empty) would set the block's indentation.
    hint = "2" if lines and (not lines[0] or lines[0][0] in " \t") else ""
    pad = " " * indent
    return f"|{hint}{chomp}", [pad + line if line else "" for line in lines]


def string(text: str, indent: int, used: int, quote: bool = False) -> tuple[str, list[str]]:
    """What follows ``key: `` (or ``- ``) for ``text``: the head on that line and the
    block's lines (at ``indent``), given ``used`` columns already taken on the line."""
    if not quote:
        inner = text.rstrip("\n")
        if "\n" in inner or text.endswith("\n\n"):
            found = _literal(text, indent)
            if found is not None:
                return found
        elif _foldable(text):
            if text.endswith("\n"):
                return ">", _fold(text[:-1], indent)
            one = scalar(text)
            if used + len(one) > WIDTH:
                return ">-", _fold(text, indent)
            return one, []
    return scalar(text, quote=quote), []


def _flow_list(items: list[Any], quote: bool) -> str | None:
    if not all(v is None or isinstance(v, bool | int | float) or
               (isinstance(v, str) and "\n" not in v) for v in items):
        return None
    return "[" + ", ".join(scalar(v, flow=True, quote=quote) for v in items) + "]"


def _key(key: Any, quote: bool) -> str:
    return scalar(key, quote=quote and isinstance(key, str))


def _pair(key: str, value: Any, indent: int, quote: bool) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict) and value:
        lines = [f"{pad}{key}:"]
        for sub, item in value.items():
            lines += _pair(_key(sub, quote), item, indent + 2, quote)
        return lines
    if isinstance(value, list) and value:
        flow = _flow_list(value, quote)
        if flow is not None and indent + len(key) + 2 + len(flow) <= WIDTH:
            return [f"{pad}{key}: {flow}"]
        lines = [f"{pad}{key}:"]
        for item in value:
            lines += _item(item, indent + 2, quote)
        return lines
    if isinstance(value, str):
        head, block = string(value, indent + 2, indent + len(key) + 2, quote)
        return [f"{pad}{key}: {head}", *block]
    return [f"{pad}{key}: {_empty(value) or scalar(value)}"]


def _item(value: Any, indent: int, quote: bool) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict) and value:
        lines: list[str] = []
        for sub, item in value.items():
            lines += _pair(_key(sub, quote), item, indent + 2, quote)
        lines[0] = f"{pad}- {lines[0][indent + 2:]}"
        return lines
    if isinstance(value, list) and value:
        flow = _flow_list(value, quote)
        if flow is not None and indent + 2 + len(flow) <= WIDTH:
            return [f"{pad}- {flow}"]
        lines = [f"{pad}-"]
        for item in value:
            lines += _item(item, indent + 2, quote)
        return lines
    if isinstance(value, str):
        head, block = string(value, indent + 2, indent + 2, quote)
        return [f"{pad}- {head}", *block]
    return [f"{pad}- {_empty(value) or scalar(value)}"]


def _empty(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return ""


def load(text: str) -> Any:
    return yaml.load(text, Loader=FAST_LOADER)


def render_pair(key: Any, value: Any, indent: int = 0) -> list[str]:
    """The lines (no line breaks) of ``key: value`` at ``indent``, checked by parsing them
    back. ``value`` must be plain (see ``plain``)."""
    for quote in (False, True):
        lines = _pair(_key(key, quote), value, indent, quote)
        try:
            back = load("\n".join(line[indent:] for line in lines) + "\n")
        except yaml.YAMLError:
            continue
        if isinstance(back, dict) and len(back) == 1 and same(back, {key: value}):
            return lines
    raise RenderError(f"entry {str(key)[:40]!r} does not read back as written")
