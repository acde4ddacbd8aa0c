"""The world's nouns: rooms, exits, item templates and instances, NPCs and characters.

Plain slotted classes: a world holds tens of thousands of these, and 10,000 logged-in
characters must fit in a modest memory budget.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, Protocol

from mud.engine.events import Event
from mud.engine.grouping import plural_word, pluralise
from mud.engine.matching import keywords_from_name


class Listener(Protocol):
    """Whatever receives a character's events: a session, a test probe, nothing at all."""

    def send(self, event: Event) -> None: ...


class Exit:
    """A way out of a room: a direction (``north``) or a named exit (``gate``)."""

    __slots__ = ("barriers", "description", "door", "name", "target")

    def __init__(self, name: str, target: Room, description: str = "") -> None:
        self.name = name
        self.target = target
        self.description = description
        # A door a system hangs in this exit (anything with name, closed and locked; the
        # doors system's Door). Both sides of one door hold the same object.
        self.door: Any = None
        # What else systems hang here to stop some who walk through (a guard): each has
        # ``refuse(who, exit) -> str | None`` (mud/engine/actions.py ``stopped``).
        self.barriers: tuple[Any, ...] = ()

    @property
    def closed(self) -> bool:
        """Whether a closed door stands in the way (movement and sight stop here)."""
        return self.door is not None and bool(self.door.closed)

    @property
    def hidden(self) -> bool:
        """Whether this way out is secret now: its door is shut and hides this side of it
        (the door's ``hides`` is this exit). A hidden exit is not listed, looked at or
        walked through: as far as players can tell, it is not there."""
        door = self.door
        return door is not None and getattr(door, "hides", None) is self and bool(door.closed)


class Room:
    """A place. ``characters`` is insertion-ordered so room listings are stable."""

    __slots__ = (
        "area", "characters", "description", "environment", "exits", "id", "items", "name", "npcs",
        "num", "relinks",
    )

    def __init__(self, room_id: str, area: str, name: str, description: str,
                 environment: str = "") -> None:
        self.id = room_id
        self.area = area
        self.name = name
        self.description = description
        self.environment = environment
        # A stable positive integer for clients' mappers (GMCP Room.Info), set by the World.
        self.num = 0
        self.exits: dict[str, Exit] = {}
        self.items: list[Item] = []
        self.npcs: list[NPC] = []
        self.characters: dict[Character, None] = {}
        # Times a character here had its link replaced (Character.link): what a crowded
        # room's audience checks its links by.
        self.relinks = 0

    def __repr__(self) -> str:
        return f"<Room {self.id}>"


class ItemTemplate:
    """What every copy of an item shares: name, keywords, description, whether it is fixed,
    and how several are called (``plural``: given by the world, else worked out once here)."""

    __slots__ = ("description", "fixed", "id", "keywords", "name", "plural", "props")

    def __init__(self, template_id: str, name: str, keywords: tuple[str, ...],
                 description: str, fixed: bool = False, plural: str = "") -> None:
        self.id = template_id
        self.name = name
        self.description = description
        self.fixed = fixed
        self.plural = plural or pluralise(name)
        # What systems attach from the world's YAML keys (a readable's ``text``), by key.
        self.props: dict[str, Any] = {}
        # "get apples" after "You see three red apples here.": the plural forms of its
        # words are keywords too (only those: a builder's plural adds no other words).
        singular = set(keywords_from_name(name)) | set(keywords)
        plurals = {plural_word(w) for w in singular}
        self.keywords = keywords + tuple(w for w in keywords_from_name(self.plural)
                                         if w in plurals and w not in singular)


class Item:
    """One item in the world. ``id`` is stable across restarts, so saves can find it again."""

    __slots__ = ("contents", "id", "location", "template")

    def __init__(self, item_id: str, template: ItemTemplate) -> None:
        self.id = item_id
        self.template = template
        # In a room, in a character's hands, or inside another item (a container's
        # ``contents``: None until something is put in it, so plain items carry no list).
        self.location: Room | Character | Item | None = None
        self.contents: list[Item] | None = None

    @property
    def name(self) -> str:
        return self.template.name

    @property
    def plural(self) -> str:
        return self.template.plural

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.template.keywords

    @property
    def description(self) -> str:
        return self.template.description

    def __repr__(self) -> str:
        return f"<Item {self.id}>"


class NPC:
    """A non-player character: looked at, and brought to life by the behaviours attached
    to it from the world's YAML (mud/systems/behaviours)."""

    __slots__ = ("behaviours", "description", "id", "keywords", "name", "props", "room")

    def __init__(self, npc_id: str, name: str, keywords: tuple[str, ...], description: str) -> None:
        self.id = npc_id
        self.name = name
        self.keywords = keywords
        self.description = description
        self.room: Room | None = None
        # Its behaviours (mud/systems/behaviours/base.py Behaviour instances), as attached.
        self.behaviours: tuple[Any, ...] = ()
        # What systems keep on this NPC while it is in the world (its vitals, its shop),
        # by the system's name.
        self.props: dict[str, Any] = {}


class _Nobody:
    """The listener of a character nobody is connected to: events go nowhere."""

    __slots__ = ()

    def send(self, event: Event) -> None:
        pass


NOBODY: Listener = _Nobody()


class Character:
    """A player's body in the world. ``link`` is the listener currently driving it."""

    __slots__ = (
        "__weakref__",
        "_link",
        "colour",
        "command_sets",
        "description",
        "inventory",
        "key",
        "last_active",
        "name",
        "room",
        "state",
        "via",
    )

    def __init__(self, name: str, room: Room | None = None) -> None:
        self.name = name
        self.key = name.lower()
        self.room = room
        self.inventory: list[Item] = []
        self.link = NOBODY
        self.last_active = 0.0
        self.description = ""
        self.colour = "auto"
        # How the player is connected ("telnet", "web"), for `who`.
        self.via = ""
        # The command sets granted to the player (mud/commands/registry.py): everyone
        # plays with "player"; builder and admin sets are granted on top later.
        self.command_sets: tuple[str, ...] = ("player",)
        # Systems' saved state by declared name (mud/engine/state.py); filled at login.
        self.state: dict[str, Any] = {}

    def _relink(self, link: Listener) -> None:
        self._link = link
        room = self.room
        if room is not None:
            room.relinks += 1

    # Read through a C getter (a few nanoseconds more than a plain attribute); every
    # replacement is counted in the room, whoever makes it, so no crowded room's audience
    # (mud/engine/fanout.py) keeps a stale link.
    link = property(attrgetter("_link"), _relink,
                    doc="The listener currently driving this body (NOBODY: link-dead).")

    @property
    def keywords(self) -> tuple[str, ...]:
        return (self.key,)

    def send(self, event: Event) -> None:
        self._link.send(event)

    def __repr__(self) -> str:
        return f"<Character {self.name}>"
