"""The telnet line protocol: bytes in, lines to a Session; engine events out as ANSI text.

Runs inside ``FastTelnetTransport``. Lines may end in CR LF, LF, CR or CR NUL; input is
UTF-8 (invalid bytes become U+FFFD) with control characters removed; a line longer than
``max_line`` bytes is discarded with a message, and the buffer never grows past that even
when no newline ever comes. Output is rendered once per text style and the bytes are
cached on the event, so a broadcast costs one render per style, not one per player.
Passwords are hidden with ``IAC WILL ECHO``; a client that never answers negotiation
(netcat) still works, it simply sees its own typing. A vanished peer is noticed through
``Keepalive`` (TCP keepalive, TCP_USER_TIMEOUT and an ``IAC NOP`` every interval).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from twisted.conch.telnet import ECHO, IAC, NOP, SGA, TelnetProtocol
from twisted.internet.protocol import Protocol, ServerFactory
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud.bans import address_ban, refusal
from mud.engine.events import Error, Event, Prompt
from mud.player_text import clean
from mud.protocols.addresses import peer_key
from mud.protocols.fanout import TelnetBatch, telnet_batch
from mud.protocols.keepalive import DEFAULT_KEEPALIVE, Heartbeats, Keepalive
from mud.protocols.options import gmcp, mssp
from mud.protocols.options.negotiator import TelnetOptions
from mud.protocols.output_buffer import DEFAULT_CAP, FLUSH_AT, Flusher
from mud.protocols.telnet_transport import FastTelnetTransport
from mud.render.text import ANSI, TextStyle, ascii_safe, render
from mud.session import Session

if TYPE_CHECKING:
    from mud.game import Game

log = Logger()

DEFAULT_MAX_LINE = 4096
_LINE_END = re.compile(rb"\r\n|\r\x00|\r|\n")
def clean_line(raw: bytes) -> str:
    """Decode one line of player input: UTF-8, then backspace editing, with escape sequences
    and control characters removed by the player-text sanitiser (mud/player_text.py)."""
    return clean(raw.decode("utf-8", errors="replace"), edit=True)


def encode(text: str, style: TextStyle = ANSI) -> bytes:
    # UTF-8 never produces byte 0xFF, so no IAC needs doubling.
    if style.ascii:
        text = ascii_safe(text)
    return text.replace("\n", "\r\n").encode("utf-8", "replace")


# Stands in a silent event's cache for the text it does not have (see send).
_SILENT: Any = object()


class MudTelnetProtocol(TelnetProtocol):
    via = "telnet"

    def __init__(self, game: Game, max_line: int = DEFAULT_MAX_LINE,
                 keepalive: Keepalive | None = None,
                 listing: Callable[[], mssp.Variables] | None = None,
                 heartbeats: Heartbeats | None = None) -> None:
        self.game = game
        self.max_line = max_line
        self.keepalive = keepalive
        self.listing = listing
        # The IAC NOP every keepalive interval: the factory's wheel, shared by every
        # connection (one of its own when built alone).
        if heartbeats is None and keepalive is not None:
            heartbeats = Heartbeats(game.world.clock, keepalive.interval)
        self.heartbeats = heartbeats
        # Made in connectionMade (it needs the transport), before anything can use it.
        self.options: TelnetOptions
        # The heartbeat wheel's slot this connection's NOP is in (-1: none).
        self._beat_slot = -1
        self.style: TextStyle = ANSI
        self.session: Session | None = None
        self._partial = b""
        self._overflow = False
        self._after_cr = False
        # (Whether the cursor is at a prompt is the output buffer's ``prompt_at``.)
        self._hiding_input = False
        # Echo goes back on with the next output that is not another secret prompt, so
        # "password" then "again" stays hidden throughout.
        self._echo_release_pending = False

    # -- connection -----------------------------------------------------------------------------

    def connectionMade(self) -> None:
        # Where the connection comes from, as the per-address limits count it.
        self.peer = peer_key(str(getattr(self.transport.getPeer(), "host", "")))
        ban = address_ban(self.game, str(getattr(self.transport.getPeer(), "host", "")), "telnet")
        if ban is not None:
            # Refused before any negotiation or session: the reason, then closed.
            self._refused = True
            self.transport.write(encode(refusal(ban, "Your address") + "\n"))
            self.transport.loseConnection()
            return
        # Writes go through the transport's bounded, backpressure-aware output buffer.
        self._raw = self.transport.output
        # Paused, resumed or cut off: this connection's batch (fanout.py) changes.
        self._raw.changed = self._regroup
        if self.keepalive is not None and self.heartbeats is not None:
            self.keepalive.tune(self.transport)
            self._beat_slot = self.heartbeats.join(self._nop)
        self.options = TelnetOptions(self.transport, self.game.world.clock, self._restyle,
                                     self.listing)
        self.options.refresh = self._refresh
        self.options.request = self._request
        self._offer(SGA)
        self.options.start()
        self.session = Session(self.game, self)
        self.options.when_sized(self._greet)

    def _greet(self) -> None:
        if self.session is not None:
            self.session.start()

    def connectionLost(self, reason: Failure) -> None:
        if getattr(self, "_refused", False):
            return
        if self._beat_slot >= 0 and self.heartbeats is not None:
            self.heartbeats.leave(self._nop, self._beat_slot)
            self._beat_slot = -1
        self.options.stop()
        self._regroup()
        if self.session is not None:
            session, self.session = self.session, None
            session.connection_lost()

    def _nop(self) -> None:
        # Something for the peer to acknowledge, so a vanished one times out (see keepalive).
        self._raw.write(IAC + NOP)

    def _offer(self, option: bytes) -> None:
        self.transport.will(option).addErrback(lambda _: None)

    # -- Connection interface for the Session ---------------------------------------------------

    def send(self, event: Event) -> None:
        # Runs once per recipient of every line (a room's say, a fight's blows): the common
        # case (a line, no prompt or hidden input to sort out first, coalescing on) is
        # written out here with as few lookups as can be; the rest is in _send_special.
        wire = event.wire
        if wire is None:
            wire = event.wire = {}
        data = wire.get(self.style)
        if data is None:
            data = self._render(event, wire)
        out = self._raw
        if type(event) is Prompt or out.prompt_at >= 0 or self._echo_release_pending \
                or data is _SILENT:
            self._send_special(event, data)
            return
        pending = out.turn
        if pending:
            # This turn's output so far: append, as OutputBuffer.write would (a non-empty
            # turn means coalescing, marked, not paused, not closed), without the call.
            pending.append(data)
            out.pending += len(data)
            if out.pending >= FLUSH_AT:
                out.flush()
        else:
            out.write(data)
        if self.options.gmcp is not None:
            self._send_gmcp(event)

    def _render(self, event: Event, wire: dict[TextStyle, Any]) -> Any:
        """The event's bytes in this connection's style, cached on the event for every
        other recipient with the same style."""
        style = self.style
        if event.silent:
            # Asked once per event and style, not once per recipient: the mark is cached
            # where the rendering would be.
            data = wire[style] = _SILENT
            return data
        text = render(event, style)
        data = wire[style] = encode(text if type(event) is Prompt else text + "\n", style)
        return data

    def _send_special(self, event: Event, data: Any) -> None:
        """``send`` for a prompt, the first line after one, the first output after a
        hidden password, or a silent event (data for GMCP clients only)."""
        if data is not _SILENT:
            out = self._raw
            secret = type(event) is Prompt and event.secret  # type: ignore[attr-defined]
            if self._echo_release_pending and not secret:
                self._show_input()
            # Lines a room's batch appended after the prompt get their break first.
            out.settle()
            if out.prompt_at >= 0 and type(event) is not Prompt:
                out.write(b"\r\n")
            out.write(data)
            if type(event) is Prompt:
                end = self.options.prompt_end()
                if end:
                    out.write(end)
                # The next line goes after all this, on a line of its own.
                out.prompt_at = len(out.turn)
                if secret:
                    self._hide_input()
                return
            out.prompt_at = -1
        if self.options.gmcp is not None:
            self._send_gmcp(event)

    def _send_gmcp(self, event: Event) -> None:
        # A line's data, and a silent event's, for GMCP clients that asked for its package.
        wants = self.options.gmcp.wants  # type: ignore[union-attr]
        for package, message in gmcp.for_event(event):
            if wants(package):
                self._raw.write(message)

    def _refresh(self) -> None:
        if self.session is not None:
            self.session.refresh()

    def _request(self, what: str, data: object) -> None:
        if self.session is not None:
            self.session.request(what, data)

    def close(self) -> None:
        self.options.end_compression()
        self.transport.loseConnection()
        self._regroup()

    @property
    def batch(self) -> TelnetBatch | None:
        """What delivers a room's lines to this connection together with others
        (fanout.py), while a line needs nothing special here; None otherwise."""
        out = self._raw
        flusher = out._flusher
        if (flusher is None or out.paused or out.closed or out._closing or self.session is None
                or self.options.gmcp is not None or self._hiding_input
                or self._echo_release_pending):
            return None
        return telnet_batch(self.style, flusher)

    def _regroup(self) -> None:
        # The batch may have changed: the character's room groups its links again at its
        # next line. (A connection with no character in a room is in no room's audience;
        # a character that enters one changes the room's links, which the room notices.)
        session = self.session
        character = session.character if session is not None else None
        if character is not None and character.room is not None:
            self.game.world.regroup(character.room)

    def entered(self, name: str) -> None:
        """Tell a GMCP client who it is; the room view follows."""
        self.options.character = name
        self.options.send_character()

    def set_colour(self, preference: str) -> None:
        self.options.colour_preference = preference
        self._restyle()

    def _restyle(self) -> None:
        self.style = self.options.style()
        self._regroup()

    # -- echo (hidden passwords) ----------------------------------------------------------------

    def _hide_input(self) -> None:
        self._hiding_input = True
        self._regroup()
        if self._echo_release_pending:
            self._echo_release_pending = False
            return
        state = self.transport.getOptionState(ECHO)
        if state.us.state == "no" and not state.us.negotiating:
            self._offer(ECHO)

    def _secret_line_done(self) -> None:
        self._hiding_input = False
        self._echo_release_pending = True
        self._regroup()
        if self.transport.getOptionState(ECHO).us.state == "yes":
            # The client echoed nothing, not even the newline.
            self._raw.write(b"\r\n")

    def _show_input(self) -> None:
        self._echo_release_pending = False
        self._regroup()
        state = self.transport.getOptionState(ECHO)
        if state.us.state == "yes" and not state.us.negotiating:
            self.transport.wont(ECHO).addErrback(lambda _: None)

    def enableLocal(self, option: bytes) -> bool:
        if option == SGA or (option == ECHO and self._hiding_input):
            return True
        # (GMCP on changes the batch.)
        self._regroup()
        return self.options.enable_local(option)

    def enableRemote(self, option: bytes) -> bool:
        self._regroup()
        return self.options.enable_remote(option)

    def disableLocal(self, option: bytes) -> None:
        self._regroup()
        self.options.disable_local(option)

    def disableRemote(self, option: bytes) -> None:
        self._regroup()
        self.options.disable_remote(option)

    # -- input ------------------------------------------------------------------------------------

    def dataReceived(self, data: bytes) -> None:
        if self._after_cr:
            self._after_cr = False
            if data[:1] in (b"\n", b"\x00"):
                data = data[1:]
        # The usual read: one whole line, ending in LF or CR LF, no other CR or LF in it
        # (what the loop below would do with it, without the regex's matches and slices).
        end = data.find(b"\n")
        if end >= 0 and end == len(data) - 1 and data.find(b"\r", 0, end - 1) < 0:
            self._line_end(data[:end - 1] if data[end - 1:end] == b"\r" else data[:end])
            return
        pos = 0
        for match in _LINE_END.finditer(data):
            self._line_end(data[pos:match.start()])
            pos = match.end()
            if self.session is None:
                return
        self._after_cr = data.endswith(b"\r")
        rest = data[pos:]
        if rest:
            if self._overflow or len(self._partial) + len(rest) > self.max_line:
                self._overflow = True
                self._partial = b""
            else:
                self._partial += rest

    def _line_end(self, tail: bytes) -> None:
        # A line typed before the window size came: greet first, so the reply follows it.
        options = self.options
        if options.greeting is not None:
            options.size_settled()
        raw, self._partial = self._partial + tail, b""
        overflow, self._overflow = self._overflow, False
        # The player's Enter ends the prompt's line (lines a room's batch appended after
        # the prompt, before this line came, get their break first).
        out = self._raw
        if out.prompt_at >= 0:
            out.settle()
            out.prompt_at = -1
        if self._hiding_input:
            self._secret_line_done()
        if overflow or len(raw) > self.max_line:
            self.send(Error(f"That line was too long ({self.max_line} bytes at most) and was "
                            "ignored."))
            return
        if self.session is None:
            return
        line = clean_line(raw)
        if (self.session.character is None and self.listing is not None
                and line.strip().upper() == mssp.REQUEST):
            # A listing site's crawler, in plain text; it never becomes a player.
            self._raw.write(encode(mssp.plain(self.listing()) + "\n"))
            return
        self.session.line_received(line)


class TelnetFactory(ServerFactory):
    """Builds a FastTelnetTransport wrapping a MudTelnetProtocol for each connection."""

    def __init__(self, game: Game, max_line: int = DEFAULT_MAX_LINE,
                 output_cap: int = DEFAULT_CAP,
                 keepalive: Keepalive | None = DEFAULT_KEEPALIVE,
                 listing: Callable[[], mssp.Variables] | None = None,
                 flusher: Flusher | None = None) -> None:
        self.game = game
        self.max_line = max_line
        self.output_cap = output_cap
        self.keepalive = keepalive
        self.listing = listing
        # Coalesces each connection's output per reactor turn (mud/protocols/turn_flush.py);
        # None writes every line through at once (tests reading a StringTransport).
        self.flusher = flusher
        # One heartbeat wheel for every connection (mud/protocols/keepalive.py).
        self.heartbeats = Heartbeats(game.world.clock, keepalive.interval) \
            if keepalive is not None else None

    def buildProtocol(self, addr: object) -> Protocol:
        transport = FastTelnetTransport(MudTelnetProtocol, self.game, self.max_line,
                                        self.keepalive, self.listing, self.heartbeats)
        transport.factory = self
        transport.output_cap = self.output_cap
        transport.output_flusher = self.flusher
        return transport
