"""The token bucket."""

from __future__ import annotations

from mud.ratelimit import TokenBucket


def test_bursts_then_the_rate():
    bucket = TokenBucket(rate=2, burst=3, now=0)
    assert [bucket.take(0) for _ in range(4)] == [True, True, True, False]
    assert bucket.wait(0) == 0.5
    assert not bucket.take(0.4)
    assert bucket.take(0.5)
    assert not bucket.take(0.5)


def test_refills_up_to_the_burst_only():
    bucket = TokenBucket(rate=10, burst=2, now=0)
    bucket.take(0)
    bucket.take(0)
    assert bucket.wait(100) == 0.0
    assert [bucket.take(100) for _ in range(3)] == [True, True, False]
