"""The game WebSocket (``/ws``): JSON frames in, Session input; engine events out as JSON.

Grammar (full in docs/protocol.md). Every frame is one JSON object with a string ``type``.
  client -> server: register{name,password} | login{name,password} | resume{token}
                    | command{text, id?} | request{what: "channel_history", channel}
                    | ping
  server -> client: hello{world,welcome,text} | login_ok{name,token,commands,text}
                    | error{code,message,text} | pong | ack{id} (a command with an id
                    arrived; see command_ids.py) | one frame per game event,
                    each with ``type``, a plain ``text`` rendering and structured fields.
Bad input (not JSON, not an object, unknown type, wrong field types, a command before
login) gets an ``error`` frame and the connection lives on. Oversized frames are refused
by Autobahn (maxMessagePayloadSize). One Session per connection, as for telnet. The
``token`` is a JWT for ``resume`` (see tokens.py); handshakes from other sites' pages are
refused (see origins.py). ``login``, ``register`` and ``resume`` take the one login path
every transport shares (mud/login.py's LoginFlow): this module only reads their fields and
turns the outcome into ``login_ok`` or an ``error`` frame.

A ``request`` is the client asking for data on its own account, not the player acting:
``channel_history`` answers as ``<channel>`` typed alone would (a ``channel_history``
frame, or an ``error`` one), but it is no command: it neither ends an ``afk`` spell nor
counts as activity (idle time, the idle timeout), nor uses the command rate limit; each
channel is answered at most once a second per connection instead (client_requests.py).
The web client asks this way for a tab's lines after a reload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud.bans import address_ban, refusal
from mud.client_requests import ClientRequests
from mud.commands.registry import Context, for_character
from mud.engine.actions import Refusal
from mud.engine.events import Error, Event, Prompt
from mud.login import LoginRefused
from mud.protocols import bounded_json
from mud.protocols.addresses import peer_key
from mud.protocols.buffered_websocket import (
    BufferedWebSocket,
    BufferedWebSocketFactory,
    text_frame,
)
from mud.protocols.command_ids import MAX_ID, CommandIds
from mud.protocols.keepalive import DEFAULT_KEEPALIVE, Keepalive
from mud.protocols.origins import OriginPolicy
from mud.protocols.output_buffer import DEFAULT_CAP, Flusher
from mud.render.json_events import error_frame, frame, render_json
from mud.render.wrapping import unwrap
from mud.session import Session, failure_notice

if TYPE_CHECKING:
    from mud.game import Game

log = Logger()

MAX_FRAME = 64 * 1024
MAX_COMMAND = 4096
# What a ``request`` frame may ask for, and how often each channel is answered at most.
REQUESTS = ("channel_history",)
REQUEST_GAP = 1.0


_FRAMED = "ws-frame"


class BadFrame(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _text_field(message: dict[str, Any], key: str, limit: int = 1024) -> str:
    value = message.get(key)
    if not isinstance(value, str):
        raise BadFrame("bad_field", f"'{key}' must be a string")
    if len(value) > limit:
        raise BadFrame("bad_field", f"'{key}' is too long ({limit} characters at most)")
    return value


class GameWebSocket(BufferedWebSocket):
    via = "web"
    # A login here gets a resume token: the login path reads the account's token generation.
    resumable = True
    factory: GameWebSocketFactory
    session: Session | None = None
    # Made at the first ``request`` frame: most connections never send one.
    _asks: ClientRequests | None = None

    def onOpen(self) -> None:
        super().onOpen()
        # Where the connection comes from, as the per-address limits count it.
        self.peer = peer_key(str(getattr(self.transport.getPeer(), "host", "")))
        host = str(getattr(self.transport.getPeer(), "host", ""))
        ban = address_ban(self.factory.game, host, "web")
        if ban is not None:
            # Refused before any session: an error frame with the reason, then closed.
            self._send_raw(error_frame("banned", refusal(ban, "Your address")))
            self.sendClose(code=1000)
            return
        self.tokens = self.factory.game.tokens
        self.game = self.factory.game
        self.session = Session(self.game, self)
        self.session.watch_idle()
        self._checking = False
        world = self.game.world
        # The banner as paragraphs, not lines cut for an 80-column terminal: the
        # browser wraps it to its own width (art and verse keep their lines).
        self._send_raw(frame("hello", world=world.name, welcome=unwrap(world.welcome),
                             text=f"Welcome to {world.name}. Log in or create a character."))
        self._slim()  # again, now this protocol's own attributes are set

    def onClose(self, wasClean: bool, code: int | None, reason: str | None) -> None:
        super().onClose(wasClean, code, reason)
        session = self.session
        if session is not None:
            self.session = None  # type: ignore[assignment]
            if self._asks is not None:
                self._asks.cancel()
            session.connection_lost()

    # -- Connection interface for the Session --------------------------------------------------

    def send(self, event: Event) -> None:
        if type(event) is Prompt:
            return  # the web client has its own input line
        # Server frames are unmasked, so one event's frame is the same bytes for every web
        # recipient: build it once and cache it on the event beside its JSON.
        wire = event.wire
        data = wire.get(_FRAMED) if wire is not None else None
        if data is None:
            data = text_frame(render_json(event))
            event.wire[_FRAMED] = data  # type: ignore[index]
        self.send_frame(data)

    def close(self) -> None:
        self.sendClose(code=1000)

    def entered(self, name: str) -> None:
        grant = self.session.login.grant
        token = self.tokens.issue(name.lower(), grant.generation, grant.auth_time)
        text = f"Welcome back, {name}." if grant.resumed else \
            f"You are {name}. Welcome to {self.game.world.name}."
        self._send_raw(frame("login_ok", name=name, token=token,
                             commands=self.session.command_words(), text=text))

    def set_colour(self, preference: str) -> None:
        """The browser client styles text itself."""

    def _send_raw(self, data: bytes) -> None:
        self.send_frame(text_frame(data))

    # -- input ----------------------------------------------------------------------------------

    def onMessage(self, payload: bytes, isBinary: bool) -> None:
        if self.session is None:
            return
        try:
            self._handle(self._parse(payload, isBinary))
        except BadFrame as bad:
            self._send_raw(error_frame(bad.code, bad.message))
        except Exception:
            log.failure("web frame failed")
            self._send_raw(error_frame("server_error", "Something went wrong on the server; "
                                       "it has been logged. Please try again."))

    @staticmethod
    def _parse(payload: bytes, is_binary: bool) -> dict[str, Any]:
        if is_binary:
            raise BadFrame("bad_json", "Send text frames holding JSON, not binary frames.")
        try:
            # Lone surrogates ("\ud800": half a character, nothing can encode it) are
            # dropped from every string here, before any handler sees the frame.
            message = bounded_json.loads(payload.decode("utf-8"))
        except bounded_json.TooDeep as deep:
            # Refused before decoding: the decoder recurses once per level.
            raise BadFrame("too_deep", f"That frame's JSON nests deeper than {deep.limit} "
                           "levels.") from None
        except (UnicodeDecodeError, ValueError):
            raise BadFrame("bad_json", "That frame is not valid JSON.") from None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            raise BadFrame("bad_frame", 'Each frame must be a JSON object with a string "type".')
        return message

    def _handle(self, message: dict[str, Any]) -> None:
        handler = self.HANDLERS.get(message["type"])
        if handler is None:
            shown = message["type"][:40]
            raise BadFrame("unknown_type", f"Unknown frame type '{shown}'; expected one of: "
                           + ", ".join(sorted(self.HANDLERS)) + ".")
        if handler not in (GameWebSocket._on_ping, GameWebSocket._on_request):
            # The client's own keepalive pings and requests are not the player doing
            # something.
            self.session.note_input()
        handler(self, message)

    def _on_ping(self, message: dict[str, Any]) -> None:
        self._send_raw(frame("pong"))

    def _on_command(self, message: dict[str, Any]) -> None:
        text = _text_field(message, "text", MAX_COMMAND)
        ident = message.get("id")
        if ident is not None and (type(ident) is not int or not 0 <= ident <= MAX_ID):
            raise BadFrame("bad_field", f"'id' must be a whole number from 0 to {MAX_ID}")
        character = self.session.character
        if character is None:
            raise BadFrame("not_logged_in", "Log in (or register) before sending commands.")
        if ident is not None:
            # Acknowledged on arrival, before it runs: the client then knows not to send it
            # again. A resend of one that did arrive (its ack was lost) is not run twice.
            self._send_raw(frame("ack", id=ident))
            if not self.factory.command_ids.first_time(character.key, ident):
                return
        self.session.line_received(" ".join(text.splitlines()))

    def _on_request(self, message: dict[str, Any]) -> None:
        what = _text_field(message, "what", 40)
        if what not in REQUESTS:
            raise BadFrame("bad_field", "'what' must be one of: " + ", ".join(REQUESTS))
        name = _text_field(message, "channel", 40).lower()
        if self.session.character is None:
            raise BadFrame("not_logged_in", "Log in (or register) before sending requests.")
        if self._asks is None:
            self._asks = ClientRequests(self.game.world.clock, REQUEST_GAP, self._answer)
        self._asks.ask(name)

    def _answer(self, name: str, _: Any) -> None:
        """A channel's recent lines, as its word typed alone shows them, but with no
        command run: no ``touch`` (afk, idle), no command rate limit. The world's own
        words are its channels' names and aliases (world.words)."""
        session = self.session
        character = session.character if session is not None else None
        if character is None or character.room is None:
            return
        world = self.game.world
        command = world.words.get(name)
        if command is None:
            character.send(Error(f"There is no channel called '{name[:30]}'."))
            return
        try:
            command.handler(Context(world, character, session, for_character(character)), "")
        except Refusal as refusal:
            character.send(Error(refusal.message))

    def _logging_in(self) -> None:
        if self.session.character is not None:
            raise BadFrame("already_logged_in", "You are already logged in.")
        if self._checking:
            raise BadFrame("busy", "Still checking your last login; one moment.")

    def _on_login(self, message: dict[str, Any]) -> None:
        name = _text_field(message, "name", 64)
        password = _text_field(message, "password", 1024)
        self._logging_in()
        self._check(self.session.login.log_in(name, password))

    def _on_register(self, message: dict[str, Any]) -> None:
        name = _text_field(message, "name", 64)
        password = _text_field(message, "password", 1024)
        self._logging_in()
        self._check(self.session.login.create(name, password))

    def _on_resume(self, message: dict[str, Any]) -> None:
        token = _text_field(message, "token", 1024)
        self._logging_in()
        self._check(self.session.login.resume(token))

    def _check(self, d: Deferred[None]) -> None:
        """Frames wait (``busy``) while a login check runs; a refusal or a failure is
        answered with an ``error`` frame, the connection living on."""
        self._checking = True

        def failed(failure: Failure) -> None:
            if failure.check(LoginRefused):
                self._send_raw(error_frame(failure.value.code, failure.value.message))
                return
            self._send_raw(error_frame(*failure_notice(failure, self.via)))

        def done(_: object) -> None:
            self._checking = False
        d.addErrback(failed).addBoth(done)

    HANDLERS: dict[str, Callable[[GameWebSocket, dict[str, Any]], None]] = {
        "ping": _on_ping, "command": _on_command, "login": _on_login,
        "register": _on_register, "resume": _on_resume, "request": _on_request,
    }


class GameWebSocketFactory(BufferedWebSocketFactory):
    protocol = GameWebSocket

    def __init__(self, game: Game, keepalive: Keepalive = DEFAULT_KEEPALIVE,
                 output_cap: int = DEFAULT_CAP, origins: OriginPolicy | None = None,
                 flusher: Flusher | None = None) -> None:
        super().__init__(keepalive, output_cap, origins, MAX_FRAME, flusher)
        if game.tokens is None:
            raise ValueError("the game WebSocket needs game.tokens to issue resume tokens")
        self.game = game
        self.command_ids = CommandIds()
        # UTF-8 is checked in _parse, so a bad frame gets an error rather than a close.
        self.setProtocolOptions(utf8validateIncoming=False)
