"""Builders' room commands: dig, link, unlink, rname, rdesc and rexit (and, from
navigation.py, goto and where in the same set).

Each edit goes through ``edits.propose``: the room's entry in its area's rooms.yaml is
changed in the world's sources, checked by the loader's rules, and only then the live
room changes (players standing there see it at their next look).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mud.commands.registry import Context
from mud.engine import directions
from mud.engine.actions import Refusal
from mud.engine.events import Message
from mud.engine.model import Exit, Room
from mud.player_text import clean
from mud.systems.building.edits import Change, fresh, here, local, propose, sources_of
from mud.systems.building.navigation import find_room, goto, where
from mud.systems.building.values import MAX_DESCRIPTION, MAX_NAME, MAX_VALUE, parse_yaml
from mud.world_check import attach_keys
from mud.world_links import written_exits
from mud.world_refs import ID_RE, ID_RULE, written_ref

# A new room's words until a builder gives it its own (they load: the loader wants both).
NEW_NAME = "An unfinished room"
NEW_DESCRIPTION = "Nothing is here yet but bare ground and the builder's intentions."
# Lines one multi-line description may take.
MAX_LINES = 60
END, ABORT = ".", "@abort"


def _text(words: str, limit: int, what: str) -> str:
    text = " ".join(clean(words).split())
    if not text:
        raise Refusal(f"Give the {what}.")
    if len(text) > limit:
        raise Refusal(f"That {what} is {len(text)} characters; {limit} at most.")
    return text


def _exit_key(exits: dict[str, Any], name: str) -> str | None:
    """The key under which ``exits`` (as written) holds the exit called ``name``."""
    for key in exits:
        if isinstance(key, str) and directions.exit_name(key) == name:
            return key
    return None


def _written_exit(ctx: Context, room: Room, name: str) -> Any:
    """How ``room``'s entry writes its exit ``name`` (a room id, or a mapping with ``to``
    and keys such as ``door``), or None."""
    return written_exits(sources_of(ctx).get(room.area, "room", local(room.id))).get(name)


def rehang_doors(ctx: Context, one: Room, other: Room) -> None:
    """Hang the doors between two rooms again as their entries now write them, as a
    start-up would: a door hangs in both sides whichever side declares it, so after an
    exit between them is added, taken away or given a door, both sides are taken down and
    each side's declaration attached again (a side no longer declaring one keeps the other
    side's door, if the other side still leads back)."""
    pairs = [(a, e) for a, b in ((one, other), (other, one))
             for e in a.exits.values() if e.target is b]
    for _, exit_ in pairs:
        exit_.door = None
    for room, exit_ in pairs:
        written = _written_exit(ctx, room, exit_.name)
        if isinstance(written, dict):
            attach_keys(ctx.world, "exit", f"{room.id} {exit_.name}", (room, exit_), written)


def _exit_name(word: str) -> str:
    name = directions.exit_name(word)
    if not ID_RE.fullmatch(name) or len(name) > 32:
        raise Refusal(f"{word!r} is not an exit name: use a direction (north, ne, up) or "
                      "one lowercase word (gate, trapdoor).")
    return name


def _room_change(ctx: Context, room: Room,
                 edit: Callable[[dict[str, Any]], None]) -> list[Change]:
    """The change of ``room``'s entry that ``edit`` makes to a copy of it, worked out from
    the entry as the sources hold it when the change is checked and when it is written
    (``edits.Fresh``): two builders editing one room at once keep both their edits."""
    def make(current: Any) -> dict[str, Any]:
        if not isinstance(current, dict):
            raise Refusal(f"There is no room {room.id} in the world's files.")
        copy = dict(current)
        edit(copy)
        return copy
    return fresh(ctx, room.area, "room", local(room.id), make)


def _with_exits(data: dict[str, Any]) -> dict[str, Any]:
    exits = data.get("exits")
    data["exits"] = dict(exits) if isinstance(exits, dict) else {}
    return data["exits"]  # type: ignore[no-any-return]


