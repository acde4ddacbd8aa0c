"""TTYPE (RFC 1091) with MTTS: what the client is and what it can show.

The server sends ``SEND`` repeatedly; the client answers its name, then its terminal type,
then ``MTTS <bits>``. A repeated answer ends the list; so does an MTTS answer, or
``MAX_ROUNDS`` answers from a client that never repeats itself.
"""

from __future__ import annotations

from mud.protocols.options.codes import IS
from mud.render.text import TRUECOLOR

MAX_ROUNDS = 4
MAX_NAME = 64

# MTTS bits
MTTS_ANSI = 1
MTTS_UTF8 = 4
MTTS_256 = 8
MTTS_SCREEN_READER = 64
MTTS_TRUECOLOR = 256

# Clients known to show 256 colours that do not send MTTS.
_KNOWN_256 = ("MUDLET", "TINTIN", "MUSHCLIENT", "CMUD", "ZMUD", "BLOWTORCH", "MUDRAMMER",
              "ATLANTIS", "POTATO", "BEIP", "KILDCLIENT", "AXMUD")


class TerminalType:
    __slots__ = ("done", "mtts", "names")

    def __init__(self) -> None:
        self.names = []
        self.mtts = None
        self.done = False

    def answer(self, payload: bytes) -> bool:
        """Record one ``IS`` reply; True when another ``SEND`` should follow."""
        if self.done or not payload or payload[0] != IS:
            return False
        value = payload[1:1 + MAX_NAME].decode("ascii", errors="replace").strip()
        bits = value[5:].strip()
        if value.upper().startswith("MTTS ") and bits.isascii() and bits.isdigit():
            self.mtts = int(bits[:9])
            self.done = True
            return False
        if not value or (self.names and value == self.names[-1]):
            self.done = True
            return False
        self.names.append(value)
        if len(self.names) >= MAX_ROUNDS:
            self.done = True
            return False
        return True

    @property
    def client(self) -> str:
        return self.names[0] if self.names else ""

    def colour_depth(self) -> int | None:
        """0, 16, 256 or TRUECOLOR if the answers say, else None."""
        if self.mtts is not None:
            if self.mtts & MTTS_TRUECOLOR:
                return TRUECOLOR
            if self.mtts & MTTS_256:
                return 256
            return 16 if self.mtts & MTTS_ANSI else 0
        upper = " ".join(self.names).upper()
        if "TRUECOLOR" in upper or "DIRECT" in upper:
            return TRUECOLOR
        if "256" in upper or any(name in upper for name in _KNOWN_256):
            return 256
        if "DUMB" in upper:
            return 0
        return 16 if self.names else None

    def utf8(self) -> bool | None:
        if self.mtts is not None:
            return bool(self.mtts & MTTS_UTF8)
        return True if any("UTF-8" in n.upper() for n in self.names) else None

    def screen_reader(self) -> bool:
        return bool(self.mtts is not None and self.mtts & MTTS_SCREEN_READER)
