"""What the admin HTTP API's refusals may cost the server (a reviewer's flood: thousands of
tokenless requests pipelined on one connection each made a store query and an audit line).
Without sockets: requests written into the real Site over a StringTransport, the game on a
MemoryStore that counts its token reads, time on a task.Clock. A header with nothing of a
token's form is refused without the store; the stored hashes are kept CACHE_SECONDS; an
address refused too often is answered 429 with Retry-After, unchecked, until its wait ends;
refusals are audited as one line and then one summary a minute per address.
(Over a real socket: tests/e2e/test_admin_api_flood.py.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.defer import Deferred, fail
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from mud import api_refusals, api_tokens
from mud.api_tokens import ApiTokens
from mud.persistence.store import StoreUnavailable
from mud.protocols.web import make_site
from tests.support import MemoryStore, make_game

PEER = "192.0.2.7"
FREE = api_refusals.FREE_FAILURES
WRONG = "mud_admin_" + "A" * 43  # a token's form, but no token


class CountingStore(MemoryStore):
    """A MemoryStore that counts its reads of the token table."""

    def __init__(self) -> None:
        super().__init__()
        self.token_reads = 0

    def api_tokens(self) -> Deferred[Any]:
        self.token_reads += 1
        return super().api_tokens()


class Site:
    """The web Site of a game on a CountingStore, asked one request per call."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.clock.advance(1000)
        self.store = CountingStore()
        self.game = make_game(clock=self.clock, store=self.store)
        self.site = make_site(self.game)
        self.site.reactor = self.clock
        self.guard = self.site.admin_api.guard

    def token(self, label: str = "ops") -> str:
        made: list[Any] = []
        api_tokens.create(self.store, label, 100.0).addBoth(made.append)
        assert isinstance(made[0], str), made
        return made[0]

    def call(self, authorization: str | None = None, path: str = "/api/admin/who",
             peer: Any = None) -> tuple[int, dict[str, str], Any]:
        peer = peer or IPv4Address("TCP", PEER, 5555)
        protocol = self.site.buildProtocol(peer)
        transport = StringTransport(peerAddress=peer)
        protocol.makeConnection(transport)
        head = "Host: localhost\r\n"
        if authorization is not None:
            head += f"Authorization: {authorization}\r\n"
        protocol.dataReceived(f"GET {path} HTTP/1.1\r\n{head}\r\n".encode())
        response = transport.value()
        protocol.connectionLost(None)
        head_bytes, _, content = response.partition(b"\r\n\r\n")
        lines = head_bytes.decode("latin-1").split("\r\n")
        fields = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
        start = content.find(b"{")
        body = json.loads(content[start:content.rfind(b"}") + 1]) if start >= 0 else content
        return int(lines[0].split()[1]), fields, body


@pytest.fixture
def api() -> Site:
    return Site()


def refusals(lines: list[dict[str, str]]) -> list[dict[str, str]]:
    return [line for line in lines if line["event"] == "api_refused"]


# -- (1) nothing of a token's form: no store ---------------------------------------------------

def test_a_header_without_a_tokens_form_is_refused_without_asking_the_store(api):
    api.token()
    reads = api.store.token_reads
    for header in (None, "Basic b3BzOng=", "Bearer", "Bearer ", "Bearer wrong",
                   "Bearer mud_admin_short", "Bearer mud_admin_" + "!" * 43,
                   "Bearer xyz_admin_" + "A" * 43, "Bearer mud_admin_" + "A" * 44):
        status, headers, body = api.call(header)
        assert status == 401 and body["error"] == "unauthorized", header
        assert headers["www-authenticate"].startswith('Bearer realm="emberfall-admin"')
    assert api.store.token_reads == reads
    # A value of a token's form is looked up.
    assert api.call(f"Bearer {WRONG}")[0] == 401
    assert api.store.token_reads == reads + 1


@pytest.mark.parametrize("value,ok", [
    (api_tokens.new_token(), True), (WRONG, True), ("mud_admin_" + "-_aZ09" * 7 + "x", True),
    (None, False), ("", False), ("mud_admin_", False), ("mud_admin_" + "A" * 42, False),
    ("MUD_ADMIN_" + "A" * 43, False), ("mud_admin_" + "A" * 42 + "=", False),
    ("mud_admin_" + "A" * 42 + "\u00e9", False)])
def test_the_form_of_a_token(value, ok):
    assert api_tokens.well_formed(value) is ok


# -- (2) the stored hashes kept for a moment ---------------------------------------------------

