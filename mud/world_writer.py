"""Writing a world file back with just the entries a builder changed (blocking: a thread).

``write_file(shot)`` reads the file as it is on disk now and cuts it into the text of each
top-level entry: the comment lines directly above its key, its lines, and what follows it
up to the next entry (blank lines, a comment about the next part of the file). A header
comment set off from the first entry by a blank line stays at the top.

The new text keeps every entry the snapshot does not name byte for byte, drops the
removed ones, and renders the changed ones (mud/world_render.py) where they stood; new
ones are appended at the end in the snapshot's order, after a blank line. A changed entry
keeps the comments above it, and inside it every part (a key of a mapping, at any depth)
whose value did not change keeps its text too, comments and style included, so renaming
a room changes its ``name:`` line and nothing else. A ``git diff`` of the world shows
just the change.

Before anything is written the whole new text is parsed again and must give exactly the
entries expected (the disk's for the untouched ones, the snapshot's for the changed ones);
if keeping text cannot do that (an alias into an entry that changed, say), every entry is
rendered afresh (the comments inside entries are then lost), and if that fails too the
file is left alone and ``WriteError`` raised. The write itself is atomic
(mud/atomic_file.py: a temporary file, fsync, rename, fsync of the folder) and keeps the
file's permissions (0644 for a new file).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Any

import yaml

from mud.atomic_file import write_atomically
from mud.world_render import RenderError, load, plain, render_pair, same
from mud.world_sources import FileSnapshot

NEW_FILE_MODE = 0o644
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class WriteError(Exception):
    """A file the writer would not write: its new text did not read back as expected."""


@dataclass
class _Chunk:
    """One key of a block mapping as written: comments above, its lines, what follows."""

    key: Any
    lead: list[str]
    body: list[str]
    tail: list[str]
    key_line: int
    value: yaml.Node | None = None


@dataclass
class _Cut:
    """A block mapping's text cut by key: what comes before the first key, the keys."""

    head: list[str] = field(default_factory=list)
    chunks: dict[Any, _Chunk] = field(default_factory=dict)


def _construct(node: yaml.Node) -> Any:
    return yaml.constructor.SafeConstructor().construct_document(node)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_comment(line: str) -> bool:
    return line.lstrip(" ").startswith("#")


def _cut(lines: list[str], node: yaml.MappingNode, start: int, end: int) -> _Cut | None:
    """The chunks of block mapping ``node`` within lines[start:end], or None when its keys
    are not each at the start of a line of their own at one column (flow style...)."""
    if node.flow_style or not node.value:
        return None
    column = node.value[0][0].start_mark.column
    key_lines = []
    for key_node, _ in node.value:
        mark = key_node.start_mark
        if not isinstance(key_node, yaml.ScalarNode) or mark.column != column or \
                (key_lines and mark.line <= key_lines[-1]) or mark.line >= end or \
                lines[mark.line][:column].strip():
            return None
        key_lines.append(mark.line)
    starts = []
    for line in key_lines:
        first = line
        # Comment lines right above a key, at its column, are about it.
        while first - 1 >= start and _is_comment(lines[first - 1]) and \
                _indent(lines[first - 1]) == column and first - 1 not in key_lines:
            first -= 1
        starts.append(max(first, starts[-1] + 1 if starts else start))
    cut = _Cut(lines[start:starts[0]])
    for i, (key_node, value_node) in enumerate(node.value):
        stop = starts[i + 1] if i + 1 < len(starts) else end
        rest = lines[key_lines[i]:stop]
        # The entry ends at its last line of content; blank lines and comments no deeper
        # than its key after that belong to the file around it.
        last = max((n for n, text in enumerate(rest) if n == 0 or (
            text.strip() and not (_is_comment(text) and _indent(text) <= column))), default=0)
        key = _construct(key_node)
        if column == 0 and isinstance(key, int) and not isinstance(key, bool):
            key = str(key)  # the loader reads a top-level 42: as the id "42"
        if key in cut.chunks:
            return None
        cut.chunks[key] = _Chunk(key, lines[starts[i]:key_lines[i]], rest[:last + 1],
                                 rest[last + 1:], key_lines[i], value_node)
    return cut


def _merge(lines: list[str], chunk: _Chunk, value: Any, indent: int) -> list[str]:
    """The lines of a changed entry: kept where unchanged, rendered where not."""
    node = chunk.value
    if isinstance(value, dict) and value and isinstance(node, yaml.MappingNode) and \
            node.value and node.value[0][0].start_mark.line > chunk.key_line and \
            len(chunk.body) > 1:
        end = chunk.key_line + len(chunk.body)
        cut = _cut(lines, node, chunk.key_line + 1, end)
        if cut is not None and cut.chunks and \
                next(iter(cut.chunks.values())).body[0][:1] != "-":
            column = node.value[0][0].start_mark.column
            out = [lines[chunk.key_line], *cut.head]
            for key, item in value.items():
                found = cut.chunks.get(key)
                if found is None:
                    out += render_pair(key, item, column)
                    continue
                out += found.lead
                if found.value is not None and same(_construct(found.value), item):
                    out += found.body
                else:
                    out += _merge(lines, found, item, column)
                out += found.tail
            return out
    return render_pair(chunk.key, value, indent)


