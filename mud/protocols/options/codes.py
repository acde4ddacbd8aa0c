"""Telnet option numbers and subnegotiation verbs (RFC 854 and the MUD extensions)."""

from __future__ import annotations

ECHO = bytes([1])
SGA = bytes([3])
TTYPE = bytes([24])
EOR = bytes([25])        # the option; the IAC command that marks a prompt is EOR_MARK
NAWS = bytes([31])
CHARSET = bytes([42])
MSSP = bytes([70])
MCCP2 = bytes([86])
GMCP = bytes([201])

IAC = bytes([255])
SB = bytes([250])
SE = bytes([240])
GA = bytes([249])
EOR_MARK = bytes([239])

# TTYPE
IS, SEND = 0, 1
# CHARSET
REQUEST, ACCEPTED, REJECTED = 1, 2, 3
# MSSP
MSSP_VAR, MSSP_VAL = 1, 2


def subnegotiation(option: bytes, payload: bytes) -> bytes:
    """``IAC SB option payload IAC SE``, with any 255 in the payload doubled."""
    return IAC + SB + option + payload.replace(IAC, IAC + IAC) + IAC + SE
