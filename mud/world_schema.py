"""Checking world files: typed fields, errors collected with their lines.

``world_loader`` assembles the world; this module holds what its checks share (the YAML
itself is read by ``mud.world_yaml``):

- ``Report``: the errors of one load, collected up to ``MAX_ERRORS`` so a builder fixes
  several per start-up instead of one, and the warnings said if the load succeeds.
- ``Context``: where a check stands (file, entry, line) and the typed accessors (``text``,
  ``word``, ``word_list``, ``flag``). An accessor records a wrong value and hands back a
  stand-in, so the rest of the entry is still checked; a new field is one more call.

Every message reads ``file:line: entry: what is wrong: what to write instead``, and quotes
at most the one offending value, escaped and cut short (``shown``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mud.world_yaml import MAX_SHOWN, Map, Seq, WorldError, display, shown

# Errors gathered before a load gives up: enough to fix a batch, not a wall of text.
MAX_ERRORS = 20
_SPACE = re.compile(r"\s")


class _Full(Exception):
    """The report holds MAX_ERRORS: stop looking."""


class Report:
    """The errors of one load, and the warnings said only if it succeeds."""

    def __init__(self, limit: int = MAX_ERRORS) -> None:
        self.limit = limit
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def add(self, message: str) -> None:
        if message in self.errors:
            return
        self.errors.append(message)
        if len(self.errors) >= self.limit:
            raise _Full

    @contextmanager
    def collecting(self) -> Iterator[None]:
        """Record a WorldError raised inside and carry on after the block."""
        try:
            yield
        except WorldError as exc:
            for message in exc.errors:
                self.add(message)

    @contextmanager
    def gathering(self) -> Iterator[None]:
        """Around a whole load: raise one WorldError with everything found."""
        try:
            yield
        except _Full:
            raise WorldError(self.errors, more=True) from None
        if self.errors:
            raise WorldError(self.errors)


def kind(value: Any) -> str:
    return {dict: "a mapping", Map: "a mapping", list: "a list", Seq: "a list", str: "text",
            bool: "true/false", type(None): "nothing", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)


# How each list is written, for messages.
_LIST_EXAMPLES = {"keywords": "[lantern, brass]", "items": "[apple, lantern]",
                  "npcs": "[guard, cat]", "areas": "[village, woods]"}


def _printable(raw: str) -> str:
    """A scalar as written, escaped and cut short like ``shown``, without its quotes."""
    cut = "".join(c if c.isprintable() else repr(c)[1:-1] for c in raw[:MAX_SHOWN])
    return cut + ("..." if len(raw) > MAX_SHOWN else "")


def _quote(raw: str) -> str:
    """``raw`` as a double-quoted YAML string, to show how to write it."""
    return '"' + _printable(raw.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def _not_text(key: str, value: Any, raw: str | None) -> str:
    """Why ``value`` is not the text ``key`` wants, and what to write."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return (f"{key!r} is empty: write the text after '{key}:' (a long text: "
                f"'{key}: >' with the text on the lines below, indented)")
    if isinstance(value, bool | int | float):
        as_written = raw if raw is not None else str(value)
        what = "true/false" if isinstance(value, bool) else "a number"
        extra = (" (YAML reads a bare yes, no, on, off, true or false as true/false)"
                 if isinstance(value, bool) else "")
        return (f"{key!r} must be text, not {what} ({_printable(as_written)}){extra}: put "
                f"it in quotes, {key}: {_quote(as_written)}")
    if isinstance(value, dict):
        return (f"{key!r} must be text, not a mapping: write the text after '{key}:' (text "
                "holding ': ' needs quotes; or the lines below it are indented too far?)")
    return f"{key!r} must be text, not {kind(value)}: write the text itself after '{key}:'"


