"""A world file's text cut by entry, and a changed entry merged into the text it had.

``entries(lines)`` walks a file's top-level entries one at a time: each is the comment
lines right above its key (``lead``), its own lines (``body``: the key line to its last
line of content) and what follows up to the next entry (``tail``: blank lines, a comment
about what comes next). Each entry's text is parsed on its own and dropped before the
next, so a 2,000-room file never costs one long call into libyaml (which holds the
interpreter lock throughout: 60 ms and more) nor a heap of parse nodes that the garbage
collector would then scan (pauses of 30-80 ms, in whichever thread is running). A file
that is not plainly one ``key:`` line at column 0 per entry (a document marker, an alias
to another entry's anchor...) raises ``Unplain``: the writer then parses it whole.

``merge(chunk, value)`` gives the lines of a changed entry: every part of it (a key of a
mapping, at any depth) whose value did not change keeps its text, comments included, and
the rest is rendered (mud/world_render.py).

Runs in a worker thread: ``breathe()`` lets the reactor's thread have the interpreter
lock every few milliseconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from mud.world_render import render_pair, same
from mud.world_yaml import FAST_LOADER, entry_key

# A thread that wants the interpreter lock waits for a busy one to let go (up to
# sys.getswitchinterval(); the saver makes that 1 ms while it writes): every BREATHE_EVERY
# seconds of work the writer sleeps BREATHE_PAUSE seconds, long enough for the reactor's
# thread, woken, to take the lock (a shorter nap is often over before it is scheduled).
BREATHE_EVERY = 0.002
BREATHE_PAUSE = 0.001
_local = threading.local()


def start_breathing() -> None:
    """A write begins: its first BREATHE_EVERY seconds of work come before any nap."""
    _local.last = time.perf_counter()


def breathe() -> None:
    now = time.perf_counter()
    if now - getattr(_local, "last", now) > BREATHE_EVERY:
        time.sleep(BREATHE_PAUSE)
        now = time.perf_counter()
    _local.last = now


class Unplain(Exception):
    """The text is not plainly one key line per top-level entry."""


@dataclass
class Chunk:
    """One key of a block mapping as written: comments above, its lines, what follows."""

    key: Any
    lead: list[str]
    body: list[str]
    tail: list[str]
    key_line: int
    value: yaml.Node | None = None
    # The text the marks of ``value`` count lines in (the file, or the entry's own text).
    lines: list[str] = field(default_factory=list)
    # Whether the entry's text was parsed with a line break after its last line.
    ended: bool = True

    def text(self) -> str:
        """The entry's text from its key line on (what was parsed)."""
        return "\n".join(self.body + self.tail)


@dataclass
class Cut:
    """A block mapping's text cut by key: what comes before the first key, the keys."""

    head: list[str] = field(default_factory=list)
    chunks: dict[Any, Chunk] = field(default_factory=dict)


def compose(text: str) -> yaml.Node | None:
    return yaml.compose(text, Loader=FAST_LOADER)


def construct(node: yaml.Node) -> Any:
    return yaml.constructor.SafeConstructor().construct_document(node)


top_key = entry_key  # the loader's reading of a top-level key (42: is the id "42")


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def is_comment(line: str) -> bool:
    return line.lstrip(" ").startswith("#")


def _content_end(rest: list[str], column: int) -> int:
    """How many lines of ``rest`` (from a key line) are the entry's: up to its last line
    of content; blank lines and comments no deeper than its key after that are not."""
    return max(n for n, text in enumerate(rest) if n == 0 or (
        text.strip() and not (is_comment(text) and indent_of(text) <= column))) + 1


def cut_mapping(lines: list[str], node: yaml.MappingNode, start: int,
                end: int) -> Cut | None:
    """The chunks of block mapping ``node`` within lines[start:end], or None when its keys
    are not each at the start of a line of their own at one column (flow style...)."""
    if node.flow_style or not node.value:
        return None
    column = node.value[0][0].start_mark.column
    key_lines: list[int] = []
    for key_node, _ in node.value:
        mark = key_node.start_mark
        if not isinstance(key_node, yaml.ScalarNode) or mark.column != column or \
                (key_lines and mark.line <= key_lines[-1]) or mark.line >= end or \
                lines[mark.line][:column].strip():
            return None
        key_lines.append(mark.line)
    starts: list[int] = []
    for line in key_lines:
        first = line
        # Comment lines right above a key, at its column, are about it.
        while first - 1 >= start and is_comment(lines[first - 1]) and \
                indent_of(lines[first - 1]) == column and first - 1 not in key_lines:
            first -= 1
        starts.append(max(first, starts[-1] + 1 if starts else start))
    cut = Cut(lines[start:starts[0]])
    for i, (key_node, value_node) in enumerate(node.value):
        rest = lines[key_lines[i]:starts[i + 1] if i + 1 < len(starts) else end]
        last = _content_end(rest, column)
        key = construct(key_node)
        if column == 0:
            key = top_key(key)
        if key in cut.chunks:
            return None
        cut.chunks[key] = Chunk(key, lines[starts[i]:key_lines[i]], rest[:last], rest[last:],
                                key_lines[i], value_node, lines)
    return cut


