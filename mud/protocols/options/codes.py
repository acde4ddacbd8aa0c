"""Telnet option numbers and subnegotiation verbs for the MUD extensions.

The RFC 854 bytes (IAC, SB, SE, GA, NAWS) are Twisted's; re-exported here so the option
modules take all their codes from one place.
"""

from __future__ import annotations

from twisted.conch.telnet import EOR as EOR_MARK  # the IAC command that marks a prompt
from twisted.conch.telnet import GA, IAC, NAWS, SB, SE

__all__ = ["EOR_MARK", "GA", "IAC", "NAWS", "SB", "SE"]

TTYPE = bytes([24])
EOR = bytes([25])        # the option, as opposed to EOR_MARK
CHARSET = bytes([42])
MSSP = bytes([70])
MCCP2 = bytes([86])
GMCP = bytes([201])

# TTYPE
IS, SEND = 0, 1
# CHARSET
REQUEST, ACCEPTED, REJECTED = 1, 2, 3
# MSSP
MSSP_VAR, MSSP_VAL = 1, 2


def subnegotiation(option: bytes, payload: bytes) -> bytes:
    """``IAC SB option payload IAC SE``, with any 255 in the payload doubled."""
    return IAC + SB + option + payload.replace(IAC, IAC + IAC) + IAC + SE
