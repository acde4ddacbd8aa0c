"""One Session per connection, whatever the transport: login, then command dispatch.

A protocol feeds it decoded lines and gives it a ``Connection`` to speak through; the
session never touches a socket. It is also the character's listener (``send``) and the
account hooks commands use (``quit``, ``change_password``). Input that arrives while a
login check is running waits in a small bounded queue, so auto-login clients that send
name and password together work. A connection that sends nothing for ``login_timeout``
seconds at the login screen, or ``idle_timeout`` seconds in the game, is closed (an idle
player's character is saved and leaves, as with ``quit``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud.accounts import password_problem
from mud.audit import audit
from mud.client_requests import ClientRequests
from mud.commands import Context, for_character
from mud.engine import hooks, prompts
from mud.engine.actions import Refusal
from mud.engine.events import Error, Event, Goodbye, Message, Prompt
from mud.engine.model import Character
from mud.login import LoginFlow
from mud.login_throttle import Throttled
from mud.persistence.store import UNAVAILABLE_NOTICE, StoreUnavailable
from mud.player_text import clean
from mud.ratelimit import TokenBucket

if TYPE_CHECKING:
    from mud.game import Game

log = Logger()

PROMPT = Prompt("> ")
# Whose commands completion offers before a login: a new player's (the "player" set).
_NEWCOMER = Character("newcomer")
TAKEOVER_NOTICE = ("Someone has logged in as your character from another connection, "
                   "so this connection is being closed.")
MAX_QUEUED_LINES = 32
LOGIN_TIMEOUT_NOTICE = ("You took too long to log in, so this connection is being closed. "
                        "Connect again when you are ready.")
# What `quit` says, once the save's outcome is known (or QUIT_SAVE_WAIT seconds passed).
QUIT_SAVED = "Your character is saved. Farewell, and come back soon!"
QUIT_UNSAVED = ("Your character could not be saved just now: the server cannot write to its "
                "storage. It is kept and saving will be retried; logging in again finds it "
                "where you left it. Farewell!")
QUIT_SLOW = ("Saving your character is taking longer than it should; it is kept and will be "
             "written as soon as the server can. Farewell, and come back soon!")
QUIT_SAVE_WAIT = 5.0
# The least time between two answers to a client asking for its character's state again.
REFRESH_GAP = 1.0


def idle_notice(seconds: float) -> str:
    """How an idle player's goodbye begins; what became of the save follows."""
    spell = f"{seconds / 60:g} minutes" if seconds >= 120 else f"{seconds:g} seconds"
    return f"You have been idle for {spell}, so you are being disconnected. "


def failure_notice(failure: Failure, via: str) -> tuple[str, str]:
    """The error code and message for a player whose request failed. Failing storage is
    news for the admin and logged in one line; anything else is a bug, logged in full."""
    if failure.check(StoreUnavailable):
        log.error("a {via} request failed: {why}", via=via, why=failure.value)
        return "unavailable", UNAVAILABLE_NOTICE
    log.failure("a {via} request failed", failure, via=via)
    return "server_error", "Something went wrong on the server; please try again."


class Connection(Protocol):
    """What a protocol offers a session."""

    via: str

    def send(self, event: Event) -> None: ...

    def close(self) -> None:
        """Close after what was sent has been written."""

    def entered(self, name: str) -> None:
        """The session now controls character ``name`` (before its first room view)."""

    def set_colour(self, preference: str) -> None:
        """The player's colour choice: auto, off, on, 256 or truecolor."""


