"""The MudService: one MultiService holding the game, its autosave timer and its listeners.

Start-up binds every listener (a busy port stops start-up with a clear message); shut-down
stops listening and autosaving, tells the players, saves everything, closes connections
(giving them a moment to flush their goodbyes) and closes the store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.application.internet import TimerService
from twisted.application.service import MultiService
from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.python.failure import Failure

from mud.errors import StartupError
from mud.game import Game
from mud.listener import ListenerService
from mud.protocols.peer_limits import PeerLimits

log = Logger()

CLOSE_GRACE_SECONDS = 2.0


class MudService(MultiService):
    def __init__(self, game: Game, clock: IReactorTime, autosave: float) -> None:
        super().__init__()
        self.game = game
        self.clock = clock
        self.listeners: list[ListenerService] = []
        # Per-address connection limits shared by the listeners (set by build_service).
        self.peer_limits: PeerLimits | None = None
        # Run after the game has saved and closed its sessions (e.g. closing feeds).
        self.closers: list[Callable[[], object]] = []
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
        d = maybeDeferred(self.game.autosave)
        d.addErrback(lambda f: log.failure("autosave failed", f))
        return d

    def stopService(self) -> Deferred[None]:
        d: Deferred[Any] = maybeDeferred(super().stopService)
        d.addCallback(lambda _: self.game.shutdown())
        d.addErrback(lambda f: log.failure("final save failed", f))
        d.addCallback(lambda _: self._run_closers())
        d.addCallback(lambda _: self._wait_for_connections(self.clock.seconds()))
        d.addBoth(self._close_store)
        return d

    def _run_closers(self) -> None:
        for close in self.closers:
            try:
                close()
            except Exception:
                log.failure("closing at shutdown failed")

    def _wait_for_connections(self, started: float) -> Deferred[None]:
        if not self.game.sessions or self.clock.seconds() - started > CLOSE_GRACE_SECONDS:
            return succeed(None)
        d: Deferred[None] = Deferred()
        self.clock.callLater(0.05, d.callback, None)
        return d.addCallback(lambda _: self._wait_for_connections(started))

    def _close_store(self, result: object) -> object:
        self.game.store.close()
        if isinstance(result, Failure):
            log.failure("shutdown", result)
        return None