class Context:
    """Where a check stands: the file, the entry in it (``room "village:hall"``) and the
    entry's line; its errors go to the shared ``Report``."""

    def __init__(self, path: Path, report: Report, entry: str = "",
                 line: int | None = None) -> None:
        self.path = path
        self.report = report
        self.entry = entry
        self.line = line

    def at(self, entry: str, line: int | None = None) -> Context:
        return Context(self.path, self.report, entry, line)

    def message(self, text: str, line: int | None = None, column: int | None = None) -> str:
        where = display(self.path)
        line = line or self.line
        if line:
            where += f":{line}" + (f":{column}" if column else "")
        if self.entry:
            where += f": {self.entry}"
        return f"{where}: {text}"

    def fail(self, text: str, line: int | None = None) -> WorldError:
        """An error that gives up on the entry: ``raise ctx.fail(...)``."""
        return WorldError(self.message(text, line))

    def error(self, text: str, line: int | None = None) -> None:
        """An error that lets the check go on."""
        self.report.add(self.message(text, line))

    def warn(self, text: str, line: int | None = None) -> None:
        self.report.warnings.append(self.message(text, line))

    def check_keys(self, data: Any, allowed: dict[str, bool], what: str) -> Map:
        """``data`` as a mapping holding only ``allowed`` keys and the required ones
        (``allowed[key]`` is True); an entry that is no mapping is given up."""
        if not isinstance(data, dict):
            hint = " (is it indented under its id?)" if data is None else ""
            raise self.fail(f"{what} must be a mapping of keys to values, not "
                            f"{kind(data)}{hint}")
        if not isinstance(data, Map):
            data = Map(data)
        meant = set()
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), list(allowed), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                meant.update(close)
                known = ", ".join(sorted(allowed))
                self.error(f"unknown key {shown(key)} (allowed: {known}){hint}",
                           data.line_of(key))
        for key, required in allowed.items():
            # A misspelt key is one error, not also "missing" under its right name.
            if required and key not in data and key not in meant:
                self.error(f"missing required key {key!r}")
        return data

    def text(self, data: dict[str, Any], key: str, default: str = "") -> str:
        """The text under ``key``: absent gives ``default``; present, it must be non-blank
        text (a number, true/false, a list, nothing at all are errors)."""
        if key not in data:
            return default
        value = data[key]
        if isinstance(value, str) and value.strip():
            return value
        raw = data.raw.get(key) if isinstance(data, Map) else None
        self.error(_not_text(key, value, raw), _line(data, key))
        return default

    def word(self, data: dict[str, Any], key: str, default: str = "") -> str:
        """Text of one word (an environment: ``town``, ``cave``)."""
        value = self.text(data, key, default)
        if key in data and _SPACE.search(value.strip()):
            self.error(f"{key!r} must be one word, not {shown(value.strip())}: e.g. "
                       f"{key}: {value.split()[0]}", _line(data, key))
            return default
        return value.strip()

    def word_list(self, data: dict[str, Any], key: str) -> list[str]:
        """A list of words (keywords, ids): ``[lantern, brass]``; absent gives []."""
        return [word for word, _ in self.words_at(data, key)]

    def words_at(self, data: dict[str, Any], key: str) -> list[tuple[str, int | None]]:
        """``word_list`` with the line of each word."""
        if key not in data:
            return []
        value = data[key]
        line = _line(data, key)
        if isinstance(value, str) and value.strip():
            example = ", ".join(value.replace(",", " ").split()[:4])
            self.error(f"{key!r} must be a list of words, not text: write {key}: "
                       f"[{example}]", line)
            return []
        if not isinstance(value, list):
            example = _LIST_EXAMPLES.get(key, "[word, word]")
            self.error(f"{key!r} must be a list of words, not {kind(value)}: e.g. {key}: "
                       f"{example}", line)
            return []
        words = []
        for index, item in enumerate(value):
            item_line = value.line_of(index) if isinstance(value, Seq) else line
            raw = value.raw[index] if isinstance(value, Seq) else None
            if isinstance(item, str) and item.strip() and not _SPACE.search(item.strip()):
                words.append((item.strip(), item_line))
            elif isinstance(item, str) and item.strip():
                self.error(f"{key!r}: {shown(item)} is not one word: list each word on its "
                           f"own, [{', '.join(item.split()[:4])}]", item_line)
            else:
                self.error(f"{key!r}, item {index + 1}, {_not_word(item, raw)}", item_line)
        return words

    def flag(self, data: dict[str, Any], key: str, default: bool = False) -> bool:
        """true or false."""
        if key not in data:
            return default
        value = data[key]
        if isinstance(value, bool):
            return value
        self.error(f"{key!r} must be true or false, not {kind(value)} "
                   f"({shown(value) if not isinstance(value, dict | list) else '...'}): "
                   f"write {key}: true or {key}: false", _line(data, key))
        return default


def _not_word(item: Any, raw: str | None) -> str:
    """Why a list's item is not a word, and what to write."""
    if item is None or (isinstance(item, str) and not item.strip()):
        return "is empty: write a word there or remove it"
    if isinstance(item, bool | int | float):
        as_written = raw if raw is not None else str(item)
        what = "true/false" if isinstance(item, bool) else "a number"
        return f"must be text, not {what} ({_printable(as_written)}): put it in quotes, " \
            f"{_quote(as_written)}"
    return f"must be a word, not {kind(item)}"


def _line(data: Any, key: Any) -> int | None:
    return data.line_of(key) if isinstance(data, Map) else None
