"""Login throttling: free tries, then doubling waits, per address and per name."""

from __future__ import annotations

from twisted.internet.task import Clock

from mud.login_throttle import MAX_KEYS, LoginThrottle


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
