"""Load a world folder of YAML files into engine objects, checking everything on the way.

Every fault names the file, the line, the entry and what to write instead, e.g.
``worlds/x/village/rooms.yaml:12: room "village:square": exit "north" leads to unknown
room "village:nowhere"``. Faults are collected, up to ``MAX_ERRORS``, and raised together
as one ``WorldError`` (one line each), so a builder fixes a batch per start-up. What is
odd but not broken (an area folder that world.yaml's ``areas:`` leaves out) is a warning,
logged once the world has loaded. The format is documented in worlds/README.md; the
typed checks themselves live in ``mud.world_schema``.

Only files inside the world folder are read: one that resolves elsewhere (a symbolic link
to /etc/passwd, say) is refused unread. A message quotes at most the one offending value
from a file, escaped and cut short, never the file's text around it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twisted.logger import Logger

from mud import systems, world_keys, world_schema, world_yaml
from mud.engine.matching import keywords_from_name
from mud.engine.model import NPC, Item, ItemTemplate, Room
from mud.engine.placing import placed_id
from mud.engine.world import Clock, World
from mud.world_links import Linking
from mud.world_refs import ID_RE, ID_RULE, Cache, Lookup, unknown
from mud.world_refs import refs as id_refs
from mud.world_schema import Context, Report, kind
from mud.world_sources import WorldSources
from mud.world_yaml import Map, WorldError, as_map, display, entry_key, read_yaml, shown

__all__ = ["MAX_ERRORS", "MAX_FILE_BYTES", "MAX_SHOWN", "WorldError", "load_world"]
# The loader's limits, where docs and tests look for them.
MAX_ERRORS = world_schema.MAX_ERRORS
MAX_FILE_BYTES, MAX_SHOWN = world_yaml.MAX_FILE_BYTES, world_yaml.MAX_SHOWN

log = Logger()


# The keys of each kind of entry, True when required. A key's type is checked where the
# loader reads it (Context.text, .word, .word_list, .flag), so a new key is one line here
# and one accessor call below.
WORLD_KEYS = {"name": True, "description": True, "start": True, "welcome": False, "areas": False}
AREA_KEYS = {"name": True, "description": False, "environment": False}
ROOM_KEYS = {"name": True, "description": True, "environment": False, "exits": False,
             "items": False, "npcs": False}
ITEM_KEYS = {"name": True, "keywords": False, "description": True, "fixed": False,
             "plural": False}
NPC_KEYS = {"name": True, "keywords": False, "description": True}


def load_world(path: str | os.PathLike[str], clock: Clock,
               warn: Callable[[str], None] | None = None) -> World:
    """Read and check the world folder at ``path``; raise WorldError listing every fault
    found (up to MAX_ERRORS). Warnings go to ``warn`` (default: the log) if it loads."""
    systems.install_all()  # their YAML keys and behaviours are known before reading
    root = Path(path)
    if not root.is_dir():
        raise WorldError(f"{display(root)}: no such world folder (expected a folder "
                         "holding world.yaml)")
    report = Report()
    with report.gathering():
        world = _Loader(root, report).load(clock)
    for warning in report.warnings:
        if warn is None:
            log.warn("World: {warning}", warning=warning)
        else:
            warn(warning)
    if world is None:  # gathering() raised already: this is for the type checker
        raise WorldError(report.errors)
    return world


def _entries(path: Path, loader: _Loader, what: str,
             required: bool) -> tuple[Context, Map, set[str]]:
    """The entries of a rooms/items/npcs file by local id; bad ids are reported and left
    out (the third value: what they were likely meant to be)."""
    ctx = Context(path, loader.report)
    data = loader.read(path, required)
    misspelt: set[str] = set()
    if data is None:
        return ctx, Map(), misspelt
    if not isinstance(data, dict):
        raise ctx.fail(f"must be a mapping of {what} ids to {what}s, not {kind(data)}")
    entries = Map()
    for key, value in data.items():
        line = data.line_of(key)
        local = entry_key(key)
        if not isinstance(local, str) or not ID_RE.fullmatch(local):
            fixed = re.sub(r"[^a-z0-9_-]+", "_", str(key).strip().lower()).strip("_")[:64]
            hint = f": write it as {fixed}" if isinstance(key, str) and ID_RE.fullmatch(fixed) \
                else ""
            ctx.error(f"{what} id {shown(key)} is not valid ({ID_RULE}){hint}", line)
            # Declared under its likely spelling, so references to it are not errors too.
            if hint:
                misspelt.add(fixed)
            continue
        entries[local] = value
        entries.marks[local] = data.marks.get(key, (line or 0, 0))
    return ctx, entries, misspelt


def _keywords(ctx: Context, data: Map, name: str) -> tuple[str, ...]:
    kws = tuple(k.lower() for k in ctx.word_list(data, "keywords")) or \
        keywords_from_name(name)
    if not kws and name and "keywords" not in data:
        ctx.error(f"no word of 'name' ({shown(name)}) is one a player could type to mean "
                  "it: add keywords: [word, word]", data.line_of("name"))
    return kws


def item_template(ctx: Context, tid: str, data: Map) -> ItemTemplate:
    """The template an item entry makes (its system keys aside); faults go to ``ctx``.
    Builders' ``create``/``set`` make theirs here too (mud/systems/building/things.py)."""
    name = ctx.text(data, "name")
    # "plural: loaves of bread" when the English rules in grouping.py get it wrong.
    plural = " ".join(ctx.text(data, "plural").split())
    return ItemTemplate(tid, name, _keywords(ctx, data, name), ctx.text(data, "description"),
                        ctx.flag(data, "fixed"), plural)


