"""Saving areas: ``save area``, the autosave of changed areas, and the save at a stop.

What builders change lives in the world's sources (mud/world_sources.py) until saved. A
save takes a snapshot of an area's changed files on the reactor thread (cheap: the keys in
order and the changed entries), writes them in a worker thread (mud/world_writer.py:
just the changed entries, atomically) and, once a file is on disk, marks its entries saved,
unless a builder changed one again meanwhile: that stays changed for the next save.

One ``AreaSaver`` per world: never two writes of one area at once. A save asked for while
one runs waits for it and then runs once for everyone who asked meanwhile. A failed write
(a full disk, a read-only folder) leaves the changes in memory, still changed: it is
logged, told to the builder, and retried by the next save.

``attach(service, seconds)`` (mud/tap.py) saves changed areas every ``seconds`` (the
``area_autosave`` setting; 0: never) and once more when the server stops, within the stop's
time. Each save, and each failed one, is an audit line (``area_saved``,
``area_save_failed``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from twisted.application.internet import TimerService
from twisted.internet.defer import Deferred, DeferredList, succeed
from twisted.internet.threads import deferToThread
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud.audit import audit
from mud.commands.registry import Context, command_set
from mud.engine.actions import Refusal
from mud.engine.events import Message
from mud.systems.building import background
from mud.world_sources import FileSnapshot, WorldSources
from mud.world_writer import write_file

log = Logger()

# How a write runs when no service says otherwise (tests may run it inline).
run_in_thread: Callable[..., Deferred[Any]] = deferToThread
ALL_WORDS = ("all", "*")
# While a write runs, the interpreter hands its lock between threads every 1 ms instead of
# Python's 5 ms, and the collector waits (background.py): the reactor's thread, wanting the
# lock back from the writer's, waited up to 5 ms each time (bench/area_save.py: worst
# stalls of 6-20 ms with 5 ms, 2-5 ms with 1 ms). Put back when no builders' work runs.
SWITCH_INTERVAL = background.SWITCH_INTERVAL
_write_begins, _write_ends = background.begin, background.end


@dataclass
class Outcome:
    """One area's save: the files written with how many entries each changed; why the
    files that could not be written were not (the others were), if any failed."""

    area: str
    files: list[tuple[str, int]] = field(default_factory=list)
    error: str = ""

    def summary(self) -> str:
        if not self.files and not self.error:
            return f"Nothing to save in {self.area}."
        done = ", ".join(f"{rel.split('/', 1)[-1]} ({n} {'entry' if n == 1 else 'entries'}"
                         f"{' changed' if i == 0 else ''})"
                         for i, (rel, n) in enumerate(self.files))
        if not self.error:
            return f"Saved {self.area}: {done}."
        wrote = f" ({done} saved)" if done else ""
        return (f"Could not save {self.area}{wrote}: {self.error}. The changes are kept in "
                "memory and will be saved again; tell an admin if this goes on.")


def _write_all(shots: list[FileSnapshot]) -> tuple[list[FileSnapshot], str]:
    """In a worker thread: write each file; one that fails is reported and the others are
    still written (a file the writer refuses, say one whose entry does not read back as
    written, must not cost the area's other files their edits). The failed ones stay
    changed, for the next save."""
    written = []
    errors = []
    for shot in shots:
        try:
            write_file(shot)
        except OSError as exc:
            errors.append(f"{shot.rel}: {exc.strerror or exc}")
            continue
        except Exception as exc:
            errors.append(f"{shot.rel}: {exc}")
            continue
        written.append(shot)
    return written, "; ".join(errors)


class AreaSaver:
    """Saves the areas of one world's sources, one write per area at a time."""

    def __init__(self, sources: WorldSources,
                 run_blocking: Callable[..., Deferred[Any]] | None = None) -> None:
        self.sources = sources
        self.run_blocking = run_blocking
        # Area -> the write running now; area -> who waits for the next one.
        self.running: dict[str, Deferred[Any]] = {}
        self.waiting: dict[str, list[Deferred[Outcome]]] = {}

    def save(self, area: str, by: str = "", address: str = "",
             transport: str = "") -> Deferred[Outcome]:
        """Save ``area``'s changes; fires with the Outcome (never fails)."""
        if area in self.running:
            mine: Deferred[Outcome] = Deferred()
            self.waiting.setdefault(area, []).append(mine)
            return mine
        shots = self.sources.snapshot(area)
        if not shots:
            return succeed(Outcome(area))
        run = self.run_blocking or run_in_thread
        _write_begins()
        try:
            writing = run(_write_all, shots)
        except Exception as exc:  # a thread pool that would not take it
            writing = Deferred()
            writing.errback(exc)
        self.running[area] = writing
        done: Deferred[Outcome] = Deferred()

        def finished(result: Any) -> None:
            _write_ends()
            del self.running[area]
            if isinstance(result, Failure):
                written, error = [], result.getErrorMessage() or repr(result.value)
            else:
                written, error = result
            self.sources.saved(written)
            outcome = Outcome(area, [(s.rel, len(s.values)) for s in written], error)
            self._report(outcome, by, address, transport)
            done.callback(outcome)
            waiting = self.waiting.pop(area, [])
            if waiting:
                again = self.save(area, by, address, transport)
                for waiter in waiting:
                    again.addCallback(_pass_to, waiter)
        writing.addBoth(finished)
        return done

    def save_changed(self, by: str = "") -> Deferred[list[Outcome]]:
        """Save every area with changes (and wait for any save already running)."""
        areas = sorted(set(self.sources.changed_areas()) | set(self.running))
        saves = [self.save(area, by) for area in areas]
        d = DeferredList(saves, consumeErrors=True)
        return d.addCallback(lambda results: [r for ok, r in results if ok])

    def busy(self) -> bool:
        return bool(self.running)

    @staticmethod
    def _report(outcome: Outcome, by: str, address: str, transport: str) -> None:
        files = ",".join(rel.split("/", 1)[-1] for rel, _ in outcome.files) or None
        if outcome.error:
            log.error("Saving area {area} failed: {error}", area=outcome.area,
                      error=outcome.error)
            audit("area_save_failed", by, address, transport, area=outcome.area,
                  files=files, error=outcome.error)
        elif outcome.files:
            log.info("Area {area} saved ({files}) by {by}", area=outcome.area, files=files,
                     by=by or "the autosave")
            audit("area_saved", by, address, transport, area=outcome.area, files=files,
                  entries=sum(n for _, n in outcome.files))


def _pass_to(outcome: Outcome, waiter: Deferred[Outcome]) -> Outcome:
    waiter.callback(outcome)
    return outcome


_SAVERS: weakref.WeakKeyDictionary[WorldSources, AreaSaver] = weakref.WeakKeyDictionary()


def saver_for(sources: WorldSources,
              run_blocking: Callable[..., Deferred[Any]] | None = None) -> AreaSaver:
    """The one AreaSaver of these sources (made the first time)."""
    found = _SAVERS.get(sources)
    if found is None:
        found = _SAVERS[sources] = AreaSaver(sources, run_blocking)
    elif run_blocking is not None:
        found.run_blocking = run_blocking
    return found


def save(ctx: Context, args: str) -> Deferred[Any] | None:
    """save [area [name|all]]

    'save' alone saves your character now, as for every player. 'save area' writes what
    builders changed in the area you are standing in back to its YAML files: only the
    rooms, items, NPCs and area settings that changed are rewritten; everything else in
    the files, comments included, stays as it was. 'save area NAME' saves that area,
    'save area all' (or 'save areas') every area with changes. Changed areas are also
    saved every few minutes and when the server stops.
    Example: save area village
    """
    words = args.lower().split()
    if not words or words[0] not in ("area", "areas"):
        # Not about areas: the character, as the player set's save does.
        player_save = command_set("player").commands.get("save")
        if player_save is not None and player_save.handler is not save:
            return player_save.handler(ctx, args)
    if not words or words[0] not in ("area", "areas") or len(words) > 2:
        raise Refusal("Save what? Type 'save area' (the area you are in), 'save area "
                      "NAME' or 'save area all'.")
    sources = getattr(ctx.world, "sources", None)
    if sources is None:
        raise Refusal("This world was not loaded from a world folder; there is nothing "
                      "to save it to.")
    session = ctx.account
    who = (ctx.actor.name, getattr(session, "peer", ""), getattr(session, "via", ""))
    saver = saver_for(sources)
    if words[0] == "areas" or words[-1] in ALL_WORDS:
        changed = sources.changed_areas()
        if not changed and not saver.busy():
            ctx.send(Message("No area has changes to save."))
            return succeed(None)
        areas = sorted(set(changed) | set(saver.running))
    else:
        area = words[1] if len(words) == 2 else _area_here(ctx)
        if area not in sources.areas():
            known = ", ".join(sources.areas()[:20])
            raise Refusal(f"There is no area '{area[:30]}'. Areas: {known}.")
        areas = [area]
    saves = [saver.save(area, *who) for area in areas]
    d = DeferredList(saves, consumeErrors=True)

    def told(results: list[tuple[bool, Any]]) -> None:
        for ok, outcome in results:
            if ok:
                ctx.send(Message(outcome.summary()))
    return d.addCallback(told)


def _area_here(ctx: Context) -> str:
    room = ctx.actor.room
    if room is None:
        raise Refusal("You are nowhere; name the area: save area NAME.")
    return str(room.area)


def attach(service: Any, seconds: float) -> AreaSaver | None:
    """Save the service's world's changed areas every ``seconds`` (0: never) and at its
    stop; writes run as the service runs blocking work (threads of their own)."""
    sources = getattr(service.game.world, "sources", None)
    if sources is None:
        return None
    saver = saver_for(sources, getattr(service, "run_blocking", None))
    if seconds > 0:
        timer = TimerService(seconds, _autosave, saver)
        timer.clock = service.clock
        timer.setName("area autosave")
        timer.setServiceParent(service)
    service.final_saves.append(lambda: saver.save_changed("stop"))
    return saver


def _autosave(saver: AreaSaver) -> Deferred[Any] | None:
    if not saver.sources.changed_areas():
        return None
    # A failed area save is logged and audited by the saver; the timer must live on.
    d = saver.save_changed("autosave")
    d.addErrback(lambda f: log.failure("area autosave failed", f))
    return d


def install() -> None:
    builder = command_set("builder")
    if "save" not in builder.commands:
        builder.register("save", family="building")(save)
