"""Checking a builder's edit by the loader's own rules, and giving live entities their keys.

``check_documents`` runs the world loader over the world's sources with an edit applied
(mud/world_sources.py), reading nothing from disk that the sources hold, and returns the
loader's messages: a builder cannot make what would stop the next start-up, and is told
what is wrong in the words a start-up would use. It is blocking (a whole load's checks):
callers run it in a worker thread.

``attach_keys`` gives one live entity (a room, a spawned NPC, an item template, an exit,
an area) what the systems' YAML keys written on its entry mean (behaviours, a door, a
readable's text, ...): each key is checked again, on the reactor, against the *live*
world, so what the check resolves (rooms, exits) are the rooms players stand in, and then
attached as at start-up.
"""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import Any

from mud import systems, world_keys
from mud.engine.world import World
from mud.world_links import written_exits
from mud.world_loader import _Loader
from mud.world_refs import Cache, Lookup, qualified
from mud.world_schema import Context, Report
from mud.world_sources import FILES, WorldSources
from mud.world_yaml import WorldError, as_map


def run_checks(root: Path, documents: dict[str, Any]) -> tuple[_Loader, list[str]]:
    """A loader that has read and checked the world at ``root`` (``documents``, entries by
    file path relative to ``root``, read instead of those files), and its errors: none when
    the world would load. Blocking: run it in a worker thread."""
    systems.install_all()
    report = Report()
    loader = _Loader(root, report, documents)
    try:
        with report.gathering():
            _, start = loader.check()
            if start is None and not report.errors:
                report.add("world.yaml: 'start' names no room")
    except WorldError as exc:
        return loader, list(exc.errors)
    return loader, []


def check_documents(root: Path, documents: dict[str, Any]) -> list[str]:
    """The loader's errors for the world at ``root`` with ``documents`` read instead of
    those files; empty when it would load."""
    loader, errors = run_checks(root, documents)
    # Rooms lead to each other: without their exits the checked world is freed as it goes
    # out of use, not left to a full collection (which holds up the reactor).
    for room in loader.rooms.values():
        room.exits.clear()
    return errors


class _Live:
    """What a key's check asks of a load (mud/world_refs.py ``Known`` and ``Lookup``),
    answered from the live world and its sources."""

    def __init__(self, world: World) -> None:
        sources: WorldSources = world.sources
        self.world = world
        self.sources = sources
        self.root = sources.root
        self.areas = sources.areas()
        self.unlisted: set[str] = set()
        self.unreadable: set[tuple[str, str]] = set()
        self.rooms = world.rooms
        self.templates = world.templates
        self.declared = {kind: {f"{area}:{key}" for area in self.areas
                                for key in sources.file(area, kind).entries}
                         for kind in ("room", "item", "npc")}
        self._pending: list[Any] | None = None
        self._extras: list[Any] | None = None

    @property
    def pending(self) -> list[Any]:
        """(room, ..., npc references) for every room placing NPCs, for ``homes()``."""
        if self._pending is None:
            self._pending = []
            for area in self.areas:
                for key, entry in self.sources.file(area, "room").entries.items():
                    room = self.rooms.get(f"{area}:{key}")
                    npcs = entry.get("npcs") if isinstance(entry, dict) else None
                    if room is None or not isinstance(npcs, list):
                        continue
                    refs = [(qualified(ref, area), None)
                            for ref in npcs if isinstance(ref, str)]
                    self._pending.append((room, None, entry, [], refs))
        return self._pending

    @property
    def extras(self) -> list[Any]:
        """Every system key written in the sources, for ``written()``."""
        if self._extras is None:
            self._extras = []
            for area in self.areas:
                for kind in ("item", "npc", "room"):
                    for key, entry in self.sources.file(area, kind).entries.items():
                        if isinstance(entry, dict):
                            for word, spec in world_keys.present(kind, entry):
                                self._extras.append((kind, f"{area}:{key}", spec, entry[word],
                                                     None, None))
                            if kind == "room":
                                self._exit_extras(f"{area}:{key}", entry)
                area_entry = self.sources.file(area, "area").entries
                for word, spec in world_keys.present("area", area_entry):
                    self._extras.append(("area", area, spec, area_entry[word], None, None))
        return self._extras

    def _exit_extras(self, room_id: str, entry: dict[str, Any]) -> None:
        """The keys written on a room's long-form exits (a door), as the loader files them:
        under "<room id> <exit name>"."""
        for name, spec in written_exits(entry).items():
            if not isinstance(spec, dict):
                continue
            for word, key_spec in world_keys.present("exit", spec):
                self._extras.append(("exit", f"{room_id} {name}", key_spec, spec[word],
                                     None, None))


# One live view per world and sources version, with the checks' shared cache: the many
# attaches one change makes (a reloaded area's hundreds of NPCs) share it instead of each
# walking every source again. Any edit of the sources bumps their version.
_VIEWS: weakref.WeakKeyDictionary[World, tuple[WorldSources, int, _Live, Cache]] = \
    weakref.WeakKeyDictionary()


def _view(world: World) -> tuple[_Live, Cache]:
    sources = world.sources
    got = _VIEWS.get(world)
    if got is None or got[0] is not sources or got[1] != sources.version:
        got = _VIEWS[world] = (sources, sources.version, _Live(world), {})
    return got[2], got[3]


def _checked(world: World, what: str, full: str,
             entry: dict[str, Any]) -> list[tuple[world_keys.KeySpec, Any]]:
    """Each system key written in ``entry`` (a ``what`` with full id ``full``), checked
    against the live world. Raises WorldError if a check fails (the edit was checked
    already: it should not)."""
    live, cache = _view(world)
    area = full.partition(":")[0] if what != "area" else full
    path = world.sources.root / area / FILES["room" if what == "exit" else what]
    report = Report()
    data = as_map(entry)
    found = []
    with report.gathering():
        for word, spec in world_keys.present(what, data):
            ctx = Context(path, report).at(f"{what} {full!r}", data.line_of(word))
            checked = spec.check(ctx, data[word], data.line_of(word),
                                 Lookup(live, area, full, cache))
            found.append((spec, checked))
    return found


def attach_keys(world: World, what: str, full: str, entity: Any,
                entry: dict[str, Any]) -> None:
    """Check each system key written in ``entry`` (the source of ``entity``, a ``what``
    such as "npc" with full id ``full``) against the live world and attach it to
    ``entity``; for an item, ``entity`` is its template and only template keys attach.
    Raises WorldError if a check fails."""
    for spec, checked in _checked(world, what, full, entry):
        if what == "item":
            if spec.attach_template is not None:
                spec.attach_template(world, entity, checked)
        else:
            spec.attach(world, entity, checked)


def attach_placed_item(world: World, full: str, item: Any, entry: dict[str, Any]) -> None:
    """A newly placed copy of item ``full`` gets what its keys give each copy (a
    container's contents)."""
    for spec, checked in _checked(world, "item", full, entry):
        spec.attach(world, item, checked)
