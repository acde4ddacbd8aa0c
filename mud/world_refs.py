"""References between world entries: ids written as ``area:id`` (or a local ``id``), and
why one names nothing (an unknown id with a "did you mean", an area folder left out of
``areas:``, or nothing at all when its own file or entry is broken and said so already).
Used by the world loader and, through ``Lookup``, by systems checking their YAML keys."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol, TypeVar, cast

from mud.engine.model import Room
from mud.world_schema import Context, kind
from mud.world_yaml import Map, display, shown

ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
ID_RULE = "lowercase letters, digits, _ and -"

T = TypeVar("T")
_NONE: Mapping[str, Any] = MappingProxyType({})


class Known(Protocol):
    """What the loader knows so far: declared ids, and what could not be read."""

    root: Path
    areas: list[str]
    unlisted: set[str]
    declared: dict[str, set[str]]
    unreadable: set[tuple[str, str]]


def full_id(ctx: Context, area: str, ref: Any, what: str, line: int | None) -> str | None:
    """``ref`` as area:id (a local id is in ``area``), or None with an error recorded."""
    if not isinstance(ref, str) or not ref.strip():
        quote = f" ({ref}): put it in quotes, '{ref}'" if isinstance(ref, int | float) \
            else ""
        ctx.error(f"{what} must be an id such as village:square, not {kind(ref)}{quote}",
                  line)
        return None
    ref = ref.strip()
    ref_area, colon, local = ref.partition(":")
    if not colon:
        ref_area, local = area, ref
    if not ID_RE.fullmatch(ref_area) or not ID_RE.fullmatch(local):
        ctx.error(f"{what} {shown(ref)} is not a valid id ({ID_RULE}, optionally "
                  "area:id)", line)
        return None
    return f"{ref_area}:{local}"

def qualified(ref: str, area: str) -> str:
    """``ref`` as area:id (a local id is in ``area``), unchecked: for ids a load checked."""
    return ref if ":" in ref else f"{area}:{ref}"


def written_ref(area: str, full: str) -> str:
    """How a file of ``area`` writes the id ``full``: a local id for its own area's."""
    ref_area, _, local = full.partition(":")
    return local if ref_area == area else full


def refs(ctx: Context, data: Map, key: str, area: str,
         what: str) -> list[tuple[str, int | None]]:
    """The ids listed under ``key`` as area:id with their lines; bad ones are reported."""
    found = []
    for word, line in ctx.words_at(data, key):
        full = full_id(ctx, area, word, what, line)
        if full is not None:
            found.append((full, line))
    return found

def unknown(known: Known, what: str, ref: str) -> str | None:
    """Why ``ref`` names no known ``what`` (``unknown room "x": why``), or None when
    that is reported already (its entry or its file is broken)."""
    ref_area = ref.partition(":")[0]
    if ref in known.declared[what] or (ref_area, what) in known.unreadable or \
            (ref_area, "*") in known.unreadable:
        return None
    folder = known.root / ref_area
    if ref_area in known.unlisted:
        return (f'{what} "{ref}": area {ref_area!r} exists on disk ({display(folder)}) '
                "but is not listed in world.yaml's areas:; add it there")
    if ref_area not in known.areas:
        if folder.is_dir():
            return (f'unknown {what} "{ref}": folder {display(folder)} has no area.yaml, '
                    f"so there is no area {ref_area!r}")
        return f'unknown {what} "{ref}": there is no area {ref_area!r}'
    # Suggest by the local part: every id of the area shares "area:".
    local = ref.partition(":")[2]
    close = difflib.get_close_matches(local, [k.partition(":")[2]
                                              for k in known.declared[what]
                                              if k.startswith(f"{ref_area}:")], n=1)
    return f'unknown {what} "{ref}"' + \
        (f': did you mean "{ref_area}:{close[0]}"?' if close else "")


# What checks of one load derive from what every file declares, each built on first use
# and then shared: builder -> its value (see ``Lookup.once``).
Cache = dict[Callable[["Lookup"], Any], Any]


def _written(lookup: Lookup) -> dict[tuple[str, str], Mapping[str, Any]]:
    """(kind, key) -> {entry id: raw value} in load order, from one pass over the keys read."""
    index: dict[tuple[str, str], dict[str, Any]] = {}
    for what, full, spec, value, *_ in lookup.loader.extras:
        index.setdefault((what, spec.key), {})[full] = value
    # Read-only: every check of the load shares these.
    return {pair: MappingProxyType(values) for pair, values in index.items()}


def _homes(lookup: Lookup) -> dict[str, list[Room]]:
    """NPC id -> the rooms placing it (rooms.yaml ``npcs:``), in load order."""
    homes: dict[str, list[Room]] = {}
    for room, *_, npc_refs in lookup.loader.pending:
        for ref, _ in npc_refs:
            places = homes.setdefault(ref, [])
            if room not in places:
                places.append(room)
    return homes


class Lookup:
    """What a system's key check (mud/world_keys.py) may ask of the load: room and item
    references, and what other entries declare. The loader makes one per checked entry,
    all sharing one ``cache``, so each index below is built once per load, not per check."""

    def __init__(self, loader: Any, area: str, entity: str = "",
                 cache: Cache | None = None) -> None:
        self.loader = loader
        self.area = area
        # The full id of the entry whose key is being checked (an NPC's, a room's, ...).
        self.entity = entity
        self.cache: Cache = {} if cache is None else cache

    def once(self, build: Callable[[Lookup], T]) -> T:
        """``build(lookup)``, run on first use and then shared by every check of this load
        (every file is read before any check). For what a check derives from ``written()``
        or the rooms, so checking many entries does not redo it per entry."""
        if build not in self.cache:
            self.cache[build] = build(self)
        return cast(T, self.cache[build])

    def homes(self) -> list[Room]:
        """The rooms that place the NPC being checked (rooms.yaml ``npcs:``), in load order:
        where it starts, and where a reset brings it back."""
        return list(self.once(_homes).get(self.entity, ()))

    def written(self, kind: str, key: str) -> Mapping[str, Any]:
        """Every value of the system key ``key`` written on entries of ``kind``: entry id ->
        raw value, in load order, checked yet or not (every file is read before any key is
        checked), so a check may see what other entries declare (the quests an area.yaml
        lists, the doors on exits, the containers' contents) whatever order they are
        checked in."""
        return self.once(_written).get((kind, key), _NONE)

    def room(self, ctx: Context, ref: Any, line: int | None, what: str) -> Room | None:
        full = full_id(ctx, self.area, ref, what, line)
        if full is None:
            return None
        found = self.loader.rooms.get(full)
        if found is None:
            why = unknown(self.loader, "room", full)
            if why is not None:
                ctx.error(f"{what} is {why}", line)
        return found

    def item(self, ctx: Context, ref: Any, line: int | None, what: str) -> str | None:
        """The full id of the item template ``ref`` names, or None with an error."""
        full = full_id(ctx, self.area, ref, what, line)
        if full is None or full in self.loader.templates:
            return full
        why = unknown(self.loader, "item", full)
        if why is not None:
            ctx.error(f"{what} is {why}", line)
        return None