def dig(ctx: Context, args: str) -> Any:
    """dig <direction> <new room id> [name]

    Make a new room in this area with exits both ways: from here going <direction>,
    and from the new room back the opposite way. The id is lowercase letters, digits,
    _ and -, new in this area. Describe it after with rname and rdesc, and save the area
    with 'save area'.

    Example: dig north tower_stair The Tower Stair
    """
    words = args.split(maxsplit=2)
    if len(words) < 2:
        raise Refusal("Usage: dig <direction> <new room id> [name], for example: "
                      "dig north tower_stair The Tower Stair")
    room = here(ctx)
    direction = directions.canonical(words[0])
    if direction is None:
        raise Refusal(f"{words[0]!r} is not a direction. dig needs one (north, ne, up, ...) "
                      "so the way back is known; for a named exit, dig a direction and "
                      "use link.")
    if direction in room.exits:
        raise Refusal(f"There is already an exit {direction} here, to "
                      f"{room.exits[direction].target.id}. Unlink it first, or dig "
                      "another way.")
    new_id = words[1].lower()
    if ":" in new_id:
        raise Refusal(f"dig makes the room in this area ({room.area}): give its id "
                      "without an area.")
    if not ID_RE.fullmatch(new_id):
        raise Refusal(f"{words[1]!r} is not a valid room id ({ID_RULE}).")
    full = f"{room.area}:{new_id}"
    sources = sources_of(ctx)
    if full in ctx.world.rooms or sources.get(room.area, "room", new_id) is not None:
        raise Refusal(f"There is already a room {full}. Pick another id, or link to it.")
    name = _text(words[2], MAX_NAME, "room name") if len(words) > 2 else NEW_NAME
    back = directions.OPPOSITES[direction]
    new_entry = {"name": name, "description": NEW_DESCRIPTION,
                 "exits": {back: local(room.id)}}

    def new(current: Any) -> dict[str, Any]:
        if current is not None:
            raise Refusal(f"There is already a room {full}. Pick another id, or link to it.")
        return new_entry

    def dig_here(data: dict[str, Any]) -> None:
        exits = _with_exits(data)
        if _exit_key(exits, direction) is not None:
            raise Refusal(f"There is already an exit {direction} here.")
        exits[direction] = new_id
    environment = sources.get(room.area, "area", "environment")
    env = environment if isinstance(environment, str) else ""

    def apply() -> None:
        made = Room(full, room.area, name, NEW_DESCRIPTION, env)
        made.exits[back] = Exit(back, room)
        ctx.world.add_room(made)
        room.exits[direction] = Exit(direction, made)
        ctx.send(Message(f"You dig {direction} and make {name} ({full}), with a way "
                         f"back {back}. Describe it with rname and rdesc there."))

    return propose(ctx, fresh(ctx, room.area, "room", new_id, new) +
                   _room_change(ctx, room, dig_here), apply, "dig", room=full, exit=direction)


def link(ctx: Context, args: str) -> Any:
    """link <exit> <room id>

    Make a one-way exit from here to a room that exists (area:id, or an id in this area).
    The exit is a direction or one word (gate, trapdoor). Link back from the other room
    for a way back.

    Example: link east village:market
    """
    words = args.split()
    if len(words) != 2:
        raise Refusal("Usage: link <exit> <room id>, for example: link east village:market")
    room = here(ctx)
    name = _exit_name(words[0])
    if name in room.exits:
        raise Refusal(f"There is already an exit {name} here, to {room.exits[name].target.id}."
                      " Unlink it first.")
    target = find_room(ctx, words[1])

    def link_here(data: dict[str, Any]) -> None:
        exits = _with_exits(data)
        if _exit_key(exits, name) is not None:
            raise Refusal(f"There is already an exit {name} here.")
        exits[name] = written_ref(room.area, target.id)

    def apply() -> None:
        room.exits[name] = Exit(name, target)
        # A door the other side declares on its way back hangs in this side too.
        rehang_doors(ctx, room, target)
        back = any(e.target is room for e in target.exits.values())
        ctx.send(Message(f"You link {name} to {target.name} ({target.id})." +
                         ("" if back else " It is one way: link back from there for a "
                          "way back.")))

    return propose(ctx, _room_change(ctx, room, link_here), apply, "link", room=room.id,
                   exit=name, to=target.id)


def unlink(ctx: Context, args: str) -> Any:
    """unlink <exit>

    Take away an exit from this room (only this side: the room it led to keeps its own
    way back, if any).
    """
    words = args.split()
    if len(words) not in (1, 2):
        raise Refusal("Usage: unlink <exit>, for example: unlink north")
    room = here(ctx)
    name = _exit_name(words[0])
    if name not in room.exits:
        raise Refusal(f"There is no exit {name} here. Type 'exits' to see them.")
    def unlink_here(data: dict[str, Any]) -> None:
        exits = _with_exits(data)
        key = _exit_key(exits, name)
        if key is None:
            raise Refusal(f"The exit {name} is not written in this room's entry, so it "
                          "cannot be unlinked here.")
        del exits[key]
        if not exits:
            del data["exits"]
    target = room.exits[name].target

    def apply() -> None:
        gone = room.exits.pop(name, None)
        if gone is not None:
            gone.door = None
        rehang_doors(ctx, room, target)
        ctx.send(Message(f"You take away the exit {name} (to {target.id})."))

    return propose(ctx, _room_change(ctx, room, unlink_here), apply, "unlink",
                   room=room.id, exit=name)


def rname(ctx: Context, args: str) -> Any:
    """rname <name>

    Rename this room.

    Example: rname The Old Watchtower
    """
    room = here(ctx)
    name = _text(args, MAX_NAME, "room name")

    def apply() -> None:
        room.name = name
        ctx.send(Message(f"This room is now called {name}."))

    return propose(ctx, _room_change(ctx, room, lambda data: data.update(name=name)),
                   apply, "rname", room=room.id)


