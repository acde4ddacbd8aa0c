"""Where items are: in a room, in a character's hands, inside another item, or gone.

The World's item placement, kept apart from the rest of the World (rooms, NPCs,
characters, saving): placing items at start, moving them, putting a save's rows back
(rebuilding items made after start through the world's item makers), and the save rows
that say where each item is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from mud.engine.hooks import CARRIED as CARRIED_HAPPENING
from mud.engine.model import Character, Item, ItemTemplate, Room

# The save's kinds of place for an item: a room, a character's hands, inside another item,
# or taken out of the world for good (World.consume).
IN_ROOM, CARRIED, INSIDE, GONE = "room", "char", "in", "gone"
PLACE_KINDS = (IN_ROOM, CARRIED, INSIDE, GONE)


def placed_id(place_id: str, template_id: str, n: int) -> str:
    """The id of the ``n``-th copy (from 1) of ``template_id`` the world places in a room
    or a container (``village:square/village:apple#2``): the same at every start-up, so a
    save's rows find it again (``ItemPlaces.rebuild_placed`` reads it back)."""
    return f"{place_id}/{template_id}#{n}"


class ItemPlaces:
    """The World's items and where they are (a mixin: World sets these attributes)."""

    items: dict[str, Item]
    rooms: dict[str, Room]
    templates: dict[str, ItemTemplate]
    stored: dict[str, list[Item]]
    item_makers: list[Callable[[str], Item | None]]
    _dirty_items: set[Item]
    hooks: Any

    def add_item(self, item: Item, room: Room | Item) -> None:
        """Place a new item at world start (not a change that needs saving): in a room, or
        inside another item (what a container holds as the world declares it)."""
        self.items[item.id] = item
        if isinstance(room, Item):
            self._put_in(item, room)
            return
        item.location = room
        room.items.append(item)

    def restore_item(self, item_id: str, kind: str, place: str) -> bool:
        """Put an item where a save says it was. Returns False if the save no longer fits."""
        if kind == GONE:
            # Used up (``consume``): not back where the world first placed it, not rebuilt.
            item = self.items.pop(item_id, None)
            if item is not None:
                self._detach(item)
            return True
        item = self.items.get(item_id) or self._remake(item_id)
        if item is None:
            return False
        if kind == IN_ROOM:
            room = self.rooms.get(place)
            if room is None:
                return False
            self._detach(item)
            item.location = room
            room.items.append(item)
            return True
        if kind == CARRIED:
            self._detach(item)
            self.stored.setdefault(place, []).append(item)
            return True
        if kind == INSIDE:
            # Inside another item (a container), wherever that one is: rows may come in
            # any order, so the container is found (or remade) by id and placed by its own.
            box = self.items.get(place) or self._remake(place)
            if box is None or box is item or self.inside(box, item):
                return False  # gone from the world, or a loop no save should hold
            self._detach(item)
            self._put_in(item, box)
            return True
        return False

    def _remake(self, item_id: str) -> Item | None:
        # Only called for an id not in the world: a rebuilt item never doubles one there.
        for make in self.item_makers:
            item = make(item_id)
            if item is not None:
                self.items[item.id] = item
                return item
        item = self.rebuild_placed(item_id)
        if item is not None:
            self.items[item.id] = item
        return item

    def rebuild_placed(self, item_id: str) -> Item | None:
        """The engine's own item maker, asked after every system's: an id the loader gave
        an item it placed (``<room>/<template>#<n>``; nested, ``<room>/<box>#<n>/
        <template>#<n>``) that this world no longer places (a builder moved or removed
        it), rebuilt from its template if that still exists, so what a player carries or
        dropped survives the edit. None: not such an id, or its template is gone."""
        _, slash, last = item_id.rpartition("/")
        template_id, mark, number = last.rpartition("#")
        template = self.templates.get(template_id)
        if not slash or not mark or not number.isdigit() or template is None:
            return None
        return Item(item_id, template)

    def _detach(self, item: Item) -> None:
        where = item.location
        if isinstance(where, Room):
            where.items.remove(item)
        elif isinstance(where, Character):
            where.inventory.remove(item)
        elif isinstance(where, Item) and where.contents is not None:
            where.contents.remove(item)
        item.location = None

    @staticmethod
    def _put_in(item: Item, box: Item) -> None:
        if box.contents is None:
            box.contents = []
        box.contents.append(item)
        item.location = box

    @staticmethod
    def inside(item: Item, other: Item) -> bool:
        """Whether ``item`` is somewhere inside ``other`` (in it, or in something in it)."""
        where = item.location
        while isinstance(where, Item):
            if where is other:
                return True
            where = where.location
        return False

    @staticmethod
    def nested(items: Iterable[Item]) -> list[Item]:
        """``items`` and everything inside them, at any depth."""
        found: list[Item] = []
        todo = list(items)
        while todo:
            item = todo.pop()
            found.append(item)
            if item.contents:
                todo.extend(item.contents)
        return found

    def transfer(self, item: Item, destination: Room | Character | Item) -> None:
        """Move an item into a room, a character's hands or another item (a container),
        and remember to save that. A character whose hands it left or reached is heard
        by the hooks (``carried``)."""
        source = item.location
        self._detach(item)
        if isinstance(destination, Item):
            self._put_in(item, destination)
        else:
            item.location = destination
            if isinstance(destination, Room):
                destination.items.append(item)
            else:
                destination.inventory.append(item)
        self._dirty_items.add(item)
        self._carried(source)
        if destination is not source:
            self._carried(destination)

    def _carried(self, place: object) -> None:
        if isinstance(place, Character) and place.room is not None:
            self.hooks.emit(CARRIED_HAPPENING, who=place, room=place.room)

    def consume(self, item: Item) -> None:
        """Take an item (and whatever is inside it) out of the world for good: an NPC took
        it and used it up. Saved as gone, so a restart neither puts it back where the world
        first placed it nor rebuilds it."""
        holder = item.location
        self._detach(item)
        for gone in self.nested((item,)):
            gone.location = None  # saved as gone too, not as inside something gone
            if self.items.get(gone.id) is gone:
                del self.items[gone.id]
            self._dirty_items.add(gone)
        self._carried(holder)

    def item_places(self, items: Iterable[Item]) -> list[tuple[str, str, str]]:
        """Save rows for items in rooms or in characters' hands."""
        rows = []
        for item in items:
            where = item.location
            if isinstance(where, Room):
                rows.append((item.id, IN_ROOM, where.id))
            elif isinstance(where, Character):
                rows.append((item.id, CARRIED, where.key))
            elif isinstance(where, Item):
                rows.append((item.id, INSIDE, where.id))
            elif self.items.get(item.id) is not item:
                rows.append((item.id, GONE, ""))  # consumed (an offline player's: still here)
        return rows
