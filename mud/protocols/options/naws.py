"""NAWS (RFC 1073): the client's window size, sent at connect and on every resize."""

from __future__ import annotations

MIN_WIDTH = 20
MAX_WIDTH = 500


def parse_naws(payload: bytes) -> tuple[int, int] | None:
    """(width, height) from a NAWS subnegotiation, or None when malformed or unknown.

    A width of 0 means the client does not know; absurd widths are clamped."""
    if len(payload) != 4:
        return None
    width = payload[0] << 8 | payload[1]
    height = payload[2] << 8 | payload[3]
    if width == 0:
        return None
    return max(MIN_WIDTH, min(MAX_WIDTH, width)), height
