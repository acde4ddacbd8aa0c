"""What the admin HTTP API (mud/protocols/admin_api.py) does about the requests it refuses:
a failure throttle per address, and audit lines summed up per address.

A refusal is cheap on its own (no store query without a well-formed token, the cached
hashes with one: mud/api_tokens.py), but HTTP/1.1 lets one keep-alive connection pipeline
thousands of requests a second, and the per-address connection limits do not count
requests. So:

- ``RefusalGuard.wait``: after ``free`` refusals from one address (an IPv6 peer by its /64,
  as the connection limits count it) the address waits before its next request is even
  looked at: 1 s after the last refusal, then 2, 4, ... up to ``max_wait``; meanwhile the
  API answers 429 with ``Retry-After``. These are the login throttle's mechanics
  (mud/login_throttle.py, reused as it is): a 429 is not a failure and does not lengthen
  the wait, a good token clears the address, and an address forgets its refusals after
  ``forget`` quiet seconds.
- ``RefusalGuard.refused``: the first refusal from an address is one ``api_refused`` audit
  line, as before; the ones after it are only counted, and when ``window`` seconds have
  passed (on the injected clock) one summary line gives their number (``count``) and why,
  then counting goes on for the next window while they keep coming. A window with nothing
  in it ends the address's run: its next refusal is a line of its own again. A stop writes
  every pending summary. So a flood leaves two lines, then one a minute, per address.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from twisted.application.service import Service

from mud.audit import audit
from mud.login_throttle import LoginThrottle
from mud.protocols.addresses import peer_key

# Refusals from one address before it must wait (within FORGET seconds of each other).
FREE_FAILURES = 10
# The longest wait (seconds) the throttle makes an address keep between refusals.
MAX_WAIT = 60.0
# Seconds without a refusal after which an address's count starts again from zero.
FORGET = 600.0
# Refusals from one address after its first are summed up over this many seconds.
AUDIT_WINDOW = 60.0
# Addresses being counted at once; past this the oldest run's summary is written early.
MAX_OPEN = 10_000
# The login throttle counts an address and a character name; a request has no name, so
# every failure also lands on this one key, which nothing reads.
NO_NAME = ""


@dataclass
class _Run:
    """Refusals from one address since its last audit line."""

    started: float
    timer: Any = None
    count: int = 0
    whys: Counter[str] = field(default_factory=Counter)
    path: str = ""


class RefusalGuard(Service):
    """The throttle and the summed-up audit lines for one API; as a service, its stop
    writes the summaries still pending."""

    def __init__(self, clock: Any, transport: str = "http", free: int = FREE_FAILURES,
                 max_wait: float = MAX_WAIT, forget: float = FORGET,
                 window: float = AUDIT_WINDOW) -> None:
        self.clock = clock
        self.transport = transport
        self.window = window
        self.throttle = LoginThrottle(clock, free=free, max_wait=max_wait, forget=forget)
        self.runs: dict[str, _Run] = {}

    # -- the throttle ------------------------------------------------------------------------

    def wait(self, address: str) -> float:
        """Seconds before a request from ``address`` may be looked at (0: now)."""
        return self.throttle.address_wait(peer_key(address))

    def failed(self, address: str) -> None:
        """A request from ``address`` was refused for its token (or lack of one)."""
        self.throttle.failed(peer_key(address), NO_NAME)

    def succeeded(self, address: str) -> None:
        """A request from ``address`` bore a good token: its refusals are forgiven."""
        self.throttle.succeeded(peer_key(address), NO_NAME)

    # -- the audit lines ---------------------------------------------------------------------

    def refused(self, address: str, path: str, why: str) -> None:
        """Note a refused request: an audit line if it is the first from ``address`` for a
        while, otherwise a count in the summary to come."""
        key = peer_key(address)
        run = self.runs.get(key)
        if run is not None:
            run.count += 1
            run.whys[why] += 1
            run.path = path
            return
        audit("api_refused", "", address, self.transport, path=path, why=why)
        if len(self.runs) >= MAX_OPEN:
            self._end(next(iter(self.runs)), again=False)
        self._start(key)

    def _start(self, key: str) -> None:
        run = self.runs[key] = _Run(self.clock.seconds())
        run.timer = self.clock.callLater(self.window, self._window_over, key, run)

    def _window_over(self, key: str, run: _Run) -> None:
        if self.runs.get(key) is run:
            self._end(key, again=run.count > 0)

    def _end(self, key: str, again: bool) -> None:
        """Write ``key``'s summary (if anything was counted); count on in a new window if
        ``again``, else forget the address."""
        run = self.runs.pop(key)
        if run.timer.active():
            run.timer.cancel()
        if run.count:
            whys = ", ".join(f"{n} {why}" for why, n in run.whys.most_common())
            audit("api_refused", "", key, self.transport, path=run.path, why=whys,
                  count=run.count, seconds=round(self.clock.seconds() - run.started))
        if again:
            self._start(key)

    def flush(self) -> None:
        """Write every pending summary now (at a stop) and forget every run."""
        for key in list(self.runs):
            self._end(key, again=False)

    def stopService(self) -> Any:
        self.flush()
        return super().stopService()
