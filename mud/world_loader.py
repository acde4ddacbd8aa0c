"""Load a world folder of YAML files into engine objects, checking everything on the way.

Every fault is reported as a ``WorldError`` whose message names the file, the entry and
what is wrong, e.g. ``worlds/x/village/rooms.yaml: room "village:square": exit "north"
leads to unknown room "village:nowhere"``. The format is documented in worlds/README.md.

Only files inside the world folder are read: one that resolves elsewhere (a symbolic link
to /etc/passwd, say) is refused unread. A message quotes at most the one offending value
from a file, escaped and cut short (``_shown``), never the file's text around it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from mud.engine import directions
from mud.engine.matching import keywords_from_name
from mud.engine.model import NPC, Exit, Item, ItemTemplate, Room
from mud.engine.world import Clock, World

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The fast safe loader, refusing duplicate keys (plain YAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{_shown(key)} is given twice in the same mapping",
                    key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                              _StrictLoader.construct_mapping)

MAX_FILE_BYTES = 8 * 1024 * 1024
# Characters of a value from a world file that an error message quotes.
MAX_SHOWN = 40
# Matched with fullmatch: "$" alone would let a trailing newline through.
ID_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
EXIT_RE = re.compile(r"[a-z][a-z0-9-]{0,31}")

WORLD_KEYS = {"name": True, "description": True, "start": True, "welcome": False, "areas": False}
AREA_KEYS = {"name": True, "description": False, "environment": False}
ROOM_KEYS = {"name": True, "description": True, "environment": False, "exits": False,
             "items": False, "npcs": False}
EXIT_KEYS = {"to": True, "description": False}
ITEM_KEYS = {"name": True, "keywords": False, "description": True, "fixed": False,
             "plural": False}
NPC_KEYS = {"name": True, "keywords": False, "description": True}


class WorldError(Exception):
    """A world that cannot be loaded; the message is meant for the person who wrote it."""


def _shown(value: Any, limit: int = MAX_SHOWN) -> str:
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


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _inside(path: Path, root: Path) -> Path:
    """``path`` with every link resolved, if that is still inside ``root`` (the world folder,
    itself resolved: it may be a link); else a WorldError, before anything is read."""
    real = path.resolve()
    if not real.is_relative_to(root):
        raise WorldError(f"{_display(path)}: refused: it resolves to a file outside the world "
                         f"folder {_display(root)} (a symbolic link?); world files must stay "
                         "inside it")
    return real


def _read_yaml(path: Path, root: Path, required: bool = True) -> Any:
    where = _display(path)
    real = _inside(path, root)
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
        problem = _problem(getattr(exc, "problem", None) or str(exc))
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise WorldError(f"{where}:{line}: not valid YAML: {problem}") from None
    except RecursionError:
        # Mappings nested near libyaml's own depth limit outrun Python's stack.
        raise WorldError(f"{where}: not valid YAML: nested too deeply") from None


class _Context:
    """Where we are while checking: the file, and the entry inside it."""

    def __init__(self, path: Path, entry: str = "") -> None:
        self.path = path
        self.entry = entry

    def at(self, entry: str) -> _Context:
        return _Context(self.path, entry)

    def fail(self, message: str) -> WorldError:
        prefix = _display(self.path)
        if self.entry:
            prefix += f": {self.entry}"
        return WorldError(f"{prefix}: {message}")

    def check_keys(self, data: Any, allowed: dict[str, bool], what: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(f"{what} must be a mapping of keys to values, not {_kind(data)}")
        for key in data:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                raise self.fail(f"unknown key {_shown(key)} (allowed: {known})")
        for key, required in allowed.items():
            if required and key not in data:
                raise self.fail(f"missing required key {key!r}")
        return data

    def text(self, data: dict[str, Any], key: str, default: str = "") -> str:
        value = data.get(key, default)
        if value is None:
            value = default
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise self.fail(f"{key!r} must be text, not {_kind(value)}")
        value = str(value)
        if key in ("name",) and not value.strip():
            raise self.fail(f"{key!r} must not be empty")
        return value

    def word_list(self, data: dict[str, Any], key: str) -> list[str]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{key!r} must be a list of words")
        return value


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false",
            type(None): "nothing"}.get(type(value), type(value).__name__)


def _full_id(ctx: _Context, area: str, ref: Any, what: str) -> str:
    if not isinstance(ref, str):
        raise ctx.fail(f"{what} reference must be text, not {_kind(ref)}")
    ref = ref.strip()
    if ":" in ref:
        ref_area, _, local = ref.partition(":")
    else:
        ref_area, local = area, ref
    if not ID_RE.fullmatch(ref_area) or not ID_RE.fullmatch(local):
        raise ctx.fail(f"{what} {_shown(ref)} is not a valid id (lowercase letters, digits, "
                       "_ and -, "
                       "optionally area:id)")
    return f"{ref_area}:{local}"


def _entries(path: Path, root: Path, what: str,
             required: bool) -> tuple[_Context, dict[str, Any]]:
    ctx = _Context(path)
    data = _read_yaml(path, root, required)
    if data is None:
        return ctx, {}
    if not isinstance(data, dict):
        raise ctx.fail(f"must be a mapping of {what} ids to {what}s, not {_kind(data)}")
    # YAML reads a bare 42: as a number; it is still an id.
    data = {str(k) if isinstance(k, int) and not isinstance(k, bool) else k: v
            for k, v in data.items()}
    for key in data:
        if not isinstance(key, str) or not ID_RE.fullmatch(key):
            raise ctx.fail(f"{what} id {_shown(key)} is not valid (lowercase letters, digits, "
                           "_ and -)")
    return ctx, data


def _discover_areas(root: Path, world_ctx: _Context, listed: list[str] | None) -> list[str]:
    if listed is not None:
        if len(set(listed)) != len(listed):
            twice = sorted({n for n in listed if listed.count(n) > 1})
            raise world_ctx.fail(f"area {_shown(twice[0])} is listed twice in 'areas'")
        for name in listed:
            if not ID_RE.fullmatch(name):
                raise world_ctx.fail(f"area name {_shown(name)} is not valid")
            if not (root / name / "area.yaml").exists():
                raise world_ctx.fail(f"area {name!r} has no folder {name}/ with an area.yaml")
        return listed
    return sorted(p.name for p in root.iterdir() if (p / "area.yaml").is_file())


def load_world(path: str | os.PathLike[str], clock: Clock) -> World:
    """Read and check the world folder at ``path``; raise WorldError on any fault."""
    root = Path(path)
    if not root.is_dir():
        raise WorldError(f"{_display(root)}: no such world folder (expected a folder "
                         "holding world.yaml)")
    real_root = root.resolve()
    world_ctx = _Context(root / "world.yaml")
    meta = world_ctx.check_keys(_read_yaml(root / "world.yaml", real_root), WORLD_KEYS,
                                "world.yaml")
    listed = world_ctx.word_list(meta, "areas") if "areas" in meta else None
    areas = _discover_areas(root, world_ctx, listed)
    if not areas:
        raise world_ctx.fail("the world has no areas (sub-folders holding an area.yaml)")

    templates: dict[str, ItemTemplate] = {}
    npc_defs: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    rooms: dict[str, Room] = {}
    # (room, ctx, raw exits, item refs, npc refs) waiting for every id to be known.
    pending: list[tuple[Room, _Context, Any, list[str], list[str]]] = []

    area_names: dict[str, str] = {}
    for area in areas:
        folder = root / area
        area_ctx = _Context(folder / "area.yaml")
        area_meta = area_ctx.check_keys(_read_yaml(folder / "area.yaml", real_root), AREA_KEYS,
                                        "area.yaml")
        area_env = area_ctx.text(area_meta, "environment")
        area_names[area] = area_ctx.text(area_meta, "name")

        ctx, raw = _entries(folder / "items.yaml", real_root, "item", required=False)
        for local, data in raw.items():
            tid = f"{area}:{local}"
            ictx = ctx.at(f'item "{tid}"')
            ictx.check_keys(data, ITEM_KEYS, "an item")
            name = ictx.text(data, "name")
            kws = tuple(k.lower() for k in ictx.word_list(data, "keywords")) or \
                keywords_from_name(name)
            fixed = data.get("fixed", False)
            if not isinstance(fixed, bool):
                raise ictx.fail(f"'fixed' must be true or false, not {_kind(fixed)}")
            # "plural: loaves of bread" when the English rules in grouping.py get it wrong.
            plural = " ".join(ictx.text(data, "plural").split())
            templates[tid] = ItemTemplate(tid, name, kws, ictx.text(data, "description"), fixed,
                                          plural)

        ctx, raw = _entries(folder / "npcs.yaml", real_root, "npc", required=False)
        for local, data in raw.items():
            nid = f"{area}:{local}"
            nctx = ctx.at(f'npc "{nid}"')
            nctx.check_keys(data, NPC_KEYS, "an npc")
            name = nctx.text(data, "name")
            kws = tuple(k.lower() for k in nctx.word_list(data, "keywords")) or \
                keywords_from_name(name)
            npc_defs[nid] = (name, nctx.text(data, "description"), kws)

        ctx, raw = _entries(folder / "rooms.yaml", real_root, "room", required=True)
        if not raw:
            raise ctx.fail("the area has no rooms")
        for local, data in raw.items():
            rid = f"{area}:{local}"
            rctx = ctx.at(f'room "{rid}"')
            rctx.check_keys(data, ROOM_KEYS, "a room")
            env = rctx.text(data, "environment", area_env)
            room = Room(rid, area, rctx.text(data, "name"),
                        rctx.text(data, "description").strip(), env)
            rooms[rid] = room
            items = [_full_id(rctx, area, r, "item") for r in rctx.word_list(data, "items")]
            npcs = [_full_id(rctx, area, r, "npc") for r in rctx.word_list(data, "npcs")]
            pending.append((room, rctx, data.get("exits"), items, npcs))

    world = World(meta_text(world_ctx, meta, "name"), rooms, rooms[next(iter(rooms))], clock,
                  description=meta_text(world_ctx, meta, "description"),
                  welcome=world_ctx.text(meta, "welcome").rstrip(), templates=templates)
    world.area_names = area_names
    for room, rctx, raw_exits, item_refs, npc_refs in pending:
        _link_exits(room, rctx, raw_exits, rooms)
        counts: dict[str, int] = {}
        for ref in item_refs:
            template = templates.get(ref)
            if template is None:
                raise rctx.fail(f"places unknown item {_shown(ref)}")
            counts[ref] = counts.get(ref, 0) + 1
            world.add_item(Item(f"{room.id}/{ref}#{counts[ref]}", template), room)
        for ref in npc_refs:
            if ref not in npc_defs:
                raise rctx.fail(f"places unknown npc {_shown(ref)}")
            name, description, kws = npc_defs[ref]
            npc = NPC(ref, name, kws, description)
            npc.room = room
            room.npcs.append(npc)
            world.npcs.append(npc)

    start = meta["start"]
    if not isinstance(start, str) or start.strip() not in rooms:
        raise world_ctx.fail(f"start room {_shown(start)} is not a known room (write it as "
                             "area:id)")
    world.start = rooms[start.strip()]
    return world


def meta_text(ctx: _Context, meta: dict[str, Any], key: str) -> str:
    return ctx.text(meta, key).strip()


def _link_exits(room: Room, ctx: _Context, raw: Any, rooms: dict[str, Room]) -> None:
    if raw is None:
        return
    if not isinstance(raw, dict):
        raise ctx.fail(f"'exits' must be a mapping of exit names to rooms, not {_kind(raw)}")
    for name, spec in raw.items():
        if not isinstance(name, str) or not EXIT_RE.fullmatch(name.lower()):
            raise ctx.fail(f"exit name {_shown(name)} is not valid (a direction or one "
                           "lowercase word)")
        canonical = directions.canonical(name) or name.lower()
        if canonical in room.exits:
            raise ctx.fail(f'exit "{canonical}" is given twice')
        description = ""
        if isinstance(spec, dict):
            ectx = ctx.at(f'{ctx.entry}: exit "{canonical}"')
            ectx.check_keys(spec, EXIT_KEYS, "an exit")
            description = ectx.text(spec, "description").strip()
            spec = spec["to"]
        target_id = _full_id(ctx, room.area, spec, f'exit "{canonical}" target')
        target = rooms.get(target_id)
        if target is None:
            raise ctx.fail(f'exit "{canonical}" leads to unknown room "{target_id}"')
        room.exits[canonical] = Exit(canonical, target, description)

