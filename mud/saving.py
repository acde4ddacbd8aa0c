"""The save queue: one write in flight, the rest merged and queued, nothing unsaved hidden.

Snapshots queued while a write is running merge into one pending snapshot that goes out in
the next write (at most one record per character and item). Whoever asked for a save is
told, True or False, when the write carrying their data ends. A failed write's data goes
back into the queue (anything newer wins) for the next attempt.

Until a record is confirmed written, the queue is the newest word on it: reading a
character (a login) looks at what is queued, then at what is being written, before the
store's row, so a quick re-login never brings a character back where it stood before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud.engine.world import CharacterRecord, Snapshot
from mud.persistence.store import Store, StoreUnavailable

log = Logger()


class SaveQueue:
    def __init__(self, store: Store, clock: Any = None) -> None:
        self.store = store
        # Told (seconds the write took on ``clock``, whether it landed) as each write ends:
        # the metrics (mud/metrics.py). Without a clock every write takes 0 seconds.
        self.observers: list[Callable[[float, bool], None]] = []
        self._clock = clock
        self._began = 0.0
        # Queued, not yet handed to the store, by character key and item id (dicts, so a
        # burst of thousands of saves costs each its own size, not the queue's).
        self._pending = _Records()
        # Handed to the store, not yet confirmed (None: no write running).
        self._in_flight: _Records | None = None
        # Told when the next write (the one that will carry _pending) ends.
        self._waiting: list[Deferred[bool]] = []
        self._starting = False
        # Failed writes in a row (reset by one that lands).
        self.failures = 0
        # Character reads outstanding, by key, and records written while one was out: a
        # store that answers a read issued before a write landed could hand back the old row.
        self._reads: dict[str, int] = {}
        self._landed: dict[str, CharacterRecord] = {}

    # -- writing -------------------------------------------------------------------------------

    def save(self, snapshot: Snapshot) -> Deferred[bool]:
        """Queue ``snapshot``; fires True once it (with anything queued alongside) is
        written, False if that write failed (the data is kept and retried by the next)."""
        self._pending.add(snapshot)
        told: Deferred[bool] = Deferred()
        self._waiting.append(told)
        self._start()
        return told

    def queue(self, snapshot: Snapshot) -> None:
        """Add ``snapshot`` to what the next write carries, without asking for one."""
        self._pending.add(snapshot)

    def _start(self) -> None:
        # A loop, never recursion. Twisted's DeferredLock (used here before) hands the lock
        # to the next waiter from inside the previous one's release; when the queued saves
        # finish at once (everything already written by the one before), each release nests
        # the next, and about 125 of them (a mass disconnect) overflowed the stack with the
        # lock left taken: no save ever ran again and a stop waited for one forever.
        if self._starting:
            return
        self._starting = True
        try:
            while self._in_flight is None and self._waiting:
                records, self._pending = self._pending, _Records()
                waiting, self._waiting = self._waiting, []
                if not records:
                    for told in waiting:
                        told.callback(True)
                    continue
                self._in_flight = records
                snapshot = records.snapshot()
                self._began = self._clock.seconds() if self._clock is not None else 0.0
                maybeDeferred(self.store.save, snapshot).addBoth(
                    self._written, snapshot, waiting)
        finally:
            self._starting = False

    def _written(self, result: object, snapshot: Snapshot,
                 waiting: list[Deferred[bool]]) -> None:
        self._in_flight = None
        ok = not isinstance(result, Failure)
        if ok:
            if self._reads:
                for record in snapshot.characters:
                    if record.key in self._reads:
                        self._landed[record.key] = record
            if self.failures:
                log.warn("Saving works again after {n} failed attempts; everything kept "
                         "meanwhile is now written.", n=self.failures)
            self.failures = 0
        else:
            assert isinstance(result, Failure)
            self._failed(result, snapshot)
        if self.observers:
            self._tell_observers(ok)
        for told in waiting:
            told.callback(ok)
        # Saves asked for while this write ran go out now (a loop when it ended at once).
        self._start()

    def _tell_observers(self, ok: bool) -> None:
        took = self._clock.seconds() - self._began if self._clock is not None else 0.0
        for observer in list(self.observers):
            try:
                observer(took, ok)
            except Exception:
                log.failure("a save observer failed")

    def _failed(self, failure: Failure, snapshot: Snapshot) -> None:
        self.failures += 1
        # Keep what did not land; anything newer queued meanwhile wins.
        kept = _Records()
        kept.add(snapshot)
        kept.add(self._pending.snapshot())
        self._pending = kept
        if failure.check(StoreUnavailable):
            # The storage is failing, not our code: one line per attempt, no traceback.
            log.critical("SAVE FAILED (attempt {attempt}): {why}. {n} characters and {m} "
                         "item places are kept in memory and retried at every save; fix "
                         "the storage (the data directory's space and permissions, or the "
                         "PostgreSQL server) and they are written.",
                         attempt=self.failures, why=failure.value,
                         n=len(self._pending.characters), m=len(self._pending.items))
        else:
            log.failure("SAVE FAILED ({n} characters, {m} items kept for the next attempt)",
                        failure, n=len(snapshot.characters), m=len(snapshot.items))

    # -- what is not written yet ---------------------------------------------------------------

    @property
    def unsaved(self) -> bool:
        """Something is queued or being written and not yet confirmed."""
        return bool(self._pending) or self._in_flight is not None

    @property
    def writing(self) -> bool:
        return self._in_flight is not None

    def unsaved_snapshot(self) -> Snapshot:
        """Everything not confirmed written: being written, with anything newer over it."""
        everything = _Records()
        if self._in_flight is not None:
            everything.add(self._in_flight.snapshot())
        everything.add(self._pending.snapshot())
        return everything.snapshot()

    def unsaved_record(self, key: str) -> CharacterRecord | None:
        """The newest record of ``key`` not confirmed written: queued, else being written."""
        record = self._pending.characters.get(key)
        if record is None and self._in_flight is not None:
            record = self._in_flight.characters.get(key)
        return record

    # -- reading -------------------------------------------------------------------------------

    def read_character(self, key: str) -> Deferred[CharacterRecord | None]:
        """The newest record of character ``key``: unsaved, else the store's row."""
        record = self.unsaved_record(key)
        if record is not None:
            # Complete and newer than the store's row: nothing to read.
            return succeed(record)
        self._reads[key] = self._reads.get(key, 0) + 1
        return maybeDeferred(self.store.get_character, key).addBoth(self._read, key)

    def _read(self, result: CharacterRecord | Failure | None,
              key: str) -> CharacterRecord | Failure | None:
        landed = self._landed.get(key)
        count = self._reads[key] - 1
        if count:
            self._reads[key] = count
        else:
            del self._reads[key]
            self._landed.pop(key, None)
        # A save of this character queued after the read went out (it came online through
        # another login and left again) is newer than the row: queued, being written, or
        # written while the read was out.
        newer = self.unsaved_record(key) or landed
        if newer is not None:
            return newer
        return result


class _Records:
    """A snapshot kept as dicts: the newest record per character and per item."""

    __slots__ = ("characters", "items", "world")

    def __init__(self) -> None:
        self.characters: dict[str, CharacterRecord] = {}
        self.items: dict[str, tuple[str, str, str]] = {}
        # Declared world state: name -> saved JSON.
        self.world: dict[str, str] = {}

    def __bool__(self) -> bool:
        return bool(self.characters or self.items or self.world)

    def add(self, snapshot: Snapshot) -> None:
        """``snapshot`` over what is here (it is the newer)."""
        self.characters.update((c.key, c) for c in snapshot.characters)
        self.items.update((row[0], row) for row in snapshot.items)
        self.world.update(snapshot.world)

    def snapshot(self) -> Snapshot:
        return Snapshot(list(self.characters.values()), list(self.items.values()),
                        list(self.world.items()))
