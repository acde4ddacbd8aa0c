"""CHARSET (RFC 2066): ask for UTF-8; a client that rejects it gets ASCII-safe text."""

from __future__ import annotations

from mud.protocols.options.codes import ACCEPTED, REJECTED, REQUEST

OFFER = bytes([REQUEST]) + b";UTF-8"
_UTF8 = {"UTF-8", "UTF8"}


def parse_reply(payload: bytes) -> bool | None:
    """True if the client accepted UTF-8, False if it rejected it, None if not a reply."""
    if not payload:
        return None
    if payload[0] == ACCEPTED:
        return payload[1:].decode("ascii", errors="replace").strip().upper() in _UTF8
    if payload[0] == REJECTED:
        return False
    return None


def answer_request(payload: bytes) -> tuple[bytes, bool] | None:
    """The reply to a client's own REQUEST (accept UTF-8 if offered) and whether it is
    UTF-8, or None if ``payload`` is not a request."""
    if len(payload) < 2 or payload[0] != REQUEST:
        return None
    body = payload[1:]
    if body.startswith(b"[TTABLE]"):
        body = body[9:]  # a TTABLE version byte follows the marker
    if not body:
        return bytes([REJECTED]), False
    separator, names = body[:1], body[1:]
    offered = {n.decode("ascii", errors="replace").strip().upper() for n in names.split(separator)}
    if offered & _UTF8:
        return bytes([ACCEPTED]) + b"UTF-8", True
    return bytes([REJECTED]), False
