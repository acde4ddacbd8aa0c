"""Events: everything the engine says, as data.

The engine emits one event object per thing that happened and hands the *same* object to
every listener that should see it. Protocols render it (ANSI text, plain text, JSON) and
may cache the rendering on the event itself in ``wire``, keyed by their output style, so a
say in a room of fifty is rendered once per style rather than fifty times.

Events that read differently to the actor ("You say", "Ann says") are emitted twice: once
with ``own=True`` for the actor, once shared by everyone else.
"""

from __future__ import annotations

from typing import ClassVar

from mud.engine.grouping import ItemGroup, as_groups


class Event:
    """Base of all events. ``kind`` names the event on the wire (JSON ``type``)."""

    __slots__ = ("wire",)
    kind: ClassVar[str] = "event"
    # Data only (a character's vitals after each change): text clients print nothing for
    # it, while its GMCP messages and its JSON frame (marked ``"silent": true``) still go.
    silent: ClassVar[bool] = False

    def __init__(self) -> None:
        # Renderings cached by protocols, keyed by output style.
        self.wire: dict[object, object] | None = None

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields())
        return f"{type(self).__name__}({fields})"

    @classmethod
    def _fields(cls) -> list[str]:
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            for name in getattr(klass, "__slots__", ()):
                if name not in ("wire", "__weakref__"):
                    names.append(name)
        return names

    def fields(self) -> dict[str, object]:
        """The event's data as a plain dict (for renderers and tests)."""
        return {name: getattr(self, name) for name in self._fields()}


class Message(Event):
    """A plain line from the game: confirmations, notices, anything without more structure."""

    __slots__ = ("text",)
    kind = "system"

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class Banner(Message):
    """Decorative text (the world's welcome art), with ``plain`` words for screen readers."""

    __slots__ = ("plain",)
    kind = "system"

    def __init__(self, text: str, plain: str) -> None:
        super().__init__(text)
        self.plain = plain


class Error(Message):
    """A command could not be done; ``text`` says why and what to do instead."""

    __slots__ = ()
    kind = "error"


class Prompt(Event):
    """Ask for input. ``secret`` hides what the player types (passwords)."""

    __slots__ = ("secret", "text")
    kind = "prompt"

    def __init__(self, text: str, secret: bool = False) -> None:
        super().__init__()
        self.text = text
        self.secret = secret


class RoomView(Event):
    """What a character sees on entering or looking: the room and who and what is in it.

    ``num`` is the room's stable number and ``exit_nums`` the numbers of the rooms the
    exits lead to, in the order of ``exits`` (for clients' mappers). ``characters`` are
    names only; ``linkdead`` names those of them whose connection died (their bodies wait).
    ``doors`` maps an exit with a door to (door name, closed, locked)."""

    __slots__ = ("area", "area_name", "characters", "description", "doors", "environment",
                 "exit_nums", "exits", "id", "items", "linkdead", "name", "npcs", "num")
    kind = "room"

    def __init__(self, room_id: str, area: str, name: str, description: str,
                 exits: tuple[str, ...], characters: tuple[str, ...], npcs: tuple[str, ...],
                 items: tuple[ItemGroup | str, ...], num: int = 0, environment: str = "",
                 area_name: str = "", exit_nums: tuple[int, ...] = (),
                 linkdead: tuple[str, ...] = (),
                 doors: dict[str, tuple[str, bool, bool]] | None = None) -> None:
        super().__init__()
        self.id = room_id
        self.doors = doors or {}
        self.area = area
        self.name = name
        self.description = description
        self.exits = exits
        self.characters = characters
        self.npcs = npcs
        # Identical things once, with a count; plain names (tests) are grouped too.
        self.items = as_groups(items)
        self.num = num
        self.environment = environment
        self.area_name = area_name or area
        self.exit_nums = exit_nums
        self.linkdead = linkdead


