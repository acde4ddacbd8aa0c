"""What a world was read from: each world file's top-level entries as data, for building.

The loader keeps one ``WorldSources`` per world it loads (``world.sources``): for every file
it read (``village/rooms.yaml``, ``village/area.yaml``, ...) the entries by top-level key,
in file order, as the YAML gave them. Builders' commands edit these (``put``, ``remove``),
the edited sources are checked by the loader's own rules before anything changes in the
live world, and saving writes back just the entries that changed (mud/world_writer.py), so
a ``git diff`` of the world shows only what the builder did.

An entry is never changed in place: an edit puts a new value under its key. A save can so
take a cheap shallow snapshot of a file on the reactor thread and write it from a worker
thread while builders go on editing; a key edited again while it was being written stays
changed for the next save (each edit has a generation number).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The files of an area, by the kind of entry they hold.
FILES = {"area": "area.yaml", "room": "rooms.yaml", "item": "items.yaml", "npc": "npcs.yaml"}

_generations = itertools.count(1)


@dataclass
class SourceFile:
    """One world file: its entries by top-level key, and the keys edited since saved."""

    path: str  # relative to the world folder, with "/" ("village/rooms.yaml")
    entries: dict[str, Any] = field(default_factory=dict)
    # key -> generation of its last edit (added, replaced or removed), until saved.
    changed: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class FileSnapshot:
    """What a save writes of one file: the keys in order and the changed keys' values
    (None for a key removed), taken on the reactor thread."""

    path: Path
    order: tuple[str, ...]
    values: dict[str, Any]
    generations: dict[str, int]
    rel: str


class WorldSources:
    """The sources of one loaded world (folder ``root``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, SourceFile] = {}
        # Goes up with every edit: an edit checked against older sources is checked again.
        self.version = 0

    @staticmethod
    def rel(area: str, kind: str) -> str:
        return f"{area}/{FILES[kind]}"

    def read(self, rel: str, entries: dict[str, Any]) -> None:
        """``entries`` were read from the file at ``rel`` (by the loader, or a reload)."""
        self.files[rel] = SourceFile(rel, dict(entries))
        self.version += 1

    def file(self, area: str, kind: str) -> SourceFile:
        """The file holding ``kind`` entries of ``area`` (empty if it was never read)."""
        rel = self.rel(area, kind)
        found = self.files.get(rel)
        if found is None:
            found = self.files[rel] = SourceFile(rel)
        return found

    def get(self, area: str, kind: str, key: str) -> Any:
        found = self.files.get(self.rel(area, kind))
        return None if found is None else found.entries.get(key)

    def put(self, area: str, kind: str, key: str, value: Any) -> None:
        """Set ``key``'s entry to ``value`` (a new object: never edit one in place)."""
        source = self.file(area, kind)
        source.entries[key] = value
        source.changed[key] = next(_generations)
        self.version += 1

    def remove(self, area: str, kind: str, key: str) -> None:
        source = self.file(area, kind)
        if key in source.entries:
            del source.entries[key]
            source.changed[key] = next(_generations)
            self.version += 1

    def areas(self) -> list[str]:
        return sorted({rel.split("/", 1)[0] for rel in self.files if "/" in rel})

    def changed_areas(self) -> list[str]:
        """Areas with edits not yet saved."""
        return sorted({rel.split("/", 1)[0] for rel, f in self.files.items()
                       if f.changed and "/" in rel})

    def snapshot(self, area: str) -> list[FileSnapshot]:
        """The changed files of ``area`` as a save writes them. O(entries) pointer copies:
        values are shared, which is safe because entries are never edited in place."""
        shots = []
        for rel, source in sorted(self.files.items()):
            if not rel.startswith(f"{area}/") or not source.changed:
                continue
            shots.append(FileSnapshot(
                self.root / rel, tuple(source.entries),
                {key: source.entries.get(key) for key in source.changed},
                dict(source.changed), rel))
        return shots

    def saved(self, shots: Iterable[FileSnapshot]) -> None:
        """Those snapshots are on disk: their keys are no longer changed, unless edited
        again since the snapshot was taken."""
        for shot in shots:
            source = self.files.get(shot.rel)
            if source is None:
                continue
            for key, generation in shot.generations.items():
                if source.changed.get(key) == generation:
                    del source.changed[key]

    def documents(self) -> dict[str, dict[str, Any]]:
        """Every file's entries (shallow copies), for checking an edit with the loader."""
        return {rel: dict(source.entries) for rel, source in self.files.items()}
