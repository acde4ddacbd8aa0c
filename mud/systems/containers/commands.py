"""Containers' commands and events: put, get ... from, look in, and examine of a container.

``put`` is a command of its own. ``get`` and ``look`` are the core commands extended
(``CommandTable.extend``): "get x from y" and "look in y" are handled here and anything
else goes to the core command as before, which knows nothing of containers.
"""

from __future__ import annotations

import re
from typing import Any

from mud.commands.registry import COMMANDS, Command, Context
from mud.engine import directions, hooks, matching
from mud.engine.actions import Refusal, kept, loose
from mud.engine.events import Event
from mud.engine.grouping import ItemGroup, group_items
from mud.engine.model import Character, Item, Room
from mud.engine.world import World
from mud.systems.containers import contents_of, spec_of

_PUT = re.compile(r"^(?P<item>.+?)\s+(?:in|into|inside)\s+(?P<box>.+)$", re.IGNORECASE)
_GET = re.compile(r"^(?P<item>.+?)\s+(?:from|out of)\s+(?P<box>.+)$", re.IGNORECASE)
_LOOK_IN = re.compile(r"^(?:in|into|inside)\s+(?P<box>.+)$", re.IGNORECASE)

# The core commands extended here (set by install).
_core: dict[str, Command] = {}


def _cap(name: str) -> str:
    return name[:1].upper() + name[1:]


def _label(groups: tuple[ItemGroup, ...]) -> str:
    labels = [g.label for g in groups]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


class ContainerAction(Event):
    """Someone put things in a container (``verb`` put) or took them out (get); ``items``
    grouped as listings are ("three sprigs of emberleaf"). ``own``: the actor's copy."""

    __slots__ = ("actor", "container", "items", "own", "verb")
    kind = "container"

    def __init__(self, actor: str, verb: str, items: tuple[ItemGroup, ...], container: str,
                 own: bool = False) -> None:
        super().__init__()
        self.actor = actor
        self.verb = verb
        self.items = items
        self.container = container
        self.own = own


class ContainerView(Event):
    """What a container holds (``look in``, or after ``examine`` of one)."""

    __slots__ = ("capacity", "container", "count", "items")
    kind = "contents"

    def __init__(self, container: str, items: tuple[ItemGroup, ...], count: int,
                 capacity: int) -> None:
        super().__init__()
        self.container = container
        self.items = items
        self.count = count
        self.capacity = capacity


# -- finding containers -------------------------------------------------------------------------


def _room(actor: Character) -> Room:
    if actor.room is None:
        raise Refusal("You are nowhere at all.")
    return actor.room


def _reachable(actor: Character, room: Room) -> list[Item]:
    """Containers and what is in them that the actor can reach: carried first, then the
    room's, then (depth first) what is inside those."""
    found: list[Item] = []
    todo = [*actor.inventory, *room.items]
    while todo:
        item = todo.pop(0)
        found.append(item)
        if item.contents:
            todo.extend(item.contents)
    return found


def find_container(actor: Character, query: str, doing: str) -> Item:
    """The container ``query`` names, carried or here (or inside one of those)."""
    room = _room(actor)
    query = query.strip()
    if query.lower().startswith("the "):
        query = query[4:]
    if query.lower().startswith("my "):
        query = query[3:]
    box = matching.find(query, actor.inventory) or matching.find(query, room.items) or \
        matching.find(query, _reachable(actor, room))
    if box is None:
        raise Refusal(f"You see no '{query[:30]}' here to {doing}.")
    if spec_of(box) is None:
        raise Refusal(f"{_cap(box.name)} is not a container: nothing goes in it.")
    return box


def _tell(world: World, actor: Character, verb: str, items: list[Item], box: Item) -> None:
    groups = group_items(items)
    actor.send(ContainerAction(actor.name, verb, groups, box.name, own=True))
    world.tell_room(_room(actor), ContainerAction(actor.name, verb, groups, box.name),
                    exclude=actor)