class Examine(Event):
    """A close look at one thing: an item, an NPC, a character or an exit. ``details``
    are lines systems add under the description (what someone wears, how hurt it is)."""

    __slots__ = ("description", "details", "name", "what")
    kind = "examine"

    def __init__(self, what: str, name: str, description: str,
                 details: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.what = what
        self.name = name
        self.description = description
        self.details = details


class ExitList(Event):
    """The exits of the current room with where each leads."""

    __slots__ = ("exits",)
    kind = "exits"

    def __init__(self, exits: tuple[tuple[str, str], ...]) -> None:
        super().__init__()
        self.exits = exits


class Say(Event):
    __slots__ = ("own", "speaker", "text")
    kind = "say"

    def __init__(self, speaker: str, text: str, own: bool = False) -> None:
        super().__init__()
        self.speaker = speaker
        self.text = text
        self.own = own


class Emote(Event):
    __slots__ = ("actor", "text")
    kind = "emote"

    def __init__(self, actor: str, text: str) -> None:
        super().__init__()
        self.actor = actor
        self.text = text


class Tell(Event):
    """A private message. ``own`` is the sender's copy. ``realm`` names the other side's
    realm when it is another daemon's (the sender's, to the recipient; the recipient's,
    in the sender's copy); "" when both are in this one."""

    __slots__ = ("own", "realm", "recipient", "sender", "text")
    kind = "tell"

    def __init__(self, sender: str, recipient: str, text: str, own: bool = False,
                 realm: str = "") -> None:
        super().__init__()
        self.sender = sender
        self.recipient = recipient
        self.text = text
        self.own = own
        self.realm = realm


class Arrive(Event):
    """Someone came into the room. ``phrase`` is how ("arrives from the south");
    ``npc``: it was an NPC, not a player (clients list the two apart)."""

    __slots__ = ("name", "npc", "phrase")
    kind = "arrive"

    def __init__(self, name: str, phrase: str, npc: bool = False) -> None:
        super().__init__()
        self.name = name
        self.phrase = phrase
        self.npc = npc


class LinkChange(Event):
    """Someone here lost their connection (``linkdead``), or took their body back: rooms'
    lists of people (the web panel, GMCP) change status without a new look."""

    __slots__ = ("linkdead", "name")
    kind = "link"

    def __init__(self, name: str, linkdead: bool) -> None:
        super().__init__()
        self.name = name
        self.linkdead = linkdead


class Depart(Event):
    """Someone left the room. ``phrase`` is how ("leaves north", "has left the game");
    ``npc``: it was an NPC, not a player (clients list the two apart)."""

    __slots__ = ("name", "npc", "phrase")
    kind = "depart"

    def __init__(self, name: str, phrase: str, npc: bool = False) -> None:
        super().__init__()
        self.name = name
        self.phrase = phrase
        self.npc = npc


class ItemAction(Event):
    """Someone picked up, dropped or handed over an item. ``verb``: get, drop or give."""

    __slots__ = ("actor", "item", "own", "target", "verb")
    kind = "item"

    def __init__(self, actor: str, verb: str, item: str, target: str = "",
                 own: bool = False) -> None:
        super().__init__()
        self.actor = actor
        self.verb = verb
        self.item = item
        self.target = target
        self.own = own


class WhoList(Event):
    """Everyone in the world: (name, idle seconds, how connected) per player. ``linkdead``
    names the players whose connection died: their bodies wait in the world, but they are
    not online, and ``via`` stays how they were last connected. ``away`` maps the names
    of those marked afk to their message ("" for none).

    Realms on several daemons: ``others`` lists the players of the other realms, each
    (name, how connected, realm, link-dead, afk message or None), by realm then name (no
    idle time: realms tell each other who comes and goes, not every keystroke);
    ``cut_off`` says the other realms cannot be reached just now (so none are listed)."""

    __slots__ = ("away", "cut_off", "linkdead", "others", "players")
    kind = "who"

    def __init__(self, players: tuple[tuple[str, int, str], ...],
                 linkdead: tuple[str, ...] = (), away: dict[str, str] | None = None,
                 others: tuple[tuple[str, str, str, bool, str | None], ...] = (),
                 cut_off: bool = False) -> None:
        super().__init__()
        self.players = players
        self.linkdead = linkdead
        self.away = away or {}
        self.others = others
        self.cut_off = cut_off


class Inventory(Event):
    """What a character carries, identical things grouped as in ``RoomView.items``."""

    __slots__ = ("items",)
    kind = "inventory"

    def __init__(self, items: tuple[ItemGroup | str, ...]) -> None:
        super().__init__()
        self.items = as_groups(items)


class HelpText(Event):
    """Help on one topic, or the index when ``topic`` is empty (``topics`` lists them)."""

    __slots__ = ("text", "topic", "topics")
    kind = "help"

    def __init__(self, topic: str, text: str, topics: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.topic = topic
        self.text = text
        self.topics = topics


class Goodbye(Message):
    """The last thing a connection is told before it closes. ``reason`` says why, for
    clients that react differently: quit, takeover, shutdown or login_failed."""

    __slots__ = ("reason",)
    kind = "goodbye"

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(text)
        self.reason = reason
