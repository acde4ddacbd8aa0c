"""Login brute-force throttling per address and per character name, and a per-address
limit on new characters.

``LoginThrottle``: after ``free`` failures a key (an address, or a name) must wait before
the next attempt: 1 s, then 2, 4, ... up to ``max_wait``. An attempt is counted as a
failure when it starts (``reserve``), before any hashing, so attempts sent at the same
moment cannot all slip past the check; a success clears the name and the address. An
address that has logged in to an account before (the account remembers a few) is not held
back by that name's count, so guessing a name from elsewhere cannot lock its owner out;
guesses from new addresses still wait. Attempts still being checked are tracked too: one
held back only by those (several players behind one address logging in at the same
moment, after a restart say) is not a failure to punish, so the game lets it wait for them
to finish rather than refusing it (``held_by_checks``). Keys forget their failures after
``forget`` quiet seconds, and the table is swept when it grows, so an attacker cycling
names or addresses cannot grow memory without bound.

``RegistrationLimit``: an address may create ``per_hour`` characters in any hour.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

from twisted.internet.defer import Deferred

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
        # key -> (failures, time of the last failure); reserved attempts count as failures
        self.failures: dict[str, tuple[int, float]] = {}
        # key -> attempts reserved and still being checked, and who waits for one to end
        self.checking: dict[str, int] = {}
        self._waiters: dict[str, list[Deferred[None]]] = {}

    def _wait_for(self, key: str, now: float, settled_only: bool = False) -> float:
        entry = self.failures.get(key)
        if entry is None:
            return 0.0
        count, last = entry
        if now - last > self.forget:
            del self.failures[key]
            return 0.0
        if settled_only:
            count -= self.checking.get(key, 0)
        if count < self.free:
            return 0.0
        # The exponent capped: a slow prober's count climbs for days, and 2.0 ** 1100
        # overflows a float (every later check from that address would fail).
        delay = min(self.max_wait, 2.0 ** min(count - self.free, 30))
        return max(0.0, last + delay - now)

    def address_wait(self, address: str) -> float:
        """Seconds before this address may try any name."""
        return self._wait_for(_ip(address), self.clock.seconds())

    def wait(self, address: str, name: str, known_address: bool = False) -> float:
        """Seconds to wait before this address may try this name (0: go ahead). A
        ``known_address`` (one that logged in to this name before) skips the name's count."""
        now = self.clock.seconds()
        wait = self._wait_for(_ip(address), now)
        if known_address:
            return wait
        return max(wait, self._wait_for(_name(name), now))

    def reserve(self, address: str, name: str, known_address: bool = False) -> float:
        """Start an attempt: if it may go ahead, count it as a failure now (``succeeded``
        clears it) and return 0; otherwise return the wait and count nothing. Checking and
        counting in one step is what keeps attempts made at the same moment in line.
        Every attempt that went ahead must be ``settle``d when its check ends."""
        wait = self.wait(address, name, known_address)
        if wait <= 0:
            self.failed(address, name)
            for key in (_ip(address), _name(name)):
                self.checking[key] = self.checking.get(key, 0) + 1
        return wait

    def settle(self, address: str, name: str) -> None:
        """An attempt that ``reserve`` let go ahead has been checked (whatever came of it)."""
        for key in (_ip(address), _name(name)):
            count = self.checking.get(key, 0) - 1
            if count > 0:
                self.checking[key] = count
            else:
                self.checking.pop(key, None)
            for waiter in self._waiters.pop(key, ()):
                if not waiter.called:
                    waiter.callback(None)

    def when_settled(self, address: str, name: str) -> Deferred[None]:
        """Fires when an attempt from ``address`` or for ``name`` next finishes its check
        (for an attempt ``held_by_checks`` to try again)."""
        d: Deferred[None] = Deferred()
        for key in (_ip(address), _name(name)):
            if self.checking.get(key):
                self._waiters.setdefault(key, []).append(d)
        if not any(d in self._waiters.get(key, ()) for key in (_ip(address), _name(name))):
            d.callback(None)  # nothing is being checked any more
        return d

    def held_by_checks(self, address: str, name: str, known_address: bool = False) -> bool:
        """Whether an attempt is held back only by attempts still being checked (not yet
        known to have failed): it should wait for them, not be refused."""
        now = self.clock.seconds()
        keys = [_ip(address)] if known_address else [_ip(address), _name(name)]
        return (any(self._wait_for(key, now) > 0 for key in keys)
                and not any(self._wait_for(key, now, settled_only=True) > 0 for key in keys))

    def failed(self, address: str, name: str) -> None:
        """Count a failure for the address and the name."""
        now = self.clock.seconds()
        if len(self.failures) >= MAX_KEYS:
            self._sweep(now)
        for key in (_ip(address), _name(name)):
            count, _ = self.failures.get(key, (0, now))
            self.failures[key] = (count + 1, now)

    def release(self, address: str, name: str) -> None:
        """Take back a reserved attempt that neither failed nor succeeded (the store was
        unavailable): the player is not charged for the server's trouble."""
        for key in (_ip(address), _name(name)):
            entry = self.failures.get(key)
            if entry is None:
                continue
            count, last = entry
            if count <= 1:
                del self.failures[key]
            else:
                self.failures[key] = (count - 1, last)

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

    def __init__(self, seconds: float, checking: bool = False) -> None:
        super().__init__(seconds)
        self.seconds = seconds
        # Held back only by other attempts still being checked (see held_by_checks).
        self.checking = checking

    @property
    def message(self) -> str:
        seconds = max(1, round(self.seconds))
        return (f"Too many failed logins for that name or from your address. Wait "
                f"{seconds} second{'s' if seconds != 1 else ''} and try again.")


