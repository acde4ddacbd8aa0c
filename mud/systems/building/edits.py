"""How a builder's command changes the world: edit the sources, check them, then go live.

A command says what it changes as ``Change``s (an entry of an area's file set to a new
value, or removed) and what to do in the live world once that is known to be good
(``apply``). ``propose`` checks the world's sources with the changes by the loader's own
rules, in a worker thread (a whole load's checks: milliseconds for the bundled world,
longer for a big one), and only when they pass writes them into the sources (marked
changed, for ``save area``), runs ``apply`` and writes an audit line. A check that fails
changes nothing and tells the builder the loader's own words ("That would not load: ...").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread

from mud.audit import audit
from mud.commands.registry import Context
from mud.engine.actions import Refusal
from mud.engine.model import Room
from mud.roles import still_granted
from mud.systems.building import background
from mud.world_check import check_documents
from mud.world_sources import WorldSources
from mud.world_yaml import display

# How the check runs: in a worker thread (tests may run it inline).
run_in_thread: Callable[..., Deferred[Any]] = deferToThread
# Loader messages shown to a builder for one refused edit.
MAX_SHOWN_ERRORS = 5
# Times an edit is checked again because another builder's edit landed meanwhile.
MAX_RETRIES = 3


@dataclass(frozen=True)
class Change:
    """``key``'s entry in ``area``'s ``kind`` file ("room", "item", "npc", "area") becomes
    ``value`` (None: removed)."""

    area: str
    kind: str
    key: str
    value: Any


class Fresh:
    """A change to one entry worked out from that entry as the sources hold it each time
    it is read: when ``edits.propose`` checks it and when it writes it (the sources are
    the same then: propose writes only if nothing landed during the check). Two builders
    editing one entry at once (spawning into one room) so each keep the other's change,
    where a value worked out once would write the first one's over. ``make`` gets the
    entry (None: there is none) and returns the new one (None: remove it), or refuses."""

    def __init__(self, sources: WorldSources, area: str, kind: str, key: str,
                 make: Callable[[Any], Any]) -> None:
        self.sources = sources
        self.area, self.kind, self.key = area, kind, key
        self.make = make

    @property
    def value(self) -> Any:
        return self.make(self.sources.get(self.area, self.kind, self.key))


def fresh(ctx: Context, area: str, kind: str, key: str,
          make: Callable[[Any], Any]) -> list[Change]:
    """``[Fresh(...)]`` for ``propose``, which reads a Change's fields only."""
    return [Fresh(sources_of(ctx), area, kind, key, make)]  # type: ignore[list-item]


def sources_of(ctx: Context) -> WorldSources:
    sources = ctx.world.sources
    if sources is None:
        raise Refusal("This world was not loaded from a world folder, so it cannot be "
                      "built on here.")
    return sources  # type: ignore[no-any-return]


def here(ctx: Context) -> Room:
    room = ctx.actor.room
    if room is None:
        raise Refusal("You are nowhere; you cannot build here.")
    return room


def local(room_id: str) -> str:
    return room_id.partition(":")[2]


def documents_with(sources: WorldSources, changes: list[Change]) -> dict[str, Any]:
    documents = sources.documents()
    for change in changes:
        rel = sources.rel(change.area, change.kind)
        entries = dict(documents.get(rel, {}))
        if change.value is None:
            entries.pop(change.key, None)
        else:
            entries[change.key] = change.value
        documents[rel] = entries
    return documents


def refused(errors: list[str], root: Any) -> str:
    """The loader's messages for a builder, paths from the world folder."""
    prefixes = {str(root).rstrip("/") + "/", display(Path(root)).rstrip("/") + "/"}
    shown = []
    for message in errors[:MAX_SHOWN_ERRORS]:
        for prefix in prefixes:
            if message.startswith(prefix):
                message = message[len(prefix):]
                break
        shown.append(message)
    more = len(errors) - len(shown)
    if more > 0:
        shown.append(f"(and {more} more)")
    return as_list("\n".join(["That would not load, so nothing changed:", *shown]))


def as_list(text: str) -> str:
    """The first line, then each further line as a list item: kept one a line when the
    text is reflowed to the player's window (mud/render/wrapping.py), not run together."""
    first, *rest = text.split("\n")
    return "\n".join([first, *(f"- {line}" for line in rest)])


def propose(ctx: Context, changes: list[Change], apply: Callable[[], None],
            action: str, **details: object) -> Deferred[None]:
    """Check ``changes`` by the loader's rules (in a thread); if they pass, write them into
    the sources, run ``apply`` (the live change) and audit ``action``. Fails with a
    Refusal quoting the loader when they do not."""
    sources = sources_of(ctx)
    attempts = [0]

    def check() -> Deferred[None]:
        version = sources.version
        d: Deferred[list[str]] = background.politely(
            run_in_thread, check_documents, sources.root, documents_with(sources, changes),
            hold_collector=True)
        return d.addCallback(checked, version)

    def checked(errors: list[str], version: int) -> Any:
        if errors:
            raise Refusal(refused(errors, sources.root))
        if sources.version != version:
            # Someone's edit landed while this one was checked: check again against it.
            attempts[0] += 1
            if attempts[0] > MAX_RETRIES:
                raise Refusal("The world is being edited too busily to check that; try "
                              "again.")
            return check()
        for change in changes:
            if change.value is None:
                sources.remove(change.area, change.kind, change.key)
            else:
                sources.put(change.area, change.kind, change.key, change.value)
        apply()
        session = ctx.account
        audit("build", ctx.actor.name, getattr(session, "peer", ""),
              getattr(session, "via", ""), action=action,
              area=",".join(sorted({c.area for c in changes})) or None, **details)
        return None

    # The stored role is read again first (mud/roles.py): a demotion from the shell stops
    # the edit, even a multi-line rdesc's, whose lines never pass dispatch.
    return still_granted(ctx, "builder", action).addCallback(lambda _: check())