# -- put, get from, look in -------------------------------------------------------------------


def put_in(world: World, actor: Character, query: str, box_query: str) -> None:
    """Put what ``query`` names (carried) into the container ``box_query`` names."""
    box = find_container(actor, box_query, "put things in")
    spec = spec_of(box)
    assert spec is not None
    if not actor.inventory:
        raise Refusal("You are not carrying anything.")
    # What is worn stays on (a system's keeper): "put all in chest" leaves it be.
    picked = matching.find_all(query, loose(world, actor))
    if not picked:
        held = matching.find_all(query, actor.inventory)
        why = kept(world, actor, held[0]) if held else None
        raise Refusal(why or f"You are not carrying '{query.strip()[:30]}'.")
    # With "all", the container itself (and what holds it) stays out, quietly.
    fitting = [i for i in picked if i is not box and not world.inside(box, i)]
    if not fitting:
        item = picked[0]
        if item is box:
            raise Refusal(f"You cannot put {box.name} inside itself.")
        raise Refusal(f"You cannot put {item.name} into {box.name}: {box.name} is inside "
                      "it.")
    room = min(len(fitting), spec.capacity - len(contents_of(box)))
    if room <= 0:
        raise Refusal(f"{_cap(box.name)} is full: it holds {spec.capacity} "
                      f"thing{'s' if spec.capacity != 1 else ''}. Take something out first.")
    moved = fitting[:room]
    for item in moved:
        world.transfer(item, box)
    _tell(world, actor, "put", moved, box)
    if len(moved) < len(fitting):
        left = len(fitting) - len(moved)
        raise Refusal(f"{_cap(box.name)} is full now; {left} more "
                      f"thing{'s' if left != 1 else ''} did not fit.")


def get_from(world: World, actor: Character, query: str, box_query: str) -> None:
    """Take what ``query`` names out of the container ``box_query`` names."""
    box = find_container(actor, box_query, "take things from")
    inside = contents_of(box)
    if not inside:
        raise Refusal(f"{_cap(box.name)} is empty.")
    picked = matching.find_all(query, inside)
    if not picked:
        raise Refusal(f"There is no '{query.strip()[:30]}' in {box.name}. Type 'look in "
                      f"{box.keywords[0] if box.keywords else 'it'}' to see what is.")
    takeable = [i for i in picked if not i.template.fixed]
    if not takeable:
        raise Refusal(f"You cannot take {picked[0].name}: it is fixed in place.")
    for item in takeable:
        world.transfer(item, actor)
    _tell(world, actor, "get", takeable, box)
    room = _room(actor)
    for item in takeable:
        # Taken is taken, out of a nest or off the floor: a quest started by getting the
        # silver ring starts either way.
        world.hooks.emit(hooks.GET, who=actor, item=item, room=room, container=box)


def view(box: Item) -> ContainerView:
    spec = spec_of(box)
    inside = contents_of(box)
    return ContainerView(box.name, group_items(inside), len(inside),
                         spec.capacity if spec is not None else 0)


def look_in(world: World, actor: Character, box_query: str) -> None:
    actor.send(view(find_container(actor, box_query, "look in")))


def _examined(actor: Character, query: str) -> Item | None:
    """The container ``look <query>`` showed, as the core look picks what to show: the
    actor, then an exit by direction, then a carried item, then one here."""
    room = actor.room
    query = query.strip()
    if room is None or query.lower() in ("me", "self", "myself"):
        return None
    direction = directions.canonical(query)
    if direction is not None and direction in room.exits:
        return None
    item = matching.find(query, actor.inventory) or matching.find(query, room.items)
    return item if item is not None and spec_of(item) is not None else None


# -- the commands ---------------------------------------------------------------------------------


