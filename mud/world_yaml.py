"""World files as YAML: parsed strictly, remembering where everything was written.

``read_yaml`` reads one file of a world folder (refusing one that resolves outside it),
refuses a key given twice (plain YAML keeps the last silently), and builds ``Map`` and
``Seq`` containers that remember the line of each key and item, so a check can say
where a fault is. A file YAML cannot read is explained for a builder: above all a tab in
the indentation, which the parser only calls "a character that cannot start any token".

``WorldError`` is what every world fault raises; ``shown`` quotes a value from a file in a
message: escaped and cut short, never the file's text around it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 8 * 1024 * 1024
# Characters of a value from a world file that an error message quotes.
MAX_SHOWN = 40

# libyaml's safe loader where PyYAML has it: what every reader of world files uses.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class WorldError(Exception):
    """A world that cannot be loaded; each of ``errors`` is one line meant for its builder."""

    def __init__(self, errors: str | list[str], more: bool = False) -> None:
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        self.more = more
        super().__init__(self.errors[0] if self.errors else "")

    def __str__(self) -> str:
        lines = list(self.errors)
        if self.more:
            lines.append(f"(stopped after {len(lines)} errors; fix these and start again "
                         "to see any more)")
        elif len(lines) > 1:
            lines.append(f"({len(lines)} errors in the world; fix them and start again)")
        return "\n".join(lines)


class Map(dict):  # type: ignore[type-arg]
    """A YAML mapping that remembers where it starts and where each key was written."""

    line: int | None = None

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.marks: dict[Any, tuple[int, int]] = {}  # key -> (line, column), 1-based
        self.raw: dict[Any, str] = {}  # key -> its scalar value as written

    def line_of(self, key: Any) -> int | None:
        mark = self.marks.get(key)
        return mark[0] if mark else self.line


class Seq(list):  # type: ignore[type-arg]
    """A YAML sequence that remembers the line of each item."""

    line: int | None = None

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.lines: list[int] = []
        self.raw: list[str | None] = []

    def line_of(self, index: int) -> int | None:
        return self.lines[index] if index < len(self.lines) else self.line


def _raw(node: yaml.Node) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def entry_key(key: Any) -> Any:
    """A top-level key of a world file as the id it stands for: YAML reads a bare ``42:``
    as a number; it is still an id."""
    return str(key) if isinstance(key, int) and not isinstance(key, bool) else key


class _StrictLoader(FAST_LOADER):  # type: ignore[misc, valid-type]
    """The fast safe loader, refusing duplicate keys (plain YAML keeps the last silently)
    and building ``Map``/``Seq`` with the lines of what they hold."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            # "<<: *base" merges are the base's business (super() flattens them, and a key
            # written here overrides a merged one); a list as a key is refused by super().
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool):
                continue
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{shown(key)} is given twice in the same mapping",
                    key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_map(self, node: yaml.MappingNode) -> Map:
        data = Map(self.construct_mapping(node))
        data.line = node.start_mark.line + 1
        # Keys are built already (and cached): this only reads where they were written.
        for key_node, value_node in node.value:
            key = self.construct_object(key_node)
            if isinstance(key, str | int | float | bool) or key is None:
                data.marks[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                raw = _raw(value_node)
                if raw is not None:
                    data.raw[key] = raw
        return data

    def construct_text(self, node: yaml.ScalarNode) -> str:
        # Every string a world file holds reaches players' screens somewhere (a name, a
        # description, a shop's greeting): a control character there (YAML's "\e" is ESC)
        # would be a terminal command, not text.
        value = self.construct_scalar(node)
        bad = _CONTROL.search(value)
        if bad is not None:
            code = ord(bad.group())
            name = _CONTROL_NAMES.get(code, "a control character")
            raise yaml.constructor.ConstructorError(
                None, None, f"text holds U+{code:04X} ({name}), which would reach players' "
                "terminals as a command, not text: remove it", node.start_mark)
        return value

    def construct_seq(self, node: yaml.SequenceNode) -> Seq:
        data = Seq(self.construct_sequence(node))
        data.line = node.start_mark.line + 1
        data.lines = [child.start_mark.line + 1 for child in node.value]
        data.raw = [_raw(child) for child in node.value]
        return data


# Tab and newline are text; every other C0 and C1 control character (and DEL) is not.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_NAMES = {0x1b: "ESC", 0x07: "BEL", 0x08: "BS", 0x0d: "CR", 0x00: "NUL", 0x7f: "DEL",
                  0x9b: "CSI"}
