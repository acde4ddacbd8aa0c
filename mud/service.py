"""The MudService: one MultiService holding the game, its autosave timer and its listeners.

Start-up binds every listener (a busy port stops start-up with a clear message). A stop
takes at most ``stop_timeout`` seconds: it stops listening and autosaving, tells the
players, saves everything (a failing save is retried for ``save_grace`` seconds), closes
connections with a goodbye that says whether it worked and gives them a moment to take
it (Twisted drops whatever is left when the stop ends), writes anything still unsaved to a
fallback file (mud/unsaved.py), and closes the store. Under twistd, mud/process.py turns
the outcome into the exit status and bounds the whole process's stop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from twisted.application.internet import TimerService
from twisted.application.service import MultiService
from twisted.internet.defer import Deferred, gatherResults, maybeDeferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud import unsaved
from mud.errors import StartupError
from mud.game import FIRST_WRITE_WAIT, Game
from mud.listener import ListenerService
from mud.process import REBOOT, UNSAVED, ProcessControl
from mud.protocols.peer_limits import PeerLimits

log = Logger()


def _report_engine_failure(owner: str, what: str, exc: BaseException) -> None:
    log.failure("{what} failed for {owner}", Failure(exc), what=what, owner=owner or "?")

T = TypeVar("T")

# Of the stop's time: what closing connections may take to flush their goodbyes, and what
# is kept back for the fallback file; saving retries get the rest (up to save_grace).
CLOSE_GRACE_SECONDS = 2.0
FALLBACK_RESERVE_SECONDS = 2.0
# Stopping the listeners and the autosave timer (which waits for a running autosave).
CHILDREN_WAIT_SECONDS = 1.0
# What a final save that outlasted the stop's time gives.
_LATE = object()


def in_daemon_thread(reactor: Any, fn: Callable[..., T], *args: Any) -> Deferred[T]:
    """Run blocking ``fn`` in a thread of its own. Not the reactor's pool: that pool is
    joined when the reactor stops, so a write hung on a dead disk would hold the exit."""
    done: Deferred[T] = Deferred()

    def run() -> None:
        try:
            result = fn(*args)
        except BaseException:
            reactor.callFromThread(done.errback, Failure())
        else:
            reactor.callFromThread(done.callback, result)
    threading.Thread(target=run, daemon=True, name="mud-blocking").start()
    return done


class MudService(MultiService):
    def __init__(self, game: Game, clock: IReactorTime, autosave: float,
                 stop_timeout: float = 10.0, save_grace: float = 5.0,
                 fallback_dir: str | None = None,
                 run_blocking: Callable[..., Deferred[Any]] | None = None) -> None:
        super().__init__()
        self.game = game
        self.clock = clock
        # A stop ends within stop_timeout seconds; failing saves are retried for save_grace
        # of them, then what is unsaved goes to a file in fallback_dir (or a default place).
        self.stop_timeout = stop_timeout
        self.save_grace = save_grace
        self.fallback_dir = fallback_dir
        self.run_blocking = run_blocking or (lambda fn, *a: in_daemon_thread(clock, fn, *a))
        # Under twistd (control_process): signals, exit status, the last bound on a stop.
        self.process: ProcessControl | None = None
        # After a stop: 0, or process.UNSAVED when something could not be saved to the store;
        # and where the fallback file went, if one was written.
        self.exit_status = 0
        self.fallback_path: str | None = None
        self.listeners: list[ListenerService] = []
        # Per-address connection limits shared by the listeners (set by build_service).
        self.peer_limits: PeerLimits | None = None
        # Run after the game has saved and closed its sessions (e.g. closing feeds).
        self.closers: list[Callable[[], object]] = []
        # Other saves a stop makes besides the game's (the building system's changed areas,
        # mud/systems/building/saving.py): each is called when the final save starts and
        # again once every connection is closed (for what changed meanwhile), and waited
        # for while the stop's time allows.
        self.final_saves: list[Callable[[], Deferred[Any]]] = []
        self._final_saving: list[Deferred[Any]] = []
        # For the admin's ``stats``: when the service was built, and the last autosave's
        # end time and duration (seconds; None before the first).
        self.started = clock.seconds()
        self.last_save: tuple[float, float] | None = None
        # The admin's shutdown/reboot (mud/systems/admin/lifecycle.py) finds the service here.
        game.service = self  # type: ignore[attr-defined]
        # The world's timers and hooks report a failing behaviour to the server's log.
        game.world.scheduler.report = game.world.hooks.report = _report_engine_failure
        timer = TimerService(autosave, self._autosave)
        timer.clock = clock
        timer.setName("autosave")
        timer.setServiceParent(self)

    def listen(self, reactor: Any, description: str, factory: Factory, what: str) -> None:
        """Add a listener on a Twisted endpoint description (``tcp:4000``, ``ssl:...``)."""
        listener = ListenerService(reactor, description, factory, what)
        listener.setName(f"{what} {description}")
        listener.setServiceParent(self)
        self.listeners.append(listener)

    def ports(self, what: str = "telnet") -> list[int]:
        """The port numbers actually bound (tests ask for port 0)."""
        return [listener.port.getHost().port for listener in self.listeners
                if listener.what == what and listener.port is not None]

    def privilegedStartService(self) -> None:
        try:
            super().privilegedStartService()
        except StartupError as exc:
            for listener in self.listeners:
                if listener.port is not None:
                    listener.port.stopListening()
                    listener.port = None
            raise SystemExit(f"mud: {exc}") from None

    def _autosave(self) -> Deferred[None]:
        began = self.clock.seconds()

        def timed(result: object) -> object:
            now = self.clock.seconds()
            self.last_save = (now, now - began)
            return result
        d = maybeDeferred(self.game.autosave).addCallback(timed)
        d.addErrback(lambda f: log.failure("autosave failed", f))
        return d

    def request_stop(self, status: int = 0) -> bool:
        """Stop the process as SIGTERM does (players told, everything saved), exiting with
        ``status`` (unless saving fails: then process.UNSAVED). False where there is no
        process to stop (a server built in a test without twistd)."""
        if self.process is None:
            return False
        if not self.process.stopping:
            self.process.stopping = True
            self.process.status = status
            self.process.reactor.callLater(0, self.process.reactor.stop)
        return True

    def control_process(self, reactor: Any = None) -> ProcessControl:
        """Under twistd: take the stop signals, keep the exit status, bound the stop."""
        if reactor is None:
            from twisted.internet import reactor as default_reactor
            reactor = default_reactor
        self.process = ProcessControl(reactor)
        self.process.install()
        return self.process

    def stopService(self) -> Deferred[None]:
        began = self.clock.seconds()
        deadline = began + self.stop_timeout
        if self.process is not None:
            self.process.last_words = self._last_words
            self.process.unsaved = lambda: self.game.unsaved
            self.process.start_watchdog(self.stop_timeout)
        retry_for = max(0.0, min(self.save_grace, self.stop_timeout - CLOSE_GRACE_SECONDS
                                 - FALLBACK_RESERVE_SECONDS))
        d: Deferred[Any] = self._within(maybeDeferred(super().stopService),
                                        CHILDREN_WAIT_SECONDS)
        d.addCallback(lambda _: self._start_final_saves())
        restarting = self.process is not None and self.process.status == REBOOT
        d.addCallback(lambda _: self._within(self.game.shutdown(retry_for, restarting),
                                             max(retry_for, FIRST_WRITE_WAIT) + 1.0, False))
        d.addErrback(self._save_crashed)
        d.addCallback(lambda _: self._end_final_saves(deadline))
        # No world timer may outlive the service (nor be left on the reactor).
        d.addCallback(lambda _: self.game.world.scheduler.stop())
        d.addCallback(lambda _: self._run_closers())
        d.addCallback(lambda _: self._wait_for_connections(min(
            self.clock.seconds() + CLOSE_GRACE_SECONDS, deadline - FALLBACK_RESERVE_SECONDS)))
        d.addCallback(lambda _: self._keep_unsaved(deadline))
        d.addBoth(self._close_store)
        return d

    def _within(self, d: Deferred[Any], seconds: float, default: object = None) -> Deferred[Any]:
        """``d``'s result, or ``default`` if it has not come ``seconds`` from now."""
        out: Deferred[Any] = Deferred()

        def first(result: object) -> None:
            if timer.active():
                timer.cancel()
            if not out.called:
                out.callback(result)
            elif isinstance(result, Failure):
                log.failure("stopping: a late failure", result)

        def late() -> None:
            if not out.called:
                out.callback(default)
        timer = self.clock.callLater(max(seconds, 0.0), late)
        d.addBoth(first)
        return out

    def _start_final_saves(self) -> None:
        self._final_saving = [maybeDeferred(save) for save in self.final_saves]

    def _end_final_saves(self, deadline: float) -> Deferred[Any] | None:
        if not self.final_saves:
            return None
        saving = self._final_saving + [maybeDeferred(save) for save in self.final_saves]
        for d in saving:
            d.addErrback(lambda f: log.failure("a final save failed", f))
        wait = deadline - self.clock.seconds() - CLOSE_GRACE_SECONDS - FALLBACK_RESERVE_SECONDS

        def late(result: object) -> None:
            if result is _LATE:
                log.warn("The final saves of changed areas did not finish within the stop's "
                         "time; their files are as they were before (each is written whole "
                         "or not at all).")
        return self._within(gatherResults(saving), max(wait, 0.0), _LATE).addCallback(late)

    def _save_crashed(self, failure: Failure) -> bool:
        log.failure("final save failed", failure)
        return False

    def _realm_of_store(self) -> str | None:
        """The realm whose rows a PostgreSQL store holds; None for SQLite."""
        realm = getattr(self.game.store, "realm", None)
        return realm if isinstance(realm, str) else None

    def _run_closers(self) -> None:
        for close in self.closers:
            try:
                close()
            except Exception:
                log.failure("closing at shutdown failed")

    def _wait_for_connections(self, until: float) -> Deferred[None]:
        # Closed connections flush their goodbyes; one that does not finish by ``until``
        # (a client that stopped reading) is dropped by Twisted when the stop ends.
        if not self.game.sessions or self.clock.seconds() >= until:
            return succeed(None)
        d: Deferred[None] = Deferred()
        self.clock.callLater(0.05, d.callback, None)
        return d.addCallback(lambda _: self._wait_for_connections(until))

    # -- what could not be saved ------------------------------------------------------------------

    def _keep_unsaved(self, deadline: float) -> Deferred[None] | None:
        if not self.game.unsaved:
            return None
        snapshot = self.game.saves.unsaved_snapshot()
        self.exit_status = UNSAVED
        if self.process is not None:
            self.process.status = UNSAVED
        data = unsaved.encode(snapshot, self.game.store.data_dir, self.clock.seconds())
        places = unsaved.places(self.fallback_dir, self.game.store.data_dir)
        writing = self.run_blocking(unsaved.write, data, places, self.clock.seconds())

        def written(path: object) -> None:
            if isinstance(path, Failure):
                self._unsaved_nowhere(path.getErrorMessage(), data)
                return
            if path is None:
                self._unsaved_nowhere("it took too long", data)
                return
            self.fallback_path = str(path)
            log.critical("Saving failed until the stop: {n} characters and {m} item places "
                         "that could not be saved are in {path}. Fix the data directory, then, "
                         "with the server stopped, restore them: {command}",
                         n=len(snapshot.characters), m=len(snapshot.items), path=path,
                         command=unsaved.restore_command(str(path), self._realm_of_store()))
        # Keep a moment for the watchdog, past the deadline, to have the last word.
        wait = max(0.0, deadline - self.clock.seconds() - 0.25)
        return self._within(writing, wait).addBoth(written)

    def _unsaved_nowhere(self, why: str, data: bytes) -> None:
        log.critical("Saving failed until the stop and the fallback file could not be "
                     "written either ({why}). The unsaved records follow: keep them as a "
                     ".json file and restore it with {command}\n{json}", why=why,
                     command=unsaved.restore_command("FILE", self._realm_of_store()),
                     json=data.decode("utf-8"))

    def _last_words(self) -> str:
        if self.fallback_path:
            return f"What could not be saved is in {self.fallback_path}."
        if not self.game.unsaved:
            return "Everything was saved."
        data = unsaved.encode(self.game.saves.unsaved_snapshot(), self.game.store.data_dir,
                              self.clock.seconds())
        return ("Not saved (keep this as a .json file and restore it with "
                f"{unsaved.restore_command('FILE', self._realm_of_store())}):\n"
                f"{data.decode('utf-8')}")

    def _close_store(self, result: object) -> object:
        if isinstance(result, Failure):
            log.failure("shutdown", result)
        if self.game.saves.writing:
            # Closing joins the store's thread, stuck in that write: leave it to the exit.
            log.warn("A save is still hung at the end of the stop; not waiting for it.")
        else:
            self.game.store.close()
        return None