class Busy(Throttled):
    """Too many password checks already waiting (a login storm, mud/hashing.py): not the
    player's fault, nothing is counted against them; they may try again in ``seconds``."""

    @property
    def message(self) -> str:
        return busy_message(self.seconds)


def busy_message(seconds: float) -> str:
    """What a player whose login the hashing queue had no room for is told."""
    seconds = max(5, round(seconds))
    return (f"The server is busy checking other players' logins. Please try again in "
            f"{seconds} seconds.")


class RegistrationLimit:
    """At most ``per_hour`` new characters from one address in any hour. Like the login
    throttle, a creation is counted when it starts (``reserve``) and given back if no
    character came of it (``release``). Times older than an hour are dropped as addresses
    are seen, and all of them are swept when the table has doubled, so memory follows the
    last hour's registrations."""

    WINDOW = 3600.0

    def __init__(self, clock: Any, per_hour: int = 5) -> None:
        self.clock = clock
        self.per_hour = per_hour
        # address -> times of its creations in the last hour, oldest first. A list, not a
        # deque: a deque allocates a 64-slot block (760 bytes) for each address's one or
        # two times, kept an hour after every new player's creation.
        self.recent: dict[str, list[float]] = {}
        self._sweep_at = 1024

    def _current(self, address: str, now: float) -> list[float] | None:
        times = self.recent.get(address)
        if times is None:
            return None
        # In time order: drop those that left the window in one slice.
        expired = bisect_right(times, now - self.WINDOW)
        if expired:
            del times[:expired]
        if not times:
            del self.recent[address]
            return None
        return times

    def wait(self, address: str) -> float:
        """Seconds before ``address`` may create another character (0: it may now)."""
        now = self.clock.seconds()
        times = self._current(address, now)
        if times is None or len(times) < self.per_hour:
            return 0.0
        return max(1.0, times[0] + self.WINDOW - now)

    def reserve(self, address: str) -> float:
        """Count a creation starting now and return 0, or return the wait if over the limit."""
        wait = self.wait(address)
        if wait > 0:
            return wait
        now = self.clock.seconds()
        self.recent.setdefault(address, []).append(now)
        if len(self.recent) >= self._sweep_at:
            for key in list(self.recent):
                self._current(key, now)
            self._sweep_at = max(1024, 2 * len(self.recent))
        return 0.0

    def release(self, address: str) -> None:
        """Give back the latest reservation: no character came of it."""
        times = self.recent.get(address)
        if times:
            times.pop()
            if not times:
                del self.recent[address]


def too_many_registrations(seconds: float, per_hour: int) -> str:
    """What a player over the registration limit is told."""
    minutes = max(1, round(seconds / 60))
    return (f"Too many new characters from your address ({per_hour} an hour at most). Try "
            f"again in {minutes} minute{'s' if minutes != 1 else ''}, or log in to a "
            "character you have.")
