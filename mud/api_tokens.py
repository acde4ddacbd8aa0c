"""Bearer tokens for the admin HTTP API (mud/protocols/admin_api.py).

The sysadmin makes a token from the shell (``mud-admin-token create LABEL``, see
mud/admin_token_tool.py); it is printed once and never stored: the store keeps only its
SHA-256 (table ``api_tokens``, schema 7) with the label, when it was made and when it was
last used. A token is 32 random bytes (``secrets``), so a plain SHA-256 is enough: there is
no password to guess behind it, and no salt or slow hash would make a 256-bit secret harder
to find.

A running server reads the stored hashes from the store (a query in the store's worker
thread, as a Deferred) and keeps them for ``CACHE_SECONDS``: a flood of wrong tokens costs
at most one query per that time, not one per request (the store's thread pool also saves
characters). A token made or revoked by this process drops the copy at once; one made or
revoked from the shell (another process) counts within ``CACHE_SECONDS``. A presented
value that cannot be a token by its form (``well_formed``: the prefix, then 43 base64url
characters) is refused without looking at the store at all; the form is public, so that
says nothing about any token. The hash of a well-formed one is compared with every stored
hash with ``hmac.compare_digest``, never stopping at the first that matches, so how long a
refusal takes says nothing about how much of a hash was right.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from twisted.internet.defer import Deferred, fail, maybeDeferred, succeed
from twisted.logger import Logger

log = Logger()

# What a token starts with, so one found in a file or a log is recognisable for what it is.
PREFIX = "mud_admin_"
# Random bytes in a token (base64url: 43 characters after the prefix).
TOKEN_BYTES = 32
# Tokens held at once: each API request compares against all of them.
MAX_TOKENS = 100
# A label: what the audit log names as the actor of each API call.
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
# The longest Authorization header value looked at (anything longer is no token of ours).
MAX_PRESENTED = 200
# What every token looks like: the prefix, then TOKEN_BYTES as unpadded base64url.
TOKEN_FORM = re.compile(r"^" + re.escape(PREFIX) + r"[A-Za-z0-9_-]{43}$")
# How long a running server keeps the stored hashes before reading them again (seconds).
CACHE_SECONDS = 2.0


class TokenProblem(Exception):
    """A token request the sysadmin must change (bad label, label taken, no such token)."""


@dataclass(frozen=True)
class TokenInfo:
    """A stored token, without the token: its label, when made and last used (or None)."""

    label: str
    created: float
    last_used: float | None


def new_token() -> str:
    """A fresh high-entropy token."""
    return PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def digest(token: str) -> str:
    """The hash stored for ``token`` (hex SHA-256)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def label_problem(label: str) -> str | None:
    """Why ``label`` cannot name a token, or None."""
    if not LABEL.match(label):
        return (f"'{label[:40]}' cannot name a token: use 1 to 40 letters, digits, '.', '_' "
                "or '-', starting with a letter or digit (for example: deploy-bot).")
    return None


def match(presented: str, rows: list[tuple[Any, ...]]) -> str | None:
    """The label of the stored row (label, hash, ...) whose hash is ``presented``'s, or
    None. Every row is compared, in constant time each."""
    wanted = digest(presented).encode("ascii")
    found = None
    for row in rows:
        if hmac.compare_digest(wanted, str(row[1]).encode("ascii", "replace")):
            found = str(row[0])
    return found


def bearer(header: bytes | None) -> str | None:
    """The token in an ``Authorization: Bearer TOKEN`` header value, or None."""
    if not header or len(header) > MAX_PRESENTED:
        return None
    scheme, _, token = header.decode("latin-1").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def well_formed(presented: str | None) -> bool:
    """Whether ``presented`` has a token's form (prefix, length, characters): only such a
    value is worth comparing with the stored hashes."""
    return presented is not None and TOKEN_FORM.fullmatch(presented) is not None


# Every running check, so that a token made or revoked through this process's store drops
# their copies of the hashes at once (``_changed``).
_checkers: weakref.WeakSet[ApiTokens] = weakref.WeakSet()


def _changed(store: Any) -> None:
    for checker in list(_checkers):
        if checker.store is store:
            checker.forget()


