"""Login brute-force throttling, per address and per character name, with backoff.

After ``free`` failures a key (an address, or a name) must wait before the next attempt:
1 s, then 2, 4, ... up to ``max_wait``. A success clears the name and the address. Keys
forget their failures after ``forget`` quiet seconds, and the table is swept when it grows,
so an attacker cycling names or addresses cannot grow memory without bound.
"""

from __future__ import annotations

from typing import Any

MAX_KEYS = 10_000


def _ip(address: str) -> str:
    return "ip:" + address


def _name(name: str) -> str:
    return "name:" + name.lower()[:64]


class LoginThrottle:
    def __init__(self, clock: Any, free: int = 5, max_wait: float = 300.0,
                 forget: float = 3600.0) -> None:
        self.clock = clock
        self.free = free
        self.max_wait = max_wait
        self.forget = forget
        # key -> (failures, time of the last failure)
        self.failures: dict[str, tuple[int, float]] = {}

    def _wait_for(self, key: str, now: float) -> float:
        entry = self.failures.get(key)
        if entry is None:
            return 0.0
        count, last = entry
        if now - last > self.forget:
            del self.failures[key]
            return 0.0
        if count < self.free:
            return 0.0
        delay = min(self.max_wait, 2.0 ** (count - self.free))
        return max(0.0, last + delay - now)

    def wait(self, address: str, name: str) -> float:
        """Seconds to wait before this address may try this name (0: go ahead)."""
        now = self.clock.seconds()
        return max(self._wait_for(_ip(address), now), self._wait_for(_name(name), now))

    def failed(self, address: str, name: str) -> None:
        now = self.clock.seconds()
        if len(self.failures) >= MAX_KEYS:
            self._sweep(now)
        for key in (_ip(address), _name(name)):
            count, _ = self.failures.get(key, (0, now))
            self.failures[key] = (count + 1, now)

    def succeeded(self, address: str, name: str) -> None:
        self.failures.pop(_ip(address), None)
        self.failures.pop(_name(name), None)

    def _sweep(self, now: float) -> None:
        stale = [k for k, (_, last) in self.failures.items() if now - last > self.max_wait]
        for key in stale:
            del self.failures[key]
        if len(self.failures) >= MAX_KEYS:
            # Under a wide attack keep the most recent half.
            keep = sorted(self.failures.items(), key=lambda kv: kv[1][1])[MAX_KEYS // 2:]
            self.failures = dict(keep)


class Throttled(Exception):
    """Too many failed logins for this name or from this address: wait ``seconds``."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds

    @property
    def message(self) -> str:
        return (f"Too many failed logins for that name or from your address. Wait "
                f"{max(1, round(self.seconds))} seconds and try again.")
