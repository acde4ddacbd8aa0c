"""Login throttling (free tries, then doubling waits, per address and per name; attempts
reserved up front; known addresses) and the per-address limit on new characters."""

from __future__ import annotations

import sys

from twisted.internet.task import Clock

from mud.login_throttle import (
    MAX_KEYS,
    LoginThrottle,
    RegistrationLimit,
    too_many_registrations,
)


def test_free_tries_then_doubling_waits_capped():
    clock = Clock()
    throttle = LoginThrottle(clock, free=3, max_wait=8)
    for _ in range(3):
        assert throttle.wait("1.1.1.1", "ann") == 0
        throttle.failed("1.1.1.1", "ann")
    assert throttle.wait("1.1.1.1", "ann") == 1
    clock.advance(1)
    assert throttle.wait("1.1.1.1", "ann") == 0
    throttle.failed("1.1.1.1", "ann")
    assert throttle.wait("1.1.1.1", "ann") == 2
    for _ in range(10):
        throttle.failed("1.1.1.1", "ann")
    assert throttle.wait("1.1.1.1", "ann") == 8


def test_per_name_across_addresses_and_per_address_across_names():
    throttle = LoginThrottle(Clock(), free=2)
    throttle.failed("1.1.1.1", "Ann")
    throttle.failed("2.2.2.2", "ann")
    assert throttle.wait("3.3.3.3", "ANN") > 0  # the name is throttled from anywhere
    assert throttle.wait("3.3.3.3", "bob") == 0
    throttle.failed("9.9.9.9", "x1")
    throttle.failed("9.9.9.9", "x2")
    assert throttle.wait("9.9.9.9", "x3") > 0  # the address is throttled for any name


def test_success_clears_and_quiet_time_forgets():
    clock = Clock()
    throttle = LoginThrottle(clock, free=1, forget=100)
    throttle.failed("a", "ann")
    throttle.succeeded("a", "ann")
    assert throttle.wait("a", "ann") == 0
    throttle.failed("b", "bob")
    throttle.failed("b", "bob")
    clock.advance(101)
    assert throttle.wait("b", "bob") == 0
    assert throttle.failures == {}


def test_memory_stays_bounded_under_a_wide_attack():
    throttle = LoginThrottle(Clock())
    for i in range(MAX_KEYS * 2):
        throttle.failed(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", f"name{i}")
    assert len(throttle.failures) <= MAX_KEYS + 2


def test_attempts_are_counted_when_they_start_so_a_burst_gets_only_the_free_ones():
    throttle = LoginThrottle(Clock(), free=5)
    # Fifteen attempts at the same moment, none finished yet: only five may go ahead.
    went = [throttle.reserve(f"10.0.0.{i}", "ann") == 0 for i in range(15)]
    assert went.count(True) == 5 and went[:5] == [True] * 5
    # A refused attempt counted nothing: the wait did not grow.
    assert throttle.failures["name:ann"][0] == 5


def test_a_success_clears_a_reserved_attempt_and_release_gives_it_back():
    throttle = LoginThrottle(Clock(), free=2)
    assert throttle.reserve("a", "ann") == 0
    throttle.succeeded("a", "ann")
    assert throttle.failures == {}
    assert throttle.reserve("a", "ann") == 0
    assert throttle.reserve("a", "ann") == 0
    assert throttle.wait("a", "ann") > 0
    throttle.release("a", "ann")
    assert throttle.wait("a", "ann") == 0
    throttle.release("a", "ann")
    throttle.release("a", "ann")
    assert throttle.failures == {}


def test_a_known_address_is_not_held_back_by_the_names_count():
    throttle = LoginThrottle(Clock(), free=2)
    for _ in range(2):
        throttle.reserve("6.6.6.6", "ann")
    assert throttle.wait("9.9.9.9", "ann") > 0                       # a new address waits
    assert throttle.wait("9.9.9.9", "ann", known_address=True) == 0  # the owner's does not
    assert throttle.reserve("9.9.9.9", "ann", known_address=True) == 0
    # ...but its own address's count still applies to it.
    throttle.reserve("9.9.9.9", "ann", known_address=True)
    assert throttle.wait("9.9.9.9", "ann", known_address=True) > 0
    assert throttle.address_wait("9.9.9.9") > 0


def test_registrations_per_address_per_hour():
    clock = Clock()
    limit = RegistrationLimit(clock, per_hour=5)
    for _ in range(5):
        assert limit.reserve("1.1.1.1") == 0
        clock.advance(60)
    assert limit.reserve("1.1.1.1") > 0
    assert limit.reserve("2.2.2.2") == 0           # another address is not affected
    wait = limit.wait("1.1.1.1")
    assert wait == 3600 - 5 * 60                   # until the first of the five is an hour old
    assert "5 an hour" in too_many_registrations(wait, 5)
    assert "55 minutes" in too_many_registrations(wait, 5)
    limit.release("2.2.2.2")                       # that one made no character
    assert "2.2.2.2" not in limit.recent
    clock.advance(wait)
    assert limit.reserve("1.1.1.1") == 0


def test_registration_memory_follows_the_last_hour():
    clock = Clock()
    limit = RegistrationLimit(clock, per_hour=5)
    for i in range(5000):
        limit.reserve(f"10.0.{i // 256}.{i % 256}")
    clock.advance(3601)
    for i in range(5000):
        limit.reserve(f"10.1.{i // 256}.{i % 256}")
    assert len(limit.recent) <= 5000 + 1024
    assert not any(key.startswith("10.0.") for key in limit.recent)


def test_an_addresss_registrations_are_kept_small():
    # One record per address that made a character, kept an hour: no 760-byte deque each.
    clock = Clock()
    limit = RegistrationLimit(clock, per_hour=5)
    limit.reserve("1.1.1.1")
    assert sys.getsizeof(limit.recent["1.1.1.1"]) < 200
    for _ in range(4):
        clock.advance(1500)
        limit.reserve("1.1.1.1")
    assert limit.recent["1.1.1.1"] == [3000.0, 4500.0, 6000.0]  # over an hour old: dropped
    limit.release("1.1.1.1")
    assert limit.recent["1.1.1.1"] == [3000.0, 4500.0]


def test_waiting_for_checks_fires_when_one_ends_or_at_once_when_none_runs():
    throttle = LoginThrottle(Clock())
    fired = []
    throttle.when_settled("1.2.3.4", "ann").addCallback(fired.append)
    assert fired == [None]  # nothing being checked
    throttle.reserve("1.2.3.4", "ann")
    throttle.reserve("5.6.7.8", "ann")
    waiting = []
    throttle.when_settled("1.2.3.4", "bob").addCallback(waiting.append)
    throttle.settle("5.6.7.8", "ann")  # neither its address nor its name
    assert waiting == []
    throttle.settle("1.2.3.4", "ann")
    assert waiting == [None] and throttle.checking == {}
