"""Which web ``command`` ids each character's clients already sent, so a resend runs once.

The browser client numbers its commands and keeps those the server has not acknowledged.
When its socket dies half-open it cannot tell "lost on the way" from "arrived, but the
``ack`` was lost" (or "arrived late, on the old socket, after the client gave up on it"):
after resuming it sends them again with the same ids. The server remembers the last
``PER_CHARACTER`` ids it took for each character, across connections, and runs a command
whose id it has already seen no second time (it is acknowledged again).

Bounded: ``PER_CHARACTER`` ids for each of at most ``CHARACTERS`` characters, the least
recently active forgotten first. Ids are chosen by the client (from a random start per page,
so two pages of one character do not collide); they are only compared, never trusted.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict

PER_CHARACTER = 64
CHARACTERS = 10_000
# A JSON number the browser holds exactly (Number.MAX_SAFE_INTEGER).
MAX_ID = 2**53 - 1


class _Recent:
    """A ring of the last ids: 8 bytes an id, scanned in C (64 ids take well under a
    microsecond), where a deque and a set took about 6 KB a character."""

    __slots__ = ("ids", "next")

    def __init__(self) -> None:
        self.ids = array("q")
        self.next = 0


class CommandIds:
    """The recent command ids of each character (keyed by its key)."""

    def __init__(self, per_character: int = PER_CHARACTER,
                 characters: int = CHARACTERS) -> None:
        self.per_character = per_character
        self.characters = characters
        self._ids: OrderedDict[str, _Recent] = OrderedDict()

    def first_time(self, key: str, ident: int) -> bool:
        """Record ``ident`` for character ``key``; False if it was already recorded."""
        entry = self._ids.get(key)
        if entry is None:
            entry = self._ids[key] = _Recent()
            if len(self._ids) > self.characters:
                self._ids.popitem(last=False)
        else:
            self._ids.move_to_end(key)
        ids = entry.ids
        if ident in ids:
            return False
        if len(ids) < self.per_character:
            ids.append(ident)
        else:
            ids[entry.next] = ident     # overwrite the oldest
            entry.next = (entry.next + 1) % self.per_character
        return True

    def __len__(self) -> int:
        return len(self._ids)