def head_of(lines: list[str]) -> tuple[list[str], list[int], list[int]]:
    """What comes before the first entry, each top-level key's line, and where each
    entry's text starts (the comment lines right above its key). Raises Unplain."""
    key_lines = [n for n, line in enumerate(lines) if line[:1] not in ("", " ", "\t", "#")]
    if any(lines[n].startswith(("---", "...", "%")) for n in key_lines):
        raise Unplain()
    starts: list[int] = []
    for line in key_lines:
        first = line
        while first - 1 >= 0 and lines[first - 1].startswith("#") and \
                (not starts or first - 1 > key_lines[len(starts) - 1]):
            first -= 1
        starts.append(first)
    head = lines[:starts[0]] if starts else list(lines)
    if any(line.strip() and not is_comment(line) for line in head):
        raise Unplain()
    return head, key_lines, starts


def entries(lines: list[str], ended: bool = True,
            known: dict[tuple[str, bool], Any] | None = None) -> Iterator[Chunk]:
    """Each top-level entry of ``lines``, parsed on its own (see the module's docstring);
    ``ended``: the text's last line has its line break (a block scalar's value ends with
    it). An entry whose (text, ended) is in ``known`` is not parsed again: it is given
    with that key and no value. Raises Unplain, possibly after some entries were given."""
    _, key_lines, starts = head_of(lines)
    seen: set[Any] = set()
    for i, key_line in enumerate(key_lines):
        breathe()
        last_one = i + 1 == len(starts)
        local = lines[key_line:len(lines) if last_one else starts[i + 1]]
        text = "\n".join(local)
        last = _content_end(local, 0)
        if known and (text, ended or not last_one) in known:
            key = known[(text, ended or not last_one)]
            if key in seen:
                raise Unplain()
            seen.add(key)
            yield Chunk(key, lines[starts[i]:key_line], local[:last], local[last:], 0, None,
                        local, ended or not last_one)
            continue
        try:
            node = compose(text + ("\n" if ended or not last_one else ""))
        except yaml.YAMLError:
            raise Unplain() from None  # an alias to another entry's anchor...
        if not isinstance(node, yaml.MappingNode) or node.flow_style or len(node.value) != 1:
            raise Unplain()
        key_node, value_node = node.value[0]
        if not isinstance(key_node, yaml.ScalarNode) or key_node.start_mark.line or \
                key_node.start_mark.column:
            raise Unplain()
        key = top_key(construct(key_node))
        if key in seen:
            raise Unplain()
        seen.add(key)
        yield Chunk(key, lines[starts[i]:key_line], local[:last], local[last:], 0,
                    value_node, local, ended or not last_one)


def merge(chunk: Chunk, value: Any, indent: int = 0) -> list[str]:
    """The lines of a changed entry: kept where unchanged, rendered where not."""
    node, lines = chunk.value, chunk.lines
    if isinstance(value, dict) and value and isinstance(node, yaml.MappingNode) and \
            node.value and node.value[0][0].start_mark.line > chunk.key_line and \
            len(chunk.body) > 1:
        cut = cut_mapping(lines, node, chunk.key_line + 1, chunk.key_line + len(chunk.body))
        if cut is not None and cut.chunks:
            column = node.value[0][0].start_mark.column
            out = [lines[chunk.key_line], *cut.head]
            # The file's order for the keys it has (an edit that put a key back last
            # does not move its line), then the new keys in the value's order.
            order = [k for k in cut.chunks if k in value]
            order += [k for k in value if k not in cut.chunks]
            for key in order:
                item, found = value[key], cut.chunks.get(key)
                if found is None:
                    out += render_pair(key, item, column)
                    continue
                out += found.lead
                if found.value is not None and same(construct(found.value), item):
                    out += found.body
                else:
                    out += merge(found, item, column)
                out += found.tail
            return out
    return render_pair(chunk.key, value, indent)
