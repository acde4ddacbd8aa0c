"""``reload area <name> [force]``: read an area's files from disk into the running world.

A builder (or someone editing the YAML by hand on the server) changes an area's files
and reloads it without a restart. The files are read and checked in a worker thread by
the loader's own rules (``read_area``: the whole world is checked, the other areas as
the world's sources hold them, this one as it is on disk), so a reload that would stop
the next start-up changes nothing and shows the builder the loader's own messages. Only
then, on the reactor, is the area applied (mud/systems/building/reload_apply.py):
players stay where they stand (moved to the area's entry room, told why, if their room
is gone), what they carry stays, NPCs and listed items come back per the new files.

An area with builder edits not yet saved (``save area``) is not reloaded unless the
builder says ``force``: the reload would throw those edits away.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred

from mud.audit import audit
from mud.commands.registry import Context
from mud.engine.actions import Refusal
from mud.engine.events import Message
from mud.engine.model import ItemTemplate, Room
from mud.engine.world import World
from mud.systems.building import background, edits
from mud.systems.building.edits import sources_of
from mud.world_check import run_checks
from mud.world_sources import FILES, WorldSources

# Times a reload is checked again because a builder's edit of another area landed while
# it was being checked.
MAX_RETRIES = 3
USAGE = "Usage: reload area <name> [force], for example: reload area village"

# Areas being reloaded, per world: a second reload of one waits for the first.
_UNDER_WAY: weakref.WeakKeyDictionary[World, set[str]] = weakref.WeakKeyDictionary()


@dataclass
class Reading:
    """What the worker thread read and checked of one area (or why it would not load).
    Everything here was built by the check's own load: the apply step maps it onto the
    live world by id and never puts the check's rooms into it."""

    area: str
    errors: list[str] = field(default_factory=list)
    # Kind ("room", "item", "npc", "area") -> the file's entries as read, for the sources.
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    name: str = ""
    # The area's rooms as the check built them, in file order (exits lead to the check's
    # rooms: the apply step looks their targets up by id).
    rooms: list[Room] = field(default_factory=list)
    # Room id -> the item / NPC ids its listing places (known ones only), in order.
    items: dict[str, list[str]] = field(default_factory=dict)
    npcs: dict[str, list[str]] = field(default_factory=dict)
    # The area's item templates as built.
    templates: dict[str, ItemTemplate] = field(default_factory=dict)
    # Every NPC the world declares: id -> (name, description, keywords).
    npc_defs: dict[str, tuple[str, str, tuple[str, ...]]] = field(default_factory=dict)
    # (room id, NPC id): another area's room placing one of this area's NPCs.
    placed_elsewhere: list[tuple[str, str]] = field(default_factory=list)


# Ids listed in the builder's summary before "and N more".
MAX_LISTED = 8


@dataclass
class Outcome:
    """What a reload did, for the builder and the audit line."""

    area: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    npcs: int = 0
    items: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        def listed(ids: list[str]) -> str:
            shown = ", ".join(ids[:MAX_LISTED])
            more = len(ids) - MAX_LISTED
            return shown + (f" and {more} more" if more > 0 else "")

        lines = [f"Area {self.area} reloaded from disk."]
        for label, ids in (("Rooms added", self.added), ("Rooms removed", self.removed),
                           ("Rooms changed", self.updated)):
            if ids:
                lines.append(f"{label}: {listed(ids)}.")
        if not (self.added or self.removed or self.updated):
            lines.append("No room changed.")
        if self.moved:
            lines.append(f"Players moved out of removed rooms: {listed(self.moved)}.")
        lines.append(f"NPCs placed anew: {self.npcs}; items put back as listed: "
                     f"{self.items}.")
        for problem in self.problems[:MAX_LISTED]:
            lines.append(f"Warning: {problem}")
        return "\n".join(lines)


def read_area(root: Path, documents: dict[str, Any], area: str) -> Reading:
    """Check the world at ``root`` with ``documents`` (every file's entries by path, this
    area's left out so they are read from disk) by the loader's rules, and what the check
    built of ``area``. Blocking: run it in a worker thread."""
    loader, errors = run_checks(root, documents)
    if errors:
        return Reading(area, errors=errors)
    if area not in loader.areas:
        return Reading(area, errors=[
            f"world.yaml: area {area!r} is not among the areas the world loads (its "
            "'areas:' list, or the folders holding an area.yaml)"])
    reading = Reading(area, name=loader.area_names.get(area, area))
    for kind in FILES:
        source = loader.sources.files.get(WorldSources.rel(area, kind))
        reading.files[kind] = dict(source.entries) if source is not None else {}
    prefix = f"{area}:"
    reading.templates = {tid: t for tid, t in loader.templates.items()
                         if tid.startswith(prefix)}
    reading.npc_defs = dict(loader.npc_defs)
    for room, _, _, item_refs, npc_refs in loader.pending:
        if room.area == area:
            reading.rooms.append(room)
            reading.items[room.id] = [ref for ref, _ in item_refs]
            reading.npcs[room.id] = [ref for ref, _ in npc_refs]
        else:
            reading.placed_elsewhere.extend((room.id, ref) for ref, _ in npc_refs
                                            if ref.startswith(prefix))
    return reading