def test_wrong_tokens_read_the_store_once_per_cache_time():
    clock = Clock()
    store = CountingStore()
    checker = ApiTokens(store, clock.seconds)
    answers: list[Any] = []
    for _ in range(50):
        checker.check(WRONG).addCallback(answers.append)
    assert answers == [None] * 50 and store.token_reads == 1
    clock.advance(api_tokens.CACHE_SECONDS - 0.1)
    checker.check(WRONG)
    assert store.token_reads == 1
    clock.advance(0.1)
    checker.check(WRONG)
    assert store.token_reads == 2


def test_a_token_from_the_shell_counts_within_the_cache_time_one_made_here_at_once():
    clock = Clock()
    store = CountingStore()
    checker = ApiTokens(store, clock.seconds)
    answers: list[Any] = []
    checker.check(WRONG).addCallback(answers.append)
    # Another process (mud-admin-token) writes straight to the database: not seen at once...
    shell_token = api_tokens.new_token()
    store.add_api_token("shell", api_tokens.digest(shell_token), 1.0)
    checker.check(shell_token).addCallback(answers.append)
    clock.advance(api_tokens.CACHE_SECONDS)
    # ...but once the copy is older than CACHE_SECONDS.
    checker.check(shell_token).addCallback(answers.append)
    assert answers == [None, None, "shell"]
    # One made or revoked through this process's store counts at the next request.
    here = api_tokens.create(store, "here", 1.0)
    made: list[Any] = []
    here.addCallback(made.append)
    checker.check(made[0]).addCallback(answers.append)
    api_tokens.revoke(store, "shell")
    checker.check(shell_token).addCallback(answers.append)
    assert answers[3:] == ["here", None]


def test_checks_during_a_read_share_it_and_a_failed_read_is_not_kept():
    clock = Clock()
    pending: list[Deferred[Any]] = []

    class Slow(CountingStore):
        def api_tokens(self) -> Deferred[Any]:
            self.token_reads += 1
            d: Deferred[Any] = Deferred()
            pending.append(d)
            return d
    store = Slow()
    checker = ApiTokens(store, clock.seconds)
    token = api_tokens.new_token()
    outcomes: list[Any] = []
    for presented in (token, WRONG, token):
        checker.check(presented).addBoth(outcomes.append)
    assert store.token_reads == 1 and outcomes == []
    pending[0].errback(StoreUnavailable("disk on fire"))
    assert [o.check(StoreUnavailable) for o in outcomes] == [StoreUnavailable] * 3
    outcomes.clear()
    checker.check(token).addBoth(outcomes.append)  # not kept: read again
    assert store.token_reads == 2
    pending[1].callback([("ops", api_tokens.digest(token), 1.0, None)])
    assert outcomes == ["ops"]


def test_a_store_that_raises_at_once_leaves_no_check_hanging():
    class Raising(CountingStore):
        def api_tokens(self) -> Deferred[Any]:
            self.token_reads += 1
            raise StoreUnavailable("closed")
    store = Raising()
    checker = ApiTokens(store, Clock().seconds)
    outcomes: list[Any] = []
    checker.check(WRONG).addErrback(outcomes.append)
    checker.check(WRONG).addErrback(outcomes.append)
    assert [o.check(StoreUnavailable) for o in outcomes] == [StoreUnavailable] * 2
    assert store.token_reads == 2


def test_a_store_that_cannot_be_read_is_still_a_503_and_counts_no_failure(api):
    class Broken(CountingStore):
        def api_tokens(self) -> Deferred[Any]:
            return fail(StoreUnavailable("disk on fire"))
    api.site.admin_api.tokens.store = Broken()
    for _ in range(FREE + 2):
        status, _, body = api.call(f"Bearer {WRONG}")
        assert status == 503 and body["error"] == "unavailable"


# -- (3) the throttle ------------------------------------------------------------------------

def test_an_address_refused_too_often_gets_429_until_its_wait_ends_but_a_good_token_is_served(api):
    good = api.token()
    for n in range(FREE):
        assert api.call(f"Bearer {WRONG}" if n % 2 else None)[0] == 401
    reads = api.store.token_reads
    status, headers, body = api.call(f"Bearer {WRONG}")
    assert status == 429 and headers["retry-after"] == "1"
    assert body["error"] == "too_many_requests" and "wait 1 second " in body["message"]
    # Held back: what is not a good token gets 429, and wrong values of a token's form
    # read the store at most once in the cache time (nothing at all without that form).
    for n in range(200):
        assert api.call(f"Bearer {WRONG}" if n % 2 else "Bearer nonsense")[0] == 429
    assert api.store.token_reads <= reads + 1
    # Another address is not held back.
    other = IPv4Address("TCP", "198.51.100.9", 5555)
    assert api.call(f"Bearer {good}", peer=other)[0] == 200
    # When the wait ends, one more is checked; a refusal doubles the wait (not the 429s).
    api.clock.advance(1)
    assert api.call(f"Bearer {WRONG}")[0] == 401
    assert api.call(f"Bearer {WRONG}")[1]["retry-after"] == "2"
    # A good token is served even while its address is held back (others behind the same
    # proxy or host must not lock the admin out), and it ends the address's count.
    assert api.call(f"Bearer {good}")[0] == 200
    assert api.call(f"Bearer {WRONG}")[0] == 401


