"""A room's audience for ``World.tell_room``, grouped so a crowded room's line costs the
links little more than one append per listener.

A link may offer a ``batch``: an object, chosen by its protocol, that can deliver one event
to many links at once (``deliver(event, group, skip)``), for links it knows need nothing
special (telnet: coalescing on, no GMCP, not paused). Links with the same batch form a
``Group``; the rest are told one by one, as before. The engine never learns what a batch
does: it only groups by it and keeps the groups while nothing changed.

An audience is kept per room until a character enters or leaves it (World drops it then,
and checks its size besides) or one of its characters' link is replaced (``Room.relinks``
moved: it is built again; the characters told one by one are told through their link of
the moment). A protocol whose link's batch changes (paused, closed, GMCP turned on) calls
``World.regroup`` with its character's room, which forgets that room's audience. Rooms
with fewer than ``FANOUT_MIN`` characters are told one by one: grouping would not pay; so
are the first ``SETTLE`` lines after someone came or went (a room filling up, one arrival
after another, would otherwise build its audience for every arrival's line).
"""

from __future__ import annotations

from typing import Any

from mud.engine.model import Character, Room

FANOUT_MIN = 8
# Lines told one by one after someone came or went before the audience is built.
SETTLE = 2


class Group:
    """Links with one batch; ``prepared`` is the batch's own (what it needs to deliver to
    them quickly), made at its first delivery and forgotten with the group."""

    __slots__ = ("key", "links", "prepared")

    def __init__(self, key: Any) -> None:
        self.key = key
        self.links: list[Any] = []
        self.prepared: Any = None


class Audience:
    """A room's characters' links, grouped by batch, and the characters told one by one."""

    __slots__ = ("groups", "others", "relinks", "size")

    def __init__(self, room: Room) -> None:
        characters: dict[Character, None] = room.characters
        self.size = len(characters)
        # The links below are the characters' own until one is replaced.
        self.relinks = room.relinks
        links = [character.link for character in characters]
        groups: dict[Any, Group] = {}
        self.others: list[Character] = []
        for character, link in zip(characters, links, strict=True):
            key = getattr(link, "batch", None)
            if key is None:
                self.others.append(character)
                continue
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group(key)
            group.links.append(link)
        self.groups = list(groups.values())