def documents_without(sources: WorldSources, area: str) -> dict[str, Any]:
    """The sources' documents with ``area``'s files left out: the check reads those from
    disk, exactly as a start-up would, with the same messages."""
    documents = sources.documents()
    for kind in FILES:
        documents.pop(WorldSources.rel(area, kind), None)
    return documents


def _parse(args: str, world: World) -> tuple[str, bool]:
    words = args.lower().split()
    if not words or words[0] != "area" or len(words) < 2:
        raise Refusal(USAGE)
    area, rest = words[1], words[2:]
    if rest not in ([], ["force"]):
        raise Refusal(USAGE)
    if area not in world.area_names:
        known = ", ".join(sorted(world.area_names)) or "none"
        raise Refusal(f"There is no area {area[:40]!r} in the running world (areas: "
                      f"{known}). A new area needs a restart to load.")
    return area, bool(rest)


def _unsaved(area: str, force: bool, sources: WorldSources) -> None:
    if not force and area in sources.changed_areas():
        raise Refusal(f"Area {area} has builder edits that are not saved; a reload would "
                      f"throw them away. Type 'save area' first to keep them, or "
                      f"'reload area {area} force' to drop them.")


def _changes(area: str, sources: WorldSources) -> dict[str, dict[str, int]]:
    # The area's unsaved edits with their generations: a save that wrote some clears them.
    return {rel: dict(source.changed) for rel, source in sources.files.items()
            if rel.startswith(f"{area}/")}


def _not_saving(area: str, sources: WorldSources) -> None:
    from mud.systems.building.saving import saver_for

    if area in saver_for(sources).running:
        # Its files are being written: what is read now could be half old, half new.
        raise Refusal(f"Area {area} is being saved right now; reload it once the save is "
                      "done.")


def reload_command(ctx: Context, args: str) -> Deferred[None]:
    """reload area <name> [force]

    Read an area's files from disk into the running world, checked first by the
    loader's rules (nothing changes if they would not load; you see why). Players stay
    where they are (moved to the area's first room if theirs is gone); NPCs and listed
    items come back per the files. 'force' drops builder edits not saved yet.
    """
    world = ctx.world
    sources = sources_of(ctx)
    area, force = _parse(args, world)
    _unsaved(area, force, sources)
    busy = _UNDER_WAY.setdefault(world, set())
    if area in busy:
        raise Refusal(f"Area {area} is being reloaded already; wait for it to finish.")
    _not_saving(area, sources)
    busy.add(area)
    attempts = [0]

    def check() -> Deferred[Reading]:
        version, changes = sources.version, _changes(area, sources)
        d: Deferred[Reading] = background.politely(
            edits.run_in_thread, read_area, sources.root, documents_without(sources, area),
            area)
        return d.addCallback(checked, version, changes)

    def checked(reading: Reading, version: int, changes: Any) -> Any:
        if reading.errors:
            raise Refusal(edits.refused(reading.errors, sources.root))
        _not_saving(area, sources)
        if sources.version != version or _changes(area, sources) != changes:
            # An edit landed while the files were checked (check against it), or a save
            # wrote this area's files (read them again).
            attempts[0] += 1
            if attempts[0] > MAX_RETRIES:
                raise Refusal("The world is being edited too busily to reload now; try "
                              "again.")
            return check()
        _unsaved(area, force, sources)  # an edit of this area may have landed meanwhile
        from mud.systems.building.reload_apply import apply_reading

        outcome = apply_reading(world, reading)
        ctx.send(Message(edits.as_list(outcome.summary())))
        session = ctx.account
        audit("area_reload", ctx.actor.name, getattr(session, "peer", ""),
              getattr(session, "via", ""), area=area, forced="yes" if force else None,
              added=len(outcome.added), removed=len(outcome.removed),
              updated=len(outcome.updated), moved=len(outcome.moved))
        return None

    def done(result: Any) -> Any:
        busy.discard(area)
        return result

    ctx.send(Message(f"Reading area {area} from disk and checking it..."))
    return check().addBoth(done)


def install() -> None:
    """Register ``reload`` in the builder command set."""
    from mud.commands.registry import command_set

    builder = command_set("builder")
    if "reload" not in builder.commands:
        builder.register("reload", family="building")(reload_command)
