"""The running game: the world plus who is connected, logging in and out, and saving.

Sits between sessions and the engine. Owns the rules that involve I/O: entering the game
loads a character from the store, leaving saves it, takeover hands a body to a new
connection, autosave writes what changed. Saves are serialised (one in flight) and a failed
save keeps its data for the next attempt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger

from mud.accounts import DEFAULT_RESERVED, Accounts, NameRules
from mud.auth import Authenticator
from mud.engine import actions
from mud.engine.events import Goodbye, LinkChange, Message
from mud.engine.model import NOBODY, Character
from mud.engine.world import CharacterRecord, Snapshot, World
from mud.login_throttle import LoginThrottle, RegistrationLimit
from mud.persistence.store import Store
from mud.saving import SaveQueue
from mud.session import Session
from mud.tokens import ResumeTokens

log = Logger()


SHUTDOWN_NOTICE = "The server is shutting down for now. Your character is being saved."
SHUTDOWN_GOODBYE = "Your character is saved. The server is going down; come back soon!"
SHUTDOWN_UNSAVED = ("Your character could not be saved: the server cannot write to its "
                    "storage. What you did since the last save is being kept in a separate "
                    "file for the admins to restore. The server is going down; come back "
                    "soon!")
SHUTDOWN_LOGIN_SCREEN = "The server is going down; come back soon!"
# Seconds the final save's first write may take, even with no time set aside for retries.
FIRST_WRITE_WAIT = 1.0
# Seconds between attempts to save at shutdown while saving fails.
SAVE_RETRY_INTERVAL = 1.0


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
        self.store = store
        self.accounts = accounts
        # Password logins, new characters and their limits (mud/auth.py).
        self.auth = Authenticator(world, accounts, reserved_names, registrations_per_hour)
        self.sessions: set[Session] = set()
        self.saves = SaveQueue(store)
        self.shutting_down = False
        # Told (what, name, via) as characters enter and leave the world ("join", "leave"),
        # as a connection dies and leaves its body waiting ("linkdead"), and as a body is
        # taken back or taken over by another connection ("relinked").
        self.presence: list[Callable[[str, str, str], None]] = []
        # Web resume tokens (set by build_service; None where nothing issues them).
        self.tokens: ResumeTokens | None = None

    def _announce(self, what: str, character: Character) -> None:
        for observer in list(self.presence):
            try:
                observer(what, character.name, character.via)
            except Exception:
                log.failure("presence observer failed")

    # -- authentication (mud/auth.py) ---------------------------------------------------------

    def authenticate(self, address: str, name: str, password: str) -> Deferred[str | None]:
        """Check a login (see Authenticator.authenticate)."""
        return self.auth.authenticate(address, name, password)

    def change_password(self, address: str, key: str, old: str,
                        new: str) -> Deferred[bool]:
        """Change ``key``'s password, throttled like a login (see Authenticator)."""
        return self.auth.change_password(address, key, old, new)

    def register(self, name: str, password: str, address: str = "") -> Deferred[str]:
        """Make an account and its character (see Authenticator.register)."""
        return self.auth.register(name, password, address)

    @property
    def throttle(self) -> LoginThrottle:
        return self.auth.throttle

    @property
    def names(self) -> NameRules:
        return self.auth.names

    @property
    def registrations(self) -> RegistrationLimit:
        return self.auth.registrations

    # -- connections --------------------------------------------------------------------------

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
            self.world.tell_room(room, LinkChange(character.name, True), exclude=character)
        self.save(self.world.snapshot_character(character))
        clock: Any = self.world.clock
        self._linkdead_timers[character.key] = clock.callLater(
            self.linkdead, self._linkdead_expired, character)
        self._announce("linkdead", character)

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
            # read_character gave the newest record: one queued or being written (a quick
            # re-login, or a disk that is failing) wins over the store's row.
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
            # Systems' saved state; a damaged row falls back to defaults, never stops a login.
            character.state, problems = self.world.declared.load_character(record.state)
            for problem in problems:
                log.error("{name}'s saved state: {problem}", name=record.name, problem=problem)
            character.link = session
            character.via = session.via
            session.character = character
            self.world.enter(character)
            session.entered(character)
            actions.announce_arrival(self.world, character)
            actions.look(self.world, character)
            self._announce("join", character)
        return self.saves.read_character(key).addCallback(loaded)

    def _take_over(self, session: Session, character: Character) -> None:
        self._cancel_linkdead(character.key)
        old = character.link
        was_via = character.via
        character.link = session
        character.via = session.via
        session.character = character
        self.world.touch(character)
        if isinstance(old, Session) and old is not session:
            old.taken_over()
        session.entered(character)
        session.send(Message("You take over your body where you left it."))
        if old is NOBODY and character.room is not None:
            self.world.tell_room(character.room, LinkChange(character.name, False),
                                 exclude=character)
        actions.look(self.world, character)
        # Listeners saw the body go link-dead (or connected another way): tell them it is back.
        if old is NOBODY or was_via != character.via:
            self._announce("relinked", character)

    def leave(self, session: Session) -> Deferred[bool]:
        """Save the session's character and take it out of the world; fires True once it
        is written, False if the write failed (it is kept and retried)."""
        character = session.character
        session.character = None
        if character is None or character.key not in self.world.online:
            return succeed(True)
        return self._remove(character)

    def _remove(self, character: Character) -> Deferred[bool]:
        """Save a character and take it out of the world, telling the room."""
        self._cancel_linkdead(character.key)
        actions.announce_departure(self.world, character)
        snapshot = self.world.snapshot_character(character)
        self.world.leave(character)
        character.link = NOBODY
        self._announce("leave", character)
        return self.save(snapshot)

    # -- saving (mud/saving.py) -----------------------------------------------------------------

    def save(self, snapshot: Snapshot) -> Deferred[bool]:
        """Queue ``snapshot`` for writing; fires True once it (and anything queued with it)
        is written, False if that write failed (the data is kept for the next attempt)."""
        return self.saves.save(snapshot)

    def autosave(self) -> Deferred[bool]:
        return self.save(self.world.snapshot_dirty())

    def save_everything(self) -> Deferred[bool]:
        return self.save(self.world.snapshot_everything())

    @property
    def unsaved(self) -> bool:
        return self.saves.unsaved

    @property
    def saves_failed(self) -> int:
        return self.saves.failures

    # -- shutdown -----------------------------------------------------------------------------

    def shutdown(self, retry_for: float = 0.0) -> Deferred[bool]:
        """Tell everyone, save everything, and close every connection with a goodbye that
        says whether their character was saved. A failed save is retried every
        ``SAVE_RETRY_INTERVAL`` seconds for ``retry_for`` seconds (a write that never ends
        is given up on then too). Fires True when everything is written, False when some
        of it is not (``saves.unsaved_snapshot()`` holds it)."""
        self.shutting_down = True
        for key in list(self._linkdead_timers):
            self._cancel_linkdead(key)
        for session in list(self.sessions):
            if session.character is not None:
                session.send(Message(SHUTDOWN_NOTICE))
        clock: Any = self.world.clock
        ends = clock.seconds() + max(retry_for, 0.0)
        finished: Deferred[bool] = Deferred()
        closed = False

        def close_all(saved: bool) -> None:
            nonlocal closed
            if closed:
                return
            closed = True
            # What changed while the save ran is queued too; then everyone, connected or
            # link-dead, is taken out without another save of their own.
            self.saves.queue(self.world.snapshot_dirty())
            for character in list(self.world.online.values()):
                self.world.leave(character)
                character.link = NOBODY
                self._announce("leave", character)
            goodbye = SHUTDOWN_GOODBYE if saved else SHUTDOWN_UNSAVED
            for session in list(self.sessions):
                # Nobody at the login screen has a character to be told about.
                text = goodbye if session.character is not None else SHUTDOWN_LOGIN_SCREEN
                session.character = None
                session.close(Goodbye(text, "shutdown"))

        def outcome(ok: bool) -> None:
            if finished.called:
                return
            close_all(ok)
            if not self.saves.unsaved:
                finish(True)
            elif clock.seconds() >= ends:
                finish(False)
            elif ok:
                # Only what changed during the save is left: write it now.
                self.save(Snapshot()).addCallback(outcome)
            else:
                clock.callLater(min(SAVE_RETRY_INTERVAL, ends - clock.seconds()),
                                lambda: self.save(Snapshot()).addCallback(outcome))

        def finish(ok: bool) -> None:
            if give_up.active():
                give_up.cancel()
            if not finished.called:
                close_all(ok)
                finished.callback(ok and not self.saves.unsaved)

        # A write that never ends (a hung disk) must not hold the stop past the window; the
        # first write gets FIRST_WRITE_WAIT however short the retry window is.
        give_up = clock.callLater(max(retry_for, FIRST_WRITE_WAIT), lambda: finish(False))
        self.save_everything().addCallback(outcome)
        return finished
