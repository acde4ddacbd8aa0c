"""Containers: things that hold other things (a herb satchel, a sea chest, a magpie's nest).

``install()`` (called once by mud.systems.install_all) registers everything it brings,
without an edit anywhere else:

- the ``container:`` key on items in the world's YAML (``capacity``, ``contents``),
  checked at load with file:line (unknown items, a container that would end up inside
  itself, contents over the capacity). It belongs to the item's template, so every copy is
  a container: placed at load, respawned by a reset or made as a quest's reward. A copy
  placed at load holds its declared ``contents`` (at any depth: a chest's pouch holds its
  coins), with stable ids ``<container id>/<item>#<n>``;
- ``put <item> in <container>``, ``get <item> from <container>`` (the core ``get``
  extended: plain ``get`` is untouched), ``look in <container>`` and ``examine`` of a
  container listing what it holds (mud/systems/containers/commands.py);
- the ``container`` (someone put or took things) and ``contents`` (a look inside) events
  with their text and JSON renderings;
- a part in each area's reset (mud/systems/resets): containers in the area's rooms that
  the area placed there get back the declared contents they are missing, never more.

Saving needs nothing of its own: the engine saves an item inside another as the place
``("in", <container id>)``, and a restart puts it back whichever row loads first.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any

from mud.engine.model import Item, ItemTemplate, Room
from mud.engine.placing import placed_id
from mud.engine.world import World
from mud.world_keys import Lookup
from mud.world_schema import Context as Where
from mud.world_schema import kind
from mud.world_yaml import shown

# The template prop that makes an item a container (its Spec).
PROP = "container"
# How many things a container holds when the YAML does not say, and the most it may say.
DEFAULT_CAPACITY = 10
MAX_CAPACITY = 100
# How deep declared contents may nest (a chest holding a bag holding a pouch is 3): ids
# grow a part per level, and placing and saving walk every level.
MAX_DEPTH = 10


@dataclass(frozen=True)
class Spec:
    """A container as its template declares it: how many things it holds, and what it
    holds when the world places it (item template ids, repeated for several)."""

    capacity: int
    contents: tuple[str, ...] = ()


def spec_of(item: Item) -> Spec | None:
    """The container ``item`` is (None: it is no container)."""
    spec = item.template.props.get(PROP)
    return spec if isinstance(spec, Spec) else None


def contents_of(item: Item) -> list[Item]:
    return item.contents if item.contents is not None else []


# -- the world's YAML: container: on items -------------------------------------------------

# The YAML key on items.
KEY = "container"


def _declared(lookup: Lookup) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Each container template's place in load order and the items its ``contents`` name
    as full ids, from what the files say (built once per load through ``lookup.once``).
    A bad word there is its own check's error; here it only names no container."""
    declared = {}
    for place, (full, value) in enumerate(lookup.written("item", KEY).items()):
        area = full.partition(":")[0]
        words = value.get("contents") if isinstance(value, dict) else None
        inner = [w.strip() for w in words if isinstance(w, str)] \
            if isinstance(words, list) else []
        declared[full] = (place, tuple(w if ":" in w else f"{area}:{w}" for w in inner))
    return declared


def _loop(declared: dict[str, tuple[int, tuple[str, ...]]], start: str) -> list[str] | None:
    """A chain of declared contents from ``start`` back to itself through containers listed
    before it, if there is one: a loop is reported once, on its container listed last."""
    limit = declared[start][0]
    stack = [(start, iter(declared[start][1]))]
    seen = {start}
    while stack:  # depth first without recursion: a long chain cannot overflow the stack
        for inner in stack[-1][1]:
            if inner == start:
                return [node for node, _ in stack] + [start]
            if inner in seen or declared.get(inner, (limit,))[0] >= limit:
                continue
            seen.add(inner)
            stack.append((inner, iter(declared[inner][1])))
            break
        else:
            stack.pop()
    return None


def _depths(lookup: Lookup) -> dict[str, int]:
    """Each container's declared depth once known (shared by one load's checks)."""
    return {}


def _depth(declared: dict[str, tuple[int, tuple[str, ...]]], start: str,
           memo: dict[str, int]) -> int:
    """How many containers deep ``start``'s declared contents go (1: it holds no
    container), walked without recursion and remembered for the rest of the load. A loop
    is skipped here: it is its own error."""
    if start in memo:
        return memo[start]
    best = {start: 1}
    stack = [(start, iter(declared[start][1]))]
    on_path = {start}
    while stack:
        node, inner_items = stack[-1]
        for inner in inner_items:
            if inner not in declared or inner in on_path:
                continue
            if inner in memo:
                best[node] = max(best[node], memo[inner] + 1)
                continue
            on_path.add(inner)
            best[inner] = 1
            stack.append((inner, iter(declared[inner][1])))
            break
        else:
            stack.pop()
            on_path.discard(node)
            memo[node] = best[node]
            if stack:
                parent = stack[-1][0]
                best[parent] = max(best[parent], best[node] + 1)
    return memo[start]


