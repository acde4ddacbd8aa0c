"""YAML keys that game systems add to world entries (areas, rooms, items, NPCs).

A system registers a key once, at install time::

    register_key("behaviours", kinds=("npc", "room"), check=..., attach=...,
                 aliases=("behaviors",))

The loader then accepts the key on those kinds of entry, calls ``check(ctx, value, line,
lookup)`` once every room is read (``ctx`` is the entry's ``world_schema.Context``: errors
go through it and name file:line and the entry; ``lookup`` resolves room and item
references and shows what other entries declare, its indexes built once per load), and,
once the world is built and the load has no errors, ``attach(world, entity, checked)`` for
each room, each placed NPC and each placed item carrying it, then for each area whose
area.yaml carries it (the entity is then the area's id, every room already built and
stocked), and last for a key written in world.yaml (kind ``"world"``: the world's own
rules; the entity is the World). Keys on an exit's long form (kind ``"exit"``: the doors
system's ``door:``) are attached with the pair ``(room, exit)`` as the entity, after rooms
and before areas. A new key needs no edit to the loader.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from mud.engine.model import Room
from mud.engine.world import World
from mud.world_schema import Context

KINDS = ("room", "item", "npc", "area", "exit", "world")
T = TypeVar("T")


class Lookup(Protocol):
    """What a check may ask of the loader."""

    area: str
    # The full id of the entry being checked ("village:box"; "room exit" for an exit's key).
    entity: str

    def room(self, ctx: Context, ref: Any, line: int | None, what: str) -> Room | None:
        """The room ``ref`` names (a local id is in ``area``), or None with an error."""

    def item(self, ctx: Context, ref: Any, line: int | None, what: str) -> str | None:
        """The full id of the item ``ref`` names, or None with an error."""

    def homes(self) -> list[Room]:
        """The rooms that place the NPC whose key is being checked (empty for others)."""

    def written(self, kind: str, key: str) -> Mapping[str, Any]:
        """Entry id -> raw value of every ``key`` written on ``kind`` entries, in load
        order, checked or not yet (for checks that refer to what other entries declare)."""

    def once(self, build: Callable[[Any], T]) -> T:
        """``build(lookup)`` run once per load and shared by every check: for what a check
        derives from ``written()`` (every quest id, the containers' contents), so that is
        not redone per checked entry."""


Check = Callable[[Context, Any, "int | None", Lookup], Any]
Attach = Callable[[World, Any, Any], None]


@dataclass(frozen=True)
class KeySpec:
    key: str
    kinds: tuple[str, ...]
    check: Check
    attach: Attach
    aliases: tuple[str, ...] = ()
    # Items only: called once per item template carrying the key, with the ItemTemplate,
    # before placed items' ``attach``; what it sets on the template (``props``) holds for
    # every copy, placed at load or made later (a reset's respawn, a quest's reward).
    attach_template: Attach | None = None


# kind -> written key (or alias) -> its spec.
_KEYS: dict[str, dict[str, KeySpec]] = {kind: {} for kind in KINDS}


def register_key(key: str, kinds: tuple[str, ...], check: Check, attach: Attach,
                 aliases: tuple[str, ...] = (),
                 attach_template: Attach | None = None) -> None:
    """Accept ``key`` (and its ``aliases``) on entries of ``kinds``."""
    spec = KeySpec(key, kinds, check, attach, aliases, attach_template)
    for kind in kinds:
        if kind not in _KEYS:
            raise ValueError(f"no such kind of entry {kind!r} (known: {', '.join(KINDS)})")
        for word in (key, *aliases):
            known = _KEYS[kind].get(word)
            if known is not None and known != spec:
                raise ValueError(f"world key {word!r} on {kind}s registered twice")
            _KEYS[kind][word] = spec


def allowed(kind: str) -> dict[str, bool]:
    """The extra keys ``kind`` entries may carry, as the loader's key tables (not required)."""
    return dict.fromkeys(_KEYS.get(kind, {}), False)


def present(kind: str, data: dict[str, Any]) -> list[tuple[str, KeySpec]]:
    """The registered keys written in ``data``, with their specs."""
    table = _KEYS.get(kind, {})
    return [(word, table[word]) for word in data if isinstance(word, str) and word in table]