class ApiTokens:
    """A running server's token check: the stored hashes, read from the store at most once
    every CACHE_SECONDS (requests arriving while a read is under way wait for that one)."""

    def __init__(self, store: Any, clock: Callable[[], float],
                 cache_seconds: float = CACHE_SECONDS) -> None:
        self.store = store
        self.clock = clock
        self.cache_seconds = cache_seconds
        # The rows last read and when the read began; None: read them at the next check.
        self._rows: list[tuple[Any, ...]] | None = None
        self._read_at = 0.0
        # The read under way, and the checks waiting for it.
        self._reading: list[Deferred[list[tuple[Any, ...]]]] | None = None
        # Bumped by forget(): a read begun before it is not kept.
        self._generation = 0
        _checkers.add(self)

    def forget(self) -> None:
        """Drop the copy of the hashes: the next check reads the store."""
        self._rows = None
        self._reading = None
        self._generation += 1

    def _stored(self) -> Deferred[list[tuple[Any, ...]]]:
        now = self.clock()
        if self._rows is not None and 0 <= now - self._read_at < self.cache_seconds:
            return succeed(self._rows)
        waiter: Deferred[list[tuple[Any, ...]]] = Deferred()
        if self._reading is not None:
            self._reading.append(waiter)
            return waiter
        waiting = self._reading = [waiter]
        generation = self._generation

        def read(result: Any) -> None:
            if self._reading is waiting:
                self._reading = None
            if generation == self._generation and isinstance(result, list):
                self._rows, self._read_at = result, now
            # A failed read is not kept: each waiter is told, and the next check reads again.
            for each in waiting:
                if isinstance(result, list):
                    each.callback(result)
                else:
                    each.errback(result)
        # (maybeDeferred: a store that raises at once must not leave the waiters hanging.)
        maybeDeferred(self.store.api_tokens).addBoth(read)
        return waiter

    def check(self, presented: str | None) -> Deferred[str | None]:
        """Fires with the label of the token ``presented`` matches, or None; a match's
        last use is written (not waited for). A value without a token's form is None at
        once, with no look at the store."""
        if not well_formed(presented):
            return succeed(None)
        token = str(presented)

        def compare(rows: list[tuple[Any, ...]]) -> str | None:
            label = match(token, rows)
            if label is not None:
                self.store.touch_api_token(label, self.clock()).addErrback(
                    lambda f: log.failure("could not note the use of API token {label}", f,
                                          label=label))
            return label
        result: Deferred[str | None] = self._stored().addCallback(compare)
        return result


# -- the sysadmin's side (mud/admin_token_tool.py), each a call on a store -----------------

def create(store: Any, label: str, now: float) -> Deferred[str]:
    """Make a token called ``label``; fires with the token (the only time it is seen).
    Fails with TokenProblem for a bad or taken label, or too many tokens."""
    problem = label_problem(label)
    if problem:
        return fail(TokenProblem(problem))
    token = new_token()

    def counted(rows: list[tuple[Any, ...]]) -> Deferred[bool]:
        if any(row[0] == label for row in rows):
            raise TokenProblem(f"There is already a token called '{label}'; revoke it first "
                               "or choose another label.")
        if len(rows) >= MAX_TOKENS:
            raise TokenProblem(f"There are {MAX_TOKENS} tokens already; revoke some first.")
        return store.add_api_token(label, digest(token), now)

    def added(ok: bool) -> str:
        if not ok:
            raise TokenProblem(f"There is already a token called '{label}'.")
        _changed(store)
        return token
    result: Deferred[str] = store.api_tokens().addCallback(counted).addCallback(added)
    return result


def listing(store: Any) -> Deferred[list[TokenInfo]]:
    """Every token's label, creation and last use (never the token or its hash)."""
    result: Deferred[list[TokenInfo]] = store.api_tokens().addCallback(
        lambda rows: [TokenInfo(str(r[0]), float(r[2]), r[3]) for r in rows])
    return result


def revoke(store: Any, label: str) -> Deferred[None]:
    """Forget the token ``label``: requests bearing it are refused from then on. Fails
    with TokenProblem when there is none."""
    def removed(ok: bool) -> None:
        _changed(store)
        if not ok:
            raise TokenProblem(f"There is no token called '{label[:40]}'. "
                               "'mud-admin-token list' shows them.")
    result: Deferred[None] = store.remove_api_token(label).addCallback(removed)
    return result
