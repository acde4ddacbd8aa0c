"""The running game: the facade sessions, protocols and the service talk to.

Sits between sessions and the engine, and holds the game's parts: ``auth`` (password
logins, new characters and their limits: mud/auth.py), ``connections`` (who is connected
or link-dead, takeovers, presence: mud/connections.py) and ``saves`` (the save queue:
mud/saving.py, one write in flight, a failed save kept for the next attempt). Itself it
only enters a character into the world (loaded from the newest record), autosaves, and
shuts down: tell everyone, save everything, close every connection. New systems hang off
the world's hooks and scheduler, not off Game.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud.accounts import DEFAULT_RESERVED, Accounts, NameRules, display_name
from mud.auth import Authenticator
from mud.cluster.claims import held_elsewhere
from mud.commands.registry import sets_for_role
from mud.connections import Connections
from mud.engine import actions
from mud.engine.events import Message
from mud.engine.model import Character, Room
from mud.engine.world import CharacterRecord, Snapshot, World
from mud.login import LoginRefused
from mud.login_throttle import LoginThrottle, RegistrationLimit, Throttled
from mud.persistence.store import AccountRow, Store
from mud.saving import SaveQueue
from mud.session import Session
from mud.tokens import ResumeTokens

if TYPE_CHECKING:
    from mud.metrics import Metrics

log = Logger()


SHUTDOWN_NOTICE = "The server is shutting down for now. Your character is being saved."
SHUTDOWN_GOODBYE = "Your character is saved. The server is going down; come back soon!"
SHUTDOWN_UNSAVED = ("Your character could not be saved: the server cannot write to its "
                    "storage. What you did since the last save is being kept in a separate "
                    "file for the admins to restore. The server is going down; come back "
                    "soon!")
SHUTDOWN_LOGIN_SCREEN = "The server is going down; come back soon!"
# The same for a restart (an admin's reboot): players may reconnect in a moment.
RESTART_NOTICE = ("The server is restarting and will be back in a moment. Your character "
                  "is being saved.")
RESTART_GOODBYE = "Your character is saved. The server is restarting; reconnect in a moment."
RESTART_UNSAVED = SHUTDOWN_UNSAVED.replace("The server is going down; come back soon!",
                                           "The server is restarting; reconnect in a moment.")
RESTART_LOGIN_SCREEN = "The server is restarting; reconnect in a moment."
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
        # Seconds without input before a connection is closed: at the login screen, and in
        # the game (0: never).
        self.login_timeout = login_timeout
        self.idle_timeout = idle_timeout
        self.store = store
        self.accounts = accounts
        # Password logins, new characters and their limits (mud/auth.py).
        self.auth = Authenticator(world, accounts, reserved_names, registrations_per_hour)
        self.saves = SaveQueue(store, world.clock)
        # Who is connected or link-dead (a body waits linkdead seconds for its player),
        # takeovers, and the presence observers told of each change (mud/connections.py).
        self.connections = Connections(world, self.saves, linkdead)
        self.sessions = self.connections.sessions
        self.presence = self.connections.presence
        # Web resume tokens (set by build_service; None where nothing issues them).
        self.tokens: ResumeTokens | None = None
        # The Prometheus metrics (mud/metrics.py; set when the metrics listener is on);
        # and password logins refused for a wrong name or password, or by the throttle.
        self.metrics: Metrics | None = None
        self.login_failures = 0
        self.login_throttled = 0

    # -- authentication (mud/auth.py) ---------------------------------------------------------

    def authenticate(self, address: str, name: str, password: str) -> Deferred[str | None]:
        """Check a login (see Authenticator.authenticate), counting refusals."""
        return self.auth.authenticate(address, name, password).addCallbacks(
            self._login_checked, self._login_refused)

    def _login_checked(self, key: str | None) -> str | None:
        if key is None:
            self.login_failures += 1
        return key

    def _login_refused(self, failure: Failure) -> Failure:
        if failure.check(Throttled):
            self.login_throttled += 1
        return failure

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
        self.connections.connect(session)

    def disconnect(self, session: Session) -> None:
        """A connection is gone: its character goes link-dead (see Connections)."""
        self.connections.disconnect(session)

    @property
    def linkdead(self) -> float:
        return self.connections.linkdead

    @property
    def shutting_down(self) -> bool:
        return self.connections.closing

    # -- entering and leaving -----------------------------------------------------------------

    def enter(self, session: Session, key: str) -> Deferred[None]:
        """Put the session in control of character ``key``: take it over or load it."""
        existing = self.world.online.get(key)
        if existing is not None:
            self.connections.take_over(session, existing)
            return succeed(None)
        claims = self.connections.claims
        if claims is None:
            return self._load(session, key)

        granted = False

        def claimed(holder: str | None) -> Deferred[None] | None:
            # Realms sharing a store: the character is ours now, or in the game elsewhere.
            nonlocal granted
            if holder is not None:
                raise LoginRefused("elsewhere", held_elsewhere(display_name(key), holder))
            granted = True
            if not session.connected:
                return None
            return self._load(session, key)

        def finished(result: object) -> object:
            # However the login ended (in the game, the player gone meanwhile, the store
            # failing while loading), the claim goes back if nothing here holds the key.
            claims.loading[key] -= 1
            if not claims.loading[key]:
                del claims.loading[key]
            if granted:
                self.connections.release_if_free(key)
            return result
        claims.loading[key] += 1
        return claims.claim(key).addCallback(claimed).addBoth(finished)

    def _load(self, session: Session, key: str) -> Deferred[None]:
        """Load character ``key`` from the newest record and put ``session`` in it."""

        def loaded(record: CharacterRecord | None, role: str) -> None:
            if not session.connected:
                return
            # read_character gave the newest record: one queued or being written (a quick
            # re-login, or a disk that is failing) wins over the store's row.
            if record is None:
                raise LookupError(f"account {key!r} has no character row")
            # Another connection may have finished logging in meanwhile.
            again = self.world.online.get(key)
            if again is not None:
                self.connections.take_over(session, again)
                return
            room = self.world.rooms.get(record.room)
            gone = room is None
            if room is None:
                room = self._entry_instead(record.room)
            character = Character(record.name, room)
            character.description = record.description
            character.colour = record.colour
            # The account's role (mud/roles.py) grants its command sets.
            character.command_sets = sets_for_role(role)
            # Systems' saved state; a damaged row falls back to defaults, never stops a login.
            character.state, problems = self.world.declared.load_character(record.state)
            for problem in problems:
                log.error("{name}'s saved state: {problem}", name=record.name, problem=problem)
            character.link = session
            character.via = session.via
            session.character = character
            # The connection learns who it is (GMCP Char.Name, the web's login_ok) before
            # the hooks hear ``login``: what systems send then (vitals) follows it.
            session.entered(character)
            self.world.enter(character)
            actions.announce_arrival(self.world, character)
            actions.look(self.world, character)
            if gone:
                character.send(Message("The place you were last in is no longer there (the "
                                       "world has been rebuilt), so you come in here."))
            self.connections.announce("join", character)

        def with_role(row: AccountRow | None) -> Deferred[None]:
            role = row.role if row is not None else "player"
            return self.saves.read_character(key).addCallback(loaded, role)
        return self.store.get_account(key).addCallback(with_role)

    def leave(self, session: Session) -> Deferred[bool]:
        """Save the session's character and take it out of the world; fires True once it
        is written, False if the write failed (it is kept and retried)."""
        return self.connections.leave(session)

    def _entry_instead(self, room_id: str) -> Room:
        """Where a character saved in a room the world no longer has (a builder took it
        away) comes in: the first room of its area, if the area is still there, else the
        world's start. A scan of the rooms, but only at such a rare login."""
        area = room_id.partition(":")[0]
        found = next((r for r in self.world.rooms.values() if r.area == area), None)
        room = found or self.world.start
        log.info("a saved room {gone!r} is gone from the world: coming in at {room}",
                 gone=room_id[:80], room=room.id)
        return room

    # -- saving (mud/saving.py) -----------------------------------------------------------------

    def save(self, snapshot: Snapshot) -> Deferred[bool]:
        """Queue ``snapshot`` for writing; fires True once it (and anything queued with it)
        is written, False if that write failed (the data is kept for the next attempt)."""
        return self.saves.save(snapshot)

    def autosave(self) -> Deferred[bool]:
        return self.save(self.world.snapshot_dirty()).addCallback(
            self.connections.saved_everything)

    def save_everything(self) -> Deferred[bool]:
        return self.save(self.world.snapshot_everything())

    @property
    def unsaved(self) -> bool:
        return self.saves.unsaved

    @property
    def saves_failed(self) -> int:
        return self.saves.failures

    # -- shutdown -----------------------------------------------------------------------------

    def shutdown(self, retry_for: float = 0.0, restarting: bool = False) -> Deferred[bool]:
        """Tell everyone, save everything, and close every connection with a goodbye that
        says whether their character was saved (and, ``restarting``, that the server is
        coming back). A failed save is retried every
        ``SAVE_RETRY_INTERVAL`` seconds for ``retry_for`` seconds (a write that never ends
        is given up on then too). Fires True when everything is written, False when some
        of it is not (``saves.unsaved_snapshot()`` holds it)."""
        connections = self.connections
        connections.closing = True
        connections.cancel_all_linkdead()
        notice, goodbye, unsaved, login_screen = (
            (RESTART_NOTICE, RESTART_GOODBYE, RESTART_UNSAVED, RESTART_LOGIN_SCREEN)
            if restarting else
            (SHUTDOWN_NOTICE, SHUTDOWN_GOODBYE, SHUTDOWN_UNSAVED, SHUTDOWN_LOGIN_SCREEN))
        connections.tell_players(Message(notice))
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
            connections.take_everyone_out()
            # Nobody at the login screen has a character to be told about.
            connections.close_all(goodbye if saved else unsaved, login_screen, "shutdown")

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
