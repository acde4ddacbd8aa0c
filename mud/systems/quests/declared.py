"""Checking an area's ``quests:`` key, and references to quests from other keys.

Every error names file:line, the quest and the key, like every world error.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from mud.world_keys import Lookup
from mud.world_refs import full_id
from mud.world_schema import Context, kind
from mud.world_yaml import shown

# What can start a quest: happenings with an item (mud/engine/hooks.py).
STARTS = ("get", "read")
QUEST_KEYS = {"name": True, "active": True, "done": True, "starts": False}
# Longest quest name, and longest text for in progress / done (characters).
MAX_NAME = 60
MAX_WORDS = 600


@dataclass(frozen=True)
class Quest:
    """One declared quest: its id (area:local), name, and what it reads like in progress
    and done; ``starts`` maps a happening (get, read) to the item templates that start it."""

    id: str
    name: str
    active: str
    done: str
    starts: dict[str, tuple[str, ...]]


def _line(data: Any, key: Any) -> int | None:
    line_of = getattr(data, "line_of", None)
    return line_of(key) if line_of is not None else None


def check_quests(ctx: Context, value: Any, line: int | None, lookup: Lookup) -> list[Quest]:
    """``quests: {id: {name, active, done, starts: {get|read: item id(s)}}}``."""
    area = lookup.area
    here = ctx.at(f"area {area!r}", line)
    if not isinstance(value, dict) or not value:
        here.error("'quests' must be a mapping of quest ids to quests, e.g. quests: "
                   "{emberleaf: {name: ..., active: ..., done: ...}}, not "
                   f"{kind(value)}")
        return []
    found = []
    for local, data in value.items():
        at = _line(value, local) or line
        full = full_id(here, area, local, "a quest id", at)
        if full is None or not full.startswith(f"{area}:"):
            if full is not None:
                here.error(f"quest id {shown(local)} must be a plain id (emberleaf): a "
                           "quest belongs to the area declaring it", at)
            continue
        qctx = ctx.at(f"quest {full!r}", at)
        with ctx.report.collecting():
            checked = qctx.check_keys(data, QUEST_KEYS, "a quest")
            name = " ".join(qctx.text(checked, "name").split())
            words = {key: " ".join(qctx.text(checked, key).split())
                     for key in ("active", "done")}
            if len(name) > MAX_NAME:
                qctx.error(f"'name' is {len(name)} characters; keep it to {MAX_NAME}",
                           _line(checked, "name"))
            for key, text in words.items():
                if len(text) > MAX_WORDS:
                    qctx.error(f"{key!r} is {len(text)} characters; keep it to {MAX_WORDS}",
                               _line(checked, key))
            starts = _starts(qctx, checked.get("starts"), _line(checked, "starts") or at,
                             lookup) if "starts" in checked else {}
            found.append(Quest(full, name, words["active"], words["done"], starts))
    return found


def _starts(ctx: Context, value: Any, line: int | None,
            lookup: Lookup) -> dict[str, tuple[str, ...]]:
    example = "starts: {read: village:board, get: emberleaf}"
    if not isinstance(value, dict) or not value:
        ctx.error(f"'starts' must be a mapping such as {example}, not {kind(value)}", line)
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for happening, refs in value.items():
        at = _line(value, happening) or line
        if happening not in STARTS:
            close = difflib.get_close_matches(str(happening), STARTS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            ctx.error(f"'starts': {shown(happening)} cannot start a quest (known: "
                      f"{', '.join(STARTS)}){hint}", at)
            continue
        listed = refs if isinstance(refs, list) else [refs]
        items = (lookup.item(ctx, ref, _line(refs, i) if isinstance(refs, list) else at,
                             f"'starts': {happening}, item {i + 1}")
                 for i, ref in enumerate(listed))
        out[happening] = tuple(item for item in items if item is not None)
    return out


def declared(lookup: Lookup) -> frozenset[str]:
    """Every quest id the world's area.yaml files declare. All of them are read before any
    key is checked, so an NPC in one area may name a quest of an area checked later."""
    return lookup.once(_declared)


def _declared(lookup: Lookup) -> frozenset[str]:
    # Once per load (Lookup.once): a world of many quest references does not redo it.
    return frozenset(f"{area}:{local}"
                     for area, value in lookup.written("area", "quests").items()
                     if isinstance(value, dict)
                     for local in value if isinstance(local, str))


def check_ref(ctx: Context, ref: Any, line: int | None, lookup: Lookup,
              what: str) -> str | None:
    """The full id of the quest ``ref`` names (local ids are in the checked entry's area),
    or None with an error saying which quests there are."""
    full = full_id(ctx, lookup.area, ref, what, line)
    if full is None:
        return None
    known = declared(lookup)
    if full not in known:
        close = difflib.get_close_matches(full, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        listed = ", ".join(sorted(known)) or "none: declare them in an area.yaml's quests:"
        ctx.error(f"{what} {shown(ref)} names no quest (known: {listed}){hint}", line)
        return None
    return full