def _compose(text: str) -> yaml.Node | None:
    return yaml.compose(text, Loader=_Loader)


def _key(key: Any) -> Any:
    # The loader reads a top-level 42: as the id "42".
    return str(key) if isinstance(key, int) and not isinstance(key, bool) else key


def new_text(old: str | None, shot: FileSnapshot) -> str:
    """The file's new text, given its text on disk now (None: no such file). Raises
    WriteError when no text holds the expected entries."""
    try:
        return _build(old, shot, keep=True)
    except WriteError:
        return _build(old, shot, keep=False)


def _build(old: str | None, shot: FileSnapshot, keep: bool) -> str:
    newline = "\r\n" if old and "\r\n" in old else "\n"
    lines = old.split(newline) if old else []
    if lines and lines[-1] == "":
        lines.pop()
    try:
        node = _compose(old) if old and old.strip() else None
    except yaml.YAMLError as exc:
        raise WriteError(f"the file on disk is not valid YAML now ({exc}); fix it by "
                         "hand first") from None
    if node is not None and not isinstance(node, yaml.MappingNode):
        raise WriteError("the file on disk does not hold a mapping of entries now")
    cut = None
    if node is None or not node.value:
        cut = _Cut(list(lines))  # nothing but comments and blank lines: all kept
    elif keep:
        cut = _cut(lines, node, 0, len(lines))
    if cut is None:
        # Entries rendered afresh: the comment block atop the file is all that stays.
        keep = False
        cut = _Cut(_header(lines))
        for key_node, value_node in node.value:  # type: ignore[union-attr]
            key = _key(_construct(key_node))
            cut.chunks[key] = _Chunk(key, [], [], [], -1, value_node)
    chunks = cut.chunks
    blank = not keep or len(chunks) < 2 or \
        any(c.tail and not c.tail[0].strip() for c in list(chunks.values())[:-1])
    values = {key: plain(value) for key, value in shot.values.items()}
    out = list(cut.head)

    def fresh(key: Any, value: Any) -> None:
        if blank and out and out[-1].strip():
            out.append("")
        out.extend(render_pair(key, value, 0))
        expected[key] = value

    expected: dict[Any, Any] = {}
    for key, chunk in chunks.items():
        value = values.get(key, chunk.value)
        if key not in values:
            value = _construct(chunk.value) if chunk.value is not None else None
            if keep:
                out += chunk.lead + chunk.body + chunk.tail
                expected[key] = value
            else:
                fresh(key, value)
        elif value is None:
            # Removed: its comments and lines go; a comment further down stays.
            tail = list(chunk.tail)
            while tail and not tail[0].strip():
                tail.pop(0)
            out += tail if keep else []
        elif keep:
            out += chunk.lead + _merge(lines, chunk, value, 0) + chunk.tail
            expected[key] = value
        else:
            fresh(key, value)
    for key in shot.order:
        if key not in chunks and values.get(key) is not None:
            fresh(key, values[key])
    ends = old is None or old.endswith(newline) or not old.strip()
    return _finish(out, lines, newline if ends else "", newline, expected)


def _header(lines: list[str]) -> list[str]:
    """The comment block atop a file, when a blank line sets it off from what follows."""
    head = []
    for line in lines:
        if line.strip() and not _is_comment(line):
            break
        head.append(line)
    while head and head[-1].strip():
        head.pop()  # comments right above the first entry are that entry's
    return head


def _finish(out: list[str], lines: list[str], ending: str, newline: str,
            expected: dict[Any, Any]) -> str:
    # A file keeps its ending: as many blank lines at the end as it had (none, usually).
    had = len(lines) - len([line for line in _rstrip(lines)])
    out = _rstrip(out) + [""] * had
    text = newline.join(out) + ending if out else ""
    back = load(text) if text.strip() else None
    if back is None:
        back = {}
    if isinstance(back, dict):
        back = {str(k) if isinstance(k, int) and not isinstance(k, bool) else k: v
                for k, v in back.items()}
    if not isinstance(back, dict) or not same(back, expected) or \
            not _distinct_keys(text):
        raise WriteError("the new text does not read back as the entries it should hold")
    return text


def _rstrip(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    return lines[:end]


def _distinct_keys(text: str) -> bool:
    node = _compose(text) if text.strip() else None
    if not isinstance(node, yaml.MappingNode):
        return node is None
    keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
    return len(keys) == len(set(keys))


def write_file(shot: FileSnapshot) -> bool:
    """Write ``shot`` into its file (blocking: run it in a worker thread). True when the
    file was written, False when its text on disk is already what it should be. Raises
    OSError when the disk refuses (the old file is then untouched), WriteError when the
    new text would not read back as it should."""
    path = os.path.realpath(shot.path)
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            old: str | None = handle.read()
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        old, mode = None, NEW_FILE_MODE
    except UnicodeDecodeError:
        raise WriteError("the file on disk is not UTF-8 text now; fix it by hand "
                         "first") from None
    try:
        text = new_text(old, shot)
    except RenderError as exc:
        raise WriteError(str(exc)) from None
    if text == old:
        return False
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_atomically(path, text.encode("utf-8"), mode=mode)
    return True
