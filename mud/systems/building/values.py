"""What a builder types as a value for ``set`` (mud/systems/building/things.py): text as
written, yes/no, a list of words, or YAML flow, bounded and checked before the loader's
own checks see it.

YAML here is read with a safe loader that refuses a key given twice (as world files are
read), and the value is refused, in words, when YAML cannot read it, when it holds anchors
or aliases (a few characters of them can stand for a huge value), when it nests deeper
than ``MAX_DEPTH``, or when its escapes (``"\\e"``, ``"\\x00"``) would put back the control
characters the typed line was cleaned of.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from mud.engine.actions import Refusal
from mud.player_text import clean

# Longest value ``set`` takes (characters): a behaviour with a dozen lines; more belongs
# in the YAML file itself. Names and descriptions have the room commands' bounds.
MAX_VALUE = 2000
# Longest name (a room's, an item's, an NPC's) and description a builder may give.
MAX_NAME = 80
MAX_DESCRIPTION = 4000
# Deepest nesting of a YAML value ``set`` takes (mappings and lists inside each other).
MAX_DEPTH = 16
# Plain fields a builder sets as text (the rest of the loader's keys are lists or flags).
TEXT_FIELDS = ("name", "description", "plural")
_YES = ("yes", "true", "on", "y")
_NO = ("no", "false", "off", "n")
_FLOW = re.compile(r"\s*[\[{\"']")


class _Strict(yaml.SafeLoader):
    """The safe loader refusing a key given twice, as world files are read (plain YAML
    keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{str(key)[:30]!r} is given twice in the same mapping",
                    key_node.start_mark)
            if isinstance(key, str | int | float | bool):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                        _Strict.construct_mapping)


def _plain(value: Any) -> None:
    """Refuse control characters that YAML escapes ("\\e", "\\x00") put back into a
    value after the line was cleaned; a line break stays (a readable's lines)."""
    todo = [value]
    while todo:
        one = todo.pop()
        if isinstance(one, dict):
            todo.extend(one)
            todo.extend(one.values())
        elif isinstance(one, list):
            todo.extend(one)
        elif isinstance(one, str):
            flat = one.replace("\n", "")
            if clean(flat) != flat:
                raise Refusal("Control characters and escape sequences are not allowed in "
                              "a value (a line break, \\n, is).")


def parse_yaml(text: str) -> Any:
    """A builder's YAML flow value (``{wander: {interval: 30}}``, ``[a, b]``, ``"text"``).
    Refuses, in words, one YAML cannot read, anchors and aliases (a few characters of
    them can stand for a huge value), nesting deeper than MAX_DEPTH, a key given twice
    and control characters written as escapes."""
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise Refusal("Anchors and aliases (& and *) are not allowed in a value.")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise Refusal(f"That value nests more than {MAX_DEPTH} deep.")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        value = yaml.load(text, Loader=_Strict)  # a SafeLoader: builds plain data only
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        mark = getattr(exc, "problem_mark", None)
        where = f" at character {mark.column + 1}" if mark is not None else ""
        raise Refusal(f"That value is not YAML I can read ({problem}{where}). Write a "
                      "mapping as {key: value, key: value} and a list as [a, b]; put text "
                      "holding : or # in quotes.") from None
    _plain(value)
    return value


def value_of(kind: str, field: str, text: str) -> Any:
    """What ``set`` writes for ``field`` from what the builder typed."""
    limit = MAX_DESCRIPTION if field == "description" else \
        MAX_NAME if field in TEXT_FIELDS else MAX_VALUE
    if len(text) > limit:
        raise Refusal(f"That {field} is too long ({len(text)} characters; {limit} at "
                      "most). Longer ones belong in the YAML file itself.")
    if field in TEXT_FIELDS:
        return " ".join(text.split())
    if field == "fixed":
        if text.lower() in _YES:
            return True
        if text.lower() in _NO:
            return False
        raise Refusal("fixed is yes or no: yes keeps it from being picked up.")
    if field == "keywords" and not _FLOW.match(text):
        return text.replace(",", " ").lower().split()
    if _FLOW.match(text):
        return parse_yaml(text)
    return text  # plain words: text (a readable's words)
