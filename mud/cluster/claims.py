"""One body per account across the cluster: realms claim characters in the shared store.

Daemons sharing one PostgreSQL store may each run a realm; a character must be in at most
one of them at a time, or two daemons would each save their own copy over the other's.
Before a character is loaded into this realm, its row in the store's ``online`` table is
claimed for this realm. A claim another realm holds refuses the login in words ("Bram is
in the game in realm north"); one whose realm has stopped beating for ``stale_after``
seconds (a daemon killed outright) is taken over. Claims are given back once the
character's last save has landed, so the next realm loads what this one wrote; a realm
gives back all of its own at start (left over from a crash) and at a clean stop.

The beat is one UPDATE for all of this realm's claims every ``beat`` seconds: nothing is
done per player on the timer. It answers how many claims it kept; fewer than this realm
has characters in the game means another realm took some over (this realm's store was
away for longer than a claim lasts): only then are the claims read, and each character
whose claim is gone leaves the game here unsaved (``lost``), its player told why, since
the other realm's play is the one that counts now (the store does not write a character
another realm holds either).

A claim is given back only when nothing of this realm holds the character: not in the
game, no login of it loading (``loading``), nothing of it unsaved.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.failure import Failure

log = Logger()

# Seconds between beats, and how long a realm may miss them before its claims lapse.
BEAT = 20.0
STALE_AFTER = 90.0


def held_elsewhere(name: str, realm: str) -> str:
    """What a player is told when the character is in the game in another realm."""
    return (f"{name} is in the game in realm {realm} just now: quit there first (if that "
            f"realm's server stopped without saying so, this works again within "
            f"{int(STALE_AFTER)} seconds).")


class RealmClaims(Service):
    """This realm's claims on characters in a shared store (see the module docstring)."""

    def __init__(self, store: Any, realm: str, clock: Any, beat: float = BEAT,
                 stale_after: float = STALE_AFTER) -> None:
        self.store = store
        self.realm = realm
        self.clock = clock
        self.beat_every = beat
        self.stale_after = stale_after
        self._loop: LoopingCall | None = None
        # Beats that failed in a row (the store away): logged on the first and on return.
        self.failed_beats = 0
        # Logins of each key under way here (claimed or being claimed, not yet in the game).
        self.loading: Counter[str] = Counter()
        # The keys of this realm's characters in the game (the world's ``online``), and
        # what to do with one whose claim another realm took: set by the server.
        self.held: Callable[[], Collection[str]] = lambda: ()
        self.lost: Callable[[str], None] = lambda key: None

    def claim(self, key: str) -> Deferred[str | None]:
        """Claim ``key`` for this realm: fires None when it is ours now, else the name of
        the realm that holds it. Fails with StoreUnavailable when the store is away."""
        result: Deferred[str | None] = self.store.claim(key, self.realm, self.clock.seconds(),
                                                        self.stale_after)
        return result

    def release(self, key: str) -> Deferred[bool]:
        """Give ``key`` back (its last save has landed): fires True, or False when the
        store could not be reached (logged; the caller tries again later)."""
        def failed(failure: Failure) -> bool:
            log.warn("could not give back the claim on {key} in the shared store: {why}",
                     key=key, why=failure.getErrorMessage())
            return False
        d: Deferred[Any] = self.store.release(key, self.realm)
        return d.addCallbacks(lambda _: True, failed)

    # -- the service: give back leftovers, beat, give back at a clean stop -----------------

    def startService(self) -> None:
        super().startService()
        # What a crash left: the claims of this realm's previous run.
        self.give_back_all()
        loop = self._loop = LoopingCall(self._beat)
        loop.clock = self.clock
        loop.start(self.beat_every, now=False)

    def _beat(self) -> Deferred[None]:
        def beaten(kept: object) -> Deferred[None] | None:
            if self.failed_beats:
                log.info("the shared store answers again: realm {realm}'s claims are kept "
                         "alive", realm=self.realm)
            self.failed_beats = 0
            if isinstance(kept, int) and kept < len(self.held()):
                return self._check()
            return None

        def failed(failure: Failure) -> None:
            self.failed_beats += 1
            if self.failed_beats == 1:
                log.warn("could not renew realm {realm}'s claims in the shared store "
                         "({why}); retrying every {every:g}s", realm=self.realm,
                         why=failure.getErrorMessage(), every=self.beat_every)
        d: Deferred[None] = self.store.beat(self.realm, self.clock.seconds())
        return d.addCallbacks(beaten, failed)

    def _check(self) -> Deferred[None]:
        """Some claims were taken over: the characters here whose claim is gone leave."""
        def compare(ours: set[str]) -> None:
            for key in [k for k in self.held() if k not in ours]:
                log.critical("realm {realm} lost its claim on {key} to another realm (the "
                             "shared store was away longer than {stale:g} s): it leaves the "
                             "game here unsaved", realm=self.realm, key=key,
                             stale=self.stale_after)
                self.lost(key)
        d: Deferred[set[str]] = self.store.claimed(self.realm)
        return d.addCallback(compare).addErrback(
            lambda f: log.warn("could not read realm {realm}'s claims: {why}",
                               realm=self.realm, why=f.getErrorMessage()))

    def stopService(self) -> None:
        # The claims themselves are given back by the server once its final save is done
        # (give_back_all, a closer of the MudService), not here: before that save, another
        # realm would load what this one has not written yet.
        super().stopService()
        if self._loop is not None and self._loop.running:
            self._loop.stop()

    def give_back_all(self) -> Deferred[None]:
        """Give back every claim of this realm (at start, a crash's leftovers; at a clean
        stop, once everything is saved)."""
        d: Deferred[Any] = self.store.release_realm(self.realm)
        d.addErrback(lambda f: log.warn("could not give back realm {realm}'s claims: {why}",
                                        realm=self.realm, why=f.getErrorMessage()))
        return d.addCallback(lambda _: None)


def attach(game: Any, realm: str, clock: Any) -> RealmClaims:
    """Give ``game`` claims on its characters in its (shared) store, as realm ``realm``:
    the service that beats them (to be started with the server), told which characters
    are in the game here and what to do with one whose claim another realm took."""
    claims = RealmClaims(game.store, realm, clock)
    game.connections.claims = claims
    claims.held = game.world.online.keys
    claims.lost = game.connections.claim_lost
    return claims
