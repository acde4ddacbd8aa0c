"""Authentication: password logins, new characters and password changes, with their limits.

One ``Authenticator`` per game, shared by every transport's login path (mud/login.py). It
throttles password checks per address and per name (mud/login_throttle.py), checks new
names against the server's rules and the world's NPCs, and limits how many characters one
address may make in an hour. Hashing and the store run off the reactor: everything here
returns a Deferred. Resume tokens are checked by mud/tokens.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from twisted.internet import defer
from twisted.internet.defer import Deferred, fail
from twisted.python.failure import Failure

from mud.accounts import (
    DEFAULT_RESERVED,
    Accounts,
    NameRules,
    Refused,
    display_name,
    password_problem,
)
from mud.engine.world import World
from mud.hashing import HashingBusy
from mud.login_throttle import (
    Busy,
    LoginThrottle,
    RegistrationLimit,
    Throttled,
    busy_message,
    too_many_registrations,
)
from mud.persistence.store import AccountRow

# A login held back only by other logins from its address still being checked tries again
# as each of them ends, for up to CHECKS_WAIT seconds.
CHECKS_WAIT = 10.0


class Authenticator:
    def __init__(self, world: World, accounts: Accounts,
                 reserved_names: Iterable[str] = DEFAULT_RESERVED,
                 registrations_per_hour: int = 5) -> None:
        self.world = world
        self.accounts = accounts
        self.clock: Any = world.clock
        self.throttle = LoginThrottle(world.clock)
        # New characters: names checked against the reserved words and the world's NPCs,
        # and at most registrations_per_hour of them from one address.
        self.names = NameRules(reserved_names, world.npcs)
        self.registrations = RegistrationLimit(world.clock, registrations_per_hour)

    def authenticate(self, address: str, name: str, password: str) -> Deferred[str | None]:
        """Check a login, throttled per address and per name: fires with the account key,
        None for a wrong name or password, or fails with Throttled.

        The attempt is counted before the password is hashed (a success clears it), so
        attempts arriving together cannot all pass the check. When only the name's count
        holds an attempt back, an address that has logged in to that account before still
        goes ahead: the owner is not locked out by someone guessing elsewhere. An attempt
        held back only by others still being checked waits for them (up to
        CHECKS_WAIT seconds) instead of being refused: players behind one address who log
        in together are not taken for guessers, and a burst of guesses still gets only the
        free ones checked, because by then the first have failed."""
        clock = self.clock
        deadline = clock.seconds() + CHECKS_WAIT

        def held(failure: Failure) -> Deferred[str | None] | Failure:
            failure.trap(Throttled)
            left = deadline - clock.seconds()
            if not failure.value.checking or left <= 0:
                return failure
            waited = self.throttle.when_settled(address, name).addTimeout(left, clock)

            def gave_up(timeout: Failure) -> None:
                timeout.trap(defer.TimeoutError)
                raise failure.value
            again = waited.addCallbacks(
                lambda _: self._attempt(address, name, password), gave_up)
            return again.addErrback(held)
        return self._attempt(address, name, password).addErrback(held)

    def change_password(self, address: str, key: str, old: str,
                        new: str) -> Deferred[bool]:
        """Fires True once ``key``'s password is ``new``, False if ``old`` was wrong; fails
        with Throttled like a login (checking the old password is guessing it too: someone
        at an unattended keyboard, or holding a stolen resume token, must not get to try
        it at the command rate)."""
        def checked(account: str | None) -> Deferred[bool] | bool:
            if account is None:
                return False
            return self.accounts.set_password(key, new).addCallback(lambda _: True)
        return self.authenticate(address, key, old).addCallback(checked)

    def _attempt(self, address: str, name: str, password: str) -> Deferred[str | None]:
        throttle = self.throttle
        reserved = throttle.reserve(address, name) <= 0
        if reserved:
            checked = self.accounts.authenticate(name, password)
        elif not address or throttle.address_wait(address) > 0:
            return fail(Throttled(throttle.wait(address, name),
                                  throttle.held_by_checks(address, name)))
        else:
            def known(row: AccountRow | None) -> Deferred[str | None]:
                nonlocal reserved
                # Checked and counted in this one step, now that the row is here.
                good = row is not None and address in row.login_addresses
                wait = throttle.reserve(address, name, known_address=good)
                if wait > 0:
                    raise Throttled(wait, throttle.held_by_checks(address, name, good))
                reserved = True
                return self.accounts.verify(row, password)
            checked = self.accounts.lookup(name).addCallback(known)

        def done(key: str | None) -> str | None:
            throttle.settle(address, name)
            if key is not None:
                throttle.succeeded(address, name)
                self.accounts.remember_address(key, address)
            return key

        def trouble(failure: Failure) -> Failure:
            # The store failed, or the hashing queue was full, not the password: the
            # attempt is not charged.
            if reserved:
                throttle.settle(address, name)
                throttle.release(address, name)
            if failure.check(HashingBusy):
                raise Busy(failure.value.seconds)
            return failure
        return checked.addCallbacks(done, trouble)

    def register(self, name: str, password: str, address: str = "") -> Deferred[str]:
        """Make an account and its character in the start room: fires with its key, or
        fails with Refused (``invalid_name``, ``invalid_password``, ``name_taken`` or
        ``too_many_registrations``: at most ``registrations_per_hour`` from one address)."""
        problem = self.names.problem(name)
        if problem:
            return fail(Refused("invalid_name", problem))
        problem = password_problem(password)
        if problem:
            return fail(Refused("invalid_password", problem))
        limit = self.registrations
        wait = limit.reserve(address)
        if wait > 0:
            return fail(Refused("too_many_registrations",
                                too_many_registrations(wait, limit.per_hour)))
        shown = display_name(name)

        def created(ok: bool) -> str:
            if not ok:
                raise Refused("name_taken", f"The name {shown} is taken.")
            return shown.lower()

        def not_created(failure: Failure) -> Failure:
            limit.release(address)
            if failure.check(HashingBusy):
                raise Refused("throttled", busy_message(failure.value.seconds))
            return failure
        return self.accounts.create(name, password, self.world.start.id, address) \
            .addCallback(created).addErrback(not_created)
