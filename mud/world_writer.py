"""Writing a world file back with just the entries a builder changed (blocking: a thread).

``write_file(shot)`` reads the file as it is on disk now and cuts it by top-level entry
(mud/world_cut.py): each entry's text is the comment lines directly above its key, its
lines, and what follows it up to the next entry (blank lines, a comment about the next part
of the file). A header comment set off from the first entry by a blank line stays at the
top.

The new text keeps every entry the snapshot does not name byte for byte, drops the
removed ones, and renders the changed ones (mud/world_render.py) where they stood; new
ones are appended at the end in the snapshot's order, after a blank line when the file
separates its entries so. A changed entry keeps the comments above it, and inside it every
part (a key of a mapping, at any depth) whose value did not change keeps its text too, so
renaming a room changes its ``name:`` line and nothing else: a ``git diff`` of the world
shows just the change.

Before anything is written the whole new text is parsed again and must give exactly the
entries expected, in order (the disk's for the untouched ones, the snapshot's for the
changed ones): cut by entry the same way and each entry parsed on its own, except an
entry whose text is byte for byte what the disk had, parsed the same way (the same text
gives the same entry); a file of 64 KiB or less (every bundled one) is also parsed whole,
old and new, and compared. Key order inside a changed entry is the file's, new keys
after. If keeping text cannot do that (an alias into an entry that changed, say), every
entry is rendered afresh (the comments inside entries are then lost); if that fails too,
the file is left alone and ``WriteError`` raised. The write itself is atomic (mud/atomic_file.py:
a temporary file, fsync, rename, fsync of the folder) and keeps the file's permissions
(0644 for a new file).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from typing import Any

import yaml

from mud.atomic_file import write_atomically
from mud.world_cut import (
    Chunk,
    Cut,
    Unplain,
    breathe,
    compose,
    construct,
    cut_mapping,
    entries,
    head_of,
    is_comment,
    merge,
    start_breathing,
    top_key,
)
from mud.world_render import RenderError, load, plain, render_pair, same
from mud.world_sources import FileSnapshot

NEW_FILE_MODE = 0o644
# Files up to this size are also parsed whole to check the new text (see _finish).
WHOLE_CHECK_BYTES = 64 * 1024


class WriteError(Exception):
    """A file the writer would not write: its new text did not read back as expected."""


# What ``expected`` holds for an entry kept as it was on disk; ``_Out.kept`` has its text
# from the key line on and whether it was parsed with a final line break, as a tuple of a
# string and a bool (which the garbage collector does not track: thousands of kept entries
# then add nothing for it to scan, and a full collection holds every thread up).
_KEPT = object()


def _kept_value(text: str, ended: bool) -> Any:
    node = compose(text + ("\n" if ended else ""))
    return construct(node.value[0][1]) if isinstance(node, yaml.MappingNode) else None


class _Out:
    """The new text as it is put together, and what it must read back as."""

    def __init__(self, head: list[str], blank: bool, values: dict[str, Any],
                 kept: Callable[[Chunk], Any] | None, keep: bool) -> None:
        self.lines = list(head)
        self.expected: dict[Any, Any] = {}
        # Entries kept as text (see _KEPT): key -> (text, ended).
        self.kept_text: dict[Any, tuple[str, bool]] = {}
        self.blank = blank  # entries are set apart by a blank line
        self.values = values
        self.kept = kept
        self.keep = keep

    def fresh(self, key: Any, value: Any) -> None:
        if self.blank and self.lines and self.lines[-1].strip():
            self.lines.append("")
        self.lines += render_pair(key, plain(value), 0)
        self.expected[key] = value

    def entry(self, chunk: Chunk) -> None:
        breathe()
        key, values = chunk.key, self.values
        if key not in values:
            if self.keep:
                self.lines += chunk.lead + chunk.body + chunk.tail
                if self.kept is None:
                    self.expected[key] = _KEPT
                    self.kept_text[key] = (chunk.text(), chunk.ended)
                else:
                    self.expected[key] = self.kept(chunk)
            else:
                self.fresh(key, construct(chunk.value) if chunk.value is not None else None)
        elif values[key] is None:
            # Removed: its comments and lines go; a comment further down stays.
            tail = list(chunk.tail)
            while tail and not tail[0].strip():
                tail.pop(0)
            self.lines += tail if self.keep else []
        elif self.keep:
            self.lines += chunk.lead + merge(chunk, plain(values[key])) + chunk.tail
            self.expected[key] = values[key]
        else:
            self.fresh(key, values[key])

    def new_entries(self, order: tuple[str, ...], known: set[Any]) -> None:
        for key in order:
            if key not in known and self.values.get(key) is not None:
                breathe()
                self.fresh(key, self.values[key])


def new_text(old: str | None, shot: FileSnapshot) -> str:
    """The file's new text, given its text on disk now (None: no such file). Raises
    WriteError when no text holds the expected entries."""
    newline = "\r\n" if old and "\r\n" in old else "\n"
    lines = old.split(newline) if old else []
    if lines and lines[-1] == "":
        lines.pop()
    ending = newline if old is None or old.endswith(newline) or not old.strip() else ""
    if old and old.strip():
        try:
            return _plain(lines, shot, newline, ending)
        except (Unplain, WriteError):
            pass
    try:
        return _whole(lines, old, shot, newline, ending, keep=True)
    except WriteError:
        return _whole(lines, old, shot, newline, ending, keep=False)


def _plain(lines: list[str], shot: FileSnapshot, newline: str, ending: str) -> str:
    """Entry by entry, each parsed on its own (mud/world_cut.py)."""
    head, key_lines, starts = head_of(lines)
    blank = len(key_lines) < 2 or any(not lines[s - 1].strip() for s in starts[1:])
    out = _Out(head, blank, shot.values, None, keep=True)
    known = set()
    for chunk in entries(lines, bool(ending)):
        known.add(chunk.key)
        out.entry(chunk)
    out.new_entries(shot.order, known)
    return _finish(out, lines, ending, newline)


def _whole(lines: list[str], old: str | None, shot: FileSnapshot, newline: str,
           ending: str, keep: bool) -> str:
    """The file parsed as one document; with ``keep`` False, or when its text cannot be
    cut by key, every entry rendered afresh (only the comment block atop the file stays)."""
    try:
        node = compose(old) if old and old.strip() else None
    except yaml.YAMLError as exc:
        raise WriteError(f"the file on disk is not valid YAML now ({exc}); fix it by "
                         "hand first") from None
    if node is None or (isinstance(node, yaml.MappingNode) and not node.value):
        cut = Cut(list(lines))  # nothing but comments and blank lines: all kept
    elif not isinstance(node, yaml.MappingNode):
        raise WriteError("the file on disk does not hold a mapping of entries now")
    else:
        found = cut_mapping(lines, node, 0, len(lines)) if keep else None
        if found is None:
            keep = False
            found = Cut(_header(lines))
            for key_node, value_node in node.value:
                key = top_key(construct(key_node))
                found.chunks[key] = Chunk(key, [], [], [], -1, value_node, lines)
        cut = found
    chunks = list(cut.chunks.values())
    blank = not keep or len(chunks) < 2 or \
        any(c.tail and not c.tail[0].strip() for c in chunks[:-1])
    out = _Out(cut.head, blank, shot.values,
               lambda c: construct(c.value) if c.value is not None else None, keep)
    for chunk in chunks:
        out.entry(chunk)
    out.new_entries(shot.order, set(cut.chunks))
    return _finish(out, lines, ending, newline)


def _header(lines: list[str]) -> list[str]:
    """The comment block atop a file, when a blank line sets it off from what follows."""
    head = []
    for line in lines:
        if line.strip() and not is_comment(line):
            break
        head.append(line)
    while head and head[-1].strip():
        head.pop()  # comments right above the first entry are that entry's
    return head


def _finish(out: _Out, lines: list[str], ending: str, newline: str) -> str:
    # A file keeps its ending: as many blank lines at the end as it had (none, usually).
    had = len(lines) - len(_rstrip(lines))
    new = _rstrip(out.lines) + [""] * had
    text = newline.join(new) + ending if new else ""
    if not _reads_back(new, text, bool(ending), out.expected, out.kept_text) or \
            not _small_file_check(newline.join(lines) + ending, text, out.expected):
        raise WriteError("the new text does not read back as the entries it should hold")
    return text


def _small_file_check(old: str, text: str, expected: dict[Any, Any]) -> bool:
    """A file of WHOLE_CHECK_BYTES or less (every bundled one) is also parsed whole, old
    and new, and compared: a few milliseconds in libyaml. A bigger one is checked entry by
    entry only (_reads_back), which a whole parse's long hold on the interpreter lock
    would undo."""
    if len(text) > WHOLE_CHECK_BYTES or len(old) > WHOLE_CHECK_BYTES:
        return True
    before = load(old) if old.strip() else {}
    back = load(text) if text.strip() else {}
    if not isinstance(back, dict) or not isinstance(before, dict):
        return False
    before = {top_key(k): v for k, v in before.items()}
    back = {top_key(k): v for k, v in back.items()}
    want = {}
    for key, value in expected.items():
        if value is _KEPT and key not in before:
            return False
        want[key] = before[key] if value is _KEPT else plain(value)
    return list(back) == list(want) and same(back, want) and _distinct_keys(text)


def _reads_back(lines: list[str], text: str, ended: bool, expected: dict[Any, Any],
                kept: dict[Any, tuple[str, bool]]) -> bool:
    """Whether ``text`` (``lines``) parses as exactly ``expected``, in its order. An
    entry kept from the disk whose text is the same, parsed the same way, is not parsed
    again: the same text gives the same entry."""

    def want(key: Any) -> Any:
        value = expected[key]
        return _kept_value(*kept[key]) if value is _KEPT else plain(value)
    try:
        keys = []
        for chunk in entries(lines, ended, {text: key for key, text in kept.items()}):
            keys.append(chunk.key)
            if chunk.key not in expected:
                return False
            if kept.get(chunk.key) == (chunk.text(), chunk.ended):
                continue
            if chunk.value is None or not same(construct(chunk.value), want(chunk.key)):
                return False
        return keys == list(expected)
    except Unplain:
        pass
    back = load(text) if text.strip() else None
    if back is None:
        back = {}
    if not isinstance(back, dict):
        return False
    back = {top_key(k): v for k, v in back.items()}
    return same(back, {k: want(k) for k in expected}) and _distinct_keys(text)


def _rstrip(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    return lines[:end]


def _distinct_keys(text: str) -> bool:
    node = compose(text) if text.strip() else None
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
    start_breathing()
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