def check_container(ctx: Where, value: Any, line: int | None,
                    lookup: Lookup) -> Spec | None:
    """``container: {capacity: N, contents: [item, ...]}``, both optional."""
    here = ctx.at(ctx.entry, line)
    example = "container: {capacity: 6, contents: [emberleaf]}"
    if value is None or value == {}:
        return Spec(DEFAULT_CAPACITY)
    if not isinstance(value, dict):
        here.error(f"'container' must be a mapping such as {example}, not {kind(value)}")
        return None
    data = here.check_keys(value, {"capacity": False, "contents": False}, "'container'")
    capacity = data.get("capacity", DEFAULT_CAPACITY)
    at = data.line_of("capacity") or line
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        here.error(f"'container': 'capacity' must be a whole number of things ({example}), "
                   f"not {shown(capacity)}", at)
        return None
    if not 1 <= capacity <= MAX_CAPACITY:
        here.error(f"'container': 'capacity' is {capacity}; it must be from 1 to "
                   f"{MAX_CAPACITY}", at)
        return None
    contents: list[str] = []
    for word, word_line in here.words_at(data, "contents"):
        full = lookup.item(here, word, word_line, "'container' contents")
        if full is not None:
            contents.append(full)
    if len(contents) > capacity:
        here.error(f"'container' holds {len(contents)} things in 'contents' but its "
                   f"'capacity' is {capacity}: raise the capacity or list fewer",
                   data.line_of("contents") or line)
        return None
    own, declared = lookup.entity, lookup.once(_declared)
    chain = _loop(declared, own) if own in declared else None
    if chain is not None:
        steps = " holds ".join(chain)
        here.error(f"'container' would put {own} inside itself ({steps}): take it out of "
                   "those 'contents'", data.line_of("contents") or line)
        return None
    if own in declared:
        depth = _depth(declared, own, lookup.once(_depths))
        if depth > MAX_DEPTH:
            here.error(f"'container' contents nest {depth} containers deep (a container "
                       f"holding a container holding ...); at most {MAX_DEPTH}: take some "
                       "containers out of those 'contents'", data.line_of("contents") or line)
            return None
    return Spec(capacity, tuple(contents))


def attach_template(world: World, template: ItemTemplate, spec: Spec | None) -> None:
    # On the template: every copy is a container, however and whenever it is made.
    if spec is not None:
        template.props[PROP] = spec


def attach_placed(world: World, item: Item, spec: Spec | None) -> None:
    """A container placed at load holds what its template declares, at any depth."""
    _join_resets(world)
    _stock(world, item)


def _stock(world: World, box: Item) -> None:
    spec = spec_of(box)
    if spec is None:
        return
    counts: Counter[str] = Counter()
    for template_id in spec.contents:
        counts[template_id] += 1
        inner = Item(placed_id(box.id, template_id, counts[template_id]),
                     world.templates[template_id])
        world.add_item(inner, box)
        _stock(world, inner)  # no loop: checked at load


# -- resets: refilled with the area -------------------------------------------------------

def _join_resets(world: World) -> None:
    from mud.systems.resets import resets_of

    resets_of(world).join("containers", listener=functools.partial(refill_area, world))


def refill_area(world: World, area: str, rooms: list[Room]) -> int:
    """An area's reset: each container its rooms hold that the area put there (placed at
    load or respawned: its id starts with the room's) gets back the declared contents it
    is missing, counted per item, up to its capacity. Returns how many things came back."""
    made = 0
    for room in rooms:
        for item in list(room.items):
            if spec_of(item) is not None and item.id.startswith(room.id + "/"):
                made += refill(world, item, room)
    return made


def refill(world: World, box: Item, room: Room) -> int:
    """Put back what ``box`` (and the containers inside it that came with it) is missing
    of its declared contents; new things get the resets' stable ids (from ``room``)."""
    spec = spec_of(box)
    if spec is None:
        return 0
    made = 0
    here = Counter(i.template.id for i in contents_of(box))
    for template_id, wanted in Counter(spec.contents).items():
        for _ in range(wanted - here[template_id]):
            if len(contents_of(box)) >= spec.capacity:
                return made  # stuffed with other things: no room for the rest
            world.transfer(new_item(world, room, template_id), box)
            made += 1
    for inner in contents_of(box):
        if spec_of(inner) is not None and inner.id.startswith(room.id + "/"):
            made += refill(world, inner, room)
    return made


def new_item(world: World, room: Room, template_id: str) -> Item:
    """A new copy of ``template_id`` with the resets' stable runtime id (from ``room``)."""
    from mud.systems.resets import resets_of

    return resets_of(world).new_item(room.id, template_id)


def install() -> None:
    """Register the container key, the commands, the events' looks."""
    from mud import world_keys
    from mud.systems.containers import commands

    world_keys.register_key(KEY, ("item",), check_container, attach_placed,
                            attach_template=attach_template)
    commands.install()