def test_a_slow_prober_for_days_never_overflows_the_wait(api):
    # One refusal each time the wait ends, for days: the count passes 1,100 and the wait
    # stays at its bound (2.0 ** 1100 overflowed a float: every request then a 500).
    for _ in range(1200):
        api.guard.failed(PEER)
    assert api.guard.wait(PEER) == api_refusals.MAX_WAIT
    good = api.token()
    assert api.call(f"Bearer {good}")[0] == 200


def test_the_wait_is_bounded_and_forgotten_after_quiet_minutes(api):
    guard = api.guard
    for _ in range(FREE + 20):
        guard.failed(PEER)
    assert guard.wait(PEER) == api_refusals.MAX_WAIT
    api.clock.advance(api_refusals.MAX_WAIT)
    assert guard.wait(PEER) == 0
    guard.failed(PEER)
    api.clock.advance(api_refusals.FORGET + 1)
    assert guard.wait(PEER) == 0 and guard.throttle.failures.get("ip:" + PEER) is None


def test_an_ipv6_network_is_throttled_as_one_address(api):
    for n in range(FREE):
        api.call(None, peer=IPv6Address("TCP", f"2001:db8::{n + 1}", 5555))
    assert api.call(None, peer=IPv6Address("TCP", "2001:db8::ff", 5555))[0] == 429
    assert api.call(None, peer=IPv6Address("TCP", "2001:db8:1::1", 5555))[0] == 401


# -- (4) the audit lines -------------------------------------------------------------------------

def test_a_flood_is_one_audit_line_then_one_summary_a_minute(api, audit_lines):
    for _ in range(300):
        api.call(None)
    first = refusals(audit_lines)
    assert len(first) == 1
    assert first[0]["why"] == "no token" and first[0]["address"] == PEER
    assert first[0]["path"] == "who" and "count" not in first[0]
    api.clock.advance(api_refusals.AUDIT_WINDOW - 1)
    assert len(refusals(audit_lines)) == 1
    api.clock.advance(1)
    summary = refusals(audit_lines)[-1]
    assert len(refusals(audit_lines)) == 2
    assert summary["count"] == "299" and summary["seconds"] == "60"
    assert summary["why"] == f"{299 - (FREE - 1)} throttled, {FREE - 1} no token"
    assert summary["address"] == PEER and summary["transport"] == "http"
    # Still coming: counted on, one summary at the next minute's end.
    api.clock.advance(30)
    for _ in range(5):
        api.call(None)
    assert len(refusals(audit_lines)) == 2
    api.clock.advance(30)
    assert len(refusals(audit_lines)) == 3 and refusals(audit_lines)[-1]["count"] == "5"
    # A minute with none ends the run (no line for it): the next refusal is a line again.
    api.clock.advance(api_refusals.AUDIT_WINDOW)
    assert len(refusals(audit_lines)) == 3
    api.clock.advance(api_refusals.MAX_WAIT)
    api.call(f"Bearer {WRONG}")
    assert len(refusals(audit_lines)) == 4
    assert refusals(audit_lines)[-1]["why"] == "wrong token"
    assert "count" not in refusals(audit_lines)[-1]


def test_each_address_has_its_own_line_and_a_stop_writes_what_is_pending(api, audit_lines):
    other = IPv4Address("TCP", "198.51.100.9", 5555)
    for _ in range(3):
        api.call(None)
        api.call(f"Bearer {WRONG}", peer=other)
    assert [line["address"] for line in refusals(audit_lines)] == [PEER, "198.51.100.9"]
    api.guard.startService()
    api.guard.stopService()
    summaries = refusals(audit_lines)[2:]
    assert [(s["address"], s["count"], s["why"]) for s in summaries] == [
        (PEER, "2", "2 no token"), ("198.51.100.9", "2", "2 wrong token")]
    assert not api.clock.getDelayedCalls()  # no timer left behind
    api.clock.advance(api_refusals.AUDIT_WINDOW)
    assert len(refusals(audit_lines)) == 4


def test_good_requests_are_still_one_audit_line_each(api, audit_lines):
    good = api.token()
    for _ in range(3):
        assert api.call(f"Bearer {good}")[0] == 200
    calls = [line for line in audit_lines if line["event"] == "api"]
    assert len(calls) == 3 and all(c["name"] == "ops" and c["status"] == "200" for c in calls)
    assert api.store.token_reads == 2  # create's own read, then one for all three
