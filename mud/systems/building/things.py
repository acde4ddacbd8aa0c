"""Builders' items and NPCs: ``create item|npc <id>`` and ``set <id> <field> [value]``.

What a builder makes here goes into the area's items.yaml / npcs.yaml entries (the world's
sources, mud/world_sources.py), is checked by the loader's own rules (edits.propose), and
then changes the live world the way the loader would have built it: an item's template is
changed in place, so every copy shows its new name at once; an NPC's copies in the world
are remade from the new entry where they stand. Placing and removing copies is
mud/systems/building/spawning.py; both share the helpers below.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred

from mud import world_keys
from mud.commands.registry import BUILDER, Context
from mud.engine.actions import Refusal
from mud.engine.events import Arrive, Depart, Message
from mud.engine.model import NPC, ItemTemplate, Room
from mud.engine.world import World
from mud.player_text import clean
from mud.systems.building.edits import fresh, here, propose, sources_of
from mud.systems.building.values import value_of
from mud.world_check import attach_keys
from mud.world_loader import ITEM_KEYS, NPC_KEYS, item_template, npc_definition
from mud.world_refs import ID_RE, ID_RULE
from mud.world_schema import Context as Checks
from mud.world_schema import Report
from mud.world_yaml import as_map

# What ``create`` writes, so the new entry loads until the builder describes it.
PLACEHOLDERS = {
    "item": ("a new thing", "A new thing, not yet described."),
    "npc": ("a nameless figure", "A figure not yet described."),
}
KINDS = ("item", "npc")


# -- ids ------------------------------------------------------------------------------------


def full_of(ctx: Context, ref: str) -> tuple[str, str]:
    """(area, local id) that ``ref`` names: ``area:id``, or a local id in the builder's
    area. Refuses a malformed id or an area the world does not have."""
    ref = ref.strip().lower()
    area, colon, key = ref.partition(":")
    if not colon:
        area, key = here(ctx).area, ref
    if not ID_RE.fullmatch(area) or not ID_RE.fullmatch(key):
        shown = ref if len(ref) <= 40 else ref[:40] + "..."
        raise Refusal(f"'{shown}' is not a valid id ({ID_RULE}, at most 64 characters; "
                      "optionally area:id).")
    if area not in sources_of(ctx).areas():
        raise Refusal(f"There is no area '{area}' in this world.")
    return area, key


def words(text: str) -> tuple[str, str]:
    """The first word of ``text`` and the rest as typed."""
    parts = text.split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def definition(ctx: Context, text: str, usage: str) -> tuple[str, str, str, str]:
    """(kind, area, local id, the rest of ``text``) for the item or NPC entry ``text``
    starts with (``item x ...``, ``npc x ...`` or just ``x ...``). Refuses one that does not
    exist or, unqualified, names both an item and an NPC."""
    first, rest = words(text)
    if not first:
        raise Refusal(usage)
    wanted = KINDS
    if first.lower() in KINDS and rest:
        wanted = (first.lower(),)
        first, rest = words(rest)
    area, key = full_of(ctx, first)
    sources = sources_of(ctx)
    found = [kind for kind in wanted if isinstance(sources.get(area, kind, key), dict)]
    if not found:
        what = " or ".join(wanted)
        raise Refusal(f"There is no {what} {area}:{key} in the world's files. 'create "
                      f"{wanted[0]} {key}' makes one.")
    if len(found) > 1:
        raise Refusal(f"Both an item and an NPC are called {area}:{key}: say which, "
                      f"e.g. '{usage.split()[0].lower()} npc {key}'.")
    return found[0], area, key, rest


# -- building live objects as the loader does -----------------------------------------------


def _read(entry: dict[str, Any]) -> tuple[Checks, Any]:
    # The entry passed the loader's checks already: these accessors only read it the way
    # the loader does (no error is expected; any would be the loader's to report).
    return Checks(Path("."), Report()), as_map(entry)


def make_template(full: str, entry: dict[str, Any]) -> ItemTemplate:
    """The ItemTemplate the loader builds from ``entry`` (without its system keys)."""
    checks, data = _read(entry)
    return item_template(checks, full, data)


def make_npc(full: str, entry: dict[str, Any]) -> NPC:
    """An NPC as the loader builds one from ``entry`` (not placed, no behaviours yet)."""
    name, description, keywords = npc_definition(*_read(entry))
    return NPC(full, name, keywords, description)


def refresh_template(world: World, full: str, entry: dict[str, Any]) -> None:
    """The live template ``full`` takes ``entry``'s fields and keys in place: every copy
    (they share it) shows the change at once."""
    fresh = make_template(full, entry)
    attach_keys(world, "item", full, fresh, entry)
    put_template(world, fresh)


def put_template(world: World, fresh: ItemTemplate) -> None:
    """``fresh`` is the world's template under its id: taken into the live one in place
    when there is one, since every copy in the world points at that object."""
    live = world.templates.get(fresh.id)
    if live is None:
        world.templates[fresh.id] = fresh
        return
    for slot in ItemTemplate.__slots__:
        setattr(live, slot, getattr(fresh, slot))


def place_npc(world: World, full: str, entry: dict[str, Any], room: Room) -> NPC:
    """A new copy of NPC ``full`` from ``entry``, in ``room`` with its behaviours."""
    npc = make_npc(full, entry)
    world.place_npc(npc, room)
    attach_keys(world, "npc", full, npc, entry)
    return npc


def _prototype(world: World, full: str, entry: dict[str, Any]) -> NPC:
    """What a reset copies when it brings NPC ``full`` back: its fields and behaviours'
    options, the behaviours themselves stopped (it is never in the world)."""
    npc = make_npc(full, entry)
    attach_keys(world, "npc", full, npc, entry)
    for one in npc.behaviours:
        one.stop()
    return npc


def names_follow(ctx: Context) -> None:
    """New characters' names are checked against the world's NPCs as they are now (a
    builder's NPC is reserved at once, as it would be after a restart)."""
    from mud.accounts import NameRules

    auth = getattr(getattr(ctx.account, "game", None), "auth", None)
    names = getattr(auth, "names", None)
    if isinstance(names, NameRules):
        auth.names = NameRules(names.reserved, ctx.world.npcs)  # type: ignore[union-attr]


def remake_npcs(world: World, full: str, entry: dict[str, Any]) -> int:
    """Every copy of NPC ``full`` in the world is replaced, where it stands (and at the
    same place in its room's list), by one made from ``entry``; the room sees it remade.
    Resets' slots follow (the copy a reset watches, the one it brings back). Returns how
    many were remade."""
    from mud.systems.resets import resets_of

    swapped: dict[int, NPC] = {}
    for old in [npc for npc in world.npcs if npc.id == full]:
        room = old.room
        if room is None:
            continue
        at = room.npcs.index(old)
        world.remove_npc(old)
        new = place_npc(world, full, entry, room)
        room.npcs.remove(new)
        room.npcs.insert(min(at, len(room.npcs)), new)
        swapped[id(old)] = new
        if new.name == old.name:
            world.tell_room(room, Message(f"{old.name} shimmers and is remade."))
        else:
            # Renamed: as a departure and an arrival, so the web client's list of NPCs here
            # drops the old name and shows the new (GMCP lists only players).
            world.tell_room(room, Depart(old.name, "shimmers and is remade", npc=True))
            world.tell_room(room, Arrive(new.name, "takes its place", npc=True))
    slots = [slot for plan in resets_of(world).plans.values() for slot in plan.slots
             if slot.prototype.id == full]
    if slots:
        prototype = _prototype(world, full, entry)
        for slot in slots:
            slot.prototype = prototype
            slot.live = swapped.get(id(slot.live), slot.live)
    return len(swapped)


# -- create ---------------------------------------------------------------------------------


def placeholder(kind: str, key: str) -> dict[str, Any]:
    """A new entry that loads: a placeholder name and description, keywords from the id."""
    name, description = PLACEHOLDERS[kind]
    words = [w for w in re.split(r"[_-]+", key) if w]
    keywords = list(dict.fromkeys([key, *words]))
    return {"name": name, "keywords": keywords, "description": description}


def create(ctx: Context, args: str) -> Deferred[None]:
    """create item|npc <id>

    Make a new item or NPC entry in your area's items.yaml or npcs.yaml
    (another area's with area:id), with a placeholder name and description
    and keywords from its id; describe it with 'set', and 'spawn' puts a copy
    here. The id is lowercase letters, digits, _ and -, not taken already.
    Example: create item brass_lamp
    """

    usage = "Create what? For example: create item brass_lamp, or create npc old_miner."
    parts = args.split()
    if len(parts) != 2 or parts[0].lower() not in KINDS:
        raise Refusal(usage)
    kind = parts[0].lower()
    area, key = full_of(ctx, parts[1])
    full = f"{area}:{key}"
    value = placeholder(kind, key)

    def make(current: Any) -> Any:
        if current is not None:
            raise Refusal(f"There is already an {kind} {full}; 'set {full} name ...' "
                          "changes it.")
        return value

    def apply() -> None:
        if kind == "item":
            refresh_template(ctx.world, full, value)
        ctx.send(Message(f"You create {kind} {full} ({value['name']}). Give it a name "
                         f"with 'set {full} name ...', then 'spawn {full}' places one."))

    return propose(ctx, fresh(ctx, area, kind, key, make), apply, f"create {kind}", id=full)


# -- set --------------------------------------------------------------------------------------


def fields(kind: str) -> dict[str, bool]:
    """The keys an entry of ``kind`` may carry (True: required)."""
    plain = ITEM_KEYS if kind == "item" else NPC_KEYS
    return {**plain, **world_keys.allowed(kind)}


def set_field(ctx: Context, args: str) -> Deferred[None]:
    """set <item or npc id> <field> [value]

    Change a field of an item or NPC entry: yours by its id, another area's as
    area:id ('set item <id> ...' or 'set npc <id> ...' when both have that id).
    Fields: name, description, keywords (words, or [a, b]), fixed (yes/no) and
    plural for items, and the keys systems add: behaviours (NPCs), text and
    container (items), ... A value starting with { [ or a quote is read as
    YAML flow; any other is text as written. With no value, an optional field
    is removed. The loader's own checks judge every change.
    Keywords come from the name unless set; those 'create' took from the id
    give way to the name's words when it is first named.
    Copies in the world change at once: every copy of an item shows its new
    name; each copy of an NPC is remade where it stands.
    Examples: set lamp name a brass lamp
              set guard behaviours {wander: {interval: 30}}
              set box container {capacity: 6, contents: [bread]}
    """
    usage = "Set what? For example: set lamp name a brass lamp"
    kind, area, key, rest = definition(ctx, clean(args).strip(), usage)
    full = f"{area}:{key}"
    allowed = fields(kind)
    field, raw = words(rest)
    field = field.lower()
    if not field:
        raise Refusal(f"Set which field of {full}? Fields: {', '.join(sorted(allowed))}.")
    if field not in allowed:
        raise Refusal(f"{'Items' if kind == 'item' else 'NPCs'} have no field '{field[:30]}'."
                      f" Fields: {', '.join(sorted(allowed))}.")
    # Aliases are one key (behaviors: is behaviours:): write the registered spelling once.
    specs = dict(world_keys.present(kind, dict.fromkeys(allowed)))
    spellings = {field}
    if field in specs:
        spec = specs[field]
        field = spec.key
        spellings = {word for word, other in specs.items() if other is spec}
    raw = raw.strip()
    if not raw and allowed.get(field):
        raise Refusal(f"{full} must have a {field}: give one, e.g. set {key} {field} ...")
    parsed = value_of(kind, field, raw) if raw else None

    def make(current: Any) -> dict[str, Any]:
        if not isinstance(current, dict):
            raise Refusal(f"{full} is gone from the world's files.")
        # Where the key was written, it stays (a diff of the file shows one line).
        value: dict[str, Any] = {}
        for word, was in current.items():
            if word not in spellings:
                value[word] = was
            elif raw and field not in value:
                value[field] = parsed
        if raw:
            value.setdefault(field, parsed)
            if field == "name" and value.get("keywords") == \
                    placeholder(kind, key)["keywords"]:
                # Named for the first time: its name's words, not its id's, are what
                # players will type ("look tam" for "Old Tam" made as old_miner).
                del value["keywords"]
        return value

    said = "removed" if not raw else "set"
    return propose(ctx, fresh(ctx, area, kind, key, make),
                   _after_set(ctx, kind, full, field, said), f"set {kind}", id=full,
                   field=field)


def _after_set(ctx: Context, kind: str, full: str, field: str,
               said: str) -> Callable[[], None]:
    def apply() -> None:
        area, _, key = full.partition(":")
        value = sources_of(ctx).get(area, kind, key)
        if kind == "item":
            refresh_template(ctx.world, full, value)
            ctx.send(Message(f"{full}: {field} {said}."))
            return
        remade = remake_npcs(ctx.world, full, value)
        names_follow(ctx)
        copies = f" ({remade} in the world remade)" if remade else ""
        ctx.send(Message(f"{full}: {field} {said}{copies}."))
    return apply


def install() -> None:
    """Register create, set, spawn and destroy in the builder command set."""
    from mud.systems.building import spawning

    if "create" not in BUILDER.commands:
        BUILDER.register("create", family="building")(create)
        BUILDER.register("set", family="building")(set_field)
    spawning.install()