_StrictLoader.add_constructor("tag:yaml.org,2002:str", _StrictLoader.construct_text)
_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                              _StrictLoader.construct_map)
_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
                              _StrictLoader.construct_seq)


def shown(value: Any, limit: int = MAX_SHOWN) -> str:
    """A value read from a world file, for an error message: quoted, with control
    characters escaped, and cut short (a start-up error is no way to print a file)."""
    if isinstance(value, str):
        return repr(value[:limit]) + ("..." if len(value) > limit else "")
    text = repr(value) if isinstance(value, int | float | bool) or value is None else \
        f"a {type(value).__name__}"
    return text[:limit] + ("..." if len(text) > limit else "")


def _problem(text: str, limit: int = 100) -> str:
    """The first line of a YAML parser's complaint, printable and cut short: some quote
    the file (a tag, a key)."""
    line = (text.splitlines() or [""])[0]
    line = "".join(c if c.isprintable() else repr(c)[1:-1] for c in line[:limit])
    return line + ("..." if len(text) > limit else "")


def display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def inside(path: Path, root: Path) -> Path:
    """``path`` with every link resolved, if that is still inside ``root`` (the world folder,
    itself resolved: it may be a link); else a WorldError, before anything is read."""
    real = path.resolve()
    if not real.is_relative_to(root):
        raise WorldError(f"{display(path)}: refused: it resolves to a file outside the world "
                         f"folder {display(root)} (a symbolic link?); world files must stay "
                         "inside it")
    return real


def _tab(text: str, mark: Any) -> tuple[int, int] | None:
    """(line, column), 1-based, of the tab that broke the YAML at ``mark``, if one did:
    the parser's own words ("cannot start any token") never say so."""
    if mark is None:
        return None
    lines = text.splitlines()
    if mark.line >= len(lines):
        return None
    line = lines[mark.line]
    if mark.column < len(line) and line[mark.column] == "\t":
        return mark.line + 1, mark.column + 1
    indent = line[:len(line) - len(line.lstrip(" \t"))]
    if "\t" in indent:
        return mark.line + 1, indent.index("\t") + 1
    return None


def read_yaml(path: Path, root: Path, required: bool = True) -> Any:
    """The parsed file at ``path`` (``None`` if it is absent and not ``required``)."""
    where = display(path)
    real = inside(path, root)
    if not real.exists():
        if required:
            raise WorldError(f"{where}: file is missing")
        return None
    try:
        if real.stat().st_size > MAX_FILE_BYTES:
            raise WorldError(f"{where}: file is larger than {MAX_FILE_BYTES // 1048576} MiB")
        text = real.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise WorldError(f"{where}: not valid UTF-8 text ({exc.reason} at byte "
                         f"{exc.start})") from None
    except OSError as exc:
        raise WorldError(f"{where}: cannot read it ({exc.strerror})") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        tab = _tab(text, mark)
        if tab is not None:
            line, column = tab
            raise WorldError(f"{where}:{line}:{column}: a tab in the indentation (line "
                             f"{line}, column {column}); YAML forbids tabs for indentation: "
                             "indent with spaces instead") from None
        problem = _problem(getattr(exc, "problem", None) or str(exc))
        line_no = f":{mark.line + 1}" if mark is not None else ""
        raise WorldError(f"{where}{line_no}: not valid YAML: {problem}") from None
    except RecursionError:
        # Mappings nested near libyaml's own depth limit outrun Python's stack.
        raise WorldError(f"{where}: not valid YAML: nested too deeply") from None


def as_map(value: Any) -> Any:
    """``value`` with every mapping a ``Map`` and every list a ``Seq`` (what the loader
    reads), keeping the marks of those that are already: a builder's edited entry is
    checked as if it had been read from its file."""
    if isinstance(value, dict):
        if isinstance(value, Map) and all(not isinstance(v, dict | list) or
                                          isinstance(v, Map | Seq) for v in value.values()):
            return value
        made = Map({k: as_map(v) for k, v in value.items()})
        if isinstance(value, Map):
            made.line, made.marks, made.raw = value.line, value.marks, value.raw
        return made
    if isinstance(value, list):
        if isinstance(value, Seq):
            return value
        made_list = Seq([as_map(v) for v in value])
        # No scalar as written (it was not read from a file), one per item: checks index it.
        made_list.raw = [None] * len(made_list)
        return made_list
    return value
