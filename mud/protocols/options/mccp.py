"""MCCP2: everything the server sends after ``IAC SB MCCP2 IAC SE`` is one zlib stream.

Each write is flushed with Z_SYNC_FLUSH so the client can show it at once. The window and
memory level are small (about 16 KiB of zlib state per connection instead of 256 KiB) to
keep thousands of compressed connections inside the memory budget; MUD text repeats
within a few lines, so little is lost.
"""

from __future__ import annotations

import zlib

WINDOW_BITS = 11
MEM_LEVEL = 4
LEVEL = 6


class Compressor:
    __slots__ = ("_z",)

    def __init__(self) -> None:
        self._z = zlib.compressobj(LEVEL, zlib.DEFLATED, WINDOW_BITS, MEM_LEVEL)

    def compress(self, data: bytes) -> bytes:
        z = self._z
        return z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH)

    def finish(self) -> bytes:
        """The end of the stream; the client goes back to reading plain bytes after it."""
        return self._z.flush(zlib.Z_FINISH)