class Session:
    def __init__(self, game: Game, connection: Connection) -> None:
        self.game = game
        self.connection = connection
        self.via = connection.via
        # The client's address, for per-address limits ("" when unknown).
        self.peer: str = getattr(connection, "peer", "")
        self.character: Character | None = None
        self.connected = True
        # While connected, ``send`` is the connection's own: a room's line reaches each
        # player in one call instead of two (this runs once per recipient of every line).
        # Set back to the method, which drops events, once the connection is closing.
        self.send: Callable[[Event], None] = connection.send
        self.login = LoginFlow(self, game)
        # Lines waiting their turn (a login check running, the command rate): None until
        # one has to wait, and again once they are all taken. A deque preallocates ~760
        # bytes, and most connections never have a line wait.
        self._queue: deque[str] | None = None
        self._busy = False
        self._started: Deferred[Any] | None = None
        self._clock: Any = game.world.clock
        self._bucket = TokenBucket(game.command_rate, game.command_burst, self._clock.seconds())
        self._later: Any = None
        self._dropping = False
        self._last_input: float = self._clock.seconds()
        # When the connection opened (for the admin's ``users``).
        self.opened: float = self._last_input
        self._idle_call: Any = None
        # Asking for the character's state again, throttled as requests by name are but
        # on its own, so invented names filling those cannot hold it back. Both are made at
        # the first request (about 550 bytes a connection that most never use).
        self._refreshes: ClientRequests | None = None
        # What the client asks systems for by name (mud/client_requests.py).
        self._requests: ClientRequests | None = None
        # A command reading the lines that follow it (a builder's multi-line rdesc): each
        # line goes to it, not to the command table, until it lets go (read_lines(None)).
        self.reader: Callable[[str], Any] | None = None
        game.connect(self)

    def command_words(self) -> list[str]:
        """The words of the commands this session's player may type (for completion)."""
        if self.character is None:
            return for_character(_NEWCOMER).completion_words()
        return for_character(self.character).completion_words()

    def start(self) -> None:
        """Greet at the login screen (telnet), and start the login screen's timeout."""
        self.login.greet()
        self.watch_idle()

    # -- output ---------------------------------------------------------------------------------

    def send(self, event: Event) -> None:  # type: ignore[no-redef]
        """Events for a session that is no longer connected go nowhere (while connected,
        the instance's ``send`` is the connection's: see __init__)."""
        if self.connected:
            self.connection.send(event)

    @property
    def batch(self) -> Any:
        """The connection's batch for a crowded room's lines (mud/engine/fanout.py), while
        connected; None otherwise."""
        return getattr(self.connection, "batch", None) if self.connected else None

    def _disconnected(self) -> None:
        self.connected = False
        self.__dict__.pop("send", None)
        character = self.character
        if character is not None and character.room is not None:
            # No batch from now on (mud/engine/fanout.py).
            self.game.world.regroup(character.room)

    def close(self, goodbye: Event | None = None) -> None:
        """Say ``goodbye`` and close; the character is dealt with when the connection ends."""
        if not self.connected:
            return
        if goodbye is not None:
            self.connection.send(goodbye)
        self._disconnected()
        self.connection.close()

    def entered(self, character: Character) -> None:
        self.connection.entered(character.name)
        self.connection.set_colour(character.colour)
        if character.room is not None:
            # A body taken back keeps its place in the room: the room groups its links
            # again, so this connection's batch is used (mud/engine/fanout.py).
            self.game.world.regroup(character.room)
        # From the login screen's timeout to the game's.
        self.watch_idle()

    def refresh(self) -> None:
        """The client asked again for its character's state (GMCP ``Char`` turned on after
        logging in, Mudlet's ``Char.Items.Inv``): the hooks hear ``refresh`` and systems
        send theirs. At once, but at most once every ``REFRESH_GAP`` seconds: asking again
        sooner is answered once, when the gap is over (a client cannot make the server
        build and send its whole state thousands of times a second)."""
        if self._refreshes is None:
            self._refreshes = ClientRequests(self._clock, REFRESH_GAP, self._refresh_now)
        self._refreshes.ask("refresh")

    def _refresh_now(self, _what: str, _data: Any) -> None:
        character = self.character
        if self.connected and character is not None and character.room is not None:
            self.game.world.hooks.emit(hooks.REFRESH, who=character, room=character.room)

    def request(self, what: str, data: Any = None) -> None:
        """The client asked for ``what`` by name (GMCP ``Comm.Channel.List``): the hooks
        hear ``request`` and the system that knows the name answers (throttled per name
        like ``refresh``)."""
        if self.character is not None:
            if self._requests is None:
                self._requests = ClientRequests(self._clock, REFRESH_GAP, self._request_now)
            self._requests.ask(what, data)

    def _request_now(self, what: str, data: Any) -> None:
        character = self.character
        if self.connected and character is not None and character.room is not None:
            self.game.world.hooks.emit(hooks.REQUEST, who=character, room=character.room,
                                       what=what, data=data)

    def taken_over(self) -> None:
        """Another connection took our character: let go of it and close."""
        self.character = None
        self.close(Goodbye(TAKEOVER_NOTICE, "takeover"))

    # -- input ----------------------------------------------------------------------------------

    def line_received(self, line: str) -> None:
        if not self.connected:
            return
        self._last_input = self._clock.seconds()
        queue = self._queue
        if queue is None:
            queue = self._queue = deque()
        elif len(queue) >= MAX_QUEUED_LINES:
            # One notice per flood, not one per dropped line.
            if not self._dropping:
                self._dropping = True
                self.send(Error("Slow down: you are sending commands faster than the game "
                                "takes them, so some were dropped."))
            return
        # Every transport's input passes here: what reaches other players' screens is
        # cleaned of escape sequences and control characters before the engine sees it
        # (telnet lines come already cleaned, with backspace editing, and pass at once).
        queue.append(clean(line))
        self._pump()

    def _pump(self) -> None:
        while self._queue and not self._busy and self.connected:
            now = self._clock.seconds()
            if not self._bucket.take(now):
                # Over the rate: the rest waits its turn (bounded by MAX_QUEUED_LINES).
                if self._later is None:
                    self._later = self._clock.callLater(self._bucket.wait(now), self._tick)
                return
            line = self._queue.popleft()  # type: ignore[union-attr]
            if not self._queue:
                self._queue = None
                self._dropping = False
            # A player's command is counted and timed when the metrics are on (mud/metrics.py).
            metrics = self.game.metrics if self.character is not None else None
            began = metrics.timer() if metrics is not None else 0.0
            try:
                waiting = self._run(line)
            except Refusal as refusal:
                # What a command's line reader refuses (a builder's rdesc the loader would
                # not load): said like a command's refusal, not taken for a server fault.
                self.send(Error(refusal.message))
                waiting = None
            except Exception:
                log.failure("command {line!r} failed", line=line[:80])
                self.send(Error("Something went wrong running that command; it has been "
                                "logged. Please try something else."))
                waiting = None
            if waiting is not None:
                self._busy = True
                if metrics is not None:
                    waiting.addBoth(metrics.command_done_later, self.via, began)
                waiting.addErrback(self._failed).addBoth(self._resume)
                continue
            if metrics is not None:
                metrics.command_done(self.via, began)
            if self.character is not None:
                self.send(prompts.prompt_for(self.game.world, self.character))

    def _tick(self) -> None:
        self._later = None
        self._pump()

    def read_lines(self, reader: Callable[[str], Any] | None) -> None:
        """Send the lines that follow to ``reader`` (None: back to commands)."""
        self.reader = reader

    def _run(self, line: str) -> Any:
        if self.character is None:
            return self.login.handle(line)
        if self.reader is not None:
            return self.reader(line)
        commands = for_character(self.character)
        result = commands.dispatch(Context(self.game.world, self.character, self, commands),
                                   line)
        # A command that started slow work (a password hash) left it here to wait on, or
        # returned it.
        waiting, self._started = self._started, None
        return waiting if waiting is not None else result

    def _failed(self, failure: Failure) -> None:
        if failure.check(Refusal):
            # Slow work refused in the player's words (a builder's edit the loader would
            # not load, a role taken away meanwhile), not a server fault.
            self.send(Error(failure.value.message))
        else:
            self.send(Error(failure_notice(failure, self.via)[1]))
        if self.character is None and self.connected:
            self.login.ask_name()

    def _resume(self, _: object) -> None:
        self._busy = False
        if self.character is not None and self.connected:
            self.send(prompts.prompt_for(self.game.world, self.character))
        self._pump()

    def connection_lost(self) -> None:
        self._disconnected()
        self._queue = None
        for call in (self._later, self._idle_call):
            if call is not None and call.active():
                call.cancel()
        self._later = self._idle_call = None
        for requests in (self._refreshes, self._requests):
            if requests is not None:
                requests.cancel()
        self.game.disconnect(self)

    # -- idle timeouts --------------------------------------------------------------------------

    def note_input(self) -> None:
        """The player did something that is not a line (a web login frame)."""
        self._last_input = self._clock.seconds()

    def watch_idle(self) -> None:
        """(Re)start the idle timeout for the state the session is in."""
        if self._idle_call is not None and self._idle_call.active():
            self._idle_call.cancel()
        self._check_idle()

    def _check_idle(self) -> None:
        # Input does not reset a timer (that would cost a reschedule per line): the timer
        # looks at the time of the last input when it fires, and waits again if need be.
        self._idle_call = None
        if not self.connected:
            return
        limit = self.game.idle_timeout if self.character is not None \
            else self.game.login_timeout
        if limit <= 0:
            return
        now = self._clock.seconds()
        due = self._last_input + limit
        if now < due:
            self._idle_call = self._clock.callLater(due - now, self._check_idle)
            return
        character = self.character
        if character is None:
            log.info("closing a {via} connection from {peer}: nothing sent at the login "
                     "screen for {limit:g} s", via=self.via, peer=self.peer or "?", limit=limit)
            self.close(Goodbye(LOGIN_TIMEOUT_NOTICE, "login_timeout"))
            return
        log.info("{name} was idle for {limit:g} s; saving and disconnecting",
                 name=character.name, limit=limit)
        audit("logout", character.name, self.peer, self.via, reason="idle")
        self._goodbye_when(self.game.leave(self), "idle", idle_notice(limit))

    # -- account hooks for commands ---------------------------------------------------------------

    def quit(self) -> None:
        character = self.character
        if character is not None:
            audit("logout", character.name, self.peer, self.via, reason="quit")
        if character is not None and self.game.tokens is not None:
            # Quitting logs out: the web client's resume token must not bring it back.
            self.game.tokens.revoke(character.key)
        saved = self.game.leave(self)
        # The goodbye says what became of the save, so it waits for the outcome, but never
        # long: a stuck store must not hold the connection open. Input waits meanwhile.
        self._started = self._goodbye_when(saved)

    def save_character(self) -> Deferred[bool] | None:
        """Save this session's character now (the ``save`` command); fires with whether
        the write landed."""
        character = self.character
        if character is None:
            return None
        return self.game.save(self.game.world.snapshot_character(character))

    def _goodbye_when(self, saved: Deferred[bool], reason: str = "quit",
                      opening: str = "") -> Deferred[None]:
        """Say goodbye (``opening``, then what became of the save) once ``saved`` fires
        with the save's outcome, or after QUIT_SAVE_WAIT seconds, and close."""
        said: Deferred[None] = Deferred()

        def goodbye(outcome: object) -> None:
            if said.called:
                return
            if timer.active():
                timer.cancel()
            if isinstance(outcome, Failure):
                log.failure("saving at quit failed", outcome)
            text = QUIT_SAVED if outcome is True else \
                QUIT_SLOW if outcome is None else QUIT_UNSAVED
            self.close(Goodbye(opening + text, reason))
            said.callback(None)
        timer = self._clock.callLater(QUIT_SAVE_WAIT, goodbye, None)
        saved.addBoth(goodbye)
        return said

    def set_colour(self, preference: str) -> None:
        if self.character is not None:
            self.character.colour = preference
            self.game.world.changed(self.character)
        self.connection.set_colour(preference)

    def change_password(self, old: str, new: str) -> None:
        problem = password_problem(new)
        if problem:
            self.send(Error(problem))
            return
        character = self.character
        if character is None:
            return

        def changed(ok: bool) -> None:
            if ok:
                self.send(Message("Your password has been changed."))
            else:
                self.send(Error("Your old password was not right; nothing was changed."))

        def throttled(failure: Failure) -> None:
            failure.trap(Throttled)
            self.send(Error(failure.value.message))
        self._started = self.game.change_password(self.peer, character.key, old, new) \
            .addCallbacks(changed, throttled)
