"""The World: every room, item and NPC, who is online, and where everything is.

It moves things and characters, fans events out to a room, and remembers what changed
since the last save so autosave writes only that. Time comes from an injected clock.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from mud.engine import hooks
from mud.engine.activity import QuietAreas
from mud.engine.bus import Bus
from mud.engine.events import Event
from mud.engine.fanout import FANOUT_MIN, SETTLE, Audience
from mud.engine.hooks import Hooks
from mud.engine.model import NPC, Character, Item, ItemTemplate, Room
from mud.engine.placing import CARRIED, GONE, IN_ROOM, INSIDE, PLACE_KINDS, ItemPlaces
from mud.engine.scheduler import Scheduler
from mud.engine.state import STATE, StateRegistry

T = TypeVar("T")

__all__ = ["CARRIED", "GONE", "INSIDE", "IN_ROOM", "PLACE_KINDS", "CharacterRecord", "Clock",
           "Snapshot", "World", "number_rooms"]


class Clock(Protocol):
    def seconds(self) -> float: ...


@dataclass(frozen=True)
class CharacterRecord:
    """A character as saved: where it stands. Its inventory is saved through item locations."""

    key: str
    name: str
    room: str
    description: str = ""
    # The player's colour choice (`colour` command): auto, off, on, 256 or truecolor.
    colour: str = "auto"
    # Systems' declared state as saved JSON (mud/engine/state.py): text, so a record
    # copied out for a worker thread shares nothing the game may change meanwhile; "" when
    # not known (a fallback file from before schema 4), which a save leaves as it is.
    state: str = "{}"


@dataclass
class Snapshot:
    """What changed since the last save, copied out on the game thread so a worker can write it."""

    characters: list[CharacterRecord] = field(default_factory=list)
    # (item id, a PLACE_KINDS kind, room id, character key, container item id or "" if gone)
    items: list[tuple[str, str, str]] = field(default_factory=list)
    # Declared world state: (name, saved JSON), one row per name that changed.
    world: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.characters or self.items or self.world)

    def character(self, key: str) -> CharacterRecord | None:
        """The record for ``key`` in this snapshot, if it holds one."""
        for record in self.characters:
            if record.key == key:
                return record
        return None

    def merge(self, newer: Snapshot) -> Snapshot:
        """This snapshot with ``newer`` written over it (used to retry a failed save)."""
        chars = {c.key: c for c in self.characters}
        chars.update((c.key, c) for c in newer.characters)
        items = {i[0]: i for i in self.items}
        items.update((i[0], i) for i in newer.items)
        world = dict(self.world)
        world.update(newer.world)
        return Snapshot(list(chars.values()), list(items.values()), list(world.items()))


def number_rooms(rooms: Iterable[Room]) -> None:
    """Give each room a stable number: a hash of its id, so numbers survive restarts and
    added rooms (clients' maps are keyed by them); the rare clash is settled in id order."""
    taken: set[int] = set()
    for room in sorted(rooms, key=lambda r: r.id):
        num = zlib.crc32(room.id.encode("utf-8")) % 2_000_000_000 + 1
        while num in taken:
            num = num % 2_000_000_000 + 1
        taken.add(num)
        room.num = num


class World(ItemPlaces):
    """All of the game's state that lives in memory."""

    def __init__(self, name: str, rooms: dict[str, Room], start: Room, clock: Clock,
                 description: str = "", welcome: str = "",
                 templates: dict[str, ItemTemplate] | None = None,
                 npcs: Iterable[NPC] = ()) -> None:
        self.name = name
        self.description = description
        self.welcome = welcome
        self.rooms = rooms
        number_rooms(rooms.values())
        # Area ids to their display names (filled by the loader).
        self.area_names: dict[str, str] = {}
        # What the world was read from, entry by entry (mud.world_sources.WorldSources,
        # set by the loader): builders' edits and area saves work on it.
        self.sources: Any = None
        self.start = start
        self.clock = clock
        # The one scheduler (on the injected clock: it needs callLater only once a timer
        # is set) and the happenings systems subscribe to; an area's timers sleep while
        # no player is in it.
        self.scheduler = Scheduler(clock)  # type: ignore[arg-type]
        # Crowded rooms' audiences for tell_room, grouped by the links' batches (fanout.py).
        # (Or, until it is built, how many lines went out since someone came or went.)
        self._audiences: dict[Room, Audience | int] = {}
        self.hooks = Hooks()
        self.quiet = QuietAreas(self.scheduler, self.hooks, {r.area for r in rooms.values()})
        self.templates = templates or {}
        self.npcs = list(npcs)
        self.items: dict[str, Item] = {}
        # Systems that make items after start (resets) give each a stable id and a maker
        # here that rebuilds it from that id, so a save of its place finds it again.
        self.item_makers: list[Callable[[str], Item | None]] = []
        # Logged-in characters by lower-case name.
        self.online: dict[str, Character] = {}
        # Items carried by characters who are not logged in, by character key.
        self.stored: dict[str, list[Item]] = {}
        self._dirty_items: set[Item] = set()
        self._dirty_characters: set[Character] = set()
        # Systems' declared world state (mud/engine/state.py) and the names changed since
        # the last save; ``state_problem`` hears of a value that cannot be saved (the
        # engine does not log: the game points it at the log).
        self.declared: StateRegistry = STATE
        self.state: dict[str, object] = self.declared.load_world(())[0]
        self._dirty_state: set[str] = set()
        self.state_problem: Callable[[str], None] = lambda message: None
        # Systems' say in core actions, each asked in turn (mud/engine/actions.py):
        # why a carried item cannot be let go (worn, wielded): ``keeper(character, item)``;
        # why someone cannot walk out now (fighting): ``restraint(who, exit)``;
        # lines to show under a close look at a thing: ``detailer(thing, looker)``.
        self.keepers: list[Callable[[Character, Item], str | None]] = []
        self.restraints: list[Callable[[Any, Any], str | None]] = []
        self.detailers: list[Callable[[Any, Character], list[str]]] = []
        # Systems' objects for this world (its fights, shops, resets), by the system's
        # name: kept on the world rather than in a registry of worlds, so they go with it.
        self.parts: dict[str, Any] = {}
        # What this daemon says to the other realms and hears from them (mud/engine/bus.py):
        # linked to a broker by the service when the server runs clustered.
        self.bus = Bus()
        # Command words of this world's own (its channels' names): mud.commands.registry
        # Command objects by word, tried when no granted command has the exact word.
        self.words: dict[str, Any] = {}
        # Systems waiting for a character's next command (an afk player's return), called
        # from ``touch``: empty for nearly everyone, so a command pays one empty-dict test.
        self.waiting: dict[Character, Callable[[Character, str], None]] = {}

    def part(self, name: str, make: Callable[[World], T]) -> T:
        """The system object ``name`` of this world (``parts``), made by ``make(world)``
        the first time it is asked for."""
        found = self.parts.get(name)
        if found is None:
            found = self.parts[name] = make(self)
        return found  # type: ignore[no-any-return]

    # -- rooms made or taken away while the world runs -----------------------------------

    def add_room(self, room: Room) -> None:
        """A room made after start (a builder's ``dig``): numbered as rooms are at load,
        without renumbering any other, and announced to the hooks (``room_added``)."""
        taken = {other.num for other in self.rooms.values()}
        num = zlib.crc32(room.id.encode("utf-8")) % 2_000_000_000 + 1
        while num in taken:
            num = num % 2_000_000_000 + 1
        room.num = num
        self.rooms[room.id] = room
        self.hooks.emit(hooks.ROOM_ADDED, room=room)

    def remove_room(self, room: Room) -> None:
        """Take away an empty room (no players; the caller moved them): its NPCs leave the
        world, what lies there goes, and exits leading to it are the caller's to remove.
        The hooks hear ``room_removed``."""
        for npc in list(room.npcs):
            self.remove_npc(npc)
        for item in list(room.items):
            self.consume(item)
        self.rooms.pop(room.id, None)
        self.hooks.emit(hooks.ROOM_REMOVED, room=room)

    # -- NPCs -----------------------------------------------------------------------------

    def place_npc(self, npc: NPC, room: Room) -> None:
        """Put an NPC into the world at ``room`` after start (a reset bringing back one that
        is gone). The hooks hear ``enter`` with ``came_from=None``; nobody is told: the
        caller says how it came."""
        npc.room = room
        room.npcs.append(npc)
        self.npcs.append(npc)
        self.hooks.emit(hooks.ENTER, who=npc, room=room, came_from=None)

    def remove_npc(self, npc: NPC) -> bool:
        """Take an NPC out of the world for good (killed, dismissed): each of its behaviours
        is stopped (cancelling its timers, letting go of its hooks and the exits it
        guards), it leaves its room, and the hooks hear ``leave`` with ``to=None``. Nobody
        is told: the caller says why it went. False if it was not in the world."""
        room = npc.room
        if room is None:
            return False
        for one in npc.behaviours:
            try:
                one.stop()
            except Exception as exc:  # one broken behaviour must not keep the NPC here
                self.hooks.report(npc.id, f"stopping behaviour {getattr(one, 'name', one)!r}",
                                  exc)
        if npc in room.npcs:
            room.npcs.remove(npc)
        npc.room = None
        if npc in self.npcs:
            self.npcs.remove(npc)
        self.hooks.emit(hooks.LEAVE, who=npc, room=room, to=None)
        return True

    # -- characters -----------------------------------------------------------------------

    def enter(self, character: Character) -> None:
        """Bring a character into the game at ``character.room`` with its stored items."""
        room = character.room if character.room is not None else self.start
        character.room = room
        self.online[character.key] = character
        character.last_active = self.clock.seconds()
        for item in self.stored.pop(character.key, ()):
            item.location = character
            character.inventory.append(item)
        room.characters[character] = None
        self._audiences.pop(room, None)
        self.hooks.emit(hooks.LOGIN, who=character, room=room)

    def leave(self, character: Character) -> None:
        """Take a character out of the game; its items go into storage until it returns."""
        if self.online.get(character.key) is character:
            del self.online[character.key]
            if character.room is not None:
                self.hooks.emit(hooks.LOGOUT, who=character, room=character.room)
        if character.room is not None:
            character.room.characters.pop(character, None)
            self._audiences.pop(character.room, None)
        if character.inventory:
            self.stored[character.key] = list(character.inventory)
            for item in character.inventory:
                item.location = None
            character.inventory.clear()
        self._dirty_characters.discard(character)

    def move(self, character: Character, destination: Room) -> None:
        """Move a character to another room (no messages; see actions.go)."""
        if character.room is not None:
            character.room.characters.pop(character, None)
            self._audiences.pop(character.room, None)
        character.room = destination
        destination.characters[character] = None
        self._audiences.pop(destination, None)
        self._dirty_characters.add(character)

    def changed(self, character: Character) -> None:
        """Note that a character's saved state changed (for autosave)."""
        self._dirty_characters.add(character)

    def changed_state(self, name: str) -> None:
        """Note that the declared world state ``name`` changed (for autosave)."""
        self._dirty_state.add(name)

    def restore_state(self, rows: Iterable[tuple[str, str]]) -> list[str]:
        """Take the world state saved in ``rows`` (name, JSON); returns the problems found
        (each falls back to the default)."""
        restored, problems = self.declared.load_world(rows)
        # In place: anything holding world.state (not a value in it) sees the saved state.
        self.state.clear()
        self.state.update(restored)
        return problems

    def find_online(self, name: str) -> Character | None:
        return self.online.get(name.lower())

    # -- events ---------------------------------------------------------------------------

    def tell_room(self, room: Room, event: Event, exclude: Character | None = None) -> None:
        """Hand one event object to everyone in ``room`` except ``exclude``: in a crowded
        room, links with a batch get it through their batch in one call (fanout.py)."""
        characters = room.characters
        audience = self._audience(room) if len(characters) >= FANOUT_MIN else None
        if audience is None:
            for character in characters:
                if character is not exclude:
                    character.link.send(event)
            return
        skip = exclude.link if exclude is not None else None
        for group in audience.groups:
            group.key.deliver(event, group, skip)
        for character in audience.others:
            if character is not exclude:
                character.link.send(event)

    def _audience(self, room: Room) -> Audience | None:
        """The crowded ``room``'s audience, or None while it should be told one by one."""
        characters = room.characters
        audience = self._audiences.get(room)
        if type(audience) is Audience and audience.size == len(characters) and \
                audience.relinks == room.relinks:
            return audience
        # (Characters come and go through enter, leave and move, which drop the room's
        # audience; the size is checked besides. A link replaced, and the audience is
        # built again: its groups hold links.) While the room's company keeps changing
        # (a login storm into one room), building it for each line would cost more than
        # telling everyone one by one: it is built once SETTLE lines went out with nobody
        # coming or going.
        quiet = audience if type(audience) is int else 0
        if quiet < SETTLE:
            self._audiences[room] = quiet + 1
            return None
        audience = self._audiences[room] = Audience(room)
        return audience

    def regroup(self, room: Room | None = None) -> None:
        """A link's batch changed (fanout.py): ``room``'s audience (every room's, for None)
        is built again at its next line."""
        if room is None:
            self._audiences.clear()
        else:
            self._audiences.pop(room, None)

    def touch(self, character: Character, word: str = "") -> None:
        """Note that the player did something (for idle times): typed the command
        ``word`` ("" for anything else, such as taking a body back). Whoever ``waiting``
        holds for this character is told ``waiting[character](character, word)``."""
        character.last_active = self.clock.seconds()
        if self.waiting:
            heard = self.waiting.get(character)
            if heard is not None:
                heard(character, word)

    # -- saving ---------------------------------------------------------------------------

    def record(self, character: Character) -> CharacterRecord:
        room = character.room.id if character.room is not None else self.start.id
        return CharacterRecord(character.key, character.name, room, character.description,
                               character.colour, self._saved_state(character))

    def _saved_state(self, character: Character) -> str:
        state = character.state
        if not state:
            return "{}"
        try:
            return self.declared.dump_character(state)
        except (TypeError, ValueError):
            # A system put something that is not JSON data there: save the rest.
            good = {}
            for name, value in state.items():
                try:
                    self.declared.dump_character({name: value})
                except (TypeError, ValueError) as exc:
                    self.state_problem(f"{character.name}'s state {name!r} cannot be saved "
                                       f"({exc}); it is left out of the save")
                    continue
                good[name] = value
            return self.declared.dump_character(good)

    def state_rows(self, names: Iterable[str]) -> list[tuple[str, str]]:
        """Saved rows of the world state ``names``."""
        rows = []
        for name in names:
            if name not in self.state:
                continue
            try:
                rows.append((name, self.declared.dump_world(self.state, name)))
            except (TypeError, ValueError) as exc:
                self.state_problem(f"world state {name!r} cannot be saved ({exc})")
        return rows

    def snapshot_dirty(self) -> Snapshot:
        """Copy out what changed since the last call and forget it (re-merge if the save fails)."""
        characters = [self.record(c) for c in self._dirty_characters]
        items = self.item_places(self._dirty_items)
        world = self.state_rows(self._dirty_state)
        self._dirty_characters.clear()
        self._dirty_items.clear()
        self._dirty_state.clear()
        return Snapshot(characters, items, world)

    def snapshot_character(self, character: Character) -> Snapshot:
        """Everything about one character, for saving at quit."""
        self._dirty_characters.discard(character)
        # What is carried, and what is inside what is carried (a satchel's herbs).
        owned = self.nested(character.inventory)
        self._dirty_items.difference_update(owned)
        return Snapshot([self.record(character)], self.item_places(owned))

    def snapshot_everything(self) -> Snapshot:
        """Every online character and every item that ever moved, for shutdown."""
        snap = self.snapshot_dirty()
        online = [self.record(c) for c in self.online.values()]
        items = self.nested(i for c in self.online.values() for i in c.inventory)
        return snap.merge(Snapshot(online, self.item_places(items)))
