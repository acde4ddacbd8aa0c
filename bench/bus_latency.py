"""The bus over a real Redis: how long one message takes between two realms' links, and
how many messages a second one link can publish.

A private redis-server (tests/redis_service.py) on a loopback port; two RedisLinks
(mud/cluster/redis_link.py) in this process, realms "north" and "south", on the real
reactor. Each message is a typical channel line (``{"channel","talker","text"}``).

- latency: north publishes, south hears it (one way: both ends read the same clock) and
  publishes it straight back, north hears the answer (round trip); one message at a
  time, ``--messages`` of them (2,000); p50 and p99 of each.
- throughput: north publishes as fast as it can (in batches of 500 per reactor turn,
  pausing while more than 5,000 wait on Redis' answer), until every PUBLISH is answered
  and south has heard them all: messages a second, and the microseconds one ``publish``
  call costs on the reactor. Best of 3.

Both links and the reactor share one Python process (one core); Redis runs in its own.

    .venv/bin/python -m bench.bus_latency [--messages 2000] [--burst 20000]

txredisapi reads replies in pure Python unless the ``hiredis`` package is installed, and
its pure-Python reader copies the rest of its buffer for each message it takes off:
a subscriber that falls behind slows down the further behind it is. The first line
printed says which reader ran.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import txredisapi
from twisted.internet import defer, reactor, task

from bench.realms import percentile
from mud.cluster.redis_link import RedisLink
from mud.engine.bus import Bus
from tests.redis_service import RedisServer

TEXT = "Has anyone seen the ferryman? He owes me three silver and a story."


def sleep(seconds: float) -> defer.Deferred:
    return task.deferLater(reactor, seconds, lambda: None)


@defer.inlineCallbacks
def until(condition: Any, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        yield sleep(0.001)


@defer.inlineCallbacks
def latency(north: RedisLink, south: RedisLink, count: int) -> Any:
    one_way: list[float] = []
    round_trip: list[float] = []
    state: dict[str, Any] = {}

    def south_heard(data: dict, realm: str) -> None:
        one_way.append(time.perf_counter() - state["sent"])
        south.bus.publish("pong", data)

    def north_heard(data: dict, realm: str) -> None:
        round_trip.append(time.perf_counter() - state["sent"])
        state["done"].callback(None)

    south.bus.subscribe("channel", south_heard)
    north.bus.subscribe("pong", north_heard)
    for n in range(count + 50):
        state["done"] = defer.Deferred()
        state["sent"] = time.perf_counter()
        north.bus.publish("channel", {"channel": "ooc", "talker": "Wynn",
                                      "text": f"{TEXT} #{n}"})
        yield state["done"]
    # The first 50 warm up (connections, caches) and are not counted.
    return one_way[50:], round_trip[50:]


@defer.inlineCallbacks
def throughput(north: RedisLink, south: RedisLink, burst: int) -> Any:
    heard = [0]
    south.bus.subscribe("burst", lambda data, realm: heard.__setitem__(0, heard[0] + 1))
    message = {"channel": "ooc", "talker": "Wynn", "text": TEXT}
    calls = 0.0
    began = time.perf_counter()
    sent = 0
    while sent < burst:
        while north.pending > 5000:
            yield sleep(0)
        start = time.perf_counter()
        for _ in range(min(500, burst - sent)):
            if not north.bus.publish("burst", message):
                raise RuntimeError("a publish was refused")
            sent += 1
        calls += time.perf_counter() - start
        yield sleep(0)
    yield until(lambda: north.pending == 0)
    answered = time.perf_counter() - began
    yield until(lambda: heard[0] >= burst)
    delivered = time.perf_counter() - began
    return burst / answered, burst / delivered, calls / burst * 1e6


@defer.inlineCallbacks
def run(args: argparse.Namespace) -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        redis = RedisServer(Path(tmp))
        links = []
        try:
            for realm in ("north", "south"):
                link = RedisLink(redis.url, Bus(realm), reactor, prefix="bench")
                link.start()
                links.append(link)
            north, south = links
            yield until(lambda: north.up and south.up, 10)
            reader = ("hiredis" if txredisapi.RedisProtocol is txredisapi.HiredisProtocol
                      else "pure Python")
            print(f"txredisapi {txredisapi.__version__}, replies read by: {reader}")
            one_way, round_trip = yield latency(north, south, args.messages)
            print(f"bus latency over {len(one_way)} messages, one at a time:")
            for name, values in (("one way (north -> south)", one_way),
                                 ("round trip (north -> south -> north)", round_trip)):
                print(f"  {name}: p50 {percentile(values, 0.5) * 1e6:.0f} us, "
                      f"p99 {percentile(values, 0.99) * 1e6:.0f} us, "
                      f"mean {statistics.fmean(values) * 1e6:.0f} us")
            best = None
            for _ in range(3):
                figures = yield throughput(north, south, args.burst)
                best = figures if best is None or figures[1] > best[1] else best
            acked, delivered, per_call = best
            print(f"one link publishing {args.burst} messages (best of 3): "
                  f"{acked:,.0f}/s answered by Redis, {delivered:,.0f}/s heard by the "
                  f"other link; {per_call:.1f} us of reactor time per publish call")
        finally:
            for link in links:
                yield link.stop()
            redis.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--burst", type=int, default=20000)
    args = parser.parse_args(argv)
    failure: list[Any] = []

    def done(result: Any) -> None:
        if isinstance(result, Exception) or hasattr(result, "getTraceback"):
            failure.append(result)
            print(result.getTraceback() if hasattr(result, "getTraceback") else result,
                  file=sys.stderr)
        reactor.stop()

    reactor.callWhenRunning(lambda: run(args).addBoth(done))
    reactor.run()
    if failure:
        sys.exit(1)


if __name__ == "__main__":
    main()
