"""The login screen as a state machine, one line of input at a time.

Two ways in, both at the first prompt:
- one line: ``create NAME PASSWORD`` or ``connect NAME PASSWORD``;
- the classic flow MUD clients auto-login with: a name, then its password; for a new name,
  a confirmation and the password twice.
Password prompts are ``Prompt(secret=True)`` so the protocol can hide what is typed.
``handle`` returns a Deferred while it waits on the store or on hashing; the session holds
further input until it fires.

This is the one login path for every transport: the WebSocket's ``login``, ``register``
and ``resume`` frames call ``log_in``, ``create`` and ``resume`` below, as the telnet lines
do, and only turn the outcome (a ``LoginRefused`` with the wire's error code) into frames.
A connection that can be resumed (``resumable``, the web) gets the grant for its token:
``grant`` holds the account's token generation and when the password was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred, fail, succeed
from twisted.python.failure import Failure

from mud.accounts import Refused, display_name, password_problem, spelling_problem
from mud.audit import audit
from mud.bans import name_ban, refusal
from mud.engine.events import Banner, Error, Goodbye, Message, Prompt
from mud.login_throttle import Throttled, too_many_registrations

if TYPE_CHECKING:
    from mud.game import Game
    from mud.session import Session

NAME_PROMPT = "What name do you go by? "
INSTRUCTIONS = ("Type your character's name to log in or to make a new one, or: "
                "create <name> <password>, connect <name> <password>. 'quit' leaves.")
MAX_FAILURES = 3
BAD_CREDENTIALS = "That name and password do not match."
BAD_TOKEN = "That session has ended or expired; please log in again."


class LoginRefused(Exception):
    """A login, new character or resume did not happen: ``code`` is the error code the
    WebSocket sends (docs/protocol.md), ``message`` is for the player."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Grant:
    """What a resume token issued at this login carries: the account's token generation,
    when its password was last typed, and whether this login was a resume."""

    generation: int = 0
    auth_time: float = 0.0
    resumed: bool = False


