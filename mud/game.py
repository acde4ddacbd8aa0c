"""The running game: the world plus who is connected, logging in and out, and saving.

Sits between sessions and the engine. Owns the rules that involve I/O: entering the game
loads a character from the store, leaving saves it, takeover hands a body to a new
connection, autosave writes what changed. Saves are serialised (one in flight) and a failed
save keeps its data for the next attempt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from twisted.internet.defer import Deferred, DeferredLock, fail, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud.accounts import (
    DEFAULT_RESERVED,
    Accounts,
    NameRules,
    Refused,
    display_name,
    password_problem,
)
from mud.engine import actions
from mud.engine.events import Goodbye, Message
from mud.engine.model import NOBODY, Character
from mud.engine.world import CharacterRecord, Snapshot, World
from mud.login_throttle import (
    LoginThrottle,
    RegistrationLimit,
    Throttled,
    too_many_registrations,
)
from mud.persistence.store import AccountRow, Store, StoreUnavailable
from mud.session import Session

log = Logger()


SHUTDOWN_NOTICE = "The server is shutting down for now. Your character is being saved."
SHUTDOWN_GOODBYE = "Your character is saved. The server is going down; come back soon!"


class Game:
    def __init__(self, world: World, store: Store, accounts: Accounts,
                 command_rate: float = 10.0, command_burst: int = 30,
                 linkdead: float = 600.0, login_timeout: float = 120.0,
                 idle_timeout: float = 0.0, reserved_names: Iterable[str] = DEFAULT_RESERVED,
                 registrations_per_hour: int = 5) -> None:
        self.world = world
        # Each connection may run command_rate commands a second, in bursts of command_burst.
        self.command_rate = command_rate
        self.command_burst = command_burst
        # Seconds a character whose connection died stays in the world, waiting for its player.
        self.linkdead = linkdead
        self._linkdead_timers: dict[str, Any] = {}
        # Seconds without input before a connection is closed: at the login screen, and in
        # the game (0: never).
        self.login_timeout = login_timeout
        self.idle_timeout = idle_timeout
        self.throttle = LoginThrottle(world.clock)
        # New characters: names checked against the reserved words and the world's NPCs,
        # and at most registrations_per_hour of them from one address.
        self.names = NameRules(reserved_names, world.npcs)
        self.registrations = RegistrationLimit(world.clock, registrations_per_hour)
        self.store = store
        self.accounts = accounts
        self.sessions: set[Session] = set()
        self._pending = Snapshot()
        self._save_lock = DeferredLock()
        self.saves_failed = 0
        self.shutting_down = False
        # Told ("join"|"leave", name, via) as characters enter and leave the world.
        self.presence: list[Callable[[str, str, str], None]] = []

    def _announce(self, what: str, character: Character) -> None:
        for observer in list(self.presence):
            try:
                observer(what, character.name, character.via)
            except Exception:
                log.failure("presence observer failed")

    # -- connections --------------------------------------------------------------------------

    def authenticate(self, address: str, name: str, password: str) -> Deferred[str | None]:
        """Check a login, throttled per address and per name: fires with the account key,
        None for a wrong name or password, or fails with Throttled.

        The attempt is counted before the password is hashed (a success clears it), so
        attempts arriving together cannot all pass the check. When only the name's count
        holds an attempt back, an address that has logged in to that account before still
        goes ahead: the owner is not locked out by someone guessing elsewhere."""
        throttle = self.throttle
        reserved = throttle.reserve(address, name) <= 0
        if reserved:
            checked = self.accounts.authenticate(name, password)
        elif not address or throttle.address_wait(address) > 0:
            return fail(Throttled(throttle.wait(address, name)))
        else:
            def known(row: AccountRow | None) -> Deferred[str | None]:
                nonlocal reserved
                # Checked and counted in this one step, now that the row is here.
                good = row is not None and address in row.login_addresses
                wait = throttle.reserve(address, name, known_address=good)
                if wait > 0:
                    raise Throttled(wait)
                reserved = True
                return self.accounts.verify(row, password)
            checked = self.accounts.lookup(name).addCallback(known)

        def done(key: str | None) -> str | None:
            if key is not None:
                throttle.succeeded(address, name)
                self.accounts.remember_address(key, address)
            return key

        def trouble(failure: Failure) -> Failure:
            # The store failed, not the password: the attempt is not charged.
            if reserved:
                throttle.release(address, name)
            return failure
        return checked.addCallbacks(done, trouble)

    def register(self, name: str, password: str, address: str = "") -> Deferred[str]:
        """Make an account and its character in the start room: fires with its key, or
        fails with Refused (``invalid_name``, ``invalid_password``, ``name_taken`` or
        ``too_many_registrations``: at most ``registrations_per_hour`` from one address)."""
        problem = self.names.problem(name)
        if problem:
            return fail(Refused("invalid_name", problem))
        problem = password_problem(password)
        if problem:
            return fail(Refused("invalid_password", problem))
        limit = self.registrations
        wait = limit.reserve(address)
        if wait > 0:
            return fail(Refused("too_many_registrations",
                                too_many_registrations(wait, limit.per_hour)))
        shown = display_name(name)

        def created(ok: bool) -> str:
            if not ok:
                raise Refused("name_taken", f"The name {shown} is taken.")
            return shown.lower()

        def not_created(failure: Failure) -> Failure:
            limit.release(address)
            return failure
        return self.accounts.create(name, password, self.world.start.id, address) \
            .addCallback(created).addErrback(not_created)

    def connect(self, session: Session) -> None:
        self.sessions.add(session)

    def disconnect(self, session: Session) -> None:
        """A connection is gone: its character goes link-dead, staying where it stands (and
        saved) until its player comes back or ``linkdead`` seconds pass."""
        self.sessions.discard(session)
        character = session.character
        if character is None or character.link is not session:
            return
        session.character = None
        character.link = NOBODY
        if self.shutting_down or self.linkdead <= 0:
            self._remove(character)
            return
        room = character.room
        if room is not None:
            self.world.tell_room(room, Message(f"{character.name} has lost the connection "
                                               "and stands very still."), exclude=character)
        self.save(self.world.snapshot_character(character))
        clock: Any = self.world.clock
        self._linkdead_timers[character.key] = clock.callLater(
            self.linkdead, self._linkdead_expired, character)

    def _linkdead_expired(self, character: Character) -> None:
        self._linkdead_timers.pop(character.key, None)
        if character.link is NOBODY and self.world.online.get(character.key) is character:
            self._remove(character)

    def _cancel_linkdead(self, key: str) -> None:
        timer = self._linkdead_timers.pop(key, None)
        if timer is not None and timer.active():
            timer.cancel()

    # -- entering and leaving -----------------------------------------------------------------

    def enter(self, session: Session, key: str) -> Deferred[None]:
        """Put the session in control of character ``key``: take it over or load it."""
        existing = self.world.online.get(key)
        if existing is not None:
            self._take_over(session, existing)
            return succeed(None)

        def loaded(record: CharacterRecord | None) -> None:
            if not session.connected:
                return
            # A save that failed (disk full, read-only) still holds the newest record.
            record = self._pending.character(key) or record
            if record is None:
                raise LookupError(f"account {key!r} has no character row")
            # Another connection may have finished logging in meanwhile.
            again = self.world.online.get(key)
            if again is not None:
                self._take_over(session, again)
                return
            room = self.world.rooms.get(record.room, self.world.start)
            character = Character(record.name, room)
            character.description = record.description
            character.colour = record.colour
            character.link = session
            character.via = session.via
            session.character = character
            self.world.enter(character)
            session.entered(character)
            actions.announce_arrival(self.world, character)
            actions.look(self.world, character)
            self._announce("join", character)
        return self.store.get_character(key).addCallback(loaded)

    def _take_over(self, session: Session, character: Character) -> None:
        self._cancel_linkdead(character.key)
        old = character.link
        character.link = session
        character.via = session.via
        session.character = character
        self.world.touch(character)
        if isinstance(old, Session) and old is not session:
            old.taken_over()
        session.entered(character)
        session.send(Message("You take over your body where you left it."))
        actions.look(self.world, character)

    def leave(self, session: Session) -> Deferred[None]:
        """Save the session's character and take it out of the world."""
        character = session.character
        session.character = None
        if character is None or character.key not in self.world.online:
            return succeed(None)
        return self._remove(character)

    def _remove(self, character: Character) -> Deferred[None]:
        """Save a character and take it out of the world, telling the room."""
        self._cancel_linkdead(character.key)
        actions.announce_departure(self.world, character)
        snapshot = self.world.snapshot_character(character)
        self.world.leave(character)
        character.link = NOBODY
        self._announce("leave", character)
        return self.save(snapshot)

    # -- saving -------------------------------------------------------------------------------

    def save(self, snapshot: Snapshot) -> Deferred[None]:
        """Queue ``snapshot`` for writing; fires when it (and anything queued) is written."""
        self._pending = self._pending.merge(snapshot)
        return self._save_lock.run(self._flush)

    def autosave(self) -> Deferred[None]:
        return self.save(self.world.snapshot_dirty())

    def save_everything(self) -> Deferred[None]:
        return self.save(self.world.snapshot_everything())

    def _flush(self) -> Deferred[None]:
        snapshot, self._pending = self._pending, Snapshot()
        if not snapshot:
            return succeed(None)

        def failed(failure: Failure) -> None:
            self.saves_failed += 1
            # Keep what did not land; anything newer queued meanwhile wins.
            self._pending = snapshot.merge(self._pending)
            if failure.check(StoreUnavailable):
                # The storage is failing, not our code: one line per attempt, no traceback.
                log.critical("SAVE FAILED (attempt {attempt}): {why}. {n} characters and {m} "
                             "item places are kept in memory and retried at every save; "
                             "fix the data directory (space, permissions) and they are "
                             "written.", attempt=self.saves_failed, why=failure.value,
                             n=len(self._pending.characters), m=len(self._pending.items))
            else:
                log.failure("SAVE FAILED ({n} characters, {m} items kept for the next "
                            "attempt)", failure, n=len(snapshot.characters),
                            m=len(snapshot.items))

        def done(_: object) -> None:
            if self.saves_failed:
                log.warn("Saving works again after {n} failed attempts; everything kept "
                         "meanwhile is now written.", n=self.saves_failed)
            self.saves_failed = 0
        return self.store.save(snapshot).addCallbacks(done, failed)

    @property
    def unsaved(self) -> bool:
        return bool(self._pending)

    # -- shutdown -----------------------------------------------------------------------------

    def shutdown(self) -> Deferred[None]:
        """Tell everyone, save everything, then close every connection."""
        self.shutting_down = True
        for key in list(self._linkdead_timers):
            self._cancel_linkdead(key)
        for session in list(self.sessions):
            if session.character is not None:
                session.send(Message(SHUTDOWN_NOTICE))

        def close_all(_: object) -> None:
            # Everyone, connected or link-dead, was written by save_everything: take them
            # out without another save, then close every connection.
            for character in list(self.world.online.values()):
                self.world.leave(character)
                character.link = NOBODY
                self._announce("leave", character)
            for session in list(self.sessions):
                session.character = None
                session.close(Goodbye(SHUTDOWN_GOODBYE, "shutdown"))
        return self.save_everything().addCallback(close_all)
