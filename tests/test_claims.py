"""One body per account across realms (mud/cluster/claims.py) on a store that keeps claims
in memory, as the shared PostgreSQL store keeps them in its ``online`` table."""

from __future__ import annotations

from typing import Any

from twisted.internet import task
from twisted.internet.defer import Deferred, fail, succeed

from mud.cluster.claims import BEAT, RealmClaims, attach
from mud.persistence.store import StoreUnavailable
from tests.support import LateStore, MemoryStore, WirePlayer, joined_player, make_game


class ClaimingStore(LateStore):
    """Claims as a shared store keeps them: key -> (realm, last beat)."""

    def __init__(self) -> None:
        super().__init__()
        self.hold_saves = False
        self.online: dict[str, tuple[str, float]] = {}
        self.calls: list[tuple[str, ...]] = []
        self.down = False

    def claim(self, key: str, realm: str, now: float, stale_after: float
              ) -> Deferred[str | None]:
        self.calls.append(("claim", key, realm))
        if self.down:
            return fail(StoreUnavailable("postgresql: connection refused"))
        held = self.online.get(key)
        if held is not None and held[0] != realm and now - held[1] < stale_after:
            return succeed(held[0])
        self.online[key] = (realm, now)
        return succeed(None)

    def release(self, key: str, realm: str) -> Deferred[None]:
        self.calls.append(("release", key, realm))
        if self.online.get(key, ("",))[0] == realm:
            del self.online[key]
        return succeed(None)

    def beat(self, realm: str, now: float) -> Deferred[int]:
        self.calls.append(("beat", realm))
        if self.down:
            return fail(StoreUnavailable("postgresql: connection refused"))
        kept = 0
        for key, (owner, _) in list(self.online.items()):
            if owner == realm:
                self.online[key] = (owner, now)
                kept += 1
        return succeed(kept)

    def claimed(self, realm: str) -> Deferred[set[str]]:
        return succeed({key for key, (owner, _) in self.online.items() if owner == realm})

    def release_realm(self, realm: str) -> Deferred[None]:
        self.calls.append(("release_realm", realm))
        for key, (owner, _) in list(self.online.items()):
            if owner == realm:
                del self.online[key]
        return succeed(None)


def realm_game(store: ClaimingStore, realm: str, clock: task.Clock | None = None) -> Any:
    game = make_game(store=store, clock=clock or task.Clock())
    attach(game, realm, game.world.clock)
    return game


class HeldClaims(ClaimingStore):
    """Claims answered when the test says: as a one-connection pool runs them, the row
    changes in submission order and the answer reaches the reactor later."""

    def __init__(self) -> None:
        super().__init__()
        self.hold_claims = False
        self.held: list[tuple[Deferred[Any], Deferred[Any]]] = []

    def claim(self, key: str, realm: str, now: float, stale_after: float
              ) -> Deferred[str | None]:
        result = super().claim(key, realm, now, stale_after)
        if not self.hold_claims:
            return result
        d: Deferred[str | None] = Deferred()
        self.held.append((d, result))
        return d

    def answer_claim(self) -> None:
        d, result = self.held.pop(0)
        result.chainDeferred(d)


def test_a_character_in_the_game_in_another_realm_is_refused_in_words() -> None:
    store = ClaimingStore()
    north, south = realm_game(store, "north"), realm_game(store, "south")
    joined_player(north, "Wynn").type("quit")
    assert "wynn" not in store.online
    bram = joined_player(north, "Bram")
    assert store.online["bram"][0] == "north"
    late = WirePlayer(south)
    late.read()
    out = late.type("connect bram secret1")
    assert "Bram is in the game in realm north just now: quit there first" in out
    assert "bram" not in south.world.online
    # Quitting in north gives the claim back once the save lands: south may load it now.
    bram.type("quit")
    assert "bram" not in store.online
    out = late.type("connect bram secret1")
    assert "bram" in south.world.online and store.online["bram"][0] == "south"


def test_a_claim_whose_realm_stopped_beating_is_taken_over() -> None:
    store = ClaimingStore()
    clock = task.Clock()
    north, south = realm_game(store, "north", clock), realm_game(store, "south", clock)
    joined_player(north, "Kip")
    clock.advance(60)
    refused = WirePlayer(south)
    refused.read()
    assert "in realm north" in refused.type("connect kip secret1")
    clock.advance(31)   # 91 s without a beat from north: its daemon is taken for dead
    taker = WirePlayer(south)
    taker.read()
    taker.type("connect kip secret1")
    assert "kip" in south.world.online and store.online["kip"][0] == "south"


def test_a_failed_save_keeps_the_claim_until_a_save_lands() -> None:
    store = ClaimingStore()
    game = realm_game(store, "north")
    nora = joined_player(game, "Nora")
    store.hold_saves = True
    nora.type("quit")
    store.finish_save(ok=False)
    # Another realm must not load a character whose last state is only in this memory.
    assert store.online["nora"][0] == "north"
    store.hold_saves = False
    d = game.autosave()
    assert d.called
    assert "nora" not in store.online