def put(ctx: Context, args: str) -> None:
    """put <item> in <container>

    Put something you carry into a container you carry or see here: a satchel, a chest,
    a nest. 'put all in satchel' puts in everything that fits.
    Example: put emberleaf in satchel
    """
    match = _PUT.match(args.strip())
    if match is None:
        raise Refusal("Put what in what? For example: put emberleaf in satchel")
    put_in(ctx.world, ctx.actor, match["item"], match["box"])


def get(ctx: Context, args: str) -> Any:
    """get <item> [from <container>]

    Pick something up from the room, or take it out of a container ('get ring from
    nest'). 'get all' takes everything you can carry, 'get all from chest' empties the
    chest; '2.key' names the second key when there are several.
    """
    match = _GET.match(args.strip())
    if match is None:
        # "get ring from" (the container left off) is not a ring called "ring from".
        words = args.split()
        tail = [w.lower() for w in words[-2:]]
        if len(words) > 1 and tail[-1] == "from":
            item = " ".join(words[:-1])[:30]
        elif len(words) > 2 and tail == ["out", "of"]:
            item = " ".join(words[:-2])[:30]
        else:
            return _core["get"].handler(ctx, args)
        raise Refusal(f"Take {item} out of what? For example: get {item} from satchel")
    get_from(ctx.world, ctx.actor, match["item"], match["box"])
    return None


def look(ctx: Context, args: str) -> Any:
    """look [thing]

    Without a word: describe the room, its exits, who and what is here.
    With one: look closely at an item, a person, or an exit; a container also shows what
    it holds. 'look in <container>' shows only what it holds. Example: look in chest
    """
    word = args.strip()
    if word.lower().startswith("at "):
        word = word[3:].strip()
    if word.lower() in ("in", "into", "inside"):
        raise Refusal("Look in what? For example: look in chest")
    match = _LOOK_IN.match(word)
    if match is not None:
        look_in(ctx.world, ctx.actor, match["box"])
        return None
    result = _core["look"].handler(ctx, args)
    box = _examined(ctx.actor, word) if word else None
    if box is not None:
        ctx.send(view(box))
    return result


# -- how the events look --------------------------------------------------------------------------


def _action_text(e: ContainerAction, p: Any) -> str:
    who = "You" if e.own else e.actor
    if e.verb == "put":
        verb = "put" if e.own else "puts"
        return p.wrap(f"{who} {verb} {_label(e.items)} in {e.container}.")
    verb = "take" if e.own else "takes"
    return p.wrap(f"{who} {verb} {_label(e.items)} from {e.container}.")


def _view_text(e: ContainerView, p: Any) -> str:
    if not e.items:
        return p.wrap(f"{_cap(e.container)} is empty.")
    full = " It is full." if e.count >= e.capacity > 0 else ""
    rows = "\n".join(f"  {g.label}" for g in e.items)
    return p.wrap(f"{_cap(e.container)} holds:{full}") + "\n" + rows


def _groups(groups: tuple[ItemGroup, ...]) -> list[dict[str, Any]]:
    return [{"name": g.name, "count": g.count, "label": g.label} for g in groups]


def _action_json(e: ContainerAction) -> dict[str, Any]:
    return {"actor": e.actor, "verb": e.verb, "items": _groups(e.items),
            "container": e.container, "own": e.own}


def _view_json(e: ContainerView) -> dict[str, Any]:
    return {"container": e.container, "items": _groups(e.items), "count": e.count,
            "capacity": e.capacity}


def install() -> None:
    """Add put, extend get and look, and register the events' looks."""
    from mud.render import json_events, text

    if "put" not in COMMANDS.commands:
        COMMANDS.register("put", family="items")(put)
    _core["get"] = COMMANDS.extend("get", get)
    _core["look"] = COMMANDS.extend("look", look)
    text.register(ContainerAction, _action_text)
    text.register(ContainerView, _view_text)
    json_events.register(ContainerAction, _action_json)
    json_events.register(ContainerView, _view_json)