def npc_definition(ctx: Context, data: Map) -> tuple[str, str, tuple[str, ...]]:
    """(name, description, keywords) an NPC entry gives each copy of it."""
    name = ctx.text(data, "name")
    return name, ctx.text(data, "description"), _keywords(ctx, data, name)


class _Loader(Linking):
    """One load: what has been read so far, to resolve references once all is read."""

    def __init__(self, root: Path, report: Report,
                 documents: dict[str, Any] | None = None) -> None:
        self.root = root
        self.real_root = root.resolve()
        self.report = report
        # A builder's edit being checked: files' entries by path relative to the world
        # folder, read instead of those files (mud/world_check.py).
        self.documents = documents
        self.name = self.description = self.welcome = ""
        self.world_ctx = Context(root / "world.yaml", report)
        self.areas: list[str] = []
        self.unlisted: set[str] = set()
        # Ids given an entry, even a broken one (already reported: no "unknown" echo), and
        # (area, kind) pairs whose file could not be read at all.
        self.declared: dict[str, set[str]] = {"room": set(), "item": set(), "npc": set()}
        self.unreadable: set[tuple[str, str]] = set()
        self.templates: dict[str, ItemTemplate] = {}
        self.npc_defs: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        self.rooms: dict[str, Room] = {}
        self.area_names: dict[str, str] = {}
        # (room, ctx, its entry, [(item ref, line)], [(npc ref, line)]) for after reading.
        self.pending: list[tuple[Room, Context, Map, list[Any], list[Any]]] = []
        # Keys systems add (mud/world_keys.py): (kind, id, spec, value, ctx, line) as read,
        # then (kind, id) -> [(spec, checked value)] once checked.
        self.extras: list[tuple[str, str, world_keys.KeySpec, Any, Context, int | None]] = []
        self.checked: dict[tuple[str, str], list[tuple[world_keys.KeySpec, Any]]] = {}
        # Each file's entries as read, for builders' edits and saves (mud/world_sources.py).
        self.sources = WorldSources(root)

    def read(self, path: Path, required: bool = True) -> Any:
        """A world file's data: from the documents being checked if they hold it, else
        from disk."""
        if self.documents is not None:
            rel = path.relative_to(self.root).as_posix()
            if rel in self.documents:
                return as_map(self.documents[rel])
        return read_yaml(path, self.real_root, required)

    def check(self) -> tuple[Map, Room | None]:
        """Read and check everything (errors go to the report); the world.yaml mapping
        and the start room."""
        meta = Map()
        with self.report.collecting():
            meta = self.world_ctx.check_keys(self.read(self.root / "world.yaml"),
                                             {**WORLD_KEYS, **world_keys.allowed("world")},
                                             "world.yaml")
        for word, spec in world_keys.present("world", meta):
            self.extras.append(("world", "", spec, meta[word], self.world_ctx,
                                meta.line_of(word)))
        self.name = self.world_ctx.text(meta, "name").strip()
        self.description = self.world_ctx.text(meta, "description").strip()
        self.welcome = self.world_ctx.text(meta, "welcome").rstrip()
        self._discover_areas(meta)
        for area in self.areas:
            self._read_area(area)
        for room, rctx, data, item_refs, npc_refs in self.pending:
            self._link_exits(room, rctx, data)
            self._place(room, rctx, item_refs, npc_refs)
        start = self._start(meta)
        self._check_extras()
        return meta, start

    def load(self, clock: Clock) -> World | None:
        _, start = self.check()
        if self.report.errors or start is None:
            return None
        world = World(self.name, self.rooms, start, clock, description=self.description,
                      welcome=self.welcome, templates=self.templates)
        world.area_names = self.area_names
        world.sources = self.sources
        # Item keys that belong to the template (every copy, placed or made later) first.
        for (what, full), specs in self.checked.items():
            for spec, checked in specs:
                if what == "item" and spec.attach_template is not None:
                    spec.attach_template(world, self.templates[full], checked)
        for room, _, _, item_refs, npc_refs in self.pending:
            counts: dict[str, int] = {}
            for ref, _ in item_refs:
                counts[ref] = counts.get(ref, 0) + 1
                item = Item(placed_id(room.id, ref, counts[ref]), self.templates[ref])
                world.add_item(item, room)
                self._attach(world, "item", ref, item)
            for ref, _ in npc_refs:
                name, description, kws = self.npc_defs[ref]
                npc = NPC(ref, name, kws, description)
                npc.room = room
                room.npcs.append(npc)
                world.npcs.append(npc)
                self._attach(world, "npc", ref, npc)
            self._attach(world, "room", room.id, room)
        for room in self.rooms.values():
            for exit_ in room.exits.values():
                self._attach(world, "exit", f"{room.id} {exit_.name}", (room, exit_))
        # Areas last: what an area's key attaches may look at its rooms as built.
        for area in self.areas:
            self._attach(world, "area", area, area)
        # world.yaml's own system keys (the world's rules) once everything else is there.
        self._attach(world, "world", "", world)
        systems.set_up_world(world)
        return world

    # -- keys systems add ---------------------------------------------------------------

    def _check_extras(self) -> None:
        shared: Cache = {}  # what checks look up in the whole load, built once (world_refs)
        for what, full, spec, value, ctx, line in self.extras:
            with self.report.collecting():
                checked = spec.check(ctx, value, line,
                                     Lookup(self, full.partition(":")[0], full, shared))
                self.checked.setdefault((what, full), []).append((spec, checked))

    def _attach(self, world: World, what: str, full: str, entity: Any) -> None:
        for spec, checked in self.checked.get((what, full), ()):
            spec.attach(world, entity, checked)

    # -- areas --------------------------------------------------------------------------

    def _discover_areas(self, meta: Map) -> None:
        ctx = self.world_ctx
        on_disk = sorted(p.name for p in self.root.iterdir()
                         if p.is_dir() and (p / "area.yaml").is_file())
        listed = meta.get("areas")
        if not isinstance(listed, list) or not listed:
            if listed in (None, []) and "areas" in meta:
                ctx.error("'areas' is empty: list the area folders to load, areas: "
                          f"[{', '.join(on_disk[:3]) or 'village'}], or leave the key out to "
                          "load every folder holding an area.yaml", meta.line_of("areas"))
            elif "areas" in meta:
                ctx.word_list(meta, "areas")  # says what is wrong with it
            # Every area is checked all the same, so one load reports as much as it can.
            self.areas = on_disk
        else:
            line = meta.line_of("areas")
            for name in ctx.word_list(meta, "areas"):
                if not ID_RE.fullmatch(name):
                    ctx.error(f"area name {shown(name)} is not valid ({ID_RULE})", line)
                elif name in self.areas:
                    ctx.error(f"area {shown(name)} is listed twice in 'areas'", line)
                elif name not in on_disk:
                    ctx.error(f"area {name!r} has no folder {name}/ with an area.yaml", line)
                    self.unreadable.add((name, "*"))
                else:
                    self.areas.append(name)
            self.unlisted = set(on_disk) - set(self.areas)
            for name in sorted(self.unlisted):
                ctx.warn(f"area {name!r} exists on disk ({display(self.root / name)}) but is "
                         "not listed in world.yaml's areas:, so it is not loaded; add it "
                         "there to load it", line)
        # A folder of rooms without its area.yaml is not an area: easy to miss.
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir() and not (folder / "area.yaml").exists() and \
                    (folder / "rooms.yaml").exists():
                ctx.warn(f"folder {display(folder)} has a rooms.yaml but no area.yaml, so it "
                         "is not an area and is not loaded; add an area.yaml (name: ...)")
        if not self.areas and not self.report.errors:
            ctx.error("the world has no areas (sub-folders holding an area.yaml)")

    def _read_area(self, area: str) -> None:
        folder = self.root / area
        area_ctx = Context(folder / "area.yaml", self.report)
        area_env = ""
        with self.report.collecting():
            area_raw = self.read(folder / "area.yaml")
            if isinstance(area_raw, dict):
                self.sources.read(WorldSources.rel(area, "area"), area_raw)
            area_meta = area_ctx.check_keys(area_raw, {**AREA_KEYS, **world_keys.allowed("area")},
                                            "area.yaml")
            for word, spec in world_keys.present("area", area_meta):
                self.extras.append(("area", area, spec, area_meta[word], area_ctx,
                                    area_meta.line_of(word)))
            area_env = area_ctx.word(area_meta, "environment")
            self.area_names[area] = area_ctx.text(area_meta, "name").strip()
            area_ctx.text(area_meta, "description")

        def item(tid: str, ictx: Context, data: dict[str, Any]) -> None:
            self.templates[tid] = item_template(ictx, tid, data)

        def npc(nid: str, nctx: Context, data: dict[str, Any]) -> None:
            self.npc_defs[nid] = npc_definition(nctx, data)

        def room(rid: str, rctx: Context, data: dict[str, Any]) -> None:
            made = Room(rid, area, rctx.text(data, "name"),
                        rctx.text(data, "description").strip(),
                        rctx.word(data, "environment", area_env))
            self.rooms[rid] = made
            items = id_refs(rctx, data, "items", area, "item")
            npcs = id_refs(rctx, data, "npcs", area, "npc")
            self.pending.append((made, rctx, data, items, npcs))

        self._each(area, "item", "an item", ITEM_KEYS, item)
        self._each(area, "npc", "an npc", NPC_KEYS, npc)
        self._each(area, "room", "a room", ROOM_KEYS, room, required=True)

    def _each(self, area: str, what: str, label: str, keys: Any,
              build: Callable[[str, Context, dict[str, Any]], None],
              required: bool = False) -> None:
        """Check and build each entry of an area's ``<what>s.yaml``; a broken entry is
        reported and skipped, and the others are still read."""
        ctx, raw = self._file(area, self.root / area / f"{what}s.yaml", what, required)
        if required and not raw and (area, what) not in self.unreadable:
            ctx.error(f"the area has no {what}s")
            self.unreadable.add((area, what))
        keys = {**keys, **world_keys.allowed(what)}
        for local, data in raw.items():
            full = f"{area}:{local}"
            entry_ctx = ctx.at(f'{what} "{full}"', raw.line_of(local))
            self.declared[what].add(full)
            with self.report.collecting():
                checked = entry_ctx.check_keys(data, keys, label)
                build(full, entry_ctx, checked)
                seen: dict[str, str] = {}
                for word, spec in world_keys.present(what, checked):
                    if spec.key in seen:
                        # Both spellings (behaviours: and behaviors:) would attach twice.
                        entry_ctx.error(f"write one of {seen[spec.key]}: or {word}:, not "
                                        "both (they are the same key)", checked.line_of(word))
                        continue
                    seen[spec.key] = word
                    self.extras.append((what, full, spec, checked[word], entry_ctx,
                                        checked.line_of(word)))

    def _file(self, area: str, path: Path, what: str, required: bool) -> tuple[Context, Map]:
        try:
            ctx, entries, misspelt = _entries(path, self, what, required)
            self.declared[what].update(f"{area}:{local}" for local in misspelt)
            self.sources.read(WorldSources.rel(area, what), entries)
            return ctx, entries
        except WorldError as exc:
            for message in exc.errors:
                self.report.add(message)
            self.unreadable.add((area, what))
            return Context(path, self.report), Map()

    def _start(self, meta: Map) -> Room | None:
        if "start" not in meta:
            return None
        ctx, start, line = self.world_ctx, meta["start"], meta.line_of("start")
        if not isinstance(start, str) or not start.strip():
            ctx.error(f"'start' must be the id of a room, as area:id (start: village:square), "
                      f"not {kind(start)}", line)
            return None
        start = start.strip()
        if start in self.rooms:
            return self.rooms[start]
        if ":" not in start:
            matches = [rid for rid in self.rooms if rid.endswith(f":{start}")]
            hint = f" (start: {matches[0]}?)" if matches else ""
            ctx.error(f"start room {shown(start)} must be written as area:id{hint}", line)
            return None
        why = unknown(self, "room", start)
        if why is not None and self.areas:
            ctx.error(f"'start' leads to {why}", line)
        return None