def test_the_store_away_at_login_refuses_without_entering() -> None:
    store = ClaimingStore()
    game = realm_game(store, "north")
    joined_player(game, "Pipa").type("quit")
    store.down = True
    player = WirePlayer(game)
    player.read()
    out = player.type("connect pipa secret1")
    assert "The server cannot write to its storage just now" in out
    assert "What name do you go by?" in out
    assert "pipa" not in game.world.online


def test_beats_renew_the_realms_claims_on_the_clock_and_a_stop_keeps_them() -> None:
    store = ClaimingStore()
    clock = task.Clock()
    claims = RealmClaims(store, "north", clock)
    store.online["old"] = ("north", 0.0)
    claims.startService()
    # Leftovers of a crash are given back at start.
    assert "old" not in store.online
    store.online["ann"] = ("north", 0.0)
    clock.advance(BEAT)
    assert store.online["ann"] == ("north", BEAT)
    store.down = True
    clock.advance(BEAT)
    clock.advance(BEAT)
    assert claims.failed_beats == 2
    store.down = False
    clock.advance(BEAT)
    assert claims.failed_beats == 0 and store.online["ann"] == ("north", 4 * BEAT)
    claims.stopService()
    # Only the server's closer gives them back, after the final save.
    assert "ann" in store.online
    claims.give_back_all()
    assert "ann" not in store.online
    beats = sum(1 for call in store.calls if call[0] == "beat")
    clock.advance(10 * BEAT)
    assert sum(1 for call in store.calls if call[0] == "beat") == beats


def test_a_lone_daemon_claims_nothing() -> None:
    store = MemoryStore()
    game = make_game(store=store)
    assert game.connections.claims is None
    joined_player(game, "Tamsin")
    assert "tamsin" in game.world.online


def test_a_release_the_store_missed_is_made_after_the_next_save_that_lands() -> None:
    store = ClaimingStore()
    game = realm_game(store, "north")
    cleo = joined_player(game, "Cleo")
    real_release = store.release
    store.release = lambda key, realm: fail(StoreUnavailable("postgresql: gone"))
    cleo.type("quit")
    assert store.online["cleo"][0] == "north"
    store.release = real_release
    game.autosave()
    assert "cleo" not in store.online


def test_quit_and_straight_back_in_while_the_save_is_written_keeps_the_claim() -> None:
    # The reviewer's race: the quit's save lands while the new login is claimed but still
    # loading, and gave the claim back under it: Nora was then let into south as well.
    store = HeldClaims()
    clock = task.Clock()
    north, south = realm_game(store, "north", clock), realm_game(store, "south", clock)
    nora = joined_player(north, "Nora")
    store.hold_saves = True
    nora.type("quit")
    store.hold_claims = True
    again = WirePlayer(north)
    again.read()
    again.type("connect nora secret1")
    store.finish_save(ok=True)
    store.answer_claim()
    store.hold_claims = store.hold_saves = False
    assert "nora" in north.world.online and store.online["nora"][0] == "north"
    other = WirePlayer(south)
    other.read()
    assert "in realm north" in other.type("connect nora secret1")
    assert "nora" not in south.world.online


def test_a_second_login_dropping_before_its_claim_answers_leaves_the_first_its_claim() -> None:
    store = HeldClaims()
    clock = task.Clock()
    north, south = realm_game(store, "north", clock), realm_game(store, "south", clock)
    joined_player(north, "Kip").type("quit")
    store.hold_claims = True
    first, second = WirePlayer(north), WirePlayer(north)
    for player in (first, second):
        player.read()
        player.type("connect kip secret1")
    store.answer_claim()
    assert "kip" in north.world.online
    second.drop()
    store.answer_claim()
    store.hold_claims = False
    assert store.online["kip"][0] == "north"
    other = WirePlayer(south)
    other.read()
    assert "in realm north" in other.type("connect kip secret1")


def test_a_login_lost_while_loading_gives_its_claim_back() -> None:
    store = ClaimingStore()
    clock = task.Clock()
    north, south = realm_game(store, "north", clock), realm_game(store, "south", clock)
    joined_player(north, "Pipa").type("quit")
    store.hold_reads = True
    lost = WirePlayer(north)
    lost.read()
    lost.type("connect pipa secret1")
    lost.drop()
    store.answer_read()
    store.hold_reads = False
    assert "pipa" not in north.world.online and "pipa" not in store.online
    other = WirePlayer(south)
    other.read()
    other.type("connect pipa secret1")
    assert "pipa" in south.world.online


def test_a_claim_taken_over_while_the_store_was_away_takes_the_body_out_here_unsaved() -> None:
    store = ClaimingStore()
    clock = task.Clock()
    north, south = realm_game(store, "north", clock), realm_game(store, "south", clock)
    north.connections.claims.startService()
    rowan = joined_player(north, "Rowan")
    clock.advance(5)
    store.down = True
    for _ in range(10):
        clock.advance(10)
    assert "You say" in rowan.type("say still here")
    store.down = False
    other = WirePlayer(south)
    other.read()
    other.type("connect rowan secret1")
    # South took the lapsed claim; north learns it at its next beat and lets go.
    assert "rowan" in south.world.online
    saves = len(store.characters)
    clock.advance(BEAT)
    assert "rowan" not in north.world.online
    assert "taken up in another realm" in rowan.read() and rowan.closed
    assert store.online["rowan"][0] == "south" and len(store.characters) == saves
    north.connections.claims.stopService()
