"""Offers the MUD telnet options at connect and keeps what each client turned out to be.

Everything is offered at once and nothing waits for an answer, so netcat (which answers
nothing) logs in as before. Twisted's RFC 1143 state machine (``will``/``do``) keeps a
repeated request from starting another exchange. Offers still unanswered after OFFER_WAIT
are given up (their state dropped, to keep a silent connection small), yet an answer that
comes later is still taken as the answer it is (see _give_up and _answer). What the
client says (window size, terminal type, MTTS, charset, GMCP packages) ends up in
``style()`` and ``gmcp``; the line protocol asks for them when it renders.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.conch.telnet import DO, DONT, ECHO, SGA, WILL, WONT, OptionRefused
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from mud.protocols.options import charset, gmcp, mssp
from mud.protocols.options.codes import (
    CHARSET,
    EOR,
    EOR_MARK,
    GA,
    GMCP,
    IAC,
    MCCP2,
    MSSP,
    NAWS,
    SEND,
    TTYPE,
    subnegotiation,
)
from mud.protocols.options.mccp import Compressor
from mud.protocols.options.naws import parse_naws
from mud.protocols.options.ttype import TerminalType
from mud.render.text import TRUECOLOR, TextStyle, text_style

# Seconds to wait for the terminal type before starting compression anyway.
TTYPE_WAIT = 5.0
# Seconds after connect when offers still unanswered are given up (see _give_up).
OFFER_WAIT = 10.0
# How long the greeting waits for the client's window size. Clients answer DO NAWS at
# once; this is for netcat and crawlers, which never do.
SIZE_WAIT = 0.5
# The `colour` command's choices; "auto" (absent here) follows what the client said.
COLOUR_PREFERENCES = {"off": 0, "on": 16, "256": 256, "truecolor": TRUECOLOR}

LOCAL = (EOR, GMCP, MSSP, MCCP2)     # options we offer to do (WILL)
REMOTE = (NAWS, TTYPE, CHARSET)      # options we ask the client to do (DO)
# One bit per offer made at connect ((ours?, option): SGA is the line protocol's), for the
# offers given up unanswered: 8 bits, so the mask is always one of Python's shared small
# ints and a silent connection pays nothing for remembering them.
_LATE_BIT = {(True, EOR): 1, (True, GMCP): 2, (True, MSSP): 4, (True, MCCP2): 8,
             (True, SGA): 16, (False, NAWS): 32, (False, TTYPE): 64, (False, CHARSET): 128}


class TelnetOptions:
    __slots__ = ("_late", "_mccp", "_mccp_wanted", "_settle_timer", "_size_timer",
                 "_ttype_timer", "character", "client", "clock", "colour_preference", "eor",
                 "ga", "gmcp", "greeting", "height", "listing", "refresh", "request", "restyle",
                 "transport", "ttype", "utf8", "width")

    def __init__(self, transport: Any, clock: Any, restyle: Callable[[], None],
                 listing: Callable[[], mssp.Variables] | None = None) -> None:
        self.transport = transport
        self.clock = clock
        self.restyle = restyle
        self.listing = listing
        # Called when the client turns GMCP ``Char`` on after logging in: the game sends
        # the character's state (vitals, status, items) again (the session's ``refresh``).
        # (Module functions, not lambdas: a function object each would be made per connection.)
        self.refresh: Callable[[], None] = _no_refresh
        # Called with a system's request (``gmcp.ANSWERED``: Comm.Channel.List) and its data.
        self.request: Callable[[str, Any], None] = _no_request
        self.width = 80
        self.height = 24
        self.ttype = TerminalType()
        self.utf8: bool | None = None
        self.colour_preference = "auto"
        self.eor = False
        self.ga = False
        self.gmcp: gmcp.Supports | None = None
        self.client = ""
        self.character = ""
        self._mccp: Compressor | None = None
        self._mccp_wanted = False
        self._ttype_timer: Any = None
        # Told once the window size is known (or will not be): see when_sized. None once
        # that is settled (the size timer is then stopped too), so a reader of lines need
        # not call size_settled for each. (Between start and when_sized it is None too with
        # the timer running: MudTelnetProtocol.connectionMade calls one right after the
        # other, before any line can be read.)
        self.greeting: Callable[[], None] | None = None
        self._size_timer: Any = None
        # Ends the offers made at connect that the client never answered (see _give_up).
        self._settle_timer: Any = None
        # The offers given up unanswered, as _LATE_BIT bits: a late answer is still theirs.
        self._late = 0

    # -- connect -------------------------------------------------------------------------------

    def start(self) -> None:
        t = self.transport
        t.negotiationMap[NAWS] = self._on_naws
        t.negotiationMap[TTYPE] = self._on_ttype
        t.negotiationMap[CHARSET] = self._on_charset
        t.negotiationMap[GMCP] = self._on_gmcp
        # Every WILL/WONT/DO/DONT passes through _answer on its way to Twisted's state
        # machine. (These four bound methods replace Twisted's own four: no bytes added.)
        t.commandMap[WILL] = self._on_will
        t.commandMap[WONT] = self._on_wont
        t.commandMap[DO] = self._on_do
        t.commandMap[DONT] = self._on_dont
        for option in LOCAL:
            self._follow(option, t.will(option))
        for option in REMOTE:
            self._follow(option, t.do(option))
        self._ttype_timer = self.clock.callLater(TTYPE_WAIT, self._ttype_settled)
        self._size_timer = self.clock.callLater(SIZE_WAIT, self.size_settled)
        self._settle_timer = self.clock.callLater(OFFER_WAIT, self._give_up)

    def when_sized(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the client has said its window size, refused to, or not
        answered within SIZE_WAIT: the greeting waits for it, so the banner fits the window."""
        if self._size_timer is None:
            callback()
        else:
            self.greeting = callback

    def stop(self) -> None:
        """The connection is gone: no more timers, and no greeting."""
        self._stop_ttype_timer()
        self._stop_size_timer()
        if self._settle_timer is not None and self._settle_timer.active():
            self._settle_timer.cancel()
        self._settle_timer = None
        self.greeting = None

    def _give_up(self) -> None:
        """OFFER_WAIT after connect: what the client has not answered it never will (netcat,
        a crawler, a bot), so stop waiting, and forget every option that ended up off.

        Twisted keeps an ``_OptionState`` (three objects) for every option ever named and,
        while an offer is unanswered, its Deferred with our callbacks: about 4 KB a
        connection that never answers, kept for the connection's life. An unanswered offer
        is settled as "off, not negotiating" (what a refusal leaves, but without running
        the refusal's callbacks: a silent client must not start getting IAC GA) and its
        Deferred dropped; then every option off on both sides, not negotiating, is removed
        from ``transport.options``: ``getOptionState`` makes the same state again if it is
        ever asked. The echo option is left alone: it is offered for a password prompt,
        not at connect, and settling it would offer it again at the next prompt.

        A late answer must still be the answer to our offer, not a fresh request: Twisted
        would reply to it with a second WILL/DO (for MCCP2, inside the compressed stream)
        and our offer's follow-ups (SB TTYPE SEND, the charset REQUEST) would never go.
        So each offer given up sets its bit in ``_late`` (a small int, shared), and
        _answer puts the offer back as pending just before Twisted reads the answer."""
        self._settle_timer = None
        options = getattr(self.transport, "options", None)
        if not isinstance(options, dict):
            return
        late = self._late
        for option, state in list(options.items()):
            if option == ECHO:
                continue
            for ours, side in ((True, state.us), (False, state.him)):
                if side.negotiating and side.state == "no":
                    side.negotiating = False
                    side.onResult = None
                    late |= _LATE_BIT.get((ours, option), 0)
            if not (state.us.negotiating or state.him.negotiating
                    or state.us.state == "yes" or state.him.state == "yes"):
                del options[option]
        self._late = late

    # -- answers: WILL/WONT/DO/DONT before and after Twisted's state machine -------------------

    def _on_will(self, option: bytes) -> None:
        self._answer(False, option, self.transport.telnet_WILL)

    def _on_wont(self, option: bytes) -> None:
        self._answer(False, option, self.transport.telnet_WONT)

    def _on_do(self, option: bytes) -> None:
        self._answer(True, option, self.transport.telnet_DO)

    def _on_dont(self, option: bytes) -> None:
        self._answer(True, option, self.transport.telnet_DONT)

    def _answer(self, ours: bool, option: bytes, handle: Callable[[bytes], None]) -> None:
        """Let Twisted's RFC 1143 state machine take a WILL/WONT (about the client's side:
        ``ours`` False) or DO/DONT (about ours), with an offer given up put back first, and
        act on an option that has just come on once its WILL/DO exchange is complete: the
        follow-up requests, MSSP's table, MCCP2's start marker. (Twisted enables an option
        the client asks for before it sends its own WILL/DO reply: what is written from
        there would go before that reply, and compressed if MCCP2 started.)"""
        t = self.transport
        bit = _LATE_BIT.get((ours, option), 0)
        if self._late & bit:
            self._late &= ~bit
            state = t.getOptionState(option)
            side = state.us if ours else state.him
            if side.state == "no" and not side.negotiating:
                # The offer as it was before _give_up: the answer settles it as in time.
                side.negotiating = True
                side.onResult = pending = Deferred()
                self._follow(option, pending)
        state = t.options.get(option)
        was_on = state is not None and (state.us if ours else state.him).state == "yes"
        handle(option)
        state = t.options.get(option)
        if was_on or state is None or (state.us if ours else state.him).state != "yes":
            return
        if ours:
            if option == MSSP and self.listing is not None:
                t.output.write(mssp.telnet(self.listing()))
            elif option == MCCP2:
                self._start_mccp()
        elif option == TTYPE:
            if self.ttype.done and not self.ttype.names and self.ttype.mtts is None:
                # Stopped waiting (TTYPE_WAIT, a refusal) before any answer: the cycle
                # starts now, and its answers count as they would have in time; what waits
                # for them (MCCP2) waits TTYPE_WAIT at most again.
                self.ttype = TerminalType()
                self._stop_ttype_timer()
                self._ttype_timer = self.clock.callLater(TTYPE_WAIT, self._ttype_settled)
            self._send_ttype()
        elif option == CHARSET:
            self._send(CHARSET, charset.OFFER)

    def _follow(self, option: bytes, offer: Deferred) -> None:
        """What a refusal of our offer of ``option`` does (its acceptance: _answer)."""
        if option == EOR:
            offer.addErrback(self._refused_eor)
        elif option == NAWS:
            offer.addErrback(self._naws_refused)
        elif option == TTYPE:
            offer.addErrback(self._ttype_refused)
        else:
            offer.addErrback(_ignore)

    def _stop_ttype_timer(self) -> None:
        if self._ttype_timer is not None and self._ttype_timer.active():
            self._ttype_timer.cancel()
        self._ttype_timer = None

    def _stop_size_timer(self) -> None:
        if self._size_timer is not None and self._size_timer.active():
            self._size_timer.cancel()
        self._size_timer = None

    def end_compression(self) -> None:
        """Finish the MCCP stream, so what follows (or a close) is plain again."""
        compressor, self._mccp = self._mccp, None
        if compressor is not None:
            output = self.transport.output
            output.encode = None
            output.write(compressor.finish())

    # -- what the client can do ----------------------------------------------------------------

    def style(self) -> TextStyle:
        depth = COLOUR_PREFERENCES.get(self.colour_preference)
        if depth is None:
            depth = self.ttype.colour_depth()
            depth = 16 if depth is None else depth
        utf8 = self.utf8 if self.utf8 is not None else self.ttype.utf8()
        return text_style(depth, self.width, ascii=utf8 is False,
                          screen_reader=self.ttype.screen_reader())

    def prompt_end(self) -> bytes:
        """What marks the end of a prompt: IAC EOR, IAC GA, or nothing for a client that
        never spoke telnet (raw bytes would be noise to netcat)."""
        if self.eor:
            return IAC + EOR_MARK
        return IAC + GA if self.ga else b""

    # -- the transport asks: accept or note options ------------------------------------------

    def enable_local(self, option: bytes) -> bool:
        if option not in LOCAL:
            return False
        if option == EOR:
            self.eor, self.ga = True, False
        elif option == GMCP and self.gmcp is None:
            self.gmcp = gmcp.Supports()
        elif option == MCCP2:
            # Started by _answer once our WILL is out (and after TTYPE: _start_mccp).
            self._mccp_wanted = True
        return True

    def disable_local(self, option: bytes) -> None:
        if option == EOR:
            self.eor, self.ga = False, True
        elif option == GMCP:
            self.gmcp = None
        elif option == MCCP2:
            # A client that says DONT mid-stream gets the end of the stream, then plain bytes.
            self._mccp_wanted = False
            self.end_compression()

    def enable_remote(self, option: bytes) -> bool:
        return option in REMOTE

    def disable_remote(self, option: bytes) -> None:
        if option == TTYPE:
            self._ttype_settled()

    # -- subnegotiations -----------------------------------------------------------------------

    def _refused_eor(self, failure: Failure) -> None:
        if failure.check(OptionRefused):
            self.ga = True  # a telnet client without EOR: mark prompts with GA instead

    def _send(self, option: bytes, payload: bytes) -> None:
        self.transport.output.write(subnegotiation(option, payload))

    def _on_naws(self, data: list[bytes]) -> None:
        size = parse_naws(b"".join(data))
        if size is not None and size != (self.width, self.height):
            self.width, self.height = size
            self.restyle()
        self.size_settled()

    def _naws_refused(self, failure: Failure) -> None:
        self.size_settled()

    def size_settled(self) -> None:
        """Stop waiting for the window size (known, refused, timed out, or the client has
        already typed a line): greet now if the greeting is waiting."""
        self._stop_size_timer()
        callback, self.greeting = self.greeting, None
        if callback is not None:
            callback()

    def _send_ttype(self) -> None:
        self._send(TTYPE, bytes([SEND]))

    def _on_ttype(self, data: list[bytes]) -> None:
        if self.ttype.answer(b"".join(data)):
            self._send_ttype()
        elif self.ttype.done:
            self._ttype_settled()

    def _ttype_refused(self, failure: Failure) -> None:
        self._ttype_settled()

    def _ttype_settled(self) -> None:
        self._stop_ttype_timer()
        self.ttype.done = True
        if not self.client:
            self.client = self.ttype.client
        self.restyle()
        self._start_mccp()

    def _start_mccp(self) -> None:
        # Mudlet garbles a stream that starts before its terminal type is settled.
        if not self._mccp_wanted or self._mccp is not None or not self.ttype.done:
            return
        output = self.transport.output
        output.write(subnegotiation(MCCP2, b""))
        self._mccp = Compressor()
        output.encode = self._mccp.compress

    def _on_charset(self, data: list[bytes]) -> None:
        payload = b"".join(data)
        answer = charset.answer_request(payload)
        if answer is not None:
            reply, utf8 = answer
            self._send(CHARSET, reply)
        else:
            utf8 = charset.parse_reply(payload)
            if utf8 is None:
                return
        self.utf8 = utf8
        self.restyle()

    def _on_gmcp(self, data: list[bytes]) -> None:
        parsed = gmcp.parse(b"".join(data), getattr(self.transport.getPeer(), "host", "?"))
        if parsed is None or self.gmcp is None:
            return
        package, body = parsed
        name = package.lower()
        if name == "core.hello" and isinstance(body, dict):
            self.client = str(body.get("client", ""))[:64] or self.client
        elif name == "core.ping":
            self.transport.output.write(gmcp.message("Core.Ping", None))
        elif name in gmcp.ANSWERED:
            if self.character:
                self.request(name, body)
        elif name in REQUESTS:
            # A client asking for what it would otherwise get at login (Mudlet's
            # Char.Items.Inv): the game sends the character's state again.
            if self.character:
                self.refresh()
        else:
            before = _char_packages(self.gmcp)
            if self.gmcp.handle(package, body) and self.character and \
                    _char_packages(self.gmcp) - before:
                # Char packages asked for after logging in: send what they carry now.
                if not any(p == "char" or p == "char.name" for p in before):
                    self.send_character()
                self.refresh()

    def send_character(self) -> None:
        """Char.Name, to a GMCP client that wants it. The rest of ``Char`` (Vitals, Status,
        Items) is the game's: systems send it at login and on ``refresh``."""
        supports = self.gmcp
        if supports is None or not self.character:
            return
        name = self.character
        if supports.wants("Char.Name"):
            self.transport.output.write(gmcp.message("Char.Name", {"name": name,
                                                                   "fullname": name}))


# What clients send to ask for state again (lower case): answered by a refresh.
REQUESTS = frozenset(("char.items.inv", "char.vitals.get", "char.status.get"))


def _char_packages(supports: gmcp.Supports) -> set[str]:
    return {name for name in supports.modules if name == "char" or name.startswith("char.")}


def _no_refresh() -> None:
    """``refresh`` until the line protocol sets its own."""


def _no_request(what: str, data: Any) -> None:
    """``request`` until the line protocol sets its own."""


def _ignore(failure: Failure) -> None:
    """A refused or unanswered offer is normal: the option simply stays off."""

