"""A crowded room's line to many telnet players at once: one append per listener.

``World.tell_room`` (mud/engine/fanout.py) groups a room's links by their ``batch``. A
telnet connection offers one (``MudTelnetProtocol.batch``) while it needs nothing special
for a line: coalescing on, not paused or closing, no GMCP, no hidden input. The batch then
renders the event once for the style and appends the same bytes to every member's pending
turn, with no call per member: the checks a line needs (the turn's mark, its size bound, a
prompt waiting for a line break) are made once per group per turn, at the turn's end
(``OutputBuffer.flush`` settles a prompt: the break goes in before the first line after it).

Each member's turn list is kept (OutputBuffer empties it in place), so a group's lists are
gathered once and reused until the room's audience is built again.
"""

from __future__ import annotations

from typing import Any

from twisted.logger import Logger

from mud.engine.events import Event, Prompt
from mud.protocols.output_buffer import FLUSH_AT, Flusher, OutputBuffer
from mud.render.text import TextStyle

log = Logger()


class Prepared:
    """A group's members' buffers and turn lists; flushed as one at the turn's end."""

    __slots__ = ("buffers", "marked", "pending", "turn_of", "turns")

    def __init__(self, links: list[Any]) -> None:
        self.buffers: list[OutputBuffer] = [link.connection._raw for link in links]
        self.turns: list[list[bytes]] = [buffer.turn for buffer in self.buffers]
        # By the link's id (links need not be hashable): the turn the speaker is left out of.
        self.turn_of = {id(link): turn for link, turn in zip(links, self.turns, strict=True)}
        self.marked = False
        # Bytes appended to each member this turn (the same for all).
        self.pending = 0

    def flush(self) -> None:
        """The turn's end (or FLUSH_AT reached): every member's turn leaves."""
        self.marked = False
        self.pending = 0
        for buffer in self.buffers:
            if buffer.turn:
                try:
                    buffer.flush()
                except Exception:
                    # One connection's failure must not keep the others' output back.
                    log.failure("flushing a connection's output")


class TelnetBatch:
    """Plain telnet links of one text style, coalesced by one flusher."""

    __slots__ = ("flusher", "style")

    def __init__(self, style: TextStyle, flusher: Flusher) -> None:
        self.style = style
        self.flusher = flusher

    def deliver(self, event: Event, group: Any, skip: Any) -> None:
        """``event`` to every link of ``group`` but ``skip``."""
        if type(event) is Prompt:
            for link in group.links:
                if link is not skip:
                    link.send(event)
            return
        if event.silent:
            # Data for GMCP clients only, and no member has GMCP.
            return
        wire = event.wire
        if wire is None:
            wire = event.wire = {}
        data = wire.get(self.style)
        if data is None:
            data = group.links[0].connection._render(event, wire)
        prepared = group.prepared
        if prepared is None:
            prepared = group.prepared = Prepared(group.links)
        for turn in prepared.turns:
            turn.append(data)
        if skip is not None:
            # The speaker's line comes off again: one pop is cheaper than a check per member
            # (it is the last thing in its turn, appended just now).
            skipped = prepared.turn_of.get(id(skip))
            if skipped is not None:
                skipped.pop()
        if not prepared.marked:
            prepared.marked = True
            self.flusher.mark(prepared)  # type: ignore[arg-type]
        prepared.pending += len(data)
        if prepared.pending >= FLUSH_AT:
            # The turn's size bound, for the room's lines (a member's own output is bounded
            # by its buffer as before).
            prepared.flush()


_BATCHES: dict[tuple[TextStyle, int], TelnetBatch] = {}


def telnet_batch(style: TextStyle, flusher: Flusher) -> TelnetBatch:
    """The one batch for ``style`` and ``flusher`` (links group by identity)."""
    key = (style, id(flusher))
    batch = _BATCHES.get(key)
    if batch is None or batch.flusher is not flusher:
        batch = _BATCHES[key] = TelnetBatch(style, flusher)
    return batch