def set_description(ctx: Context, room: Room, text: str) -> Any:
    if not text.strip():
        raise Refusal("A room needs a description: nothing changed.")
    if len(text) > MAX_DESCRIPTION:
        raise Refusal(f"That description is {len(text)} characters; "
                      f"{MAX_DESCRIPTION} at most. Nothing changed.")
    def apply() -> None:
        room.description = text.strip()
        ctx.send(Message("The room's description is set. Type 'look' to see it."))

    return propose(ctx, _room_change(ctx, room, lambda data: data.update(description=text)),
                   apply, "rdesc", room=room.id)


def rdesc(ctx: Context, args: str) -> Any:
    """rdesc [text]

    Describe this room. With text, that is the description. Alone, type the description
    over as many lines as you like: a line with only . ends it, @abort cancels. Lines
    run together into one paragraph; a blank line starts the next on a line of its own
    (as a blank line does in a world file's folded text).
    """
    room = here(ctx)
    if args.strip():
        return set_description(ctx, room, " ".join(clean(args).split()))
    reader = getattr(ctx.account, "read_lines", None)
    if reader is None:
        raise Refusal("Give the description on one line: rdesc <text>.")
    paragraphs: list[list[str]] = [[]]
    count = [0]

    def take(line: str) -> Any:
        text = " ".join(line.split())
        if text == END:
            reader(None)
            body = "\n".join(" ".join(p) for p in paragraphs if p)
            return set_description(ctx, room, body)
        if text.lower() == ABORT:
            reader(None)
            ctx.send(Message("Description left as it was."))
            return None
        count[0] += 1
        if count[0] > MAX_LINES:
            reader(None)
            ctx.send(Message(f"That is more than {MAX_LINES} lines: description left as "
                             "it was."))
            return None
        if not text:
            if paragraphs[-1]:
                paragraphs.append([])
        else:
            paragraphs[-1].append(text)
        return None

    reader(take)
    ctx.send(Message(f"Describing {room.name}. Type the description; a line with only . "
                     f"ends it, {ABORT} cancels."))
    return None


def rexit(ctx: Context, args: str) -> Any:
    """rexit <exit> description <text> | rexit <exit> <key> [value]

    Change an exit's details: its description (what 'look <exit>' shows), or a key a
    system adds to exits, given as YAML (door: {name: gate, closed: true}). A key with no
    value is taken away.

    Example: rexit north description A narrow stair climbs into the dark.
    """
    words = args.split(maxsplit=2)
    if len(words) < 2:
        raise Refusal("Usage: rexit <exit> description <text>, or rexit <exit> <key> "
                      "[value]")
    room = here(ctx)
    name = _exit_name(words[0])
    exit_here = room.exits.get(name)
    if exit_here is None:
        raise Refusal(f"There is no exit {name} here. Type 'exits' to see them.")
    field, value = words[1].lower(), words[2] if len(words) > 2 else ""
    if field in ("desc", "describe"):
        field = "description"
    if field == "to":
        raise Refusal("To point an exit elsewhere, unlink it and link it again.")
    if field == "description":
        parsed: Any = " ".join(clean(value).split())
        if len(parsed) > MAX_DESCRIPTION:
            raise Refusal(f"That description is {len(parsed)} characters; "
                          f"{MAX_DESCRIPTION} at most.")
    else:
        if len(value) > MAX_VALUE:
            raise Refusal(f"That value is {len(value)} characters; {MAX_VALUE} at most.")
        parsed = parse_yaml(value) if value.strip() else None
    long: dict[str, Any] = {}

    def rexit_here(data: dict[str, Any]) -> None:
        exits = _with_exits(data)
        key = _exit_key(exits, name)
        if key is None:
            raise Refusal(f"The exit {name} is not written in this room's entry.")
        written = exits[key]
        long.clear()
        long.update(written if isinstance(written, dict) else {"to": written})
        if parsed in (None, ""):
            long.pop(field, None)
        else:
            long[field] = parsed
        exits[key] = dict(long) if set(long) != {"to"} else long["to"]

    def apply() -> None:
        if field == "description":
            exit_here.description = str(parsed or "").strip()
        else:
            rehang_doors(ctx, room, exit_here.target)
        ctx.send(Message(f"The exit {name} is changed."))

    return propose(ctx, _room_change(ctx, room, rexit_here), apply, "rexit",
                   room=room.id, exit=name, key=field)


def install() -> None:
    from mud.commands.registry import command_set

    builder = command_set("builder")
    if "dig" in builder.commands:
        return
    for name, handler in (("dig", dig), ("link", link), ("unlink", unlink),
                          ("rname", rname), ("rdesc", rdesc), ("rexit", rexit),
                          ("goto", goto), ("where", where)):
        builder.register(name, family="building")(handler)