class LoginFlow:
    def __init__(self, session: Session, game: Game) -> None:
        self.session = session
        self.game = game
        self.state = "name"
        self.name = ""
        self.password = ""
        self.failures = 0
        self.grant = Grant()

    # -- output helpers -------------------------------------------------------------------------

    def greet(self) -> None:
        world = self.game.world
        if world.welcome:
            self.session.send(Banner(world.welcome, f"Welcome to {world.name}. "
                                                    f"{world.description}".strip()))
        self.session.send(Message(INSTRUCTIONS))
        self.ask_name()

    def ask_name(self) -> None:
        self.state = "name"
        self.name = self.password = ""
        self.session.send(Prompt(NAME_PROMPT))

    def ask_secret(self, state: str, text: str) -> None:
        self.state = state
        self.session.send(Prompt(text, secret=True))

    def refuse(self, text: str) -> None:
        self.session.send(Error(text))
        self.ask_name()

    # -- input ----------------------------------------------------------------------------------

    def handle(self, line: str) -> Deferred[Any] | None:
        handler = getattr(self, f"_on_{self.state}")
        result: Deferred[Any] | None = handler(line)
        return result

    def _on_name(self, line: str) -> Deferred[Any] | None:
        words = line.split()
        if not words:
            self.session.send(Prompt(NAME_PROMPT))
            return None
        verb = words[0].lower()
        if verb == "quit" and len(words) == 1:
            self.session.close(Goodbye("Farewell.", "quit"))
            return None
        if verb in ("create", "connect"):
            if len(words) != 3:
                self.refuse(f"Type: {verb} <name> <password> (the password may not contain "
                            "spaces).")
                return None
            _, name, password = words
            return self._create(name, password) if verb == "create" else \
                self._connect(name, password)
        if len(words) > 1:
            self.refuse("A name is a single word. " + INSTRUCTIONS)
            return None
        name = words[0]
        # Spelling only: an existing account whose name has since become reserved (or an
        # NPC's) still logs in. New names get the full check below.
        problem = spelling_problem(name)
        if problem:
            self.refuse(problem)
            return None
        self.name = display_name(name)
        return self.game.accounts.exists(name).addCallback(self._name_known)

    def _name_known(self, exists: bool) -> None:
        if exists:
            self.ask_secret("password", "Password: ")
            return
        problem = self.game.names.problem(self.name)
        if problem:
            self.refuse(problem)
            return
        # Said before the password is chosen, not after it was typed twice.
        limit = self.game.registrations
        wait = limit.wait(self.session.peer)
        if wait > 0:
            self.refuse(too_many_registrations(wait, limit.per_hour))
            return
        self.state = "confirm"
        self.session.send(Prompt(f"There is nobody called {self.name} yet. "
                                 f"Create {self.name}? (yes/no) "))

    def _on_password(self, line: str) -> Deferred[Any]:
        return self._connect(self.name, line.strip())

    def _on_confirm(self, line: str) -> None:
        answer = line.strip().lower()
        if answer in ("y", "yes"):
            self.ask_secret("new_password", f"Choose a password for {self.name} "
                            "(6 or more characters): ")
        elif answer in ("n", "no"):
            self.ask_name()
        else:
            self.session.send(Prompt(f"Please answer yes or no. Create {self.name}? "))

    def _on_new_password(self, line: str) -> None:
        password = line.strip()
        problem = password_problem(password)
        if problem:
            self.session.send(Error(problem))
            self.ask_secret("new_password", "Choose a password: ")
            return
        self.password = password
        self.ask_secret("repeat_password", "Type the password again: ")

    def _on_repeat_password(self, line: str) -> Deferred[Any] | None:
        if line.strip() != self.password:
            self.session.send(Error("The passwords did not match. Let's try again."))
            self.ask_secret("new_password", "Choose a password: ")
            return None
        return self._create(self.name, self.password)

    # -- the login path every transport shares --------------------------------------------------

    def log_in(self, name: str, password: str) -> Deferred[None]:
        """Check ``name`` and ``password`` (throttled) and enter the game; fails with
        LoginRefused (``bad_credentials`` or ``throttled``)."""
        def checked(key: str | None) -> Deferred[None]:
            if key is None:
                self._audit("login_failed", name, reason="bad_credentials")
                raise LoginRefused("bad_credentials", BAD_CREDENTIALS)
            return self._enter(key, self._password_typed(key), "password")

        def throttled(failure: Failure) -> None:
            failure.trap(Throttled)
            self._audit("login_failed", name, reason="throttled")
            raise LoginRefused("throttled", failure.value.message)
        return self.game.authenticate(self.session.peer, name, password) \
            .addCallbacks(checked, throttled)

    def create(self, name: str, password: str, welcome: bool = False) -> Deferred[None]:
        """Make a new character and enter the game as it (after a welcome line, with
        ``welcome``); fails with LoginRefused (the codes of accounts.Refused)."""
        def created(key: str) -> Deferred[None]:
            self._audit("register", display_name(name))
            if welcome:
                self.session.send(Message(f"Welcome to {self.game.world.name}, "
                                          f"{display_name(name)}!"))
            return self._enter(key, self._password_typed(key), "new")

        def refused(failure: Failure) -> None:
            failure.trap(Refused)
            raise LoginRefused(failure.value.code, failure.value.message)
        banned = self._banned(name)
        if banned is not None:
            return fail(banned)
        return self.game.register(name, password, self.session.peer) \
            .addCallbacks(created, refused)

    def resume(self, token: str) -> Deferred[None]:
        """Enter the game with a resume token instead of a password; fails with
        LoginRefused(``bad_token``) for a token that is forged, expired or revoked."""
        tokens = self.game.tokens
        if tokens is None:
            return fail(LoginRefused("bad_token", BAD_TOKEN))

        def redeemed(claims: Any) -> Deferred[None]:
            if claims is None:
                self._audit("login_failed", "", reason="bad_token")
                raise LoginRefused("bad_token", BAD_TOKEN)
            return self._enter(claims.key, succeed(Grant(claims.generation, claims.auth_time,
                                                         resumed=True)), "resume")
        return tokens.redeem(token).addCallback(redeemed)

    def _password_typed(self, key: str) -> Deferred[Grant]:
        """The grant of a password login (for a connection that can resume): now, and
        the account's token generation as it is when the password checked out."""
        tokens = self.game.tokens
        if tokens is None or not getattr(self.session.connection, "resumable", False):
            return succeed(Grant())
        auth_time = tokens.clock()
        return tokens.generation(key).addCallback(lambda generation: Grant(generation,
                                                                            auth_time))

    def _banned(self, name: str) -> LoginRefused | None:
        """The refusal for a banned character name (audited), if it is banned."""
        ban = name_ban(self.game, name, self.session.peer, self.session.via)
        return None if ban is None else LoginRefused(
            "banned", refusal(ban, display_name(name)))

    def _audit(self, event: str, name: str, **details: object) -> None:
        audit(event, name, self.session.peer, self.session.via, **details)

    def _enter(self, key: str, grant: Deferred[Grant], method: str) -> Deferred[None]:
        self.state = "done"

        def granted(grant: Grant) -> Deferred[None] | None:
            if not self.session.connected:
                # The player left while the check ran: nobody is here to take the body
                # (which may be another connection's, or link-dead and waiting).
                return None
            banned = self._banned(key)
            if banned is not None:
                raise banned
            self.grant = grant
            self._audit("login", display_name(key), method=method)
            return self.game.enter(self.session, key)
        return grant.addCallback(granted)

    # -- the telnet lines' account operations -----------------------------------------------------

    def _create(self, name: str, password: str) -> Deferred[Any]:
        self.state = "waiting"

        def refused(failure: Failure) -> None:
            failure.trap(LoginRefused)
            extra = " Log in with it, or choose another." if failure.value.code == "name_taken" \
                else ""
            self.refuse(failure.value.message + extra)
        return self.create(name, password, welcome=True).addErrback(refused)

    def _connect(self, name: str, password: str) -> Deferred[Any]:
        self.state = "waiting"

        def refused(failure: Failure) -> None:
            failure.trap(LoginRefused)
            if failure.value.code != "bad_credentials":
                self.refuse(failure.value.message)
                return
            self.failures += 1
            if self.failures >= MAX_FAILURES:
                self.session.close(Goodbye("Too many failed logins. Goodbye.", "login_failed"))
                return
            self.refuse(BAD_CREDENTIALS + " Check the spelling, or type a new name to "
                        "create a character.")
        return self.log_in(name, password).addErrback(refused)

    def _on_waiting(self, line: str) -> None:
        """Input that arrives while a check is running is held by the session, not here."""

    def _on_done(self, line: str) -> None:
        """After login the session dispatches commands instead."""
